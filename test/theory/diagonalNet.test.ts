import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  endToEndL1Norm, gradient, gradientFlowLimit, hessian, hessianOperatorNorm, loss, manifoldSharpness, minimizingSets,
  minimalL1Solution, minimalSharpnessSolution, predictedL1Norm, sharpness, singlePoint, type RegressionData,
} from '../../src/theory/diagonalNet.js';
import { entry, largestEigenvalue } from '../../src/theory/linalg.js';
import { bisectRoot } from '../../src/theory/numerics.js';
import { finiteDifferenceGradient, normalVector, relativeError, uniformVector } from './helpers.js';

function randomData(rng: Rng, d: number, n: number): RegressionData {
  return { inputs: Array.from({ length: n }, () => normalVector(rng, d)), targets: Array.from({ length: n }, () => rng.normal()) };
}

/** A random point of M for x > 0, y > 0: v = w∘w on the polytope {v >= 0, <x, v> = y}. */
function randomManifoldPoint(rng: Rng, x: Float64Array, y: number): Float64Array {
  const s = uniformVector(rng, x.length, 0, 1).map((v) => v ** 3);
  const scale = y / s.reduce((acc, v, i) => acc + v * x[i], 0);
  return s.map((v) => Math.sqrt(v * scale) * (rng.uniform() < 0.5 ? -1 : 1));
}

test('gradient matches central finite differences (one point and n points)', () => {
  const rng = new Rng(10);
  for (const [d, n] of [[2, 1], [5, 1], [4, 3], [7, 10]]) {
    const data = randomData(rng, d, n);
    const w = normalVector(rng, d);
    const fd = finiteDifferenceGradient((v) => loss(v, data), w);
    assert.ok(relativeError(gradient(w, data), fd) < 1e-7, `d=${d} n=${n}`);
  }
});

test('Hessian matches finite differences of the gradient and the closed form 2 r D_x + 4 (x∘w)(x∘w)^T', () => {
  const rng = new Rng(11);
  for (const [d, n] of [[2, 1], [5, 1], [4, 3]]) {
    const data = randomData(rng, d, n);
    const w = normalVector(rng, d);
    const h = hessian(w, data);
    for (let j = 0; j < d; j++) {
      const column = finiteDifferenceGradient((v) => gradient(v, data)[j], w);
      const exact = Float64Array.from({ length: d }, (_, i) => entry(h, j, i));
      assert.ok(relativeError(exact, column) < 1e-7, `row ${j}`);
    }
  }
  const x = [0.5, -1.5, 2];
  const y = 0.7;
  const w = [0.3, -0.2, 1.1];
  const r = x.reduce((s, xi, i) => s + xi * w[i] * w[i], -y);
  const h = hessian(w, singlePoint(x, y));
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const closed = (i === j ? 2 * r * x[i] : 0) + 4 * x[i] * w[i] * x[j] * w[j];
      assert.ok(Math.abs(entry(h, i, j) - closed) < 1e-14);
    }
  }
});

test('sharpness (secular equation) equals the top eigenvalue from the dense Jacobi solver, on and off M', () => {
  const rng = new Rng(12);
  for (let trial = 0; trial < 200; trial++) {
    const d = 2 + (trial % 7);
    const x = normalVector(rng, d);
    const y = rng.normal() * 2;
    const w = normalVector(rng, d).map((v) => v * (0.1 + 2 * rng.uniform()));
    if (trial % 5 === 0) w[trial % d] = 0;
    const data = singlePoint(x, y);
    const dense = largestEigenvalue(hessian(w, data));
    assert.ok(Math.abs(sharpness(w, data) - dense) < 1e-10 * Math.max(1, Math.abs(dense)), `trial ${trial}`);
  }
});

