/**
 * Checkpoints on the command line against PyTorch (python3-torch, float64): `eos measure` on a
 * checkpoint PyTorch wrote prints the loss, accuracy, gradient norm and both ends of the Hessian
 * spectrum that a float64 PyTorch computation gives; `--torch-init` starts from the very
 * parameters torch.manual_seed + default init give, so `train --torch-init` and `train --init`
 * from PyTorch's file are the same run; `train --save` writes the final parameters.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDataset, oneHot } from '../../src/data/index.js';
import { GdResult } from '../../src/sweep/schema.js';
import type { CheckpointMeasures } from '../../src/train/measure.js';
import { DATA_DIR } from '../data/helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../reference/torch_check.py', import.meta.url));
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 ? false : `PyTorch is not available to ${PYTHON}`;

const MODEL = { kind: 'fcn', widths: [3], activation: 'relu' };
const CONFIG = { id: 'measure', dataset: 'mnist-5k:24', model: MODEL, loss: 'mse', seed: 7, lossGoals: [0.2], maxSteps: 150, testLimit: 10, record: { every: 5, sharpnessEvery: 5 } };

interface TorchEvaluation {
  loss: number;
  accuracy: number;
  gradNorm: number;
  eigenvalues: number[];
}

function eos(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--data-dir', DATA_DIR], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function close(ours: number, reference: number, what: string, tol = 1e-4): void {
  assert.ok(Math.abs(ours - reference) <= tol * Math.max(1, Math.abs(reference)), `${what}: ours ${ours}, PyTorch float64 ${reference}`);
}

describe('checkpoints on the command line against PyTorch', { skip: torchMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-measure-'));
  const config = join(dir, 'experiment.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const checkpoint = join(dir, 'torch.safetensors');

  test('eos measure on a PyTorch checkpoint prints what float64 PyTorch computes (to 1e-4)', async () => {
    const ds = await loadDataset(CONFIG.dataset, { dataDir: DATA_DIR, testLimit: CONFIG.testLimit });
    const split = (s: typeof ds.train) => ({ n: s.n, X: Array.from(s.X), Y: Array.from(oneHot(s.labels, 10)) });
    const common = { model: MODEL, inputShape: [1, 28, 28], k: 10, loss: CONFIG.loss, checkpoint };
    const requests = [
      { ...common, ...split(ds.train), action: 'export', dtype: 'F64', seed: CONFIG.seed },
      { ...common, ...split(ds.train), action: 'evaluate' },
      { ...common, ...split(ds.test), action: 'evaluate' },
    ];
    writeFileSync(join(dir, 'requests.json'), JSON.stringify(requests));
    const py = spawnSync(PYTHON, [SCRIPT, join(dir, 'requests.json')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(py.status, 0, py.stderr);
    const [, train, testSplit] = JSON.parse(py.stdout) as [unknown, TorchEvaluation, TorchEvaluation];

    const r = eos(['measure', '--config', config, '--checkpoint', checkpoint, '--top', '3', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout) as CheckpointMeasures;
    close(m.train.loss, train.loss, 'train loss');
    close(m.train.accuracy as number, train.accuracy, 'train accuracy');
    close(m.test?.loss as number, testSplit.loss, 'test loss');
    close(m.test?.accuracy as number, testSplit.accuracy, 'test accuracy');
    close(m.gradientNorm, train.gradNorm, 'gradient norm');
    const scale = Math.max(...train.eigenvalues.map(Math.abs));
    const top = train.eigenvalues.slice(-3).reverse();
    const bottom = train.eigenvalues.slice(0, 3);
    assert.equal(m.hessian.largest.length, 3);
    // Eigenvalues to 1e-4 of the spectrum's scale (near-zero ones have no relative accuracy in float32).
    m.hessian.largest.forEach((x, i) => close(x, top[i], `eigenvalue ${i + 1} from the top`, 1e-4 * Math.max(1, scale)));
    m.hessian.smallest.forEach((x, i) => close(x, bottom[i], `eigenvalue ${i + 1} from the bottom`, 1e-4 * Math.max(1, scale)));
    assert.ok(m.hessian.converged.largest && m.hessian.converged.smallest);
  });

  test('train --torch-init is train --init from the PyTorch checkpoint; --save writes the final parameters', () => {
    const results = join(dir, 'results');
    const saved = join(dir, 'final.safetensors');
    const fromFile = eos(['train', '--config', config, '--lr', '0.005', '--init', checkpoint, '--save', saved, '--results', results, '--json']);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const viaSeed = eos(['train', '--config', config, '--lr', '0.005', '--torch-init', '--results', results, '--json']);
    assert.equal(viaSeed.status, 0, viaSeed.stderr);
    const a = GdResult.parse(JSON.parse(fromFile.stdout));
    const b = GdResult.parse(JSON.parse(viaSeed.stdout));
    assert.notEqual(a.key, b.key, 'runs from a file are keyed by its parameters');
    assert.deepEqual(a.history, b.history, 'the same run, step for step');

    const measured = eos(['measure', '--config', config, '--checkpoint', saved, '--top', '1', '--json']);
    assert.equal(measured.status, 0, measured.stderr);
    close((JSON.parse(measured.stdout) as CheckpointMeasures).train.loss, a.final?.trainLoss as number, 'final loss of the saved parameters', 1e-6);
  });
});
