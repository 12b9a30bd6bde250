import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/gradients.js';
import type { Activation } from './spec.js';
import type { ParamBlock } from './types.js';
import { Rng } from '../util/random.js';

/** The tensor of one parameter block, differentiable with respect to theta. */
export function param(theta: tf.Tensor1D, block: ParamBlock): tf.Tensor {
  return tf.reshape(tf.slice(theta, block.offset, block.size), block.shape);
}

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : tf.tanh(x);
}

/** scale * (x @ W^T) + b for a PyTorch-layout weight W [out, in]. */
export function linear(x: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor | null, scale = 1): tf.Tensor2D {
  let y = matMulT(x, W, false, true) as tf.Tensor2D;
  if (scale !== 1) y = tf.mul(y, scale);
  return b ? tf.add(y, b) : y;
}

/** PyTorch's default nn.Linear / nn.Conv2d init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
export function pytorchDefaultInit(layout: readonly ParamBlock[], fanIn: (block: ParamBlock) => number, seed: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  const theta = new Float32Array(layout.reduce((a, b) => a + b.size, 0));
  for (const block of layout) {
    const bound = scale / Math.sqrt(fanIn(block));
    rng.fillUniform(theta.subarray(block.offset, block.offset + block.size), -bound, bound);
  }
  return theta;
}