test('on M the sharpness is S_L(w) = 4 ||x∘w||^2 (eq. (11)); off M the paper\'s max|eigenvalue| can differ from the top eigenvalue', () => {
  const rng = new Rng(13);
  for (let trial = 0; trial < 50; trial++) {
    const x = uniformVector(rng, 4, 0.1, 3);
    const y = 0.5 + 2 * rng.uniform();
    const w = randomManifoldPoint(rng, x, y);
    const data = singlePoint(x, y);
    assert.ok(Math.abs(loss(w, data)) < 1e-25);
    assert.ok(Math.abs(sharpness(w, data) - manifoldSharpness(w, x)) < 1e-10);
    assert.ok(Math.abs(hessianOperatorNorm(w, data) - manifoldSharpness(w, x)) < 1e-10);
  }
  const data = singlePoint([1, 2], 2.5);
  const w = [0.1, 0.1];
  assert.ok(sharpness(w, data) < 0, 'near the origin the Hessian is negative definite');
  assert.ok(hessianOperatorNorm(w, data) > 9, 'so ||Hessian|| is the magnitude of the most negative eigenvalue');
});

test('Proposition 3.2 (x > 0): A_l1 and A_S attain min ||w∘w||_1 = y/x_max and min S_L = 4 x_min y over M', () => {
  const rng = new Rng(14);
  for (let trial = 0; trial < 40; trial++) {
    const d = 2 + (trial % 4);
    const x = uniformVector(rng, d, 0.1, 3);
    const y = 0.2 + 3 * rng.uniform();
    const sets = minimizingSets(x, y);
    const l1 = minimalL1Solution(x, y);
    const sharp = minimalSharpnessSolution(x, y);
    assert.ok(Math.abs(loss(l1, singlePoint(x, y))) < 1e-28 && Math.abs(loss(sharp, singlePoint(x, y))) < 1e-28);
    assert.ok(Math.abs(endToEndL1Norm(l1) - y / Math.max(...x)) < 1e-12 && Math.abs(endToEndL1Norm(l1) - sets.l1.value) < 1e-12);
    assert.ok(Math.abs(manifoldSharpness(sharp, x) - 4 * Math.min(...x) * y) < 1e-12 && Math.abs(manifoldSharpness(sharp, x) - sets.sharpness.value) < 1e-12);
    for (let k = 0; k < 500; k++) {
      const w = randomManifoldPoint(rng, x, y);
      assert.ok(endToEndL1Norm(w) >= sets.l1.value * (1 - 1e-12));
      assert.ok(manifoldSharpness(w, x) >= sets.sharpness.value * (1 - 1e-12));
    }
  }
  // With ties the sets (6), (7) are spheres on the tied coordinates: every such point attains the minimum.
  const x = [2, 1, 2, 1];
  const y = 1.5;
  const sets = minimizingSets(x, y);
  assert.deepEqual(sets.l1.support, [0, 2]);
  assert.deepEqual(sets.sharpness.support, [1, 3]);
  for (const [set, objective] of [[sets.l1, endToEndL1Norm], [sets.sharpness, (w: Float64Array) => manifoldSharpness(w, x)]] as const) {
    for (let k = 0; k < 20; k++) {
      const w = new Float64Array(4);
      for (const i of set.support) w[i] = rng.normal();
      const scale = Math.sqrt(set.normSquared / endToEndL1Norm(w));
      const point = w.map((v) => v * scale);
      assert.ok(Math.abs(loss(point, singlePoint(x, y))) < 1e-28);
      assert.ok(Math.abs(objective(point) - set.value) < 1e-12);
    }
  }
  assert.throws(() => minimalL1Solution([1, -1], 1), /positive/);
});

test('Lemma D.2 as printed says min_M S_L = y x_min; the true minimum is 4 y x_min', (t) => {
  const x = [0.5, 2];
  const y = 1.5;
  const printed = y * Math.min(...x);
  const actual = manifoldSharpness(minimalSharpnessSolution(x, y), x);
  t.diagnostic(`printed ${printed}, eq.(11) at A_S ${actual}, dense Hessian ${sharpness(minimalSharpnessSolution(x, y), singlePoint(x, y))}`);
  assert.ok(Math.abs(actual - 4 * printed) < 1e-12);
});

