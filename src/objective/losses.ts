/**
 * Training losses as SUMS over the samples of a chunk (the objective divides by
 * the total sample count, so chunked evaluation equals the full-batch mean).
 * Both are built from primitives whose second derivatives tfjs gets right
 * (tf.logSoftmax and tf.losses.softmaxCrossEntropy break nested gradients).
 */
import * as tf from '@tensorflow/tfjs';

export const LOSSES = ['mse', 'ce'] as const;
export type LossName = (typeof LOSSES)[number];

/** Reference MSE (Cohen et al.): per sample 1/2 * ||f(x) - y||^2, summed over outputs. */
export function mseSum(out: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.mul(0.5, tf.sum(tf.square(tf.sub(out, target))));
}

/** Cross-entropy with one-hot targets: logsumexp(f) - <f, y> per sample. */
export function crossEntropySum(out: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.sub(tf.sum(tf.logSumExp(out, 1)), tf.sum(tf.mul(out, target)));
}

export function lossSum(name: LossName): (out: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar {
  return name === 'mse' ? mseSum : crossEntropySum;
}

/** dl/df per sample, closed form: f - y (MSE) or softmax(f) - y (CE). */
export function outputGradient(name: LossName, out: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(name === 'mse' ? out : tf.softmax(out), target);
}

/** (d2l/df2) r per sample, closed form: r (MSE) or (diag(p) - p p^T) r with p = softmax(f) (CE). */
export function outputHessianTimes(name: LossName, out: tf.Tensor2D, r: tf.Tensor2D): tf.Tensor2D {
  if (name === 'mse') return r;
  const p = tf.softmax(out);
  return tf.mul(p, tf.sub(r, tf.sum(tf.mul(p, r), 1, true)));
}
