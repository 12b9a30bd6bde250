/** Loading MNIST and CIFAR-10 as standardised float32 splits, with per-process caching. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchIfMissing, type FetchOptions } from './download.js';
import { formatError, resolveDataDir, verifyFile } from './files.js';
import { manifestEntry, type BaseDatasetName } from './manifest.js';
import { featureStats, standardize, type FeatureStats } from './preprocess.js';
import { CIFAR_IMAGE_BYTES, readCifarBatch, readGzipFile, readIdxImages, readIdxLabels } from './readers.js';

export type DatasetName = 'mnist' | 'mnist-5k' | 'cifar10' | 'cifar10-5k';

export interface Split {
  /** n × d row-major features. */
  X: Float32Array;
  labels: Uint8Array;
  n: number;
  d: number;
}

export interface ImageDataset {
  name: string;
  train: Split;
  test: Split;
  numClasses: number;
  /** C, H, W; each row of X is this tensor flattened in C, H, W order. */
  inputShape: [number, number, number];
  /** Full-training-set statistics of pixel / 255 used to standardise both splits. */
  stats: { mean: Float64Array; std: Float64Array };
}

const SUBSET_5K = 5000;
const CIFAR_BATCH_SIZE = 10000;

type ImageBase = Extract<BaseDatasetName, 'mnist' | 'cifar10'>;

const BASES: Record<ImageBase, { trainSize: number; testSize: number; numClasses: number; inputShape: [number, number, number] }> = {
  mnist: { trainSize: 60000, testSize: 10000, numClasses: 10, inputShape: [1, 28, 28] },
  cifar10: { trainSize: 50000, testSize: 10000, numClasses: 10, inputShape: [3, 32, 32] },
};

const SPEC_PATTERN = /^(mnist|cifar10)(-5k)?(?::(\d+))?$/;

/**
 * Parses 'mnist', 'mnist-5k', 'cifar10', 'cifar10-5k', optionally with ':<n>' to keep only
 * the first n training examples (e.g. 'mnist-5k:1000', 'mnist:1000').
 */
export function parseDatasetSpec(spec: string): { base: DatasetName; n?: number } {
  const m = SPEC_PATTERN.exec(spec.trim());
  if (!m) {
    throw new Error(`bad dataset spec "${spec}": expected mnist, mnist-5k, cifar10 or cifar10-5k, optionally followed by :<n> (first n training examples)`);
  }
  const base = (m[1] + (m[2] ?? '')) as DatasetName;
  if (m[3] === undefined) return { base };
  const n = Number(m[3]);
  const available = m[2] ? SUBSET_5K : BASES[m[1] as ImageBase].trainSize;
  if (n < 1 || n > available) {
    throw new Error(`bad dataset spec "${spec}": n must be between 1 and ${available}, got ${m[3]}`);
  }
  return { base, n };
}

interface RawSplit {
  pixels: Uint8Array;
  labels: Uint8Array;
  n: number;
}

interface RawDataset {
  train: RawSplit;
  test: RawSplit;
  d: number;
  stats: FeatureStats;
}

/** Raw bytes and full-train statistics per (dataset, data directory); raw bytes are 4× smaller than float32. */
const rawCache = new Map<string, Promise<RawDataset>>();

/** Drops the cached raw datasets so their memory can be reclaimed. */
export function clearDatasetCache(): void {
  rawCache.clear();
}

async function verifiedPath(name: BaseDatasetName, dataDir: string, relPath: string): Promise<string> {
  const path = join(dataDir, relPath);
  await verifyFile(path, manifestEntry(name, relPath));
  return path;
}

function expectCount(source: string, got: number, expected: number, what: string): void {
  if (got !== expected) throw formatError(source, `holds ${got} ${what}, expected ${expected}`);
}

async function loadMnistSplit(dataDir: string, prefix: string, n: number): Promise<RawSplit> {
  const [imagesPath, labelsPath] = await Promise.all([
    verifiedPath('mnist', dataDir, `mnist/${prefix}-images-idx3-ubyte.gz`),
    verifiedPath('mnist', dataDir, `mnist/${prefix}-labels-idx1-ubyte.gz`),
  ]);
  const images = readIdxImages(await readGzipFile(imagesPath), imagesPath);
  const labels = readIdxLabels(await readGzipFile(labelsPath), labelsPath);
  expectCount(imagesPath, images.n, n, 'images');
  expectCount(imagesPath, images.rows * images.cols, 28 * 28, 'pixels per image');
  expectCount(labelsPath, labels.length, n, 'labels');
  return { pixels: images.pixels, labels, n };
}

