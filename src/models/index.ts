import { cnn } from './cnn.js';
import { diagonalNet } from './diagonal.js';
import { fcn } from './fcn.js';
import { logisticModel } from './logistic.js';
import { ModelSpec } from './spec.js';
import type { Model } from './types.js';

export * from './spec.js';
export * from './types.js';

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
      if (inputShape.length !== 3) throw new Error(`model 'cnn' needs image inputs [C, H, W], got shape [${inputShape.join(', ')}]`);
      return cnn(parsed, inputShape as [number, number, number], outputDim);
    case 'diagonal':
      return diagonalNet(parsed, inputDim);
    case 'logistic':
      return logisticModel(parsed, inputDim);
  }
}
