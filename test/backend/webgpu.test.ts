/**
 * The engine on the webgpu backend equals the engine on wasm: loss, gradient,
 * exact HVP and top Hessian eigenvalue for every model kind (dense stacks take
 * the tfjs R-operator path, the CNN double backward). CI installs Mesa's EGL
 * driver (.ci/run), so a missing adapter fails here rather than skipping.
 * Without any adapter, the CLI names what is missing and exits 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { nativeDense } from '../../src/backend/blas.js';
import { initBackend, type BackendName } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective, type LossName, type SupervisedData } from '../../src/objective/index.js';
import { sharpness } from '../../src/sharpness/index.js';
import { provenance, startClock } from '../../src/sweep/provenance.js';
import { profile } from '../../src/sweep/profiles.js';
import { Provenance } from '../../src/sweep/schema.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { classificationData, randomVector, regressionData } from '../reference/data.js';
import { assertRelClose, assertScalarClose } from '../reference/numeric.js';

interface EngineCase {
  name: string;
  spec: Record<string, unknown>;
  inputShape: number[];
  loss: LossName;
  data: SupervisedData;
}

interface EngineValues {
  loss: number;
  grad: Float32Array;
  hvp: Float32Array;
  top: number;
  accuracy: number | null;
}

const cases: EngineCase[] = [
  ...(['relu', 'tanh'] as const).flatMap((activation) =>
    (['mse', 'ce'] as const).map((loss, i) => ({
      name: `fcn ${activation} ${loss}`,
      spec: { kind: 'fcn', widths: [32, 32], activation },
      inputShape: [20],
      loss,
      data: classificationData(500 + i, 64, 20, 4),
    })),
  ),
  { name: 'cnn relu ce', spec: { kind: 'cnn', channels: [4, 4], activation: 'relu' }, inputShape: [1, 8, 8], loss: 'ce', data: classificationData(510, 16, 64, 3) },
  { name: 'cnn tanh mse', spec: { kind: 'cnn', channels: [4, 4], activation: 'tanh' }, inputShape: [1, 8, 8], loss: 'mse', data: classificationData(511, 16, 64, 3) },
  { name: 'diagonal net mse', spec: { kind: 'diagonal', alpha: 0.5 }, inputShape: [12], loss: 'mse', data: regressionData(512, 6, 12, 1) },
  { name: 'logistic toy ce', spec: { kind: 'logistic' }, inputShape: [3], loss: 'ce', data: classificationData(513, 10, 3, 2) },
];

async function engineOn(backend: BackendName, c: EngineCase): Promise<EngineValues> {
  await initBackend(backend);
  const model = buildModel(c.spec, c.inputShape, c.data.k);
  const theta = model.init(7);
  const objective = makeObjective(model, c.data, c.loss);
  const before = tf.memory().numTensors;
  try {
    const { loss, grad } = objective.lossAndGrad(theta);
    assertScalarClose(objective.loss(theta), loss, 1e-6, `${backend} loss() vs lossAndGrad()`);
    const hvp = objective.hvp(theta, randomVector(3, model.numParams));
    const top = sharpness(objective, theta, { tol: 1e-6, seed: 1 }).eigenvalues[0];
    const values = { loss, grad, hvp, top, accuracy: objective.evaluate(theta).accuracy };
    assert.equal(tf.memory().numTensors, before, `${backend} leaked tensors`);
    return values;
  } finally {
    objective.dispose();
  }
}

describe('engine on webgpu equals engine on wasm', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const want = await engineOn('wasm', c);
      const got = await engineOn('webgpu', c);
      assertScalarClose(got.loss, want.loss, 1e-6, 'loss');
      assertRelClose(got.grad, want.grad, 5e-6, 'gradient');
      assertRelClose(got.hvp, want.hvp, 5e-6, 'HVP');
      assertScalarClose(got.top, want.top, 5e-6, 'top eigenvalue');
      assert.equal(got.accuracy, want.accuracy);
    });
  }

  test('the adapter goes into provenance', async () => {
    const info = await initBackend('webgpu');
    assert.equal(info.name, 'webgpu');
    assert.ok(info.adapter, 'webgpu has an adapter');
    assert.equal(nativeDense(), null, "the BLAS addon's dense kernels serve wasm only");
    const record = Provenance.parse(provenance(startClock(), 0));
    assert.deepEqual(record.adapter, info.adapter);
    assert.equal(record.backend, 'webgpu');
  });
});

describe('webgpu without an adapter', () => {
  test('the CLI says what is missing and exits 2', () => {
    const id = profile('smoke')[0].experiment.id;
    // The loaders find no Vulkan driver and no EGL vendor library: as on a machine without them.
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json', __EGL_VENDOR_LIBRARY_FILENAMES: '/nonexistent.json' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'train', '--profile', 'smoke', '--experiment', id, '--lr', '0.1', '--backend', 'webgpu'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    const last = run.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(last, /^error: backend 'webgpu' is not available: no WebGPU adapter: .*Vulkan.*; .*libEGL.*libgl1-mesa-dri\); available backends: wasm, cpu$/);
  });
});
