/**
 * Plain float64 reference networks (no tfjs): forward passes and hand-written
 * backpropagation over a flat parameter vector in PyTorch state_dict order.
 */
import type { SupervisedData } from '../../src/objective/index.js';

/** Inputs as they come from SupervisedData (float32) or a float64 computation. */
export type FloatVec = Float32Array | Float64Array;

export interface RefBlock {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface RefNet {
  readonly blocks: RefBlock[];
  readonly numParams: number;
  readonly outputDim: number;
  /** Outputs [n, k] for row-major inputs X [n, d]. */
  forward(theta: Float64Array, X: FloatVec, n: number): Float64Array;
  /** Gradient w.r.t. theta of sum_i <G_i, f(x_i)> for a cotangent G [n, k]. */
  backward(theta: Float64Array, X: FloatVec, n: number, G: Float64Array): Float64Array;
}

export type RefLoss = 'mse' | 'ce';

export function blocksFrom(entries: { name: string; shape: number[] }[]): RefBlock[] {
  let offset = 0;
  return entries.map(({ name, shape }) => {
    const size = shape.reduce((a, c) => a * c, 1);
    const block = { name, shape, offset, size };
    offset += size;
    return block;
  });
}

/**
 * Mean loss over the samples and its cotangent dL/d(out):
 * mse = (1/n) sum_i 1/2 ||out_i - y_i||^2, ce = (1/n) sum_i (logsumexp(out_i) - <out_i, y_i>).
 */
export function lossAndCotangent(out: Float64Array, Y: ArrayLike<number>, n: number, k: number, loss: RefLoss): { loss: number; G: Float64Array } {
  const G = new Float64Array(n * k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = out.subarray(i * k, (i + 1) * k);
    if (loss === 'mse') {
      for (let j = 0; j < k; j++) {
        const r = o[j] - Y[i * k + j];
        total += 0.5 * r * r;
        G[i * k + j] = r / n;
      }
    } else {
      const m = Math.max(...o);
      let z = 0;
      for (let j = 0; j < k; j++) z += Math.exp(o[j] - m);
      const lse = m + Math.log(z);
      total += lse;
      for (let j = 0; j < k; j++) {
        total -= o[j] * Y[i * k + j];
        G[i * k + j] = (Math.exp(o[j] - lse) - Y[i * k + j]) / n;
      }
    }
  }
  return { loss: total / n, G };
}

export function refLoss(net: RefNet, theta: Float64Array, data: SupervisedData, loss: RefLoss): number {
  return lossAndCotangent(net.forward(theta, data.X, data.n), data.Y, data.n, data.k, loss).loss;
}

export function refLossAndGrad(net: RefNet, theta: Float64Array, data: SupervisedData, loss: RefLoss): { loss: number; grad: Float64Array } {
  const { loss: value, G } = lossAndCotangent(net.forward(theta, data.X, data.n), data.Y, data.n, data.k, loss);
  return { loss: value, grad: net.backward(theta, data.X, data.n, G) };
}

export type Activation = 'relu' | 'tanh';

export function act(a: number, activation: Activation): number {
  return activation === 'relu' ? Math.max(a, 0) : Math.tanh(a);
}

/** Derivative of the activation at pre-activation a. */
export function actDeriv(a: number, activation: Activation): number {
  if (activation === 'relu') return a > 0 ? 1 : 0;
  const t = Math.tanh(a);
  return 1 - t * t;
}
