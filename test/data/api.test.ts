import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDataset, oneHot, parseDatasetSpec } from '../../src/data/index.js';
import { DATA_DIR } from './helpers.js';

describe('parseDatasetSpec', () => {
  test('accepts the four datasets with optional first-n subsets', () => {
    assert.deepEqual(parseDatasetSpec('mnist'), { base: 'mnist' });
    assert.deepEqual(parseDatasetSpec('mnist-5k'), { base: 'mnist-5k' });
    assert.deepEqual(parseDatasetSpec('cifar10'), { base: 'cifar10' });
    assert.deepEqual(parseDatasetSpec('cifar10-5k'), { base: 'cifar10-5k' });
    assert.deepEqual(parseDatasetSpec('mnist-5k:1000'), { base: 'mnist-5k', n: 1000 });
    assert.deepEqual(parseDatasetSpec('mnist:60000'), { base: 'mnist', n: 60000 });
    assert.deepEqual(parseDatasetSpec('cifar10:123'), { base: 'cifar10', n: 123 });
  });

  test('errors name the bad spec', () => {
    for (const spec of ['', 'MNIST', 'mnist-10k', 'cifar100', 'mnist:', 'mnist:-3', 'mnist:1e3', 'mnist-5k:abc']) {
      assert.throws(() => parseDatasetSpec(spec), new RegExp(`bad dataset spec "${spec}": expected mnist, mnist-5k, cifar10 or cifar10-5k`));
    }
    assert.throws(() => parseDatasetSpec('mnist-5k:5001'), /bad dataset spec "mnist-5k:5001": n must be between 1 and 5000, got 5001/);
    assert.throws(() => parseDatasetSpec('cifar10:50001'), /bad dataset spec "cifar10:50001": n must be between 1 and 50000/);
    assert.throws(() => parseDatasetSpec('mnist:0'), /n must be between 1 and 60000, got 0/);
  });
});

describe('loadDataset arguments', () => {
  test('a bad spec or testLimit is rejected before any file is read', async () => {
    await assert.rejects(loadDataset('fashion-mnist', { dataDir: '/nonexistent' }), /bad dataset spec "fashion-mnist"/);
    await assert.rejects(loadDataset('mnist', { dataDir: DATA_DIR, testLimit: 0 }), /testLimit must be a positive integer, got 0/);
  });
});

describe('oneHot', () => {
  test('one row per label', () => {
    assert.deepEqual([...oneHot(Uint8Array.of(2, 0, 1), 3)], [0, 0, 1, 1, 0, 0, 0, 1, 0]);
    assert.throws(() => oneHot(Uint8Array.of(0, 3), 3), /label 3 at index 1 is out of range for 3 classes/);
  });
});
