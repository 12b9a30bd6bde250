import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import { manifoldSharpness } from '../../src/theory/diagonalNet.js';
import { bestKktPoint, gaussianModelRisk, kktPoints, kktResidual } from '../../src/theory/kkt.js';
import { RunningMean, bisectRoot, gridThenGoldenMinimize } from '../../src/theory/numerics.js';
import { normalVector } from './helpers.js';

/** A training point from p((x, y) | x >= 0) of the Gaussian model, with y0 > 0 so that M is non-empty. */
function conditionedDraw(rng: Rng, d: number): { x0: Float64Array; y0: number } {
  for (;;) {
    const x0 = normalVector(rng, d).map(Math.abs);
    const y0 = x0.reduce((s, v) => s + v, 0) + rng.normal();
    if (y0 > 0) return { x0, y0 };
  }
}

const powerSum = (x: ArrayLike<number>, support: readonly number[], k: number) => support.reduce((s, i) => s + x[i] ** k, 0);

/** (13) exactly as printed in Lemma E.1. */
function printedMultipliers(x0: ArrayLike<number>, y0: number, eta: number, support: readonly number[]): { lambda: number; nu: number } {
  const [n1, n2, n3, n4] = [1, 2, 3, 4].map((k) => powerSum(x0, support, k));
  const lambda = (y0 * n3 + n2 * n2 - n1 * n3 - n2 / (2 * eta)) / (2 * eta * (n2 * n4 - n3 * n3));
  const nu = (y0 * n4 + n3 * n2 - n1 * n4 - n3 / (2 * eta)) / (n3 * n3 - n2 * n4);
  return { lambda, nu };
}

test('Lemma E.1 risk: Monte-Carlo mean of the loss agrees with 1/2||w||_4^4 - ||w||_2^2 + (d+1)/2 within 3 standard errors', (t) => {
  const rng = new Rng(20);
  for (const w of [[0.3, -1.2], [1, 1, 1], [0.5, 0, -0.8, 1.4]]) {
    const d = w.length;
    const acc = new RunningMean();
    for (let k = 0; k < 200000; k++) {
      const x = normalVector(rng, d);
      let pred = 0;
      let y = rng.normal();
      for (let i = 0; i < d; i++) {
        pred += x[i] * w[i] * w[i];
        y += x[i];
      }
      acc.add(0.5 * (pred - y) ** 2);
    }
    const est = acc.estimate();
    const closed = gaussianModelRisk(w);
    t.diagnostic(`w=${JSON.stringify(w)}: MC ${est.mean.toFixed(5)} ± ${est.standardError.toFixed(5)}, closed form ${closed.toFixed(5)}`);
    assert.ok(Math.abs(est.mean - closed) < 3 * est.standardError);
  }
});

test('every returned KKT point satisfies (15)-(19) to 1e-9, lies on M and has the stated risk and sharpness', () => {
  const rng = new Rng(21);
  let active = 0;
  let inactive = 0;
  for (let trial = 0; trial < 300; trial++) {
    const d = 2 + (trial % 4);
    const { x0, y0 } = conditionedDraw(rng, d);
    const etaMax = 1 / (2 * Math.min(...x0) * y0);
    const eta = etaMax * (0.2 + rng.uniform());
    for (const p of kktPoints(x0, y0, eta)) {
      const r = kktResidual(p.w, p.lambda, p.nu, x0, y0, eta);
      assert.ok(r.max < 1e-9, `trial ${trial}: ${JSON.stringify(r)}`);
      assert.ok(Math.abs(p.risk - gaussianModelRisk(p.w)) < 1e-12);
      assert.ok(Math.abs(p.sharpness - manifoldSharpness(p.w, x0)) < 1e-12);
      assert.deepEqual(p.support, Array.from(p.w.keys()).filter((i) => p.w[i] !== 0));
      if (p.constraintActive) {
        active += 1;
        assert.ok(p.lambda > 0 && Math.abs(eta * p.sharpness - 2) < 1e-9);
      } else inactive += 1;
    }
  }
  assert.ok(active > 50 && inactive > 50, `both families occur (${active} active, ${inactive} inactive)`);
});