async function loadCifarSplit(dataDir: string, batches: string[]): Promise<RawSplit> {
  const n = batches.length * CIFAR_BATCH_SIZE;
  const pixels = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let offset = 0;
  for (const batch of batches) {
    const path = await verifiedPath('cifar10', dataDir, `cifar10/cifar-10-batches-bin/${batch}.bin`);
    const parsed = readCifarBatch(await readFile(path), path);
    expectCount(path, parsed.n, CIFAR_BATCH_SIZE, 'records');
    pixels.set(parsed.pixels, offset * CIFAR_IMAGE_BYTES);
    labels.set(parsed.labels, offset);
    offset += parsed.n;
  }
  return { pixels, labels, n };
}

async function loadRaw(name: ImageBase, dataDir: string): Promise<RawDataset> {
  const { trainSize, testSize, inputShape } = BASES[name];
  const d = inputShape[0] * inputShape[1] * inputShape[2];
  const [train, test] =
    name === 'mnist'
      ? await Promise.all([loadMnistSplit(dataDir, 'train', trainSize), loadMnistSplit(dataDir, 't10k', testSize)])
      : await Promise.all([
          loadCifarSplit(dataDir, ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5']),
          loadCifarSplit(dataDir, ['test_batch']),
        ]);
  return { train, test, d, stats: featureStats(train.pixels, train.n, d) };
}

function cachedRaw(name: ImageBase, dataDir: string, download: FetchOptions | false): Promise<RawDataset> {
  const key = `${name}\0${dataDir}`;
  const cached = rawCache.get(key);
  if (cached) return cached;
  const raw = fetchIfMissing(name, dataDir, download).then(() => loadRaw(name, dataDir));
  rawCache.set(key, raw);
  // A failed load is forgotten so that a fixed data directory can be retried.
  raw.catch(() => {
    if (rawCache.get(key) === raw) rawCache.delete(key);
  });
  return raw;
}

function makeSplit(raw: RawSplit, n: number, d: number, stats: FeatureStats): Split {
  return { X: standardize(raw.pixels, n, d, stats), labels: raw.labels.slice(0, n), n, d };
}

export interface LoadOptions {
  dataDir?: string;
  testLimit?: number;
  /** Download a dataset whose files are missing (data on first use); default: do not. */
  download?: FetchOptions | false;
}

function baseDataset(base: DatasetName): ImageBase {
  return base.startsWith('mnist') ? 'mnist' : 'cifar10';
}

/** Makes sure the files of an image dataset spec are in the data folder: downloaded if missing, or (opts false) reported. */
export async function fetchDatasetIfMissing(spec: string, dataDir: string | undefined, opts: FetchOptions | false = {}): Promise<void> {
  await fetchIfMissing(baseDataset(parseDatasetSpec(spec).base), resolveDataDir(dataDir), opts);
}

/**
 * Loads a dataset spec (see parseDatasetSpec) from the data directory (option > EOS_DATA_DIR >
 * `<repo root>/data`), verifying every file against the manifest. Both splits are standardised
 * with the full training set's statistics; '-5k' and ':<n>' take the first training examples
 * after standardising, and `testLimit` keeps the first test examples.
 */
export async function loadDataset(spec: string, opts: LoadOptions = {}): Promise<ImageDataset> {
  const { base, n } = parseDatasetSpec(spec);
  const name = baseDataset(base);
  const { testLimit } = opts;
  if (testLimit !== undefined && !(Number.isInteger(testLimit) && testLimit >= 1)) {
    throw new Error(`testLimit must be a positive integer, got ${testLimit}`);
  }
  const raw = await cachedRaw(name, resolveDataDir(opts.dataDir), opts.download ?? false);
  const nTrain = n ?? (base.endsWith('-5k') ? SUBSET_5K : raw.train.n);
  const nTest = Math.min(testLimit ?? raw.test.n, raw.test.n);
  const { numClasses, inputShape } = BASES[name];
  return {
    name: n === undefined ? base : `${base}:${n}`,
    train: makeSplit(raw.train, nTrain, raw.d, raw.stats),
    test: makeSplit(raw.test, nTest, raw.d, raw.stats),
    numClasses,
    inputShape: [...inputShape],
    stats: { mean: raw.stats.mean.slice(), std: raw.stats.std.slice() },
  };
}

/** One-hot rows (n × numClasses, float32) for integer labels. */
export function oneHot(labels: Uint8Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new Error(`label ${labels[i]} at index ${i} is out of range for ${numClasses} classes`);
    out[i * numClasses + labels[i]] = 1;
  }
  return out;
}
