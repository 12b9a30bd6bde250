/**
 * The addon's CNN (native/src/cnn.c) against the tfjs objective of the same model
 * (stock kernels, autodiff twice): loss, gradient and HVPs on real MNIST and
 * CIFAR-10 images at the paper's width, where pooling windows tie on MNIST's
 * constant border. The float64 references of hvp.test.ts and maxpool-ties.test.ts
 * run through the native path too when the addon is built.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { ADDON_PATH, disableNativeKernels, enableNativeKernels, nativeConv } from '../../src/backend/blas.js';
import { loadDataset, oneHot } from '../../src/data/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective, type SupervisedData } from '../../src/objective/index.js';
import { nativeConvPlan } from '../../src/objective/conv.js';
import { randomVector } from '../reference/data.js';
import { assertRelClose, assertScalarClose } from '../reference/numeric.js';

const skip = existsSync(ADDON_PATH) ? false : `native addon not built (${ADDON_PATH}): run npm run build:native`;
const dataDir = process.env.EOS_DATA_DIR ?? '../shared/datasets';

before(async () => {
  await initBackend('wasm');
});

after(() => {
  if (!skip) enableNativeKernels();
});

async function images(name: string, n: number): Promise<{ data: SupervisedData; inputShape: [number, number, number] }> {
  const ds = await loadDataset(name, { dataDir, testLimit: 1, download: false });
  const d = ds.train.d;
  const data = { X: ds.train.X.slice(0, n * d), Y: oneHot(ds.train.labels.slice(0, n), ds.numClasses), n, d, k: ds.numClasses };
  return { data, inputShape: ds.inputShape as [number, number, number] };
}

for (const c of [
  { dataset: 'mnist-5k', n: 40, loss: 'mse' as const, chunkSize: 16, batchNorm: false },
  { dataset: 'mnist-5k', n: 40, loss: 'ce' as const, chunkSize: 40, batchNorm: false },
  { dataset: 'cifar10-5k', n: 12, loss: 'ce' as const, chunkSize: 5, batchNorm: false },
  // The native batch norm is one chunk of all n; the tfjs objective's chunks carry the statistics across chunks (batchnorm.ts).
  { dataset: 'mnist-5k', n: 40, loss: 'mse' as const, chunkSize: 16, batchNorm: true },
  { dataset: 'cifar10-5k', n: 24, loss: 'ce' as const, chunkSize: 10, batchNorm: true },
]) {
  const name = c.batchNorm ? 'CNN-BN' : 'CNN';
  test(`native ${name} [32, 32] on ${c.dataset} (${c.loss}, tfjs chunks of ${c.chunkSize}): loss, gradient and HVPs equal the tfjs objective's`, { skip }, async () => {
    enableNativeKernels();
    const { data, inputShape } = await images(c.dataset, c.n);
    const model = buildModel({ kind: 'cnn', channels: [32, 32], activation: 'relu', batchNorm: c.batchNorm }, inputShape, data.k);
    assert.ok(model.conv && nativeConv(), 'the native path is taken');
    const theta = model.init(7);
    const u = randomVector(3, model.numParams);
    const v = randomVector(4, model.numParams);
    const run = () => {
      const obj = makeObjective(model, data, c.loss, { chunkSize: c.chunkSize });
      try {
        const H = obj.hessianAt(theta);
        try {
          return { ...obj.lossAndGrad(theta), hu: H.apply(u), hv: H.apply(v), samplesPerPass: obj.samplesPerPass, evaluation: obj.evaluate(theta), lossAlone: obj.loss(theta) };
        } finally {
          H.dispose();
        }
      } finally {
        obj.dispose();
      }
    };
    const native = run();
    disableNativeKernels();
    let stock: ReturnType<typeof run>;
    try {
      stock = run();
    } finally {
      enableNativeKernels();
    }
    // The native batch norm holds the whole batch in one pass; tfjs, and the native CNN without batch norm, a chunk.
    assert.deepEqual([native.samplesPerPass, stock.samplesPerPass], [c.batchNorm ? c.n : c.chunkSize, c.chunkSize]);
    assertScalarClose(native.loss, stock.loss, 1e-6, 'loss');
    // The forward pass alone (evaluate, loss): the same loss, and the same predictions.
    assertScalarClose(native.evaluation.loss, stock.loss, 1e-6, 'evaluated loss');
    assertScalarClose(native.lossAlone, stock.loss, 1e-6, 'loss()');
    assert.equal(native.evaluation.accuracy, stock.evaluation.accuracy);
    assertRelClose(native.grad, stock.grad, 2e-5, 'gradient');
    assertRelClose(native.hu, stock.hu, 2e-5, 'H u');
    assertRelClose(native.hv, stock.hv, 2e-5, 'H v');
  });
}

test('native CNN: NaN parameters give a NaN loss (divergence shows), and a malformed plan is a RangeError naming the call', { skip }, async () => {
  enableNativeKernels();
  const { data, inputShape } = await images('mnist-5k', 4);
  const model = buildModel({ kind: 'cnn', channels: [4, 4], activation: 'relu' }, inputShape, data.k);
  for (const m of [model, buildModel({ kind: 'cnn', channels: [4, 4], activation: 'relu', batchNorm: true }, inputShape, data.k)]) {
    const obj = makeObjective(m, data, 'mse');
    try {
      const theta = m.init(1);
      theta[0] = NaN;
      assert.ok(Number.isNaN(obj.lossAndGrad(theta).loss));
      assert.ok(Number.isNaN(obj.evaluate(theta).loss));
    } finally {
      obj.dispose();
    }
  }
  const kernel = nativeConv();
  assert.ok(kernel && model.conv);
  const plan = nativeConvPlan(model.conv, 4, data.k, 'mse', 1 / 4);
  const grad = new Float32Array(model.numParams);
  const kept = new ArrayBuffer(kernel.keptBytes(plan));
  // The head's bias placed past the end of theta.
  const bad = Float64Array.from(plan);
  bad[7] = model.numParams;
  assert.throws(() => kernel.lossGrad(bad, model.init(1), data.X, data.Y, grad, kept), /RangeError: eos_native.cnnLossGrad: the plan does not fit theta|cnnLossGrad: the plan/);
  // A batch norm with a weight but no bias (the first block's fields: cout, weight, bias, norm weight, norm bias).
  const halfNorm = Float64Array.from(plan);
  halfNorm[11 + 3] = 0;
  assert.throws(() => kernel.lossGrad(halfNorm, model.init(1), data.X, data.Y, grad, kept), /cnnLossGrad: the plan does not fit theta/);
  assert.throws(() => kernel.lossGrad(plan, model.init(1), data.X, data.Y, grad, new ArrayBuffer(8)), /cnnLossGrad: kept is smaller/);
  assert.throws(() => kernel.hvp(plan, model.init(1), kept, new Float32Array(3), grad), /cnnHvp: v and out/);
  // Statistics for a model without batch norm, or given without any.
  const outputs = new Float32Array(4 * data.k);
  const scratch = new ArrayBuffer(kernel.forwardBytes(plan));
  assert.throws(() => kernel.forward(plan, model.init(1), data.X, data.Y, outputs, scratch, new Float32Array(2), false), /cnnForward: X, Y, the outputs or the statistics/);
  assert.throws(() => kernel.forward(plan, model.init(1), data.X, data.Y, outputs, scratch, null, true), /cnnForward: X, Y, the outputs or the statistics/);
  assert.throws(() => kernel.forward(plan, model.init(1), data.X, data.Y, outputs, new ArrayBuffer(8), null, false), /cnnForward: scratch is smaller/);
});

test('native CNN-BN on test images normalises them with the training set\'s statistics, as the tfjs objective does', { skip }, async () => {
  enableNativeKernels();
  const { data, inputShape } = await images('cifar10-5k', 34);
  const slice = (from: number, to: number): SupervisedData => ({ X: data.X.slice(from * data.d, to * data.d), Y: data.Y.slice(from * data.k, to * data.k), n: to - from, d: data.d, k: data.k });
  const train = slice(0, 24);
  const heldOut = slice(24, 34);
  const model = buildModel({ kind: 'cnn', channels: [8, 8], activation: 'relu', batchNorm: true }, inputShape, data.k);
  const theta = model.init(5);
  const evaluateOnHeldOut = (statisticsFrom: SupervisedData) => {
    const obj = makeObjective(model, heldOut, 'ce', { statisticsFrom, chunkSize: 4 });
    try {
      return obj.evaluate(theta);
    } finally {
      obj.dispose();
    }
  };
  const native = evaluateOnHeldOut(train);
  disableNativeKernels();
  let stock: ReturnType<typeof evaluateOnHeldOut>;
  try {
    stock = evaluateOnHeldOut(train);
  } finally {
    enableNativeKernels();
  }
  assertScalarClose(native.loss, stock.loss, 1e-6, 'held-out loss');
  assert.equal(native.accuracy, stock.accuracy);
  // Other statistics give another loss: the training set's were used.
  assert.ok(Math.abs(evaluateOnHeldOut(heldOut).loss - native.loss) > 1e-4 * Math.abs(native.loss));
});
