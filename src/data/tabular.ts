/**
 * The tabular data sets of appendix H.14 (Figure 17), as scikit-learn loads them:
 * breast cancer Wisconsin (569 × 30, binary classification, scikit-learn's
 * `breast_cancer.csv`) and California housing (20640 × 8, regression,
 * `cal_housing.tgz`). Neither has a published split: a seeded 80/20 split
 * (TABULAR_SPLIT_SEED) is drawn, and features, and the regression target, are
 * standardised with the training rows' mean and population std (the paper).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../util/random.js';
import { fetchIfMissing, type FetchOptions } from './download.js';
import { formatError, resolveDataDir, verifyFile } from './files.js';
import { MANIFEST, type BaseDatasetName } from './manifest.js';
import { columnStats, standardizeColumns } from './preprocess.js';
import { readGzipFile } from './readers.js';
import { readTar } from './tar.js';
import { oneHot } from './datasets.js';

export type TabularName = Extract<BaseDatasetName, 'breast-cancer' | 'california-housing'>;
const TABULAR: readonly TabularName[] = ['breast-cancer', 'california-housing'];

/** Seed of the 80/20 train/test split of both tabular sets. */
export const TABULAR_SPLIT_SEED = 0;
export const TABULAR_TRAIN_FRACTION = 0.8;

/** Rows as read: n × d float64 features and one target per row (a class id or a real value). */
export interface TabularRows {
  X: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

/** A split ready for the objective: standardised n × d features, n × k targets (one-hot classes, or the standardised value with k = 1). */
export interface TabularSplit {
  X: Float32Array;
  Y: Float32Array;
  n: number;
  d: number;
  k: number;
}

export interface TabularDataset {
  name: string;
  task: 'classification' | 'regression';
  train: TabularSplit;
  test: TabularSplit;
  /** Training-rows statistics of the features (and, for regression, of the target). */
  stats: { mean: Float64Array; std: Float64Array; target?: { mean: number; std: number } };
}

const SPEC_PATTERN = /^(breast-cancer|california-housing)(?::(\d+))?$/;

/** `breast-cancer[:<n>]` or `california-housing[:<n>]` (the first n training rows); null for any other spec. */
export function parseTabularSpec(spec: string): { name: TabularName; n?: number } | null {
  const m = SPEC_PATTERN.exec(spec.trim());
  if (!m) return null;
  const name = m[1] as TabularName;
  if (m[2] === undefined) return { name };
  const n = Number(m[2]);
  if (n < 1) throw new Error(`bad dataset spec "${spec}": n must be a positive integer, got ${m[2]}`);
  return { name, n };
}

/** The numbers of CSV line `lineNo` (1-based, for the message). */
function numbers(line: string, source: string, lineNo: number, expected: number): number[] {
  const fields = line.split(',');
  const values = fields.map(Number);
  if (fields.length !== expected || values.some((v, j) => fields[j].trim() === '' || !Number.isFinite(v))) {
    throw formatError(source, `line ${lineNo} is not ${expected} comma-separated numbers`);
  }
  return values;
}

/**
 * scikit-learn's breast_cancer.csv: a header `569,30,malignant,benign` (samples, features, the
 * names of classes 0 and 1; later versions pad it with empty fields), then one line per sample
 * of the features and the class id.
 */
export function parseBreastCancerCsv(text: string, source = 'breast_cancer.csv'): TabularRows {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  const n = Number(header[0]);
  const d = Number(header[1]);
  if (!(Number.isInteger(n) && n > 0 && Number.isInteger(d) && d > 0) || header.length < 4) {
    throw formatError(source, `header "${lines[0] ?? ''}" is not <samples>,<features>,<class 0>,<class 1>`);
  }
  if (lines.length - 1 !== n) throw formatError(source, `header declares ${n} samples, the file has ${lines.length - 1}`);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const values = numbers(lines[i + 1], source, i + 2, d + 1);
    if (values[d] !== 0 && values[d] !== 1) throw formatError(source, `line ${i + 2} has class ${values[d]}, expected 0 or 1`);
    X.set(values.slice(0, d), i * d);
    y[i] = values[d];
  }
  return { X, y, n, d };
}

/** Member of cal_housing.tgz that fetch_california_housing reads. */
export const CALIFORNIA_MEMBER = 'CaliforniaHousing/cal_housing.data';
const CALIFORNIA_RAW_COLUMNS = 9;

/**
 * cal_housing.data as fetch_california_housing returns it. Raw columns: longitude, latitude,
 * housingMedianAge, totalRooms, totalBedrooms, population, households, medianIncome,
 * medianHouseValue. Features: MedInc, HouseAge, AveRooms = rooms / households, AveBedrms =
 * bedrooms / households, Population, AveOccup = population / households, Latitude, Longitude;
 * target: the median house value in units of 100,000.
 */
