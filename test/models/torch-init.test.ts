/**
 * --torch-init gives the bits of PyTorch's default initialisation: torch.manual_seed(seed),
 * then the nn.Module of python/torch_models.py (nn.Linear / nn.Conv2d defaults), exported by
 * python3-torch as F32 safetensors and compared here bit for bit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../../src/models/index.js';
import { loadSafetensors } from '../../src/models/safetensors.js';
import { torchInit } from '../../src/models/torch-init.js';
import { MT19937 } from '../../src/util/mt19937.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../reference/torch_check.py', import.meta.url));
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 ? false : `PyTorch is not available to ${PYTHON}`;

test('MT19937 gives the reference sequence (seed 5489: 10000th output 4123659995)', () => {
  const rng = new MT19937(5489);
  let x = 0;
  for (let i = 0; i < 10000; i++) x = rng.nextU32();
  assert.equal(x, 4123659995);
});

const CASES = [
  { spec: { kind: 'fcn', widths: [20, 7], activation: 'relu' }, inputShape: [1, 28, 28], seed: 43 },
  { spec: { kind: 'fcn', widths: [200, 200], activation: 'tanh' }, inputShape: [3, 32, 32], seed: 0 },
  { spec: { kind: 'cnn', channels: [3, 4], activation: 'relu' }, inputShape: [3, 8, 8], seed: 5 },
];

test('torchInit matches torch.manual_seed + default init bit for bit', { skip: torchMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-torch-init-'));
  const requests = CASES.map((c, i) => ({ action: 'export', model: c.spec, inputShape: c.inputShape, k: 10, loss: 'mse', n: 1, X: new Array(c.inputShape.reduce((a, b) => a * b, 1)).fill(0), Y: new Array(10).fill(0), checkpoint: join(dir, `case-${i}.safetensors`), dtype: 'F32', seed: c.seed }));
  writeFileSync(join(dir, 'requests.json'), JSON.stringify(requests));
  const py = spawnSync(PYTHON, [SCRIPT, join(dir, 'requests.json')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  for (const [i, c] of CASES.entries()) {
    const model = buildModel(c.spec, c.inputShape, 10);
    const theirs = loadSafetensors(requests[i].checkpoint, model).theta;
    const ours = torchInit(model, c.seed);
    assert.deepEqual(new Uint32Array(ours.buffer), new Uint32Array(theirs.buffer), `${c.spec.kind} seed ${c.seed}`);
  }
});
