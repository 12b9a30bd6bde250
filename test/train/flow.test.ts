/**
 * The engine's RK4 gradient flow against the diagonal network's exact flow:
 * from w0 = alpha 1 on one point, w_i(t) = alpha exp(s(t) x_i / 2) for one
 * common scalar s(t), and the limit solves sum_i x_i alpha^2 exp(s x_i) = y
 * (src/theory, gradientFlowLimit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { sampleDiagonalRegression } from '../../src/data/synthetic.js';
import { Experiment } from '../../src/sweep/schema.js';
import { gradientFlowLimit } from '../../src/theory/diagonalNet.js';
import { gradientFlow, type FlowState } from '../../src/train/flow.js';
import { DATA_DIR } from '../data/helpers.js';
import { SMALL_MNIST } from '../sweep/fixtures.js';
import { buildProblem } from '../../src/sweep/problem.js';

test('gradient flow: every goal crossing is recorded and lies on the exact flow curve; the end is the exact limit', async () => {
  await initBackend('wasm');
  const alpha = 0.1;
  const experiment = Experiment.parse({ id: 'flow', dataset: 'diagonal:2:7', model: { kind: 'diagonal', alpha }, loss: 'mse', lossGoals: [1e-2, 1e-4, 1e-8], flow: { maxStep: 0.05, sharpnessEvery: 1 } });
  const problem = await buildProblem(experiment);
  try {
    // The training point of `diagonal:2:7`.
    const point = sampleDiagonalRegression(2, 1, 7, { conditionNonNegative: true });
    const x = Array.from(point.X);
    const y = point.y[0];
    const out = gradientFlow(problem, problem.theta0, { ...experiment.flow, lossGoals: experiment.lossGoals, divergenceFactor: 1e3, recordEvery: 7 });
    assert.equal(out.outcome, 'converged');
    assert.deepEqual(out.solutions.map((s) => s.lossGoal), [1e-2, 1e-4, 1e-8]);
    for (const sol of out.solutions) {
      const at = out.history.find((h) => h.step === sol.step);
      assert.ok(at, `history has the crossing step ${sol.step} of eps = ${sol.lossGoal}`);
      assert.ok(at.trainLoss < sol.lossGoal && at.nuclear !== null, `eps = ${sol.lossGoal}: loss ${at.trainLoss}, nuclear ${at.nuclear}`);
      // On the exact flow curve: s from w_1, then w_2 predicted.
      const s = (2 * Math.log(sol.theta[0] / alpha)) / x[0];
      const predicted = alpha * Math.exp((s * x[1]) / 2);
      assert.ok(Math.abs(sol.theta[1] - predicted) <= 1e-4 * predicted, `eps = ${sol.lossGoal}: w_2 = ${sol.theta[1]} vs ${predicted} on the flow curve`);
    }
    const limit = gradientFlowLimit(x, y, alpha);
    const last = out.solutions[2].theta;
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(last[i] - limit[i]) <= 1e-4 * Math.abs(limit[i]) + 1e-6, `w_${i + 1} = ${last[i]} vs exact limit ${limit[i]}`);
  } finally {
    problem.dispose();
  }
});

test('gradient flow resumed from any saved state ends bit-identical to the uninterrupted flow', async () => {
  await initBackend('wasm');
  const experiment = Experiment.parse({ ...SMALL_MNIST, lossGoals: [0.3, 0.1], flow: { sharpnessEvery: 5 } });
  const problem = await buildProblem(experiment, { dataDir: DATA_DIR });
  try {
    const cfg = { ...experiment.flow, lossGoals: experiment.lossGoals, divergenceFactor: 1e3, recordEvery: 2 };
    const states: FlowState[] = [];
    const full = gradientFlow(problem, problem.theta0, cfg, { stateEvery: 1, onState: (s) => states.push(s) });
    assert.equal(full.outcome, 'converged');
    // Between sharpness refreshes (the step size comes from the saved estimate) and after the first goal's crossing.
    const crossing = full.solutions[0].step;
    const picks = [states.find((s) => s.step % 5 === 3), states.find((s) => s.step > crossing && s.step % 5 !== 0)];
    for (const resume of picks) {
      assert.ok(resume, `the flow ran past step ${crossing}`);
      const resumed = gradientFlow(problem, problem.theta0, cfg, { resume });
      assert.deepEqual(resumed, full, `resumed at step ${resume.step}`);
    }
  } finally {
    problem.dispose();
  }
});
