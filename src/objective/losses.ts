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

/** What the loss compares with the target: f itself (MSE) or p = softmax(f) (CE). */
export function prediction(name: LossName, out: tf.Tensor2D): tf.Tensor2D {
  return name === 'mse' ? out : tf.softmax(out);
}

/** dl/df per sample, closed form: prediction - y (f - y for MSE, softmax(f) - y for CE). */
export function outputGradient(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(pred, target);
}

/** (d2l/df2) r per sample, closed form: r (MSE) or (diag(p) - p p^T) r with p = prediction = softmax(f) (CE). */
export function outputHessianTimes(name: LossName, pred: tf.Tensor2D, r: tf.Tensor2D): tf.Tensor2D {
  if (name === 'mse') return r;
  return tf.mul(pred, tf.sub(r, tf.sum(tf.mul(pred, r), 1, true)));
}

/** A loss as the addon's native objectives (native/src/output.h) number it. */
export const NATIVE_LOSS_CODE: Record<LossName, number> = { mse: 0, ce: 1 };
