/**
 * Matrix-product FLOPs of a model's forward pass, counted from the tfjs kernels that
 * run it: 2·M·N·K per product (batched products times their batch), elementwise work
 * not counted. The numerator of achieved-FLOP-rate figures ("model FLOPs": a gradient
 * counts as 3 forward passes, an HVP as 6), whatever kernels the engine actually runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from './types.js';

const PRODUCTS = new Set(['BatchMatMul', '_FusedMatMul', 'MatMul']);

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * FLOPs of one batched product from its kernel's shapes: the output [..., m, n] fixes m
 * and n; the inner size K is the dimension of a's last two ([m, K] or, transposed,
 * [K, m]) that is not m.
 */
export function productFlops(a: readonly number[], out: readonly number[]): number {
  const [m, n] = out.slice(-2);
  const [a1, a2] = a.slice(-2);
  const K = a1 === m ? a2 : a1;
  return 2 * sizeOf(out.slice(0, -2)) * m * n * K;
}

/** Matrix-product FLOPs of model.forward(theta, X) for the samples of X (profiled once). */
export async function forwardFlops(model: Model, theta: Float32Array, X: tf.Tensor2D): Promise<number> {
  const t = tf.tensor1d(theta);
  try {
    const info = await tf.profile(() => model.forward(t, X));
    tf.dispose(info.result as tf.Tensor);
    let flops = 0;
    for (const k of info.kernels) {
      if (!PRODUCTS.has(k.name)) continue;
      flops += productFlops(k.inputShapes[0] ?? [], k.outputShapes[0] ?? []);
    }
    return flops;
  } finally {
    t.dispose();
  }
}
