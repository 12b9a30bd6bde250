/**
 * Stalls: deterministic GD whose parameters recur bit for bit repeats that cycle until the step
 * cap, so the run ends there as `stalled` with the cycle's period. The references are hand-made
 * cycles of a one-hidden-layer ReLU net whose weights are zero, where only the output bias moves:
 * b -> b - eta c (b - mean y), c the bias's curvature, read off an exact HVP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradientDescent, type GdState } from '../../src/train/gd.js';
import { RunPaused } from '../../src/util/errors.js';
import { gdConfig as config, biasOnlyNet as setup } from './fixtures.js';

test('a zero gradient above the goal is a stall of period 1 at the first step, not 500 steps to the cap', () => {
  const { ctx } = setup([1, -1]);
  const out = gradientDescent(ctx, ctx.theta0, config(0.1));
  assert.equal(out.outcome, 'stalled');
  assert.equal(out.cyclePeriod, 1);
  assert.equal(out.steps, 1);
  assert.ok(out.final !== null && out.final.trainLoss > 0.1, 'the final metrics are recorded');
});

test('eta c = 2 flips the bias between 0 and 2 mean(y) forever: a stall of period 2', () => {
  const { ctx, curvature, bias } = setup([1, 0]);
  assert.ok(Number.isInteger(Math.log2(curvature)), `the curvature ${curvature} is a power of two, so eta c = 2 exactly`);
  const lr = 2 / curvature;
  const out = gradientDescent(ctx, ctx.theta0, config(lr));
  assert.equal(out.outcome, 'stalled');
  assert.equal(out.cyclePeriod, 2);
  assert.equal(out.steps, 2);
  assert.equal(out.theta[bias], 0, 'back at the start');
  assert.deepEqual(out.history.slice(0, 2).map((m) => m.trainLoss), [out.history[0].trainLoss, out.history[0].trainLoss], 'the loss repeats too');
});

test('a run that converges while oscillating is not a stall', () => {
  const { ctx, curvature } = setup([0.5, 0.5]);
  const out = gradientDescent(ctx, ctx.theta0, config((0.9 * 2) / curvature));
  assert.equal(out.outcome, 'converged');
  assert.equal(out.cyclePeriod, null);
});

test('a run paused inside a cycle resumes with its snapshot and stalls at the same step as an uninterrupted run', () => {
  const { ctx, curvature } = setup([1, 0]);
  const cfg = config(2 / curvature);
  let saved: GdState | undefined;
  let asked = 0;
  assert.throws(
    () => gradientDescent(ctx, ctx.theta0, cfg, { onState: (s) => (saved = s), pause: () => ++asked === 2 }),
    (err) => err instanceof RunPaused && err.step === 1,
  );
  assert.ok(saved?.snapshot, 'the state carries the cycle snapshot');
  const resumed = gradientDescent(ctx, ctx.theta0, cfg, { resume: saved });
  assert.deepEqual([resumed.outcome, resumed.steps, resumed.cyclePeriod], ['stalled', 2, 2]);
});
