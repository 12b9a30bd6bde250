import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Objective } from '../../src/objective/index.js';
import { checkStop } from '../../src/train/gd.js';
import { stopOf } from '../../src/figures/sweep.js';

/** f(θ) = a/2 ‖θ‖²: GD multiplies θ by (1 - ηa) per step, so the loss after k steps is (1 - ηa)^(2k) f(θ0) (the reference). */
function quadratic(a: number): Objective {
  const loss = (t: Float32Array) => (a / 2) * t.reduce((s, x) => s + x * x, 0);
  return { lossAndGrad: (t: Float32Array) => ({ loss: loss(t), grad: t.map((x) => a * x) }) } as unknown as Objective;
}

test('a stop inside the stability bound whose loss keeps falling is stable', () => {
  const theta = Float32Array.from([0.01, -0.02]);
  const c = checkStop(quadratic(1), theta, 0.5, 1e-3, 1, 5);
  assert.equal(c.kind, 'stable');
  assert.equal(c.sharpnessRatio, 0.25);
  assert.equal(c.probeSteps, 5);
  assert.ok(Math.abs(c.maxLossAfter - 0.5 * 5e-4) < 1e-9, `the stop's own loss is the largest: ${c.maxLossAfter}`);
  assert.deepEqual(Array.from(theta), [Math.fround(0.01), Math.fround(-0.02)], 'the parameters at the stop are untouched');
});

test('a stop with sharpness above 2/η is transient', () => {
  const c = checkStop(quadratic(1), Float32Array.from([0.01]), 2.5, 1, 1, 3);
  assert.equal(c.kind, 'transient');
  assert.equal(c.sharpnessRatio, 1.25);
  // (1 - 2.5)^6 * 0.5e-4
  assert.ok(Math.abs(c.maxLossAfter - 1.5 ** 6 * 0.5e-4) < 1e-9, String(c.maxLossAfter));
});

test('a loss that climbs back above the goal makes the stop transient even below the sharpness bound', () => {
  // The sharpness estimate says 0.5 (ratio 0.25), but the true curvature 3 makes GD at η = 1 grow the loss 4x per step.
  const theta = Float32Array.from([0.01]);
  const c = checkStop(quadratic(3), theta, 1, 2e-4, 0.5, 2);
  assert.equal(c.kind, 'transient');
  assert.ok(Math.abs(c.maxLossAfter - 16 * 1.5e-4) < 1e-9, String(c.maxLossAfter));
});

test('stopOf: the recorded check first, else the final sharpness against 2/η, else unknown', () => {
  const run = (lr: number, sharpness: number | null, stop?: { kind: 'stable' | 'transient' }) => ({ lr, outcome: 'converged', final: { sharpness }, ...(stop ? { stop } : {}) });
  assert.equal(stopOf(run(1, 3, { kind: 'stable' })), 'stable');
  assert.equal(stopOf(run(1, 3)), 'transient');
  assert.equal(stopOf(run(1, 1.9)), 'unknown');
  assert.equal(stopOf(run(1, null)), 'unknown');
  assert.equal(stopOf({ lr: 1, outcome: 'diverged', final: null }), null);
});
