/** A small MNIST experiment whose sweep runs in seconds: the fault and resume trials use it. */
export const SMALL_MNIST = {
  id: 'resume',
  dataset: 'mnist-5k:64',
  model: { kind: 'fcn', widths: [16], activation: 'relu' },
  loss: 'mse',
  seed: 2,
  lossGoals: [0.1],
  testLimit: 50,
  record: { every: 2, sharpnessEvery: 4, sharpnessTol: 1e-2 },
  grid: { fine: 3, coarse: 2, extendUntilDivergence: 1, refine: 0 },
};
