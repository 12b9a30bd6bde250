/**
 * Linear classifier of appendix F: z = <w~, x~> + b, trained with the logistic
 * loss. The forward returns the two logits [0, z], so the logistic loss is
 * exactly the two-class cross-entropy and shares its second-order-safe code.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, param, pytorchDefaultInit } from './layers.js';
import type { LogisticSpec } from './spec.js';
import { layoutFrom, totalSize, type Model } from './types.js';

export function logisticModel(spec: LogisticSpec, inputDim: number): Model {
  const layout = layoutFrom([
    { name: 'weight', shape: [1, inputDim], role: 'weight' },
    { name: 'bias', shape: [1], role: 'bias' },
  ]);
  return {
    kind: 'logistic',
    layout,
    numParams: totalSize(layout),
    outputDim: 2,
    maxChunk: 100000,
    forward(theta, X) {
      const z = linear(X, param(theta, layout[0]), param(theta, layout[1]));
      return tf.concat([tf.zerosLike(z), z], 1) as tf.Tensor2D;
    },
    init(seed) {
      return pytorchDefaultInit(layout, () => inputDim, seed, spec.initScale);
    },
  };
}
