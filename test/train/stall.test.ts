/**
 * Stalls: deterministic GD whose parameters recur bit for bit repeats that cycle until the step
 * cap, so the run ends there as `stalled` with the cycle's period. The references are hand-made
 * cycles of a one-hidden-layer ReLU net whose weights are zero, where only the output bias moves:
 * b -> b - eta c (b - mean y), c the bias's curvature, read off an exact HVP. The progress
 * estimate of the steps left is bounded by the step cap, for runs that may never reach the goal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import { gradientDescent, type GdConfig, type GdState } from '../../src/train/gd.js';
import type { MeasureContext } from '../../src/train/measure.js';
import { RunPaused } from '../../src/util/errors.js';

/** Two samples with targets `y`; all parameters zero: the hidden layer outputs 0 and only the output bias has a gradient. */
function setup(y: [number, number]): { ctx: MeasureContext; curvature: number; bias: number } {
  const model = buildModel({ kind: 'fcn', widths: [3], activation: 'relu' }, [2], 1);
  const train = makeObjective(model, { X: Float32Array.from([1, 2, -1, 0.5]), Y: Float32Array.from(y), n: 2, d: 2, k: 1 }, 'mse');
  const theta0 = new Float32Array(model.numParams);
  const bias = model.layout.find((b) => b.name === 'layers.1.bias')!.offset;
  const e = new Float32Array(model.numParams);
  e[bias] = 1;
  const curvature = train.hvp(theta0, e)[bias];
  return { ctx: { train, test: null, layout: model.layout, theta0, sharpnessTol: 1e-6 }, curvature, bias };
}

const config = (lr: number): GdConfig => ({ lr, lossGoal: 1e-3, maxSteps: 500, divergenceFactor: 1e3, recordEvery: 1, sharpnessEvery: 0, nuclearDuringTraining: false });

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

test('the progress estimate of steps left is bounded by the step cap', () => {
  // A slow descent towards an unreachable goal: its log-loss rate predicts far more steps than the 40 allowed.
  const { ctx, curvature } = setup([0.5, 0.5]);
  const seen: { step: number; stepsLeft: number | null }[] = [];
  gradientDescent(ctx, ctx.theta0, { ...config(1e-3 / curvature), maxSteps: 40, lossGoal: 1e-30 }, { onProgress: (p) => seen.push(p) });
  assert.deepEqual(seen.slice(2).map((p) => p.stepsLeft), seen.slice(2).map((p) => 40 - p.step));
});
