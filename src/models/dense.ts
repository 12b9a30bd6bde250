import * as tf from '@tensorflow/tfjs';
import { activate, linear } from './layers.js';
import type { DenseStack } from './types.js';

export interface DensePasses {
  /** h_{l-1}, the input of layer l (h_0 = X). */
  inputs: tf.Tensor2D[];
  /** a_l = s_l h_{l-1} W_l^T + b_l; the last one is the network output. */
  preActivations: tf.Tensor2D[];
}

export interface DenseParams {
  weights: tf.Tensor2D[];
  biases: (tf.Tensor1D | null)[];
}

/**
 * Every layer's weight and bias, cut from a flat vector (theta, or a direction
 * v) with one split: its gradient is one concatenation, where a slice per block
 * would pad each block's gradient to the full length and add them up.
 */
export function denseParams(stack: DenseStack, flat: tf.Tensor1D): DenseParams {
  const blocks = stack.layers.flatMap((layer) => (layer.bias ? [layer.weight, layer.bias] : [layer.weight]));
  const parts = tf.split(flat, blocks.map((b) => b.size));
  const weights: tf.Tensor2D[] = [];
  const biases: (tf.Tensor1D | null)[] = [];
  let i = 0;
  for (const layer of stack.layers) {
    weights.push(tf.reshape(parts[i++], layer.weight.shape as [number, number]));
    biases.push(layer.bias ? (parts[i++] as tf.Tensor1D) : null);
  }
  return { weights, biases };
}

/** The forward pass of a dense stack, keeping every layer's input and pre-activation. */
export function denseForward(stack: DenseStack, params: DenseParams, X: tf.Tensor2D): DensePasses {
  const inputs: tf.Tensor2D[] = [X];
  const preActivations: tf.Tensor2D[] = [];
  stack.layers.forEach((layer, l) => {
    const a = linear(inputs[l], params.weights[l], params.biases[l], layer.inputScale);
    preActivations.push(a);
    if (l < stack.layers.length - 1) inputs.push(activate(a, stack.activation) as tf.Tensor2D);
  });
  return { inputs, preActivations };
}