test('the active-constraint multipliers agree with the printed formula (13)', () => {
  const rng = new Rng(22);
  let compared = 0;
  for (let trial = 0; trial < 200; trial++) {
    const { x0, y0 } = conditionedDraw(rng, 3);
    const eta = (0.3 + rng.uniform()) / (2 * Math.min(...x0) * y0);
    for (const p of kktPoints(x0, y0, eta).filter((q) => q.constraintActive)) {
      const printed = printedMultipliers(x0, y0, eta, p.support);
      assert.ok(Math.abs(printed.lambda - p.lambda) < 1e-9 * Math.max(1, Math.abs(p.lambda)));
      assert.ok(Math.abs(printed.nu - p.nu) < 1e-9 * Math.max(1, Math.abs(p.nu)));
      compared += 1;
    }
  }
  assert.ok(compared > 30);
});

test('d = 2: the lowest-risk KKT point is the minimiser of (12) found by a brute-force search over the manifold angle', () => {
  const rng = new Rng(23);
  let infeasible = 0;
  for (let trial = 0; trial < 60; trial++) {
    const { x0, y0 } = conditionedDraw(rng, 2);
    const eta = (0.05 + 1.2 * rng.uniform()) / (2 * Math.min(...x0) * y0);
    // M ∩ R^2_{>=0} = {(sqrt(y0/x1) cos t, sqrt(y0/x2) sin t) : t in [0, pi/2]}.
    const point = (t: number) => [Math.sqrt(y0 / x0[0]) * Math.cos(t), Math.sqrt(y0 / x0[1]) * Math.sin(t)];
    const slack = (t: number) => 2 / eta - manifoldSharpness(point(t), x0);
    const feasibleRisk = (t: number) => (slack(t) >= 0 ? gaussianModelRisk(point(t)) : Infinity);
    const best = bestKktPoint(x0, y0, eta);
    const grid = gridThenGoldenMinimize(feasibleRisk, 0, Math.PI / 2, 20001);
    if (!Number.isFinite(grid.value)) {
      infeasible += 1;
      assert.equal(best, null, 'no feasible point on M, no KKT point');
      continue;
    }
    // S_L is monotone in t, so the feasible set is an interval; polish a minimiser sitting on its end.
    const edge = [0, Math.PI / 2].find((t) => slack(t) < 0);
    const boundary = edge === undefined ? null : bisectRoot(slack, edge, grid.argument);
    const candidates = [grid.argument, ...(boundary === null ? [] : [boundary])].filter((t) => slack(t) >= -1e-12);
    const bruteRisk = Math.min(...candidates.map((t) => gaussianModelRisk(point(t))));
    assert.ok(best !== null);
    assert.ok(Math.abs(best.risk - bruteRisk) < 1e-9 * Math.max(1, bruteRisk), `trial ${trial}: KKT ${best.risk} vs brute force ${bruteRisk}`);
  }
  assert.ok(infeasible > 0 && infeasible < 30);
});

test('d = 3: a barycentric grid over M ∩ R^3_{>=0} finds no feasible point below the best KKT point, and gets close to it', () => {
  const rng = new Rng(24);
  const n = 600;
  for (let trial = 0; trial < 10; trial++) {
    const x0 = Float64Array.from({ length: 3 }, () => 0.3 + 1.7 * rng.uniform());
    const y0 = x0.reduce((s, v) => s + v, 0) + 0.3 * rng.normal();
    const eta = (0.3 + 0.6 * rng.uniform()) / (2 * Math.min(...x0) * y0);
    const best = bestKktPoint(x0, y0, eta);
    assert.ok(best !== null);
    // w∘w = sum_i b_i (y0 / x0_i) e_i over barycentric weights b on a grid of the simplex.
    let gridMin = Infinity;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; i + j <= n; j++) {
        const b = [i / n, j / n, (n - i - j) / n];
        const w = b.map((bk, k) => Math.sqrt((bk * y0) / x0[k]));
        if (eta * manifoldSharpness(w, x0) <= 2) gridMin = Math.min(gridMin, gaussianModelRisk(w));
      }
    }
    assert.ok(gridMin >= best.risk - 1e-12, `trial ${trial}`);
    assert.ok(gridMin - best.risk < 1e-2 * Math.max(1, best.risk), `trial ${trial}: grid gets close to the optimum (gap ${gridMin - best.risk})`);
  }
});

