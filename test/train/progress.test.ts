/**
 * Progress estimates of the steps left (the ETA of the logs), on dynamics with a closed form:
 * under gradient flow the bias-only net's loss decays by the same factor every RK4 step, so
 * the estimate from any three records is the exact number of steps to the goal (to rounding);
 * for GD, the estimate never passes the step cap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradientDescent } from '../../src/train/gd.js';
import { gradientFlow } from '../../src/train/flow.js';
import { biasOnlyNet, gdConfig } from './fixtures.js';

test('GD: the estimate of steps left is bounded by the step cap', () => {
  // A slow descent towards an unreachable goal: its log-loss rate predicts far more steps than the 40 allowed.
  const { ctx, curvature } = biasOnlyNet([0.5, 0.5]);
  const seen: { step: number; stepsLeft: number | null }[] = [];
  gradientDescent(ctx, ctx.theta0, { ...gdConfig(1e-3 / curvature), maxSteps: 40, lossGoal: 1e-30 }, { onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen.slice(2).map((p) => p.stepsLeft), seen.slice(2).map((p) => 40 - p.step));
});

test('gradient flow: a loss decaying by a constant factor per RK4 step gets the exact steps to its last goal', () => {
  const { ctx } = biasOnlyNet([0.5, 0.5]);
  const seen: { step: number; stepsLeft: number | null }[] = [];
  const out = gradientFlow(ctx, ctx.theta0, { lossGoals: [1e-2, 1e-8], alpha: 0.1, maxStep: 1, sharpnessEvery: 5, maxSteps: 10000, divergenceFactor: 1e3, recordEvery: 1 }, { onProgress: (p) => seen.push(p) });
  assert.equal(out.outcome, 'converged');
  assert.ok(out.steps > 50, `${out.steps} RK4 steps`);
  assert.deepEqual(seen.slice(0, 2).map((p) => p.stepsLeft), [null, null], 'unknown before three records');
  for (const p of seen.slice(2, -1)) assert.ok(p.stepsLeft !== null && Math.abs(p.step + p.stepsLeft - out.steps) <= 1, `step ${p.step}: ${p.stepsLeft} left, the flow ended at ${out.steps}`);
  assert.equal(seen[seen.length - 1].stepsLeft, 0, 'none left at the last goal');
});
