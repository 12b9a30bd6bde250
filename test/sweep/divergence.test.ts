import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { aboveFailure, scheduleOutcome } from '../../src/sweep/grid.js';
import { planExperiment } from '../../src/sweep/plan.js';
import { runSweep } from '../../src/sweep/runner.js';
import { Experiment } from '../../src/sweep/schema.js';
import { ResultStore } from '../../src/sweep/store.js';

test('aboveFailure: only rates above a failed one', () => {
  const done = [{ lr: 0.1, failed: false }, { lr: 0.3, failed: true }, { lr: 0.5, failed: false }];
  assert.equal(aboveFailure(0.2, done), false);
  assert.equal(aboveFailure(0.3, done), false);
  assert.equal(aboveFailure(0.4, done), true);
  assert.equal(aboveFailure(0.4, []), false);
});

test('the schedule counts a diverged and a stalled run as failed: GD cannot reach the goal at either rate', () => {
  const outcomes = ['converged', 'max-steps', 'diverged', 'stalled'].map((outcome, i) => scheduleOutcome({ lr: i, outcome }));
  assert.deepEqual(outcomes.map((o) => o.failed), [false, false, true, true]);
  assert.deepEqual(outcomes.map((o) => o.lr), [0, 1, 2, 3]);
});

test('a sweep runs no rate above a divergence, and its plan does not list one', async () => {
  await initBackend('wasm');
  const experiment = Experiment.parse({
    id: 'above-divergence',
    dataset: 'diagonal:2:7',
    model: { kind: 'diagonal', alpha: 0.1 },
    loss: 'mse',
    lossGoals: [1e-3],
    record: { every: 5, sharpnessEvery: 5 },
    grid: { rates: [0.1, 40, 80] },
  });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-div-')));
  const [summary] = await runSweep(experiment, { store, log: () => {} });
  assert.deepEqual(summary.runs.map((r) => [r.lr, r.outcome]), [[0.1, 'converged'], [40, 'diverged']]);
  // Where a run stopped, both ends of the spectrum; its largest end is the recorded sharpness.
  const [ok, diverged] = summary.runs;
  const spectrum = ok.finalSpectrum;
  assert.ok(spectrum && ok.final?.sharpness);
  assert.ok(Math.abs(spectrum.largest - ok.final.sharpness) <= 1e-2 * ok.final.sharpness, `${spectrum.largest} vs ${ok.final.sharpness}`);
  assert.ok(spectrum.smallest <= spectrum.largest && spectrum.maxAbs === Math.max(Math.abs(spectrum.smallest), Math.abs(spectrum.largest)));
  assert.equal(diverged.finalSpectrum, null);
  // Its products are counted apart, and among the run's.
  assert.ok(spectrum.hvps !== undefined && spectrum.hvps >= 2 && spectrum.hvps <= ok.provenance.hvps, `${spectrum.hvps} of ${ok.provenance.hvps}`);
  const gd = planExperiment(experiment, store).filter((t) => t.kind === 'gd');
  assert.deepEqual(gd.map((t) => [t.lr, t.state]), [[0.1, 'done'], [40, 'diverged']]);
});
