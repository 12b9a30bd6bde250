import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DataFileError,
  DEFAULT_DATA_DIR,
  loadDataset,
  MANIFEST,
  manifestEntry,
  readCifarBatch,
  readGzipFile,
  readIdxImages,
  readIdxLabels,
  resolveDataDir,
  verifyFile,
} from '../../src/data/index.js';
import { DATA_DIR, tempDir } from './helpers.js';

/** Asserts that `promise` rejects with a DataFileError of `problem` whose message matches every pattern. */
async function rejectsWith(promise: Promise<unknown>, problem: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DataFileError, String(err));
    assert.equal(err.problem, problem, err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataFileError, String(err));
    assert.equal(err.problem, 'format');
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

describe('resolveDataDir', () => {
  test('explicit option > EOS_DATA_DIR > <repo root>/data', () => {
    const saved = process.env.EOS_DATA_DIR;
    try {
      process.env.EOS_DATA_DIR = '/tmp/from-env';
      assert.equal(resolveDataDir('rel/dir'), resolve('rel/dir'));
      assert.equal(resolveDataDir(), '/tmp/from-env');
      delete process.env.EOS_DATA_DIR;
      assert.equal(resolveDataDir(), DEFAULT_DATA_DIR);
      assert.match(DEFAULT_DATA_DIR, /[/\\]data$/);
    } finally {
      if (saved === undefined) delete process.env.EOS_DATA_DIR;
      else process.env.EOS_DATA_DIR = saved;
    }
  });
});

