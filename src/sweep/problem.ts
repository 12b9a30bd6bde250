/**
 * config -> data + model -> objective: everything a GD or GF run needs, built
 * from an Experiment. Image datasets come from src/data; the synthetic sets of
 * section 3 and appendix F are named `diagonal:<d>[:<seed>]` (one training point
 * with x >= 0, test = fresh unconditioned draws, so test loss estimates the risk
 * of Lemma E.1) and `two-point:<d>:<muNorm>[:<seed>]` (Theorem F.1, test = the
 * Gaussian cluster) and `reversal:<n>[:<seed>]` (appendix H.14: n sequences of
 * length 10 over {1..9} and their reversals, test = fresh draws). The tabular sets
 * of appendix H.14 are `breast-cancer[:<n>]` and `california-housing[:<n>]`
 * (src/data/tabular.ts: a seeded 80/20 split, standardised features and targets).
 */
import { DataFileError, DataUnavailableError, fetchDatasetIfMissing, fetchTabularIfMissing, loadDataset, loadTabular, oneHot, parseDatasetSpec, parseTabularSpec, type LoadOptions } from '../data/index.js';
import { sampleDiagonalRegression, sampleGaussianCluster, sampleSequenceReversal, sampleTwoPointClassification, type SequenceData } from '../data/synthetic.js';
import { createHash } from 'node:crypto';
import { buildModel, type Model } from '../models/index.js';
import { torchInit } from '../models/torch-init.js';
import { makeObjective, type Objective, type SupervisedData } from '../objective/index.js';
import type { Experiment } from './schema.js';
import type { MeasureContext } from '../train/measure.js';
import { parseDecimal } from '../util/parse.js';

export interface Problem extends MeasureContext {
  experiment: Experiment;
  model: Model;
  /** Set when theta0 is not the experiment's own initialisation (train --init): part of the run keys. */
  start?: string;
  dispose(): void;
}

/** The initial parameters of an experiment: the model's own init, or PyTorch's (scaled by initScale as the model's is). */
function initialParameters(experiment: Experiment, model: Model): Float32Array {
  if (experiment.init !== 'torch') return model.init(experiment.seed);
  const theta = torchInit(model, experiment.seed);
  const scale = experiment.model.initScale;
  return scale === 1 ? theta : theta.map((x) => x * scale);
}

/** `problem` started from `theta` instead (train --init); its runs are keyed by a hash of theta. */
export function startingFrom(problem: Problem, theta: Float32Array): Problem {
  if (theta.length !== problem.model.numParams) throw new Error(`initial parameters have ${theta.length} entries, the model has ${problem.model.numParams}`);
  const start = createHash('sha256').update(new Uint8Array(theta.buffer, theta.byteOffset, theta.byteLength)).digest('hex').slice(0, 16);
  return { ...problem, theta0: theta, start };
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

/** Token sequences as supervised data: input rows of 2 x length ids, one-hot targets per position. */
export function sequenceData(s: SequenceData): SupervisedData {
  return { X: Float32Array.from(s.X), Y: oneHot(s.targets, s.vocab), n: s.n, d: 2 * s.length, k: s.length * s.vocab };
}

function dropLastColumn(X: Float64Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * (d - 1));
  for (let i = 0; i < n; i++) for (let j = 0; j < d - 1; j++) out[i * (d - 1) + j] = X[i * d + j];
  return out;
}

type SyntheticSpec = { kind: 'diagonal'; d: number; seed: number } | { kind: 'two-point'; d: number; muNorm: number; seed: number } | { kind: 'reversal'; n: number; seed: number };

/** The fields of a synthetic dataset spec; null for any other spec. */
function parseSyntheticSpec(spec: string): SyntheticSpec | null {
  const parts = spec.split(':');
  const kind = parts[0];
  if (kind !== 'diagonal' && kind !== 'two-point' && kind !== 'reversal') return null;
  const expected = kind === 'diagonal' ? 'diagonal:<d>[:<seed>]' : kind === 'reversal' ? 'reversal:<n>[:<seed>]' : 'two-point:<d>:<muNorm>[:<seed>]';
  const fields = kind === 'two-point' ? 4 : 3;
  const num = (i: number, what: string, ok: (v: number) => boolean, fallback?: number): number => {
    const v = parts[i] === undefined ? fallback : parseDecimal(parts[i]);
    if (v === undefined || !ok(v)) throw new Error(`bad dataset spec "${spec}": ${what} (expected ${expected})`);
    return v;
  };
  if (parts.length > fields) throw new Error(`bad dataset spec "${spec}": too many fields (expected ${expected})`);
  const seedAt = (i: number) => num(i, 'seed must be a non-negative integer', (v) => Number.isInteger(v) && v >= 0, 0);
  if (kind === 'reversal') return { kind, n: num(1, 'n must be a positive integer', (v) => Number.isInteger(v) && v >= 1), seed: seedAt(2) };
  const d = num(1, 'd must be a positive integer', (v) => Number.isInteger(v) && v >= 1);
  if (kind === 'diagonal') return { kind, d, seed: seedAt(2) };
  const muNorm = num(2, 'muNorm must be a positive number', (v) => v > 0 && Number.isFinite(v));
  return { kind, d, muNorm, seed: seedAt(3) };
}

