import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/gradients.js';
import { activate, param } from './layers.js';
import type { DenseStack } from './types.js';

export interface DensePasses {
  /** h_{l-1}, the input of layer l (h_0 = X). */
  inputs: tf.Tensor2D[];
  /** a_l = s_l h_{l-1} W_l^T + b_l; the last one is the network output. */
  preActivations: tf.Tensor2D[];
}

/** The forward pass of a dense stack, keeping every layer's input and pre-activation. */
export function denseForward(stack: DenseStack, theta: tf.Tensor1D, X: tf.Tensor2D): DensePasses {
  const inputs: tf.Tensor2D[] = [X];
  const preActivations: tf.Tensor2D[] = [];
  stack.layers.forEach((layer, l) => {
    let a = matMulT(inputs[l], param(theta, layer.weight), false, true) as tf.Tensor2D;
    if (layer.inputScale !== 1) a = tf.mul(a, layer.inputScale);
    if (layer.bias) a = tf.add(a, param(theta, layer.bias));
    preActivations.push(a);
    if (l < stack.layers.length - 1) inputs.push(activate(a, stack.activation) as tf.Tensor2D);
  });
  return { inputs, preActivations };
}