describe('manifest', () => {
  test('lists every file with checksums; MNIST from the torchvision mirror, CIFAR-10 from its archive', () => {
    for (const entry of MANIFEST.mnist.files) {
      assert.match(entry.url ?? '', /^https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/[\w.-]+\.gz$/);
      assert.ok(entry.url?.endsWith(entry.path.split('/')[1]));
    }
    assert.equal(MANIFEST.cifar10.archive?.url, 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    assert.equal(MANIFEST.cifar10.archive?.md5, 'c32a1d4ab5d03f1284b67883e8d87530');
    for (const entry of [...MANIFEST.mnist.files, ...MANIFEST.cifar10.files, ...MANIFEST['breast-cancer'].files]) {
      assert.match(entry.md5 ?? '', /^[0-9a-f]{32}$/);
      assert.match(entry.sha256 ?? '', /^[0-9a-f]{64}$/);
    }
    assert.ok(MANIFEST.cifar10.files.every((e) => e.member === e.path.replace(/^cifar10\//, '')));
    // Tabular sets: scikit-learn's copies; the California archive's upstream (scikit-learn) publishes a sha256 only.
    assert.deepEqual(MANIFEST['breast-cancer'].files.map((e) => [e.path, e.url]), [['tabular/breast_cancer.csv', 'https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.2.1/sklearn/datasets/data/breast_cancer.csv']]);
    assert.deepEqual(MANIFEST['california-housing'].files, [
      { path: 'tabular/cal_housing.tgz', bytes: 441963, sha256: 'aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681', url: 'https://ndownloader.figshare.com/files/5976036' },
    ]);
  });

  test('the shared copies verify', async () => {
    for (const entry of [...MANIFEST.mnist.files, ...MANIFEST.cifar10.files, ...MANIFEST['breast-cancer'].files]) await verifyFile(join(DATA_DIR, entry.path), entry);
  });
});

describe('corrupted copies', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const labels = 'mnist/train-labels-idx1-ubyte.gz';
  const labelsEntry = manifestEntry('mnist', labels);

  const restore = async () => {
    for (const entry of MANIFEST.mnist.files) await copyFile(join(DATA_DIR, entry.path), join(dir, entry.path));
  };

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await mkdir(join(dir, 'mnist'));
  });
  beforeEach(restore);
  after(() => cleanup());

  test('verification is memoised until the file changes', async () => {
    const path = join(dir, 'memo.gz');
    await copyFile(join(DATA_DIR, labels), path);
    assert.deepEqual(await verifyFile(path, labelsEntry), { cached: false });
    assert.deepEqual(await verifyFile(path, labelsEntry), { cached: true });
    const bytes = await readFile(path);
    bytes[100] ^= 0xff;
    await writeFile(path, bytes);
    await rejectsWith(verifyFile(path, labelsEntry), 'checksum', /checksum mismatch/);
  });

  test('missing file', async () => {
    await rm(join(dir, labels));
    await rejectsWith(loadDataset('mnist-5k', { dataDir: dir }), 'missing', /train-labels-idx1-ubyte\.gz: missing/, /--data-dir \(or EOS_DATA_DIR\)/, /without --no-download/);
  });

  test('truncated file: a checksum mismatch (a size cannot tell a cut-off copy from another file)', async () => {
    await truncate(join(dir, labels), 1000);
    await rejectsWith(loadDataset('mnist-5k', { dataDir: dir }), 'checksum', /train-labels-idx1-ubyte\.gz: checksum mismatch: 1000 bytes, expected 28881/, /delete it/, /EOS_DATA_DIR/);
  });

  test('flipped byte', async () => {
    const path = join(dir, 'mnist/t10k-labels-idx1-ubyte.gz');
    const bytes = await readFile(path);
    bytes[2000] ^= 0x01;
    await writeFile(path, bytes);
    await rejectsWith(
      loadDataset('mnist', { dataDir: dir }),
      'checksum',
      /t10k-labels-idx1-ubyte\.gz: checksum mismatch: expected sha256 f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6 got [0-9a-f]{64}/,
      /EOS_DATA_DIR/,
    );
  });

  test('wrong magic: the checksum rejects the file and the reader names the magic', async () => {
    const path = join(dir, labels);
    const raw = gunzipSync(await readFile(path));
    raw.writeUInt32BE(2051, 0);
    await writeFile(path, gzipSync(raw));
    await rejectsWith(loadDataset('mnist', { dataDir: dir }), 'checksum', /train-labels-idx1-ubyte\.gz: checksum mismatch/);
    const bytes = await readGzipFile(path);
    throwsWith(() => readIdxLabels(bytes, path), /train-labels-idx1-ubyte\.gz: wrong magic number 2051, expected 2049/);
  });

  test('intact copies load again', async () => {
    const ds = await loadDataset('mnist-5k', { dataDir: dir, testLimit: 5 });
    assert.deepEqual([...ds.test.labels], [7, 2, 1, 0, 4]);
  });

  test('garbage instead of gzip', async () => {
    const path = join(dir, 'garbage.gz');
    await writeFile(path, 'not gzip at all');
    await rejectsWith(readGzipFile(path), 'format', /garbage\.gz: not valid gzip data/);
  });
});

function idx(magic: number, dims: number[], payload: number): Uint8Array {
  const bytes = Buffer.alloc(4 + 4 * dims.length + payload);
  bytes.writeUInt32BE(magic, 0);
  dims.forEach((v, k) => bytes.writeUInt32BE(v, 4 + 4 * k));
  for (let k = 0; k < payload; k++) bytes[4 + 4 * dims.length + k] = k % 251;
  return bytes;
}

describe('readers', () => {
  test('IDX images and labels', () => {
    const images = readIdxImages(idx(2051, [2, 3, 4], 24), 'imgs');
    assert.deepEqual([images.n, images.rows, images.cols, images.pixels.length, images.pixels[23]], [2, 3, 4, 24, 23]);
    assert.deepEqual([...readIdxLabels(idx(2049, [3], 3), 'labs')], [0, 1, 2]);
    throwsWith(() => readIdxImages(idx(2049, [2, 3, 4], 24), 'imgs'), /^imgs: wrong magic number 2049, expected 2051/);
    throwsWith(() => readIdxImages(idx(2051, [2, 3, 4], 23), 'imgs'), /^imgs: truncated: header declares 2 images of 3x4 \(40 bytes\) but there are 39/);
    throwsWith(() => readIdxImages(idx(2051, [2, 3, 4], 25), 'imgs'), /^imgs: 1 trailing bytes after 2 images of 3x4/);
    throwsWith(() => readIdxImages(new Uint8Array(10), 'imgs'), /^imgs: truncated: 10 bytes is shorter than the 16-byte IDX header/);
    throwsWith(() => readIdxLabels(idx(2049, [5], 4), 'labs'), /^labs: truncated: header declares 5 labels/);
  });

  test('CIFAR-10 batches: channel-major records, truncation, bad labels', async () => {
    const bytes = await readFile(join(DATA_DIR, 'cifar10/cifar-10-batches-bin/test_batch.bin'));
    const batch = readCifarBatch(bytes.subarray(0, 2 * 3073), 'two');
    assert.deepEqual([batch.n, ...batch.labels], [2, 3, 8]);
    assert.deepEqual(batch.pixels.subarray(3072, 6144), new Uint8Array(bytes.subarray(3074, 6146)));
    throwsWith(() => readCifarBatch(bytes.subarray(0, 5000), 'short.bin'), /^short\.bin: truncated or garbled: 5000 bytes/);
    const bad = Buffer.from(bytes.subarray(0, 3073));
    bad[0] = 10;
    throwsWith(() => readCifarBatch(bad, 'bad.bin'), /^bad\.bin: record 0 has label 10/);
  });
});