export function parseCaliforniaHousing(text: string, source = CALIFORNIA_MEMBER): TabularRows {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw formatError(source, 'holds no rows');
  const n = lines.length;
  const d = 8;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [lon, lat, age, rooms, bedrooms, population, households, income, value] = numbers(lines[i], source, i + 1, CALIFORNIA_RAW_COLUMNS);
    if (!(households > 0)) throw formatError(source, `line ${i + 1} has ${households} households, expected a positive count`);
    X.set([income, age, rooms / households, bedrooms / households, population, population / households, lat, lon], i * d);
    y[i] = value / 100000;
  }
  return { X, y, n, d };
}

/** The rows of cal_housing.tgz (gzip'd tar), read in place. */
export async function readCaliforniaArchive(path: string): Promise<TabularRows> {
  const member = readTar(await readGzipFile(path), path).find((e) => e.name === CALIFORNIA_MEMBER && e.type === '0');
  if (!member) throw formatError(path, `archive lacks ${CALIFORNIA_MEMBER}`);
  return parseCaliforniaHousing(new TextDecoder().decode(member.data), `${path}:${CALIFORNIA_MEMBER}`);
}

function rowsOf(rows: TabularRows, order: Uint32Array): TabularRows {
  const { d } = rows;
  const X = new Float64Array(order.length * d);
  const y = new Float64Array(order.length);
  order.forEach((r, i) => {
    X.set(rows.X.subarray(r * d, (r + 1) * d), i * d);
    y[i] = rows.y[r];
  });
  return { X, y, n: order.length, d };
}

/** The seeded 80/20 split: a permutation of the rows, its first 80% (rounded down) for training. */
export function splitRows(rows: TabularRows, seed = TABULAR_SPLIT_SEED): { train: TabularRows; test: TabularRows } {
  const order = new Rng(seed).permutation(rows.n);
  const nTrain = Math.floor(TABULAR_TRAIN_FRACTION * rows.n);
  return { train: rowsOf(rows, order.subarray(0, nTrain)), test: rowsOf(rows, order.subarray(nTrain)) };
}

async function readRows(name: TabularName, dataDir: string): Promise<TabularRows> {
  const [entry] = MANIFEST[name].files;
  const path = join(dataDir, entry.path);
  await verifyFile(path, entry);
  return name === 'breast-cancer' ? parseBreastCancerCsv(await readFile(path, 'utf8'), path) : readCaliforniaArchive(path);
}

/**
 * Prepares a split: the features standardised with the training rows' statistics; targets
 * one-hot for classification, standardised with the training targets' statistics for regression.
 */
export function prepareTabular(name: string, task: TabularDataset['task'], rows: { train: TabularRows; test: TabularRows }, nTrain: number, nTest: number): TabularDataset {
  const { train, test } = rows;
  const stats = columnStats(train.X, train.n, train.d);
  const targetStats = task === 'regression' ? columnStats(train.y, train.n, 1) : null;
  const split = (r: TabularRows, n: number): TabularSplit => {
    const X = standardizeColumns(r.X, n, r.d, stats);
    if (targetStats) return { X, Y: standardizeColumns(r.y, n, 1, targetStats), n, d: r.d, k: 1 };
    return { X, Y: oneHot(Uint8Array.from(r.y.subarray(0, n)), 2), n, d: r.d, k: 2 };
  };
  return {
    name,
    task,
    train: split(train, nTrain),
    test: split(test, nTest),
    stats: targetStats ? { ...stats, target: { mean: targetStats.mean[0], std: targetStats.std[0] } } : stats,
  };
}

export interface TabularLoadOptions {
  dataDir?: string;
  testLimit?: number;
  /** Download a missing file (data on first use); default: do not. */
  download?: FetchOptions | false;
}

function tabularSpec(spec: string): { name: TabularName; n?: number } {
  const parsed = parseTabularSpec(spec);
  if (!parsed) throw new Error(`bad dataset spec "${spec}": expected ${TABULAR.join(' or ')}, optionally followed by :<n>`);
  return parsed;
}

/** Makes sure the file of a tabular spec is in the data folder: downloaded if missing, or (opts false) reported. */
export async function fetchTabularIfMissing(spec: string, dataDir: string | undefined, opts: FetchOptions | false = {}): Promise<void> {
  await fetchIfMissing(tabularSpec(spec).name, resolveDataDir(dataDir), opts);
}

/** Loads a tabular spec from the data folder (verified against the manifest), split and standardised. */
export async function loadTabular(spec: string, opts: TabularLoadOptions = {}): Promise<TabularDataset> {
  const parsed = tabularSpec(spec);
  const dataDir = resolveDataDir(opts.dataDir);
  await fetchIfMissing(parsed.name, dataDir, opts.download ?? false);
  const rows = splitRows(await readRows(parsed.name, dataDir));
  if (parsed.n !== undefined && parsed.n > rows.train.n) throw new Error(`bad dataset spec "${spec}": n must be at most ${rows.train.n}, the training rows of ${parsed.name}`);
  const nTest = Math.min(opts.testLimit ?? rows.test.n, rows.test.n);
  return prepareTabular(spec, parsed.name === 'breast-cancer' ? 'classification' : 'regression', rows, parsed.n ?? rows.train.n, nTest);
}