test('Proposition 3.2(i) for mixed signs: the l1-minimiser sits at max_i x_i (for y > 0), not at max_i |x_i| as stated', (t) => {
  const x = [-3, 1];
  const y = 1;
  // On M, w_2^2 = 1 + 3 w_1^2, so ||w∘w||_1 = 1 + 4 w_1^2 is minimal at w_1 = 0, where x = 1 on the support.
  let best = { l1: Infinity, w1: NaN };
  for (let w1 = -2; w1 <= 2; w1 += 1e-4) {
    const w = [w1, Math.sqrt(y + 3 * w1 * w1)];
    assert.ok(Math.abs(loss(w, singlePoint(x, y))) < 1e-24);
    const l1 = endToEndL1Norm(w);
    if (l1 < best.l1) best = { l1, w1 };
  }
  t.diagnostic(`min ||w∘w||_1 = ${best.l1} at w_1 = ${best.w1}; the support {2} has x_2 = 1 while max|x_i| = 3`);
  assert.ok(Math.abs(best.l1 - 1) < 1e-12 && Math.abs(best.w1) < 1e-9);
});

test('predictedL1Norm: first point of M from A_l1 towards A_S with S_L <= 2/eta; eta_c = 1/(2 x_max y), eta_max = 1/(2 x_min y)', () => {
  const x = [1, 2];
  const y = 2.5;
  const walk = (t: number) => [Math.sqrt((y * t) / x[0]), Math.sqrt((y * (1 - t)) / x[1])];
  for (const eta of [0.05, 0.1, 0.11, 0.13, 0.17, 0.2, 0.21]) {
    const p = predictedL1Norm(x, y, eta);
    assert.ok(Math.abs(p.etaCritical - 1 / (2 * 2 * y)) < 1e-15 && Math.abs(p.etaMax - 1 / (2 * 1 * y)) < 1e-15);
    if (eta > p.etaMax) {
      assert.equal(p.regime, 'infeasible');
      assert.ok(Number.isNaN(p.l1Norm) && p.point === null);
      continue;
    }
    // Walk t from 0 (A_l1) to 1 (A_S) and stop at the first point with S_L <= 2/eta.
    const tFirst = manifoldSharpness(walk(0), x) <= 2 / eta ? 0 : bisectRoot((t) => manifoldSharpness(walk(t), x) - 2 / eta, 0, 1);
    const w = walk(tFirst);
    assert.ok(Math.abs(p.l1Norm - endToEndL1Norm(w)) < 1e-12, `eta=${eta}`);
    assert.ok(p.point !== null && relativeError(p.point, w) < 1e-7);
    assert.equal(p.regime, eta <= p.etaCritical ? 'flowAligned' : 'edgeOfStability');
  }
  assert.throws(() => predictedL1Norm([1, 2, 3], 1, 0.1), /d = 2/);
});

test('gradient-flow limit from alpha 1 lies on M and tends to A_l1 as alpha -> 0 (Theorem B.1)', () => {
  const x = [1, 2];
  const y = 2.5;
  const target = minimalL1Solution(x, y);
  let previous = Infinity;
  for (const alpha of [1e-1, 1e-2, 1e-3, 1e-4, 1e-6]) {
    const w = gradientFlowLimit(x, y, alpha);
    assert.ok(Math.abs(loss(w, singlePoint(x, y))) < 1e-24);
    const gap = endToEndL1Norm(w) - y / 2;
    assert.ok(gap > 0 && gap < previous, `alpha=${alpha}`);
    previous = gap;
    // Here w_1 = alpha^(1 - x_1/x_2) (w_2)^(x_1/x_2): the distance decays like sqrt(alpha).
    assert.ok(Math.abs(w[0] - Math.sqrt(alpha) * Math.sqrt(w[1])) < 1e-12);
  }
  assert.ok(relativeError(gradientFlowLimit(x, y, 1e-12), target) < 1e-5);
});
