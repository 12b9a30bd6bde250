import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { clearDatasetCache, loadDataset, manifestEntry, verifyFile, type ImageDataset } from '../../src/data/index.js';
import { columnMoments, DATA_DIR } from './helpers.js';

after(clearDatasetCache);

function classCounts(labels: Uint8Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

/** Checks mean ≈ 0 and std ≈ 1 for every non-constant feature and exact zeros elsewhere (row-wise passes). */
function assertStandardised(ds: ImageDataset): void {
  const { X, n, d } = ds.train;
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sum[j] += X[i * d + j];
  const mean = sum.map((s) => s / n);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sq[j] += (X[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) {
    if (ds.stats.std[j] === 0) {
      for (const split of [ds.train, ds.test]) for (let i = 0; i < split.n; i++) assert.equal(split.X[i * d + j], 0, `constant feature ${j}`);
    } else {
      assert.ok(Math.abs(mean[j]) < 1e-4, `feature ${j} mean ${mean[j]}`);
      assert.ok(Math.abs(Math.sqrt(sq[j] / n) - 1) < 1e-4, `feature ${j} std ${Math.sqrt(sq[j] / n)}`);
    }
  }
}

/** Recomputes, from raw bytes in float64, the full-train mean/std of feature j and the moments of the standardised first n5k rows. */
function independentSubsetMoments(raw: Uint8Array, stride: number, offset: number, nFull: number, n5k: number, j: number) {
  const px = (i: number) => raw[i * stride + offset + j] / 255;
  let s = 0;
  for (let i = 0; i < nFull; i++) s += px(i);
  const m = s / nFull;
  let v = 0;
  for (let i = 0; i < nFull; i++) v += (px(i) - m) ** 2;
  const sd = Math.sqrt(v / nFull);
  const z = new Float64Array(n5k);
  for (let i = 0; i < n5k; i++) z[i] = sd > 0 ? (px(i) - m) / sd : 0;
  return { fullMean: m, fullStd: sd, sub: columnMoments(z, n5k, 1, 0) };
}

function assertClose(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);
}

describe('MNIST', () => {
  const trainImages = join(DATA_DIR, 'mnist/train-images-idx3-ubyte.gz');

  test('full set: counts, first labels, class counts, standardisation', async () => {
    const ds = await loadDataset('mnist', { dataDir: DATA_DIR });
    assert.equal(ds.name, 'mnist');
    assert.deepEqual([ds.train.n, ds.train.d, ds.test.n, ds.test.d], [60000, 784, 10000, 784]);
    assert.equal(ds.train.X.length, 60000 * 784);
    assert.deepEqual(ds.inputShape, [1, 28, 28]);
    assert.equal(ds.numClasses, 10);
    assert.deepEqual([...ds.train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
    assert.deepEqual([...ds.test.labels.subarray(0, 5)], [7, 2, 1, 0, 4]);
    assert.deepEqual(classCounts(ds.train.labels, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.equal(ds.stats.std.filter((s) => s === 0).length, 67, 'constant border pixels');
    assertStandardised(ds);
  });

  test('test split uses the training statistics', async () => {
    const ds = await loadDataset('mnist', { dataDir: DATA_DIR, testLimit: 100 });
    assert.equal(ds.test.n, 100);
    const raw = gunzipSync(await readFile(join(DATA_DIR, 'mnist/t10k-images-idx3-ubyte.gz'))).subarray(16);
    for (const k of [0, 350, 784 * 7 + 400, 784 * 99 + 500]) {
      const j = k % 784;
      const want = ds.stats.std[j] > 0 ? (raw[k] / 255 - ds.stats.mean[j]) / ds.stats.std[j] : 0;
      assert.equal(ds.test.X[k], Math.fround(want));
    }
  });

  test('mnist-5k: first 5000 standardised rows; subset moments match a raw recomputation', async () => {
    const [full, sub] = await Promise.all([loadDataset('mnist', { dataDir: DATA_DIR }), loadDataset('mnist-5k', { dataDir: DATA_DIR })]);
    assert.deepEqual([sub.train.n, sub.test.n], [5000, 10000]);
    assert.deepEqual(sub.train.X, full.train.X.subarray(0, 5000 * 784));
    assert.deepEqual(sub.train.labels, full.train.labels.subarray(0, 5000));
    assert.deepEqual(sub.test.X, full.test.X);
    const raw = gunzipSync(await readFile(trainImages));
    const recorded: Record<number, [number, number]> = {
      0: [0, 0],
      300: [0.051122, 1.021708],
      350: [-0.030318, 0.990551],
      400: [0.006967, 1.003603],
      500: [0.012318, 1.059526],
    };
    for (const [key, [mean, std]] of Object.entries(recorded)) {
      const j = Number(key);
      const ref = independentSubsetMoments(raw, 784, 16, 60000, 5000, j);
      assertClose(sub.stats.mean[j], ref.fullMean, 1e-12, `full mean ${j}`);
      assertClose(sub.stats.std[j], ref.fullStd, 1e-12, `full std ${j}`);
      const got = columnMoments(sub.train.X, 5000, 784, j);
      assertClose(got.mean, ref.sub.mean, 1e-6, `5k mean ${j}`);
      assertClose(got.std, ref.sub.std, 1e-6, `5k std ${j}`);
      assertClose(got.mean, mean, 1e-6, `recorded 5k mean ${j}`);
      assertClose(got.std, std, 1e-6, `recorded 5k std ${j}`);
    }
  });

  test('subsets by spec and cached verification', async () => {
    const ds = await loadDataset('mnist-5k:1000', { dataDir: DATA_DIR, testLimit: 10 });
    assert.equal(ds.name, 'mnist-5k:1000');
    assert.deepEqual([ds.train.n, ds.test.n, ds.train.X.length], [1000, 10, 1000 * 784]);
    assert.deepEqual((await verifyFile(trainImages, manifestEntry('mnist', 'mnist/train-images-idx3-ubyte.gz'))).cached, true);
  });
});

describe('CIFAR-10', () => {
  const batchPath = (name: string) => join(DATA_DIR, 'cifar10/cifar-10-batches-bin', `${name}.bin`);

  test('full set: counts, first labels, class counts, channel-major layout, standardisation', async () => {
    const ds = await loadDataset('cifar10', { dataDir: DATA_DIR });
    assert.deepEqual([ds.train.n, ds.train.d, ds.test.n], [50000, 3072, 10000]);
    assert.deepEqual(ds.inputShape, [3, 32, 32]);
    assert.deepEqual([...ds.train.labels.subarray(0, 5)], [6, 9, 9, 4, 1]);
    assert.deepEqual([...ds.test.labels.subarray(0, 5)], [3, 8, 8, 0, 6]);
    assert.deepEqual(classCounts(ds.test.labels, 10), new Array(10).fill(1000));
    assert.deepEqual(classCounts(ds.train.labels, 10), new Array(10).fill(5000));
    assert.equal(ds.stats.std.filter((s) => s === 0).length, 0);
    const batch1 = await readFile(batchPath('data_batch_1'));
    const batch2 = await readFile(batchPath('data_batch_2'));
    // Feature c*1024 + h*32 + w of row i is byte 1 + that index of record i (R, G, B planes).
    for (const [row, j, bytes, rec] of [[0, 0, batch1, 0], [0, 1024 + 33, batch1, 0], [3, 2048 + 1023, batch1, 3], [10001, 5, batch2, 1]] as const) {
      const want = (bytes[rec * 3073 + 1 + j] / 255 - ds.stats.mean[j]) / ds.stats.std[j];
      assert.equal(ds.train.X[row * 3072 + j], Math.fround(want));
    }
    assertStandardised(ds);
  });

  test('cifar10-5k: first 5000 standardised rows; subset moments match a raw recomputation', async () => {
    const sub = await loadDataset('cifar10-5k', { dataDir: DATA_DIR });
    assert.deepEqual([sub.train.n, sub.test.n, sub.train.X.length], [5000, 10000, 5000 * 3072]);
    assert.deepEqual([...sub.train.labels.subarray(0, 5)], [6, 9, 9, 4, 1]);
    const batches = await Promise.all([1, 2, 3, 4, 5].map((b) => readFile(batchPath(`data_batch_${b}`))));
    const raw = Buffer.concat(batches);
    const recorded: Record<number, [number, number]> = {
      0: [0.010127, 1.010997],
      1: [0.009004, 1.009813],
      1024: [0.004395, 1.013234],
      2048: [0.001581, 1.013030],
      3071: [0.005211, 1.011705],
    };
    for (const [key, [mean, std]] of Object.entries(recorded)) {
      const j = Number(key);
      const ref = independentSubsetMoments(raw, 3073, 1, 50000, 5000, j);
      assertClose(sub.stats.mean[j], ref.fullMean, 1e-12, `full mean ${j}`);
      assertClose(sub.stats.std[j], ref.fullStd, 1e-12, `full std ${j}`);
      const got = columnMoments(sub.train.X, 5000, 3072, j);
      assertClose(got.mean, ref.sub.mean, 1e-6, `5k mean ${j}`);
      assertClose(got.std, ref.sub.std, 1e-6, `5k std ${j}`);
      assertClose(got.mean, mean, 1e-6, `recorded 5k mean ${j}`);
      assertClose(got.std, std, 1e-6, `recorded 5k std ${j}`);
    }
  });
});
