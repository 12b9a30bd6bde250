/**
 * Batch norm as PyTorch's nn.BatchNorm2d(track_running_stats=False) computes it in
 * training mode: y = (x - mean) / sqrt(var + eps) * weight + bias per channel, with
 * the biased variance of the batch. Full-batch GD makes the batch the whole
 * training set, so a model is written once as a body over a `normalize` callback
 * and gets both forms the objective needs: normalising with the statistics of its
 * own input (one pass over all samples) and with given statistics s (chunked
 * evaluation; see BatchStatistics).
 *
 * The variance is taken as mean(x^2) - mean^2 in every form, so chunk sums give
 * exactly what one pass gives; in float32 this loses precision only when a
 * channel's mean is far larger than its spread.
 */
import * as tf from '@tensorflow/tfjs';
import { param } from './layers.js';
import type { BatchStatistics, ParamBlock } from './types.js';

export const BATCH_NORM_EPS = 1e-5;

/** Thrown through the body once momentsWith has the moments it needs: the rest of the network is not run. */
const enough = Symbol('enough moments');

/** Normalises batch-norm layer l's input x (channels on the last axis). */
export type Normalize = (l: number, x: tf.Tensor) => tf.Tensor;

/** A network written once over its batch-norm layers. */
export type NormalizedBody = (theta: tf.Tensor1D, X: tf.Tensor2D, normalize: Normalize) => tf.Tensor2D;

export interface BatchNormLayer {
  weight: ParamBlock;
  bias: ParamBlock;
}

/**
 * Per channel, the sum over samples (axis 0) of the sample's mean of x and of x^2
 * over its positions: [2C]. Divided by the number of samples, the batch moments.
 */
function momentSums(x: tf.Tensor): tf.Tensor1D {
  const c = x.shape[x.rank - 1];
  const rows = tf.reshape(x, [-1, c]);
  const positions = rows.shape[0] / x.shape[0];
  return tf.div(tf.concat([tf.sum(rows, 0), tf.sum(tf.square(rows), 0)]), positions) as tf.Tensor1D;
}

/** Normalise with statistics [means (C), means of squares (C)]. */
function batchNorm(x: tf.Tensor, stats: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [mean, meanSquare] = tf.split(stats, 2);
  const variance = tf.sub(meanSquare, tf.square(mean));
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BATCH_NORM_EPS))), weight), bias);
}

/**
 * The forward pass normalising with X's own statistics, and the chunked form
 * (BatchStatistics) normalising with given s. The body calls normalize once per
 * layer.
 */
export function batchNormalized(
  layers: readonly BatchNormLayer[],
  body: NormalizedBody,
): { forward(theta: tf.Tensor1D, X: tf.Tensor2D): tf.Tensor2D; batchStatistics: BatchStatistics } {
  const offsets: number[] = [];
  let size = 0;
  for (const layer of layers) {
    offsets.push(size);
    size += 2 * layer.weight.size;
  }
  const affine = (theta: tf.Tensor1D, l: number): [tf.Tensor, tf.Tensor] => [param(theta, layers[l].weight), param(theta, layers[l].bias)];
  /** normalize() with given statistics s that records each layer's moment sums in `moments`. */
  const normalizeWith =
    (theta: tf.Tensor1D, s: tf.Tensor1D, moments: tf.Tensor1D[]): Normalize =>
    (l, x) => {
      moments[l] = momentSums(x);
      return batchNorm(x, tf.slice(s, offsets[l], 2 * layers[l].weight.size), ...affine(theta, l));
    };
  return {
    forward(theta, X) {
      return body(theta, X, (l, x) => {
        return batchNorm(x, tf.div(momentSums(x), x.shape[0]), ...affine(theta, l));
      });
    },
    batchStatistics: {
      size,
      depth: layers.length,
      forwardWith(theta, X, s) {
        const moments: tf.Tensor1D[] = new Array(layers.length);
        const out = body(theta, X, normalizeWith(theta, s, moments));
        const missing = layers.findIndex((_, l) => !moments[l]);
        if (missing >= 0) throw new Error(`batch-norm layer ${missing} (${layers[missing].weight.name}) was never applied`);
        return { out, moments: tf.concat(moments) as tf.Tensor1D };
      },
      momentsWith(theta, X, s, count) {
        const moments: tf.Tensor1D[] = new Array(layers.length);
        const normalize = normalizeWith(theta, s, moments);
        let needed = count;
        try {
          body(theta, X, (l, x) => {
            const y = normalize(l, x);
            if (l < count && --needed === 0) throw enough;
            return y;
          });
        } catch (e) {
          if (e !== enough) throw e;
        }
        if (count < layers.length) moments.splice(count, layers.length - count, tf.zeros([size - offsets[count]]) as tf.Tensor1D);
        return tf.concat(moments) as tf.Tensor1D;
      },
    },
  };
}
