/**
 * Adaptive sharpness against closed forms and float64 brute force:
 *  - quadratic L(w) = 1/2 w^T A w + b^T w: the average case has mean (rho^2/2) tr(W A W),
 *    W = diag|w|, and the worst case is the trust-region problem
 *    max_{||u|| <= rho} 1/2 u^T (W A W) u + (W (A w + b))^T u, solved densely through the
 *    eigendecomposition and the secular equation;
 *  - a tiny ReLU net: the same draws through the float64 reference net, and the worst case
 *    against many long float64 ascents from random starts.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import { averageAdaptiveSharpness, worstAdaptiveSharpness, type LossFunction } from '../../src/sharpness/index.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { Rng } from '../../src/util/random.js';
import { matrixWithSpectrum } from '../util/spectrum.js';
import { classificationData } from '../reference/data.js';
import { fcnRef } from '../reference/fcn.js';
import { refLoss, refLossAndGrad } from '../reference/net.js';

function quadratic(A: Float64Array, b: Float64Array): LossFunction {
  const n = b.length;
  const grad = (w: Float32Array): Float64Array => Float64Array.from(b, (bi, i) => A.subarray(i * n, (i + 1) * n).reduce((s, a, j) => s + a * w[j], bi));
  const loss = (w: Float32Array): number => {
    const g = grad(w);
    // 1/2 w^T A w + b^T w = 1/2 w^T (A w + b) + 1/2 b^T w.
    return w.reduce((s, wi, i) => s + 0.5 * wi * (g[i] + b[i]), 0);
  };
  return { loss, lossAndGrad: (w) => ({ loss: loss(w), grad: Float32Array.from(grad(w)) }) };
}

/** max_{||u|| <= rho} 1/2 u^T B u + c^T u for symmetric B (not the hard case), by the secular equation. */
function trustRegionMax(B: Float64Array, c: Float64Array, rho: number): number {
  const n = c.length;
  const { values, vectors } = symmetricEigen(B, n);
  const cHat = Array.from({ length: n }, (_, j) => c.reduce((s, ci, i) => s + ci * vectors[i * n + j], 0));
  // u(mu) = (mu I - B)^{-1} c with mu > lambda_max and ||u(mu)|| = rho (the maximum lies on the sphere when lambda_max > 0).
  const norm = (mu: number) => Math.sqrt(cHat.reduce((s, ch, j) => s + (ch / (mu - values[j])) ** 2, 0));
  let lo = values[0] + 1e-300;
  let hi = values[0] + Math.hypot(...cHat) / rho + 1;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (norm(mid) > rho) lo = mid;
    else hi = mid;
  }
  const mu = (lo + hi) / 2;
  return cHat.reduce((s, ch, j) => {
    const uj = ch / (mu - values[j]);
    return s + 0.5 * values[j] * uj * uj + ch * uj;
  }, 0);
}

const n = 6;
const A = matrixWithSpectrum([5, 3, 2, 1, 0.5, -0.3], 4);
const w = Float32Array.from([1.5, -0.7, 2, 0.3, -1.2, 0.9]);
const Aw = Float64Array.from({ length: n }, (_, i) => A.subarray(i * n, (i + 1) * n).reduce((acc, a, j) => acc + a * w[j], 0));
/** b with grad L(w) = A w + b = gradient: a large gradient makes the worst case first order, a tiny one makes it an eigenproblem of W A W. */
const withGradient = (gradient: number): Float64Array => Float64Array.from(Aw, (g, i) => -g + gradient * (i - 2));
const b = withGradient(0.1);
const scaled = (bb: Float64Array): { B: Float64Array; c: Float64Array } => {
  const s = Array.from(w, Math.abs);
  return { B: Float64Array.from(A, (a, k) => s[Math.floor(k / n)] * a * s[k % n]), c: Float64Array.from(bb, (bi, i) => s[i] * (Aw[i] + bi)) };
};

test('average-case adaptive sharpness of a quadratic: mean (rho^2/2) tr(W A W), within its standard error', () => {
  const rho = 0.3;
  const exact = 0.5 * rho * rho * Array.from(w).reduce((s, wi, i) => s + wi * wi * A[i * n + i], 0);
  const est = averageAdaptiveSharpness(quadratic(A, b), w, { rho, samples: 4000, seed: 1 });
  assert.ok(Math.abs(est.value - exact) <= 4 * est.standardError, `${est.value} ± ${est.standardError} vs ${exact}`);
  assert.ok(est.standardError < 0.05 * exact, 'informative');
  assert.throws(() => averageAdaptiveSharpness(quadratic(A, b), w, { rho: 0, samples: 10 }), /rho must be a positive number/);
});