/** Throws, naming the problem, unless `spec` names a dataset buildProblem can build. */
export function checkDatasetSpec(spec: string): void {
  if (parseSyntheticSpec(spec) === null && parseTabularSpec(spec) === null) parseDatasetSpec(spec);
}

/** Downloads the image or tabular dataset of `spec` if its files are missing, or without download reports them (nothing to do for synthetic sets). */
async function fetchDataFor(spec: string, data: DataOptions): Promise<void> {
  if (parseSyntheticSpec(spec) !== null) return;
  const download = data.download ?? false;
  await (parseTabularSpec(spec) === null ? fetchDatasetIfMissing(spec, data.dataDir, download) : fetchTabularIfMissing(spec, data.dataDir, download));
}

/** The synthetic sets of `spec` (null for any other spec); the test set has `testLimit` samples, at most SYNTHETIC_TEST_SAMPLES. */
/**
 * Fetches the data sets of several experiments, each once. An experiment with optional data
 * (ProfileEntry.optionalData) whose data set is missing and cannot be downloaded is left out,
 * with one line to `log` saying why; any other data problem is an error. Returns those left.
 */
export async function fetchDataForAll<T extends { experiment: Experiment; optionalData?: true }>(selected: T[], data: DataOptions, log: (line: string) => void): Promise<T[]> {
  const unreachable = new Map<string, string>();
  for (const spec of new Set(selected.map((s) => s.experiment.dataset))) {
    try {
      await fetchDataFor(spec, data);
    } catch (err) {
      const absent = err instanceof DataUnavailableError || (err instanceof DataFileError && err.problem === 'missing');
      if (!absent || !selected.every((s) => s.experiment.dataset !== spec || s.optionalData)) throw err;
      unreachable.set(spec, (err as Error).message);
    }
  }
  for (const s of selected) {
    const why = unreachable.get(s.experiment.dataset);
    if (why) log(`${s.experiment.id}: not run here: ${why}`);
  }
  return selected.filter((s) => !unreachable.has(s.experiment.dataset));
}

function syntheticSets(spec: string, testLimit: number | undefined): Sets | null {
  const parsed = parseSyntheticSpec(spec);
  if (parsed === null) return null;
  const nTest = Math.min(testLimit ?? SYNTHETIC_TEST_SAMPLES, SYNTHETIC_TEST_SAMPLES);
  if (parsed.kind === 'reversal') {
    const train = sampleSequenceReversal(parsed.n, REVERSAL_LENGTH, parsed.seed, REVERSAL_SYMBOLS);
    const test = sampleSequenceReversal(nTest, REVERSAL_LENGTH, parsed.seed + 1, REVERSAL_SYMBOLS);
    return { train: sequenceData(train), test: sequenceData(test), inputShape: [2, REVERSAL_LENGTH] };
  }
  const { d, seed } = parsed;
  if (parsed.kind === 'diagonal') {
    const train = sampleDiagonalRegression(d, 1, seed, { conditionNonNegative: true });
    const test = sampleDiagonalRegression(d, nTest, seed + 1);
    const asData = (s: typeof train): SupervisedData => ({ X: Float32Array.from(s.X), Y: Float32Array.from(s.y), n: s.n, d, k: 1 });
    return { train: asData(train), test: asData(test), inputShape: [d] };
  }
  const mu = new Float64Array(d);
  mu[0] = parsed.muNorm;
  const train = sampleTwoPointClassification(mu, seed);
  const test = sampleGaussianCluster(mu, nTest, seed + 1);
  // The generators append the bias coordinate 1; the logistic model has its own bias.
  const asData = (s: typeof train): SupervisedData => ({ X: dropLastColumn(s.X, s.n, s.d), Y: oneHot(s.labels, 2), n: s.n, d: s.d - 1, k: 2 });
  return { train: asData(train), test: asData(test), inputShape: [d] };
}

/** Where image datasets come from: the data folder, and whether missing ones are downloaded. */
export type DataOptions = Pick<LoadOptions, 'dataDir' | 'download'>;

async function imageSets(spec: string, data: DataOptions, testLimit: number | undefined): Promise<Sets> {
  const ds = await loadDataset(spec, { ...data, testLimit });
  const asData = (s: typeof ds.train): SupervisedData => ({ X: s.X, Y: oneHot(s.labels, ds.numClasses), n: s.n, d: s.d, k: ds.numClasses });
  return { train: asData(ds.train), test: asData(ds.test), inputShape: [...ds.inputShape] };
}

async function tabularSets(spec: string, data: DataOptions, testLimit: number | undefined): Promise<Sets> {
  const ds = await loadTabular(spec, { ...data, testLimit });
  return { train: ds.train, test: ds.test, inputShape: [ds.train.d] };
}

async function realSets(spec: string, data: DataOptions, testLimit: number | undefined): Promise<Sets> {
  return parseTabularSpec(spec) === null ? imageSets(spec, data, testLimit) : tabularSets(spec, data, testLimit);
}

export async function buildProblem(experiment: Experiment, data: DataOptions = {}): Promise<Problem> {
  const sets = syntheticSets(experiment.dataset, experiment.testLimit) ?? (await realSets(experiment.dataset, data, experiment.testLimit));
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
    theta0: initialParameters(experiment, model),
    sharpnessTol: experiment.record.sharpnessTol,
    dispose() {
      train.dispose();
      test.dispose();
    },
  };
}