test('eta = 0 drops the sharpness constraint: the best KKT point is the unconstrained risk minimiser on M', () => {
  const x0 = [1, 2];
  const y0 = 2.5;
  const best = bestKktPoint(x0, y0, 0);
  assert.ok(best !== null && !best.constraintActive);
  const nu = (3 - y0) / 5;
  assert.ok(Math.abs(best.wSquared[0] - (1 - nu)) < 1e-15 && Math.abs(best.wSquared[1] - (1 - 2 * nu)) < 1e-15);
});

test('degenerate case (14): x0 = a 1 with 4 a y0 = 2/eta gives one point with a whole segment of multipliers', () => {
  const a = 0.8;
  const y0 = 1.3;
  const eta = 1 / (2 * a * y0);
  const x0 = [a, a];
  const points = kktPoints(x0, y0, eta).filter((p) => p.support.length === 2);
  assert.equal(points.length, 1);
  const w = points[0].w;
  for (const lambda of [0, 0.05, 0.2]) {
    const nu = (2 * a - 2 * eta * lambda * 2 * a ** 3 - y0) / (2 * a * a);
    const wSq = 1 - 2 * lambda * eta * a * a - nu * a;
    assert.ok(Math.abs(wSq - w[0] ** 2) < 1e-12, 'same w for every (lambda, nu) on the segment');
    assert.ok(kktResidual(w, lambda, nu, x0, y0, eta).max < 1e-12);
  }
});

test('for |S_w| = 1 the denominators of (13) vanish (||x||_2^2 ||x||_4^4 = ||x||_3^6), so the printed formula is 0/0 up to round-off', (t) => {
  const x0 = [0.7, 1.9];
  const y0 = 1.1;
  const eta = 0.3;
  const [n2, n3, n4] = [2, 3, 4].map((k) => powerSum(x0, [1], k));
  const printed = printedMultipliers(x0, y0, eta, [1]);
  t.diagnostic(`S_w = {2}: denominator ${n2 * n4 - n3 * n3} (terms ${n2 * n4}); printed (13) gives lambda = ${printed.lambda}, nu = ${printed.nu}`);
  assert.ok(Math.abs(n2 * n4 - n3 * n3) <= 1e-14 * n2 * n4);
  assert.ok(!(Math.abs(printed.lambda) < 1e10), 'no meaningful multiplier comes out');
});

test('Lemma E.1 states positivity as 2 eta lambda x_i + nu x_i < 1; the proof\'s (x_i^2 in the lambda term) is the right one', (t) => {
  const rng = new Rng(25);
  let missed: { x0: number[]; y0: number; eta: number; support: number[]; residual: number } | null = null;
  for (let trial = 0; trial < 2000 && missed === null; trial++) {
    const { x0, y0 } = conditionedDraw(rng, 3);
    const eta = (0.2 + rng.uniform()) / (2 * Math.min(...x0) * y0);
    for (const p of kktPoints(x0, y0, eta).filter((q) => q.constraintActive)) {
      const printedOk = p.support.every((i) => 2 * eta * p.lambda * x0[i] + p.nu * x0[i] < 1);
      if (!printedOk) {
        const residual = kktResidual(p.w, p.lambda, p.nu, x0, y0, eta).max;
        missed = { x0: Array.from(x0), y0, eta, support: [...p.support], residual };
        break;
      }
    }
  }
  assert.ok(missed !== null, 'found a genuine KKT point that the printed condition rejects');
  t.diagnostic(`genuine KKT point rejected by the printed condition: ${JSON.stringify(missed)}`);
  assert.ok(missed.residual < 1e-9);
});
