import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  THEOREM_F1_PRINTED_MINIMUM, chiSquareErrorExpression, classifierGeneralizationError, errorThreshold, isotropicErrorProbability,
  logisticDerivative, logisticGradient, logisticHessian, logisticLoss, logisticSharpness, maxMarginClassifier,
  minimizeTwoPointSharpness, paperIsotropicExpression, paperLargeMuExpression, planarErrorProbability,
  sharpnessMinimizingClassifier, twoPointData, twoPointSharpness, type LabelledPoint, type ToyClassifier,
} from '../../src/theory/classificationToy.js';
import { entry, largestEigenvalue, zeroMatrix } from '../../src/theory/linalg.js';
import { normalCdf } from '../../src/theory/numerics.js';
import { finiteDifferenceGradient, normalVector, relativeError } from './helpers.js';

function unitVector(rng: Rng, d: number): Float64Array {
  const v = normalVector(rng, d);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test('logistic loss (negative log-likelihood): gradient and Hessian match finite differences', () => {
  const rng = new Rng(60);
  const data: LabelledPoint[] = Array.from({ length: 6 }, (_, i) => ({ features: normalVector(rng, 3), label: (i % 2) as 0 | 1 }));
  for (let trial = 0; trial < 5; trial++) {
    const w = normalVector(rng, 4);
    assert.ok(relativeError(logisticGradient(w, data), finiteDifferenceGradient((v) => logisticLoss(v, data), w)) < 1e-8);
    const h = logisticHessian(w, data);
    for (let j = 0; j < 4; j++) {
      const column = finiteDifferenceGradient((v) => logisticGradient(v, data)[j], w);
      assert.ok(relativeError(Float64Array.from({ length: 4 }, (_, i) => entry(h, j, i)), column) < 1e-8);
    }
  }
  assert.ok(logisticLoss([0, 0, 0, 800], data) > 100, 'no overflow for large margins');
});

test('Theorem F.1 sharpness formula equals the top eigenvalue of the dense (d+1)x(d+1) Hessian for random w', () => {
  const rng = new Rng(61);
  for (const d of [1, 2, 3, 5]) {
    for (let trial = 0; trial < 40; trial++) {
      const x2 = unitVector(rng, d);
      const w = normalVector(rng, d + 1).map((v) => 2 * v);
      const z = w.slice(0, d).reduce((s, v, i) => s + v * x2[i], 0);
      const dense = logisticSharpness(w, twoPointData(x2));
      assert.ok(Math.abs(twoPointSharpness(z, w[d]) - dense) < 1e-13, `d=${d}`);
    }
  }
});

test('with the paper\'s sign (log-likelihood) the Hessian is negated: same operator norm, but its top eigenvalue is 0', (t) => {
  const x2 = [0.6, 0.8, 0];
  const w = [0.3, -0.4, 1.2, -0.1];
  const ours = logisticHessian(w, twoPointData(x2));
  const paper = zeroMatrix(4);
  ours.data.forEach((v, i) => {
    paper.data[i] = -v;
  });
  t.diagnostic(`top eigenvalue: NLL Hessian ${logisticSharpness(w, twoPointData(x2))}, log-likelihood Hessian ${largestEigenvalue(paper)}`);
  assert.ok(Math.abs(largestEigenvalue(paper)) < 1e-15);
});

test('Theorem F.1 proof: the printed 2x2 eigen-system has g\'(<w,x2>)/2 where g\'(b)/2 belongs in row 1; the printed quadratic is right', (t) => {
  const [z, b] = [0.7, -0.3];
  const a = logisticDerivative(b);
  const c = logisticDerivative(z + b);
  const lambda = -twoPointSharpness(z, b);
  const printed = (a / 2 + lambda) * (c + lambda) - (c / 2) * (c / 2);
  const corrected = (a / 2 + lambda) * (c + lambda) - (a / 2) * (c / 2);
  const quadratic = lambda * lambda + (a / 2 + c) * lambda + (a * c) / 4;
  t.diagnostic(`at the eigenvalue: printed determinant ${printed.toExponential(3)}, corrected ${corrected.toExponential(3)}, printed quadratic ${quadratic.toExponential(3)}`);
  assert.ok(Math.abs(corrected) < 1e-15 && Math.abs(quadratic) < 1e-15 && Math.abs(printed) > 1e-4);
});

test('Theorem F.1 (i): w̃ = x̃2, b = -1/2 has the maximal geometric margin 1/2', () => {
  const rng = new Rng(62);
  const x2 = unitVector(rng, 3);
  const margin = (wTilde: ArrayLike<number>, b: number) => {
    const norm = Math.hypot(...Array.from(wTilde));
    const z = Array.from(wTilde).reduce((s, v, i) => s + v * x2[i], 0);
    return Math.min(-b, z + b) / norm;
  };
  const mm = maxMarginClassifier(x2);
  assert.ok(Math.abs(margin(mm.wTilde, mm.b) - 0.5) < 1e-15);
  for (let k = 0; k < 20000; k++) assert.ok(margin(normalVector(rng, 3), rng.normal()) <= 0.5 + 1e-15);
});

test('Theorem F.1 (ii): the minimal sharpness over M is S(1, 0) = 0.277298 at w̃ = x̃2, b = 0, matching the printed ≈ 0.277', (t) => {
  const exact = 0.25 * (0.25 + 2 * logisticDerivative(1) + Math.sqrt(0.0625 + 4 * logisticDerivative(1) ** 2));
  const search = minimizeTwoPointSharpness(2000);
  t.diagnostic(`g'(0) = ${logisticDerivative(0)}, g'(1) = ${logisticDerivative(1)}, S(1, 0) = ${exact}; grid minimum ${search.value} at (z, b) = (${search.z}, ${search.b})`);
  assert.equal(logisticDerivative(0), 0.25);
  assert.ok(Math.abs(search.value - exact) < 1e-15 && search.z === 1 && search.b === 0);
  assert.ok(Math.abs(exact - THEOREM_F1_PRINTED_MINIMUM) < 5e-4);
  // The literal manifold {h(x1) = 0, h(x2) = 1, ||w̃|| = 1} in d = 3, with the dense Hessian.
  const rng = new Rng(63);
  const x2 = unitVector(rng, 3);
  const data = twoPointData(x2);
  let sampledMin = Infinity;
  for (let k = 0; k < 20000; k++) {
    const wTilde = unitVector(rng, 3);
    const z = wTilde.reduce((s, v, i) => s + v * x2[i], 0);
    if (z <= 0) continue;
    const b = k % 10 === 0 ? 0 : -z * rng.uniform();
    if (!(b <= 0 && z + b > 0)) continue;
    sampledMin = Math.min(sampledMin, logisticSharpness([...wTilde, b], data));
  }
  const minimiser = sharpnessMinimizingClassifier(x2);
  const atMinimiser = logisticSharpness([...minimiser.wTilde, minimiser.b], data);
  assert.ok(Math.abs(atMinimiser - exact) < 1e-14 && sampledMin >= exact - 1e-14);
});

test('small ||mu||: Monte Carlo matches the Beta law of <u, v> on S^{d-1}; the printed Beta integral is the law on S^d', (t) => {
  for (const d of [2, 3, 10]) {
    const report = classifierGeneralizationError('maxMargin', new Float64Array(d), 40000, new Rng(64 + d));
    const corrected = isotropicErrorProbability(0.5, d);
    t.diagnostic(
      `d = ${d}, mu = 0: MC ${report.monteCarlo.toFixed(4)} ± ${report.standardError.toFixed(4)}, ` +
        `corrected ${corrected.toFixed(4)}, printed ${report.paperExpression.smallMu.toFixed(4)}`,
    );
    assert.ok(Math.abs(report.monteCarlo - corrected) < 3 * report.standardError);
    assert.ok(Math.abs(report.plainMonteCarlo - corrected) < 3 * report.plainStandardError);
    assert.ok(Math.abs(report.paperExpression.smallMu - report.monteCarlo) > 10 * report.standardError);
    assert.ok(Math.abs(paperIsotropicExpression(0.5, d) - isotropicErrorProbability(0.5, d + 1)) < 1e-9);
    assert.ok(Math.abs(paperIsotropicExpression(1, d) - 1) < 1e-9, 'the printed constant does normalise');
    const sharp = classifierGeneralizationError('minSharpness', new Float64Array(d), 1000, new Rng(1));
    assert.equal(sharp.monteCarlo, 0.5);
  }
  assert.ok(Math.abs(isotropicErrorProbability(0.5, 2) - 2 / 3) < 1e-14);
  const nearZero = new Float64Array(3);
  nearZero[0] = 0.01;
  const small = classifierGeneralizationError('maxMargin', nearZero, 40000, new Rng(70));
  assert.ok(Math.abs(small.monteCarlo - isotropicErrorProbability(0.5, 3)) < 3 * small.standardError + 5e-3);
});

test('any ||mu||: Monte Carlo agrees with the exact planar quadrature (d = 2) and the exact chi-square form (min sharpness)', (t) => {
  for (const m of [1, 3]) {
    for (const classifier of ['maxMargin', 'minSharpness'] as ToyClassifier[]) {
      const report = classifierGeneralizationError(classifier, [m, 0], 40000, new Rng(71 + m));
      const exact = planarErrorProbability(errorThreshold(classifier), m);
      t.diagnostic(`d = 2, ||mu|| = ${m}, ${classifier}: MC ${report.monteCarlo.toExponential(4)} ± ${report.standardError.toExponential(2)}, exact ${exact.toExponential(4)}`);
      assert.ok(Math.abs(report.monteCarlo - exact) < 3 * report.standardError);
      if (classifier === 'minSharpness') assert.ok(Math.abs(report.correctedExpression.chiSquare - exact) < 1e-7 * exact);
      else assert.ok(report.correctedExpression.chiSquare > exact, 'upper bound for max margin');
    }
  }
  for (const d of [3, 10]) {
    const mu = new Float64Array(d);
    mu[0] = 2;
    const report = classifierGeneralizationError('minSharpness', mu, 40000, new Rng(80 + d));
    assert.ok(Math.abs(report.monteCarlo - report.correctedExpression.chiSquare) < 3 * report.standardError);
  }
});

test('large ||mu||: the printed Phi expressions have the wrong exponential rate, and a spurious (2 pi)^{-(d-1)/2}', (t) => {
  const rates = (classifier: ToyClassifier) => {
    const tau = errorThreshold(classifier);
    const [p4, p6] = [4, 6].map((m) => planarErrorProbability(tau, m));
    const [q4, q6] = [4, 6].map((m) => paperLargeMuExpression(classifier, m, 2));
    return { exact: Math.log(p4 / p6) / 20, printed: Math.log(q4 / q6) / 20, ratioAt6: p6 / q6 };
  };
  const mm = rates('maxMargin');
  const ms = rates('minSharpness');
  t.diagnostic(`-d log P / d ||mu||^2 between ||mu|| = 4 and 6 (d = 2): max margin exact ${mm.exact.toFixed(3)} vs printed ${mm.printed.toFixed(3)}; min sharpness exact ${ms.exact.toFixed(3)} vs printed ${ms.printed.toFixed(3)}`);
  t.diagnostic(`exact / printed at ||mu|| = 6 (d = 2): max margin ${mm.ratioAt6.toExponential(2)}, min sharpness ${ms.ratioAt6.toExponential(2)}`);
  assert.ok(Math.abs(mm.exact - 0.25) < 0.05 && Math.abs(mm.printed - 1 / 16) < 0.02);
  assert.ok(Math.abs(ms.exact - 0.5) < 0.05 && Math.abs(ms.printed - 0.25) < 0.03);
  assert.ok(mm.ratioAt6 < 1e-2 && ms.ratioAt6 < 1e-2, 'at ||mu|| = 6 the printed values overstate the error by orders of magnitude');
  // The prefactor: without it, the printed max-margin form is Phi(-||mu||/(2 sqrt 2)); with it, d = 10 values collapse.
  const d10 = new Float64Array(10);
  d10[0] = 3;
  const report = classifierGeneralizationError('maxMargin', d10, 20000, new Rng(90));
  t.diagnostic(`d = 10, ||mu|| = 3, max margin: MC ${report.monteCarlo.toFixed(4)}, printed ${report.paperExpression.largeMu.toExponential(3)}, printed without prefactor ${normalCdf(-3 / (2 * Math.SQRT2)).toFixed(4)}`);
  assert.ok(report.paperExpression.largeMu < 1e-3 * report.monteCarlo);
  assert.ok(Math.abs(chiSquareErrorExpression(0, 0, 7) - 0.5) < 1e-14, "mu = 0: one half, by symmetry");
});
