/**
 * Diagonal linear network with shared weights (section 3, eq. (3)):
 * phi_w(x) = <w ∘ w, x>, initialised at w0 = alpha * 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiagonalSpec } from './spec.js';
import { layoutFrom, type Model } from './types.js';

export function diagonalNet(spec: DiagonalSpec, inputDim: number): Model {
  const layout = layoutFrom([{ name: 'w', shape: [inputDim], role: 'weight' }]);
  return {
    kind: 'diagonal',
    layout,
    numParams: inputDim,
    outputDim: 1,
    maxChunk: 100000,
    forward(theta, X) {
      return tf.matMul(X, tf.reshape(tf.square(theta), [inputDim, 1])) as tf.Tensor2D;
    },
    init() {
      return new Float32Array(inputDim).fill(spec.alpha * spec.initScale);
    },
  };
}
