/** Counted forward FLOPs against the closed forms of a dense stack and a CNN (2 per multiply-add of each product). */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { forwardFlops, productFlops } from '../../src/models/flops.js';

before(async () => {
  await initBackend('wasm');
});

test('one product: K is the dimension of a that is not m, also transposed and batched', () => {
  assert.equal(productFlops([1, 5, 7], [1, 5, 3]), 2 * 5 * 3 * 7);
  assert.equal(productFlops([1, 7, 5], [1, 5, 3]), 2 * 5 * 3 * 7);
  assert.equal(productFlops([4, 6, 6], [4, 6, 2]), 2 * 4 * 6 * 2 * 6);
});

test('fc net 784-200-200-10: 2 (784·200 + 200·200 + 200·10) per sample', async () => {
  const model = buildModel({ kind: 'fcn', widths: [200, 200], activation: 'relu' }, [784], 10);
  const X = tf.randomNormal([3, 784]) as tf.Tensor2D;
  assert.equal(await forwardFlops(model, model.init(0), X), 3 * 2 * (784 * 200 + 200 * 200 + 200 * 10));
  X.dispose();
});

test('CNN on 1x8x8: two 3x3 convolutions (8x8, then 4x4 after pooling) and the head', async () => {
  const model = buildModel({ kind: 'cnn', channels: [2, 3], activation: 'relu' }, [1, 8, 8], 3);
  const X = tf.randomNormal([5, 64]) as tf.Tensor2D;
  const perSample = 2 * 64 * 2 * (1 * 9) + 2 * 16 * 3 * (2 * 9) + 2 * (3 * 2 * 2) * 3;
  assert.equal(await forwardFlops(model, model.init(0), X), 5 * perSample);
  X.dispose();
});
