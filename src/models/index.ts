import { cnn } from './cnn.js';
import { diagonalNet } from './diagonal.js';
import { fcn } from './fcn.js';
import { logisticModel } from './logistic.js';
import { resnet } from './resnet.js';
import { transformer } from './transformer.js';
import { vit } from './vit.js';
import { ModelSpec } from './spec.js';
import type { Model } from './types.js';

export * from './spec.js';
export * from './types.js';

function imageShape(kind: string, inputShape: readonly number[]): [number, number, number] {
  if (inputShape.length !== 3) throw new Error(`model '${kind}' needs image inputs [C, H, W], got shape [${inputShape.join(', ')}]`);
  return inputShape as [number, number, number];
}

/**
 * Build a model for inputs of shape [C, H, W] (images) or [d] (vectors) and
 * `outputDim` outputs. The spec is validated, so unknown fields are errors.
 */
export function buildModel(spec: unknown, inputShape: readonly number[], outputDim: number): Model {
  const parsed = ModelSpec.parse(spec);
  const inputDim = inputShape.reduce((a, c) => a * c, 1);
  switch (parsed.kind) {
    case 'fcn':
      return fcn(parsed, inputDim, outputDim);
    case 'cnn':
      return cnn(parsed, imageShape(parsed.kind, inputShape), outputDim);
    case 'vit':
      return vit(parsed, imageShape(parsed.kind, inputShape), outputDim);
    case 'resnet':
      return resnet(parsed, imageShape(parsed.kind, inputShape), outputDim);
    case 'transformer':
      return transformer(parsed, inputShape, outputDim);
    case 'diagonal':
      return diagonalNet(parsed, inputDim);
    case 'logistic':
      return logisticModel(parsed, inputDim);
  }
}
