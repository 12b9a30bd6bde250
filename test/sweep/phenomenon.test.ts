/**
 * The paper's central phenomenon on cheap configurations (FCN-ReLU 32x32, 256
 * MNIST images).
 *  - MSE: below eta_c = 2/s_GF the final sharpness stays near s_GF (within 20%
 *    for each rate and 10% on average: on this small net GD's path differs from
 *    the flow's, measured 1.03, 1.17 and 1.05 s_GF at 0.25, 0.5 and 0.75 eta_c,
 *    and 1.13 at 0.125 eta_c, so the gap does not close as eta -> 0); above it,
 *    the sharpness rises to about 2/eta during training and ends near it (within
 *    10%: training stops mid-oscillation, so the final value can sit slightly
 *    above 2/eta), and the distance travelled from the initialisation grows with
 *    eta (Fig. 12). Here the final l2 norm does NOT grow (it is dominated by the
 *    initialisation and falls by ~0.4% from 0.5 to 3.2 eta_c).
 *  - CE: the final l2 norm grows with eta (Fig. 3b), and the EoS runs end below
 *    2/eta. With CE the sharpness falls late in training, so "final sharpness
 *    near s_GF" is an MSE statement (as in the paper's Figure 3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { runFlow, runGd } from '../../src/sweep/runner.js';
import { Experiment } from '../../src/sweep/schema.js';
import { ResultStore } from '../../src/sweep/store.js';
import { buildProblem } from '../../src/sweep/problem.js';
import { DATA_DIR } from '../data/helpers.js';

const quiet = () => {};

async function cheapProblem(loss: 'mse' | 'ce', lossGoal: number) {
  await initBackend('wasm');
  const experiment = Experiment.parse({
    id: `phenomenon-${loss}`,
    dataset: 'mnist-5k:256',
    model: { kind: 'fcn', widths: [32, 32], activation: 'relu' },
    loss,
    seed: 1,
    lossGoals: [lossGoal],
    testLimit: 100,
    record: { every: 2, sharpnessEvery: 2, sharpnessTol: 1e-3 },
    checkpoints: false,
  });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-phenomenon-')));
  return { store, problem: await buildProblem(experiment, { dataDir: DATA_DIR }) };
}

test('MSE: flow-aligned below 2/s_GF, edge of stability above it, distance from init grows with eta', async () => {
  const { store, problem } = await cheapProblem('mse', 0.01);
  try {
    const flow = await runFlow(problem, store, quiet);
    const sGF = flow.sGF[0].sGF;
    const etaC = 2 / sGF;
    assert.ok(sGF > 1.3 * flow.s0, `progressive sharpening along the flow: s0=${flow.s0}, sGF=${sGF}`);

    const belowRuns = [0.25, 0.5, 0.75].map((f) => runGd(problem, store, f * etaC, 0.01, { log: quiet }));
    const below = belowRuns[1];
    const above = [2.4, 3.2].map((f) => runGd(problem, store, f * etaC, 0.01, { log: quiet }));
    for (const r of [...belowRuns, ...above]) assert.equal(r.outcome, 'converged', `lr=${r.lr} ${r.outcome}`);

    const sBelow = belowRuns.map((r) => r.final?.sharpness as number);
    for (const s of sBelow) assert.ok(Math.abs(s - sGF) <= 0.2 * sGF, `flow-aligned: final sharpness ${s} vs s_GF ${sGF}`);
    const mean = sBelow.reduce((a, b) => a + b, 0) / sBelow.length;
    assert.ok(Math.abs(mean - sGF) <= 0.1 * sGF, `flow-aligned on average: mean final sharpness ${mean} vs s_GF ${sGF}`);
    for (const r of above) {
      const bound = 2 / r.lr;
      assert.ok((r.maxSharpness as number) >= 0.9 * bound, `EoS: max sharpness ${r.maxSharpness} reaches 2/eta=${bound}`);
      assert.ok((r.final?.sharpness as number) <= 1.1 * bound, `EoS: final sharpness ${r.final?.sharpness} ends near or below 2/eta=${bound}`);
      assert.ok((r.final?.sharpness as number) < 0.9 * sGF, `EoS: final sharpness ${r.final?.sharpness} below s_GF ${sGF}`);
    }
    const travelled = [below, ...above].map((r) => r.final?.distanceFromInit.l2 as number);
    assert.ok(travelled[2] > travelled[1] && travelled[1] > travelled[0], `distance from init grows with eta: ${travelled.join(' < ')}`);
  } finally {
    problem.dispose();
  }
});

test('CE: the final l2 norm grows with eta, and the EoS runs end below 2/eta', async () => {
  const { store, problem } = await cheapProblem('ce', 0.05);
  try {
    const flow = await runFlow(problem, store, quiet);
    const etaC = 2 / flow.sGF[0].sGF;
    const runs = [0.5, 1.6, 2.4, 3.2].map((f) => runGd(problem, store, f * etaC, 0.05, { log: quiet }));
    for (const r of runs) assert.equal(r.outcome, 'converged', `lr=${r.lr} ${r.outcome}`);
    for (const r of runs.slice(1)) {
      assert.ok((r.maxSharpness as number) >= 0.9 * (2 / r.lr), `EoS: max sharpness ${r.maxSharpness} reaches 2/eta=${2 / r.lr}`);
      assert.ok((r.final?.sharpness as number) < 2 / r.lr, `EoS: final sharpness ${r.final?.sharpness} below 2/eta=${2 / r.lr}`);
    }
    const l2 = runs.map((r) => r.final?.l2 as number);
    for (let i = 1; i < l2.length; i++) assert.ok(l2[i] > l2[i - 1], `final l2 norm grows with eta: ${l2.join(' < ')}`);
    assert.ok(l2[3] > 1.03 * l2[0], `by more than 3% from 0.5 to 3.2 eta_c: ${l2[0]} -> ${l2[3]}`);
  } finally {
    problem.dispose();
  }
});
