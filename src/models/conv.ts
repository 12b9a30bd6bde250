/**
 * Convolution and pooling from ops with exact second derivatives: tfjs has no
 * second-order gradients for conv2d or its pooling kernels, so a convolution is
 * an im2col (a native kernel whose gradient is its adjoint, or nine shifted slices
 * of the padded input, concatenated) followed by one matmul, and pooling reduces
 * pairs over reshaped axes. Images are NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import { IM2COL_KERNEL } from '../backend/blas.js';

export const K = 3;

/** [n, C*H*W] rows (PyTorch's flattening) -> NHWC images. */
export function imagesNHWC(X: tf.Tensor2D, [c, h, w]: readonly [number, number, number]): tf.Tensor4D {
  return tf.transpose(tf.reshape(X, [X.shape[0], c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
}

/**
 * cols [n*h*w, 9c]: each pixel's zero-padded 3x3 neighbourhood, taps major. One native kernel where the backend has
 * it (src/backend/blas.ts), else nine shifted slices of the padded input, concatenated.
 */
export function im2col3x3(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  if (tf.getKernel(IM2COL_KERNEL, tf.getBackend())) return tf.engine().runKernel(IM2COL_KERNEL, { x }, { shape: x.shape }) as tf.Tensor2D;
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const patches: tf.Tensor[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) patches.push(tf.slice(xp, [0, i, j, 0], [n, h, w, c]));
  return tf.reshape(tf.concat(patches, 3), [n * h * w, K * K * c]);
}

/** 3x3 convolution, stride 1, zero padding 1, on NHWC input with a PyTorch weight [out, in, 3, 3] and optional bias. */
export function conv3x3(x: tf.Tensor4D, W: tf.Tensor, b: tf.Tensor | null): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cols = im2col3x3(x);
  const out = W.shape[0];
  const Wcol = tf.reshape(tf.transpose(W, [2, 3, 1, 0]), [K * K * c, out]);
  const y = tf.matMul(cols, Wcol);
  return tf.reshape(b ? tf.add(y, b) : y, [n, h, w, out]);
}

/** Max over the middle axis (of size 2) of [a, 2, b]; on ties the first element takes the whole gradient, as in PyTorch. */
function maxOfPair(x: tf.Tensor3D): tf.Tensor2D {
  const [a, , b] = x.shape;
  return tf.maximum(tf.reshape(tf.slice(x, [0, 0, 0], [a, 1, b]), [a, b]), tf.reshape(tf.slice(x, [0, 1, 0], [a, 1, b]), [a, b])) as tf.Tensor2D;
}

/**
 * 2x2 max-pool, stride 2, on NHWC input with even height and width. Built from
 * pairwise maxima rather than tf.max: tf.max's gradient gives the full upstream
 * gradient to EVERY tied element (ties are common on MNIST's constant border),
 * which is not a subgradient; tf.maximum picks one.
 */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const alongW = maxOfPair(tf.reshape(x, [n * h * (w / 2), 2, c]));
  const alongH = maxOfPair(tf.reshape(alongW, [n * (h / 2), 2, (w / 2) * c]));
  return tf.reshape(alongH, [n, h / 2, w / 2, c]);
}

/** 2x2 average pool, stride 2 (F.avg_pool2d(x, 2)), on NHWC input with even height and width. */
export function avgPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const alongW = tf.mean(tf.reshape(x, [n * h * (w / 2), 2, c]), 1);
  const alongH = tf.mean(tf.reshape(alongW, [n * (h / 2), 2, (w / 2) * c]), 1);
  return tf.reshape(alongH, [n, h / 2, w / 2, c]);
}
