/**
 * Our checkpoints are PyTorch checkpoints: a safetensors file written here loads
 * into the equivalent nn.Module (load_state_dict, strict) and PyTorch in float64
 * reproduces our loss, gradient and sharpness (top Hessian eigenvalue, ours by
 * Lanczos on exact HVPs); a file written by PyTorch (F32 or F64) loads here with
 * the same loss. Needs /usr/bin/python3 with torch (test/reference/torch_check.py),
 * run once for all cases; skipped when torch cannot be imported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel, type Model } from '../../src/models/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/models/safetensors.js';
import { makeObjective, type LossName, type SupervisedData } from '../../src/objective/index.js';
import { sharpness } from '../../src/sharpness/index.js';
import { classificationData } from '../reference/data.js';
import { assertRelClose, assertScalarClose } from '../reference/numeric.js';
import { runTorch, torchMissing } from '../reference/torch.js';

const DTYPES = ['F32', 'F64'] as const;

interface Case {
  name: string;
  spec: { kind: string; widths?: number[]; channels?: number[]; activation: string };
  inputShape: number[];
  k: number;
  n: number;
  loss: LossName;
}

const cases: Case[] = [
  { name: 'fcn tanh ce', spec: { kind: 'fcn', widths: [6, 5], activation: 'tanh' }, inputShape: [1, 4, 4], k: 3, n: 20, loss: 'ce' },
  { name: 'fcn relu mse', spec: { kind: 'fcn', widths: [6, 5], activation: 'relu' }, inputShape: [1, 4, 4], k: 3, n: 20, loss: 'mse' },
  { name: 'cnn relu mse', spec: { kind: 'cnn', channels: [2, 3], activation: 'relu' }, inputShape: [1, 8, 8], k: 3, n: 6, loss: 'mse' },
  { name: 'cnn tanh ce', spec: { kind: 'cnn', channels: [2, 3], activation: 'tanh' }, inputShape: [3, 4, 4], k: 3, n: 6, loss: 'ce' },
];

interface Prepared {
  model: Model;
  data: SupervisedData;
  theta: Float32Array;
  ours: string;
  exported: Record<(typeof DTYPES)[number], string>;
}

describe('checkpoints against PyTorch (float64)', { skip: torchMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-torch-'));
  const prepared: Prepared[] = [];
  let results: any[] = [];

  before(async () => {
    await initBackend();
    const requests: Record<string, unknown>[] = [];
    for (const [i, c] of cases.entries()) {
      const model = buildModel(c.spec, c.inputShape, c.k);
      const data = classificationData(300 + i, c.n, c.inputShape.reduce((a, b) => a * b, 1), c.k);
      const theta = model.init(400 + i);
      const base = `${dir}/case-${i}`;
      const p: Prepared = { model, data, theta, ours: `${base}-ours.safetensors`, exported: { F32: `${base}-torch-F32.safetensors`, F64: `${base}-torch-F64.safetensors` } };
      saveSafetensors(p.ours, model, theta, { source: 'eos-repro' });
      const common = { model: c.spec, inputShape: c.inputShape, k: c.k, loss: c.loss, n: c.n, X: Array.from(data.X), Y: Array.from(data.Y) };
      requests.push({ ...common, action: 'evaluate', checkpoint: p.ours });
      for (const dtype of DTYPES) requests.push({ ...common, action: 'export', checkpoint: p.exported[dtype], dtype, seed: 500 + i });
      prepared.push(p);
    }
    results = runTorch(dir, requests);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const perCase = 1 + DTYPES.length;
  for (const [i, c] of cases.entries()) {
    test(`${c.name}: our checkpoint in PyTorch gives our loss, gradient and sharpness`, () => {
      const { model, data, theta } = prepared[i];
      const torch = results[i * perCase];
      assert.deepEqual(torch.names, model.layout.map((b) => b.name));
      assert.deepEqual(torch.shapes, model.layout.map((b) => b.shape));
      assert.deepEqual(torch.metadata, { source: 'eos-repro' });
      const obj = makeObjective(model, data, c.loss);
      try {
        const { loss, grad } = obj.lossAndGrad(theta);
        assertScalarClose(loss, torch.loss, 1e-5, 'loss');
        assertRelClose(grad, torch.grad, 1e-5, 'gradient');
        assertScalarClose(Math.hypot(...grad), torch.gradNorm, 1e-5, 'gradient norm');
        const top = sharpness(obj, theta, { tol: 1e-7, maxIter: model.numParams });
        assertScalarClose(top.eigenvalues[0], torch.topEigenvalue, 1e-4, 'top Hessian eigenvalue');
      } finally {
        obj.dispose();
      }
    });

    for (const [j, dtype] of DTYPES.entries()) {
      test(`${c.name}: a ${dtype} checkpoint written by PyTorch loads here with PyTorch's loss`, () => {
        const { model, data, exported } = prepared[i];
        const torch = results[i * perCase + 1 + j];
        assert.deepEqual(torch.names, model.layout.map((b) => b.name));
        const obj = makeObjective(model, data, c.loss);
        try {
          assertScalarClose(obj.loss(loadSafetensors(exported[dtype], model).theta), torch.loss, 1e-5, 'loss');
        } finally {
          obj.dispose();
        }
      });
    }
  }
});
