/**
 * A one-hidden-layer ReLU net whose parameters are all zero, on two samples: the hidden layer
 * outputs 0, so only the output bias b has a gradient and GD / GF act on b alone,
 * b -> b - eta c (b - mean y), with c the bias's curvature (read off an exact HVP). Closed-form
 * dynamics for the stall and progress tests.
 */
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import type { GdConfig } from '../../src/train/gd.js';
import type { MeasureContext } from '../../src/train/measure.js';

/** Two samples with targets `y`; all parameters zero: the hidden layer outputs 0 and only the output bias has a gradient. */
export function biasOnlyNet(y: [number, number]): { ctx: MeasureContext; curvature: number; bias: number } {
  const model = buildModel({ kind: 'fcn', widths: [3], activation: 'relu' }, [2], 1);
  const train = makeObjective(model, { X: Float32Array.from([1, 2, -1, 0.5]), Y: Float32Array.from(y), n: 2, d: 2, k: 1 }, 'mse');
  const theta0 = new Float32Array(model.numParams);
  const bias = model.layout.find((b) => b.name === 'layers.1.bias')!.offset;
  const e = new Float32Array(model.numParams);
  e[bias] = 1;
  const curvature = train.hvp(theta0, e)[bias];
  return { ctx: { train, test: null, layout: model.layout, theta0, sharpnessTol: 1e-6 }, curvature, bias };
}

export const gdConfig = (lr: number): GdConfig => ({ lr, lossGoal: 1e-3, maxSteps: 500, divergenceFactor: 1e3, recordEvery: 1, sharpnessEvery: 0, nuclearDuringTraining: false });
