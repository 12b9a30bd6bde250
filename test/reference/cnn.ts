/**
 * Float64 reference for the CNN: [Conv2d(3x3, padding 1) -> act -> MaxPool2d(2)] x L -> Linear,
 * with direct convolution loops on (C, H, W) arrays and PyTorch's (C, H, W) flatten before the head.
 */
import { act, actDeriv, blocksFrom, type Activation, type RefNet } from './net.js';

export interface CnnRefConfig {
  channels: number[];
  activation: Activation;
}

interface LayerCache {
  input: Float64Array;
  pre: Float64Array;
  /** Flat index (into pre) of each pooled output's maximum. */
  argmax: Int32Array;
}

export function cnnRef(cfg: CnnRefConfig, inputShape: [number, number, number], k: number): RefNet {
  const [c0, h0, w0] = inputShape;
  const chans = [c0, ...cfg.channels];
  const L = cfg.channels.length;
  const sizes: [number, number][] = [[h0, w0]];
  for (let l = 0; l < L; l++) sizes.push([sizes[l][0] / 2, sizes[l][1] / 2]);
  const flat = chans[L] * sizes[L][0] * sizes[L][1];
  const blocks = blocksFrom([
    ...cfg.channels.flatMap((out, l) => [
      { name: `convs.${l}.weight`, shape: [out, chans[l], 3, 3] },
      { name: `convs.${l}.bias`, shape: [out] },
    ]),
    { name: 'head.weight', shape: [k, flat] },
    { name: 'head.bias', shape: [k] },
  ]);
  const numParams = blocks[blocks.length - 1].offset + blocks[blocks.length - 1].size;
  const head = blocks[2 * L];
  const headBias = blocks[2 * L + 1];

  function forwardSample(theta: Float64Array, x: ArrayLike<number>): { caches: LayerCache[]; features: Float64Array; out: Float64Array } {
    const caches: LayerCache[] = [];
    let input = Float64Array.from(x);
    for (let l = 0; l < L; l++) {
      const [h, w] = sizes[l];
      const cin = chans[l];
      const cout = chans[l + 1];
      const W = blocks[2 * l].offset;
      const B = blocks[2 * l + 1].offset;
      const pre = new Float64Array(cout * h * w);
      for (let o = 0; o < cout; o++)
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++) {
            let s = theta[B + o];
            for (let c = 0; c < cin; c++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const yy = y + i - 1;
                  const xj = xx + j - 1;
                  if (yy >= 0 && yy < h && xj >= 0 && xj < w) s += theta[W + ((o * cin + c) * 3 + i) * 3 + j] * input[(c * h + yy) * w + xj];
                }
            pre[(o * h + y) * w + xx] = s;
          }
      const [ph, pw] = sizes[l + 1];
      const pooled = new Float64Array(cout * ph * pw);
      const argmax = new Int32Array(cout * ph * pw);
      for (let o = 0; o < cout; o++)
        for (let y = 0; y < ph; y++)
          for (let xx = 0; xx < pw; xx++) {
            let best = -Infinity;
            let at = -1;
            for (let dy = 0; dy < 2; dy++)
              for (let dx = 0; dx < 2; dx++) {
                const idx = (o * h + 2 * y + dy) * w + 2 * xx + dx;
                const v = act(pre[idx], cfg.activation);
                if (v > best) {
                  best = v;
                  at = idx;
                }
              }
            pooled[(o * ph + y) * pw + xx] = best;
            argmax[(o * ph + y) * pw + xx] = at;
          }
      caches.push({ input, pre, argmax });
      input = pooled;
    }
    const out = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let s = theta[headBias.offset + j];
      for (let i = 0; i < flat; i++) s += theta[head.offset + j * flat + i] * input[i];
      out[j] = s;
    }
    return { caches, features: input, out };
  }

  return {
    blocks,
    numParams,
    outputDim: k,
    forward(theta, X, n) {
      const d = c0 * h0 * w0;
      const out = new Float64Array(n * k);
      for (let s = 0; s < n; s++) out.set(forwardSample(theta, X.subarray(s * d, (s + 1) * d)).out, s * k);
      return out;
    },
    backward(theta, X, n, G) {
      const d = c0 * h0 * w0;
      const grad = new Float64Array(numParams);
      for (let s = 0; s < n; s++) {
        const { caches, features } = forwardSample(theta, X.subarray(s * d, (s + 1) * d));
        let dIn = new Float64Array(flat);
        for (let j = 0; j < k; j++) {
          const g = G[s * k + j];
          grad[headBias.offset + j] += g;
          for (let i = 0; i < flat; i++) {
            grad[head.offset + j * flat + i] += g * features[i];
            dIn[i] += theta[head.offset + j * flat + i] * g;
          }
        }
        for (let l = L - 1; l >= 0; l--) {
          const { input, pre, argmax } = caches[l];
          const [h, w] = sizes[l];
          const cin = chans[l];
          const cout = chans[l + 1];
          const W = blocks[2 * l].offset;
          const B = blocks[2 * l + 1].offset;
          // Max-pool routes the cotangent to the window's maximum; then through the activation.
          const dPre = new Float64Array(cout * h * w);
          argmax.forEach((idx, p) => {
            dPre[idx] += dIn[p] * actDeriv(pre[idx], cfg.activation);
          });
          const dInput = new Float64Array(cin * h * w);
          for (let o = 0; o < cout; o++)
            for (let y = 0; y < h; y++)
              for (let xx = 0; xx < w; xx++) {
                const g = dPre[(o * h + y) * w + xx];
                if (g === 0) continue;
                grad[B + o] += g;
                for (let c = 0; c < cin; c++)
                  for (let i = 0; i < 3; i++)
                    for (let j = 0; j < 3; j++) {
                      const yy = y + i - 1;
                      const xj = xx + j - 1;
                      if (yy < 0 || yy >= h || xj < 0 || xj >= w) continue;
                      const wi = W + ((o * cin + c) * 3 + i) * 3 + j;
                      grad[wi] += g * input[(c * h + yy) * w + xj];
                      dInput[(c * h + yy) * w + xj] += theta[wi] * g;
                    }
              }
          dIn = dInput;
        }
      }
      return grad;
    },
  };
}
