/**
 * config -> data + model -> objective: everything a GD or GF run needs, built
 * from an Experiment. Image datasets come from src/data; the synthetic sets of
 * section 3 and appendix F are named `diagonal:<d>[:<seed>]` (one training point
 * with x >= 0, test = fresh unconditioned draws, so test loss estimates the risk
 * of Lemma E.1) and `two-point:<d>:<muNorm>[:<seed>]` (Theorem F.1, test = the
 * Gaussian cluster) and `reversal:<n>[:<seed>]` (appendix H.14: n sequences of
 * length 10 over {1..9} and their reversals, test = fresh draws).
 */
import { loadDataset, oneHot } from '../data/index.js';
import { sampleDiagonalRegression, sampleGaussianCluster, sampleSequenceReversal, sampleTwoPointClassification, type SequenceData } from '../data/synthetic.js';
import { buildModel, type Model } from '../models/index.js';
import { makeObjective, type Objective, type SupervisedData } from '../objective/index.js';
import type { Experiment } from '../sweep/schema.js';
import type { MeasureContext } from './measure.js';

export interface Problem extends MeasureContext {
  experiment: Experiment;
  model: Model;
  dispose(): void;
}

interface Sets {
  train: SupervisedData;
  test: SupervisedData;
  inputShape: number[];
}

const SYNTHETIC_TEST_SAMPLES = 10000;
/** Appendix H.14: sequences of length 10 over the symbols 1..9. */
const REVERSAL_LENGTH = 10;
const REVERSAL_SYMBOLS = 9;

function dropLastColumn(X: Float64Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * (d - 1));
  for (let i = 0; i < n; i++) for (let j = 0; j < d - 1; j++) out[i * (d - 1) + j] = X[i * d + j];
  return out;
}

/** Token sequences as supervised data: input rows of 2 x length ids, one-hot targets per position. */
export function sequenceData(s: SequenceData): SupervisedData {
  return { X: Float32Array.from(s.X), Y: oneHot(s.targets, s.vocab), n: s.n, d: 2 * s.length, k: s.length * s.vocab };
}

function syntheticSets(spec: string): Sets | null {
  const parts = spec.split(':');
  const num = (i: number, fallback?: number): number => {
    const v = parts[i] === undefined ? fallback : Number(parts[i]);
    if (v === undefined || !Number.isFinite(v)) throw new Error(`bad dataset spec "${spec}": field ${i} must be a number`);
    return v;
  };
  if (parts[0] === 'diagonal') {
    const d = num(1);
    const seed = num(2, 0);
    const train = sampleDiagonalRegression(d, 1, seed, { conditionNonNegative: true });
    const test = sampleDiagonalRegression(d, SYNTHETIC_TEST_SAMPLES, seed + 1);
    const asData = (s: typeof train): SupervisedData => ({ X: Float32Array.from(s.X), Y: Float32Array.from(s.y), n: s.n, d, k: 1 });
    return { train: asData(train), test: asData(test), inputShape: [d] };
  }
  if (parts[0] === 'two-point') {
    const d = num(1);
    const mu = new Float64Array(d);
    mu[0] = num(2);
    const seed = num(3, 0);
    const train = sampleTwoPointClassification(mu, seed);
    const test = sampleGaussianCluster(mu, SYNTHETIC_TEST_SAMPLES, seed + 1);
    // The generators append the bias coordinate 1; the logistic model has its own bias.
    const asData = (s: typeof train): SupervisedData => ({ X: dropLastColumn(s.X, s.n, s.d), Y: oneHot(s.labels, 2), n: s.n, d: s.d - 1, k: 2 });
    return { train: asData(train), test: asData(test), inputShape: [d] };
  }
  if (parts[0] === 'reversal') {
    const seed = num(2, 0);
    const asData = sequenceData;
    const train = sampleSequenceReversal(num(1), REVERSAL_LENGTH, seed, REVERSAL_SYMBOLS);
    const test = sampleSequenceReversal(SYNTHETIC_TEST_SAMPLES, REVERSAL_LENGTH, seed + 1, REVERSAL_SYMBOLS);
    return { train: asData(train), test: asData(test), inputShape: [2, REVERSAL_LENGTH] };
  }
  return null;
}

async function imageSets(spec: string, dataDir: string | undefined, testLimit: number | undefined): Promise<Sets> {
  const ds = await loadDataset(spec, { dataDir, testLimit });
  const asData = (s: typeof ds.train): SupervisedData => ({ X: s.X, Y: oneHot(s.labels, ds.numClasses), n: s.n, d: s.d, k: ds.numClasses });
  return { train: asData(ds.train), test: asData(ds.test), inputShape: [...ds.inputShape] };
}

export async function buildProblem(experiment: Experiment, opts: { dataDir?: string } = {}): Promise<Problem> {
  const sets = syntheticSets(experiment.dataset) ?? (await imageSets(experiment.dataset, opts.dataDir, experiment.testLimit));
  const model = buildModel(experiment.model, sets.inputShape, sets.train.k);
  const train: Objective = makeObjective(model, sets.train, experiment.loss);
  // Batch-normalised models evaluate the test set with the training set's statistics at theta (see ObjectiveOptions).
  const test: Objective = makeObjective(model, sets.test, experiment.loss, { statisticsFrom: sets.train });
  return {
    experiment,
    model,
    train,
    test,
    layout: model.layout,
    theta0: model.init(experiment.seed),
    sharpnessTol: experiment.record.sharpnessTol,
    dispose() {
      train.dispose();
      test.dispose();
    },
  };
}
