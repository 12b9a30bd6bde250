/**
 * Float64 reference for the fully connected nets: Linear(d, w1) -> act -> ... -> Linear(wL, k).
 * standard: nn.Linear with bias. ntk: no bias, each layer's input scaled by 1/sqrt(fan_in).
 * mup: as ntk, but the output layer's input is scaled by 1/fan_in.
 */
import { act, actDeriv, blocksFrom, type Activation, type RefNet } from './net.js';

export interface FcnRefConfig {
  widths: number[];
  activation: Activation;
  parameterization: 'standard' | 'ntk' | 'mup';
}

export function fcnRef(cfg: FcnRefConfig, d: number, k: number): RefNet {
  const dims = [d, ...cfg.widths, k];
  const L = dims.length - 1;
  const bias = cfg.parameterization === 'standard';
  const blocks = blocksFrom(
    dims.slice(1).flatMap((out, l) => {
      const w = { name: `layers.${l}.weight`, shape: [out, dims[l]] };
      return bias ? [w, { name: `layers.${l}.bias`, shape: [out] }] : [w];
    }),
  );
  const perLayer = bias ? 2 : 1;
  const scale = dims.slice(0, -1).map((fanIn, l) => {
    if (cfg.parameterization === 'standard') return 1;
    return cfg.parameterization === 'mup' && l === L - 1 ? 1 / fanIn : 1 / Math.sqrt(fanIn);
  });
  const numParams = blocks[blocks.length - 1].offset + blocks[blocks.length - 1].size;

  /** Per layer: scaled input u_l and pre-activation a_l. */
  function forwardSample(theta: Float64Array, x: ArrayLike<number>): { u: Float64Array[]; a: Float64Array[] } {
    const u: Float64Array[] = [];
    const a: Float64Array[] = [];
    let h: ArrayLike<number> = x;
    for (let l = 0; l < L; l++) {
      const W = blocks[l * perLayer].offset;
      const ul = Float64Array.from(h, (v) => v * scale[l]);
      const al = new Float64Array(dims[l + 1]);
      for (let j = 0; j < dims[l + 1]; j++) {
        let s = bias ? theta[blocks[l * perLayer + 1].offset + j] : 0;
        for (let i = 0; i < dims[l]; i++) s += theta[W + j * dims[l] + i] * ul[i];
        al[j] = s;
      }
      u.push(ul);
      a.push(al);
      h = l < L - 1 ? al.map((v) => act(v, cfg.activation)) : al;
    }
    return { u, a };
  }

  return {
    blocks,
    numParams,
    outputDim: k,
    forward(theta, X, n) {
      const out = new Float64Array(n * k);
      for (let s = 0; s < n; s++) {
        const { a } = forwardSample(theta, X.subarray(s * d, (s + 1) * d));
        out.set(a[L - 1], s * k);
      }
      return out;
    },
    backward(theta, X, n, G) {
      const grad = new Float64Array(numParams);
      for (let s = 0; s < n; s++) {
        const { u, a } = forwardSample(theta, X.subarray(s * d, (s + 1) * d));
        let dA = G.slice(s * k, (s + 1) * k);
        for (let l = L - 1; l >= 0; l--) {
          const W = blocks[l * perLayer].offset;
          const dU = new Float64Array(dims[l]);
          for (let j = 0; j < dims[l + 1]; j++) {
            if (bias) grad[blocks[l * perLayer + 1].offset + j] += dA[j];
            for (let i = 0; i < dims[l]; i++) {
              grad[W + j * dims[l] + i] += dA[j] * u[l][i];
              dU[i] += theta[W + j * dims[l] + i] * dA[j];
            }
          }
          if (l > 0) dA = dU.map((g, i) => g * scale[l] * actDeriv(a[l - 1][i], cfg.activation));
        }
      }
      return grad;
    },
  };
}