test('worst-case adaptive sharpness of a quadratic: the trust-region maximum', (t) => {
  for (const gradient of [0.1, 1e-4]) {
    const bb = withGradient(gradient);
    const { B, c } = scaled(bb);
    for (const rho of [0.05, 0.3, 1]) {
      const exact = trustRegionMax(B, c, rho);
      const long = worstAdaptiveSharpness(quadratic(A, bb), w, { rho, steps: 300 });
      const short = worstAdaptiveSharpness(quadratic(A, bb), w, { rho, steps: 20 });
      t.diagnostic(`gradient scale ${gradient}, rho ${rho}: exact ${exact}, 300 steps ${long.value}, 20 steps ${short.value}`);
      assert.ok(Math.abs(long.value - exact) <= 1e-5 * exact, `300 steps: ${long.value} vs ${exact}`);
      const firstOrder = rho * Math.hypot(...c);
      assert.ok(Math.abs(long.firstOrder - firstOrder) <= 1e-5 * firstOrder, `first-order part ${long.firstOrder} vs ${firstOrder}`);
      assert.ok(short.value <= exact * (1 + 1e-5) && short.value >= 0.9 * exact, `20 steps: ${short.value} vs ${exact}`);
    }
  }
});

test('adaptive sharpness of a tiny ReLU net against the float64 reference', async (t) => {
  await initBackend('wasm');
  const d = 5, k = 3;
  const data = classificationData(3, 9, d, k);
  const model = buildModel({ kind: 'fcn', widths: [4], activation: 'relu' }, [d], k);
  const objective = makeObjective(model, data, 'mse');
  const ref = fcnRef({ widths: [4], activation: 'relu', parameterization: 'standard' }, d, k);
  const theta = model.init(2);
  const theta64 = Float64Array.from(theta);
  const rho = 0.05;

  // Average case: the same draws through the float64 net.
  const samples = 50;
  const est = averageAdaptiveSharpness(objective, theta, { rho, samples, seed: 7 });
  const rng = new Rng(7);
  const u = new Float64Array(theta.length);
  const base = refLoss(ref, theta64, data, 'mse');
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    rng.fillNormal(u, rho);
    const at = (sign: number) => refLoss(ref, Float64Array.from(theta64, (wi, i) => wi + sign * Math.abs(wi) * u[i]), data, 'mse');
    sum += (at(1) + at(-1)) / 2 - base;
  }
  const reference = sum / samples;
  t.diagnostic(`average: ours ${est.value} ± ${est.standardError}, float64 same draws ${reference}`);
  assert.ok(Math.abs(est.value - reference) <= 1e-4 * Math.abs(reference), `${est.value} vs ${reference}`);

  // Worst case: the best of 30 float64 ascents of 2000 small steps from random points of the ball.
  const scale = Float64Array.from(theta64, Math.abs);
  let brute = 0;
  const starts = new Rng(11);
  for (let r = 0; r < 30; r++) {
    const x = new Float64Array(theta.length);
    starts.fillNormal(x);
    const xn = Math.hypot(...x);
    for (let i = 0; i < x.length; i++) x[i] *= (rho * starts.uniform()) / xn;
    for (let it = 0; it < 2000; it++) {
      const { loss, grad } = refLossAndGrad(ref, Float64Array.from(theta64, (wi, i) => wi + scale[i] * x[i]), data, 'mse');
      brute = Math.max(brute, loss - base);
      const g = Float64Array.from(grad, (gi, i) => gi * scale[i]);
      const gn = Math.hypot(...g);
      for (let i = 0; i < x.length; i++) x[i] += (0.05 * rho * g[i]) / gn;
      const un = Math.hypot(...x);
      if (un > rho) for (let i = 0; i < x.length; i++) x[i] *= rho / un;
    }
  }
  const long = worstAdaptiveSharpness(objective, theta, { rho, steps: 300 });
  const short = worstAdaptiveSharpness(objective, theta, { rho, steps: 20 });
  t.diagnostic(`worst: float64 brute force ${brute}, 300 steps ${long.value}, 20 steps ${short.value}`);
  assert.ok(Math.abs(long.value - brute) <= 1e-3 * brute, `300 steps ${long.value} vs ${brute}`);
  assert.ok(short.value <= brute * (1 + 1e-3) && short.value >= 0.9 * brute, `20 steps ${short.value} vs ${brute}`);
});
