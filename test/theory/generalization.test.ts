import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  type IdealisedAlgorithm, expectedRiskMonteCarlo, foldedGaussianMoments, foldedGaussianSampler, foldedMinRatioTailConstant,
  foldedRatioRunningMeans, foldedRatioTailContributions, gaussianModelMoments, idealisedSolution, populationRisk,
  propositionE2Integrand, propositionE2OptimalRisk, propositionE2OptimalSquares, riskMinimizerOnManifold,
} from '../../src/theory/generalization.js';
import { bestKktPoint, gaussianModelRisk } from '../../src/theory/kkt.js';
import { RunningMean, normalCdf, normalPdf, simpson } from '../../src/theory/numerics.js';
import { normalVector } from './helpers.js';

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return 0.5 * (s[(s.length - 1) >> 1] + s[s.length >> 1]);
};

test('eq. (21) with the Gaussian-model moments is the closed form of Lemma E.1', () => {
  const rng = new Rng(30);
  for (const d of [1, 2, 5]) {
    const moments = gaussianModelMoments(d);
    for (let k = 0; k < 20; k++) {
      const w = normalVector(rng, d);
      assert.ok(Math.abs(populationRisk(w, moments) - gaussianModelRisk(w)) < 1e-12);
    }
  }
});

test('folded-Gaussian moments (Sigma_ij = 2/pi, mu_i = 1 + 2(n-1)/pi, sigma^2 = n + 2n(n-1)/pi) and eq. (21) agree with Monte Carlo', (t) => {
  const n = 3;
  const moments = foldedGaussianMoments(n);
  assert.ok(Math.abs(moments.mu[0] - (1 + (2 * (n - 1)) / Math.PI)) < 1e-14);
  assert.ok(Math.abs(moments.sigmaSquared - (n + (2 * n * (n - 1)) / Math.PI)) < 1e-13);
  const rng = new Rng(31);
  const sampler = foldedGaussianSampler(n);
  const cross = new RunningMean();
  const yx = new RunningMean();
  const yy = new RunningMean();
  const risk = new RunningMean();
  const w = [0.9, 1.2, 0.4];
  for (let k = 0; k < 200000; k++) {
    const { x, y } = sampler(rng);
    cross.add(x[0] * x[1]);
    yx.add(y * x[2]);
    yy.add(y * y);
    risk.add(0.5 * (x.reduce((s, xi, i) => s + xi * w[i] * w[i], 0) - y) ** 2);
  }
  const checks: [string, ReturnType<RunningMean['estimate']>, number][] = [
    ['Sigma_12', cross.estimate(), 2 / Math.PI],
    ['mu_3', yx.estimate(), moments.mu[2]],
    ['sigma^2', yy.estimate(), moments.sigmaSquared],
    ['R(w)', risk.estimate(), populationRisk(w, moments)],
  ];
  for (const [name, est, exact] of checks) {
    t.diagnostic(`${name}: MC ${est.mean.toFixed(5)} ± ${est.standardError.toFixed(5)} vs ${exact.toFixed(5)}`);
    assert.ok(Math.abs(est.mean - exact) < 3 * est.standardError, name);
  }
});

test('Proposition E.2 (i)/(ii): R(A(x0, y0)) = 1/2 (sigma^2 + Sigma_kk t^2 - 2 mu_k t); the printed "+ mu_k t" is wrong', (t) => {
  const rng = new Rng(32);
  for (const moments of [foldedGaussianMoments(3), gaussianModelMoments(3)]) {
    const sampler = foldedGaussianSampler(3, 1);
    for (let k = 0; k < 200; k++) {
      const { x, y } = sampler(rng);
      for (const algorithm of ['l1', 'sharpness', 'opt'] as IdealisedAlgorithm[]) {
        const integrand = propositionE2Integrand(algorithm, x, y, moments);
        const w = idealisedSolution(algorithm, x, y, moments);
        if (y <= 0) {
          assert.equal(integrand, null);
          continue;
        }
        assert.ok(integrand !== null && w !== null);
        assert.ok(Math.abs(integrand.corrected - populationRisk(w, moments)) < 1e-9 * Math.max(1, integrand.corrected));
      }
    }
  }
  // n = 1 folded model: y = x, so M = {w^2 = 1} and every algorithm has risk exactly 0.
  const one = propositionE2Integrand('l1', [0.7], 0.7, foldedGaussianMoments(1));
  t.diagnostic(`n = 1, x0 = y0 = 0.7: corrected ${one?.corrected}, printed ${one?.paper}`);
  assert.ok(one !== null && Math.abs(one.corrected) < 1e-15 && Math.abs(one.paper - 1.5) < 1e-15);
});

test('folded example: expected risk of A_l1 (corrected vs printed), and A_opt = 1 with zero risk', (t) => {
  const rng = new Rng(33);
  for (const n of [2, 3]) {
    const moments = foldedGaussianMoments(n);
    const sampler = foldedGaussianSampler(n);
    const l1 = expectedRiskMonteCarlo('l1', sampler, moments, 50000, rng);
    const opt = expectedRiskMonteCarlo('opt', sampler, moments, 5000, rng);
    t.diagnostic(
      `n = ${n}: E R(A_l1) = ${l1.corrected.mean.toFixed(4)} ± ${l1.corrected.standardError.toFixed(4)} ` +
        `(printed formula ${l1.paper.mean.toFixed(4)}), E R(A_opt) = ${opt.corrected.mean.toExponential(2)}`,
    );
    assert.ok(l1.corrected.mean > 0 && l1.paper.mean > l1.corrected.mean + 3);
    assert.ok(Math.abs(opt.corrected.mean) < 1e-9 && l1.emptyManifold === 0);
    const x = sampler(rng).x;
    const optimum = riskMinimizerOnManifold(x, x.reduce((s, v) => s + v, 0), moments);
    assert.ok(optimum !== null && optimum.wSquared.every((v) => Math.abs(v - 1) < 1e-9));
  }
});

test('Gaussian model: A_opt by support enumeration equals the best KKT point of (12) without sharpness constraint', () => {
  const rng = new Rng(34);
  for (const d of [2, 3, 4]) {
    const moments = gaussianModelMoments(d);
    const sampler = foldedGaussianSampler(d, 1);
    for (let k = 0; k < 100; k++) {
      const { x, y } = sampler(rng);
      const optimum = riskMinimizerOnManifold(x, y, moments);
      const kkt = bestKktPoint(x, y, 0);
      if (y <= 0) {
        assert.ok(optimum === null && kkt === null);
        continue;
      }
      assert.ok(optimum !== null && kkt !== null);
      assert.ok(Math.abs(optimum.risk - kkt.risk) < 1e-9 * Math.max(1, kkt.risk));
      for (let i = 0; i < d; i++) assert.ok(Math.abs(optimum.w[i] - kkt.w[i]) < 1e-6);
    }
  }
});

test('Proposition E.2 (iii) ignores w∘w >= 0: its formula goes negative on a positive fraction of draws and then undercuts the true minimum', (t) => {
  const rng = new Rng(35);
  const cases = [
    { name: 'Section 3 Gaussian model, d = 2', moments: gaussianModelMoments(2), sampler: foldedGaussianSampler(2, 1) },
    { name: 'folded model with unit noise, n = 2', moments: foldedGaussianMoments(2, 1), sampler: foldedGaussianSampler(2, 1) },
  ];
  for (const { name, moments, sampler } of cases) {
    let valid = 0;
    let negative = 0;
    let undercut = 0;
    for (let k = 0; k < 20000; k++) {
      const { x, y } = sampler(rng);
      if (y <= 0) continue;
      valid += 1;
      const squares = propositionE2OptimalSquares(x, y, moments);
      const optimum = riskMinimizerOnManifold(x, y, moments);
      assert.ok(optimum !== null);
      const printedRisk = propositionE2OptimalRisk(x, y, moments);
      if (squares.every((v) => v >= 0)) {
        assert.ok(Math.abs(printedRisk - optimum.risk) < 1e-9 * Math.max(1, optimum.risk), 'formula is right when realisable');
        assert.ok(Math.abs(printedRisk - populationRisk(squares.map(Math.sqrt), moments)) < 1e-9 * Math.max(1, printedRisk));
      } else {
        negative += 1;
        if (printedRisk < optimum.risk - 1e-9) undercut += 1;
      }
    }
    t.diagnostic(`${name}: (iii) has a negative entry in ${((100 * negative) / valid).toFixed(2)}% of draws with y0 > 0`);
    assert.ok(negative > 0.01 * valid && undercut === negative);
  }
});

test('Section 3 model: P(y0 <= 0 | x0 >= 0) > 0, i.e. M is empty for a sizeable share of training draws (d = 2)', (t) => {
  // P(eps <= -(|g1| + |g2|)) = E Phi(-(|g1| + |g2|)) with |g_i| half-normal.
  const exact = simpson((a) => simpson((b) => 4 * normalPdf(a) * normalPdf(b) * normalCdf(-(a + b)), 0, 10, 400), 0, 10, 400);
  const est = expectedRiskMonteCarlo('l1', foldedGaussianSampler(2, 1), gaussianModelMoments(2), 100000, new Rng(36));
  const p = est.emptyManifold / 100000;
  const se = Math.sqrt((p * (1 - p)) / 100000);
  t.diagnostic(`P(y0 <= 0) = ${exact.toFixed(5)} (quadrature), ${p.toFixed(5)} ± ${se.toFixed(5)} (Monte Carlo)`);
  assert.ok(Math.abs(p - exact) < 3 * se && exact > 0.1);
});

test('folded example: E[<1,x0>/x_min] = infinity; every decade of the tail adds about (2n(n-1)/pi) ln 10 to the mean', (t) => {
  for (const n of [2, 3]) {
    const c = foldedMinRatioTailConstant(n) * Math.LN10;
    const bands = foldedRatioTailContributions(n, 'min', 1000000, [10, 1e2, 1e3, 1e4], new Rng(37 + n));
    t.diagnostic(`n = ${n}: decade contributions ${bands.map((b) => b.toFixed(3)).join(', ')}; predicted ${c.toFixed(3)} each`);
    for (const b of bands) assert.ok(Math.abs(b - c) < 0.2 * c, 'the tail contribution does not vanish');
    const maxBands = foldedRatioTailContributions(n, 'max', 100000, [n, 10, 1e2], new Rng(40));
    assert.deepEqual(maxBands, [0, 0], 'A_l1 counterpart: <1,x0>/x_max <= n');
  }
});

test('folded example: the running mean for x_min keeps growing (~ c ln N), the x_max counterpart converges below n and n^2', (t) => {
  const n = 2;
  const checkpoints = [1e3, 1e4, 1e5, 1e6];
  const minMeans = foldedRatioRunningMeans(n, 'min', checkpoints, new Rng(41));
  const maxMeans = foldedRatioRunningMeans(n, 'max', checkpoints, new Rng(41));
  const maxSquares = foldedRatioRunningMeans(n, 'max', checkpoints, new Rng(41), 2);
  const fmt = (es: { mean: number; standardError: number }[]) => es.map((e) => `${e.mean.toFixed(3)}±${e.standardError.toFixed(3)}`).join(', ');
  t.diagnostic(`running means at N = 1e3..1e6: x_min ${fmt(minMeans)}; x_max ${fmt(maxMeans)}; x_max squared ${fmt(maxSquares)}`);
  // One stream of an infinite-mean variable is erratic; the medians over independent replicates
  // shift by c ln(100) between N = 1e3 and N = 1e5.
  const replicateMedian = (size: number) =>
    median(Array.from({ length: 15 }, (_, r) => foldedRatioRunningMeans(n, 'min', [size], new Rng(100 + r + size))[0].mean));
  const growth = replicateMedian(1e5) - replicateMedian(1e3);
  t.diagnostic(`median running mean grows by ${growth.toFixed(3)} from N = 1e3 to 1e5 (c ln 100 = ${(foldedMinRatioTailConstant(n) * Math.log(100)).toFixed(3)})`);
  assert.ok(growth > 3);
  const last = maxMeans[maxMeans.length - 1];
  assert.ok(Math.abs(last.mean - maxMeans[2].mean) < 5 * maxMeans[2].standardError);
  assert.ok(last.mean <= n && maxSquares[maxSquares.length - 1].mean <= n * n);
});

test('Section 3 model with d = 2: E R(A_l1) and E R(A_opt) are infinite too (tail P(R > t) ~ 1/t), unlike d = 3', (t) => {
  const decadeRatio = (algorithm: IdealisedAlgorithm, d: number, samples: number) => {
    const moments = gaussianModelMoments(d);
    const sampler = foldedGaussianSampler(d, 1);
    const rng = new Rng(50 + d);
    const sums = [0, 0];
    for (let k = 0; k < samples; k++) {
      const { x, y } = sampler(rng);
      const r = propositionE2Integrand(algorithm, x, y, moments)?.corrected ?? 0;
      if (r > 1e2 && r <= 1e3) sums[0] += r;
      if (r > 1e3 && r <= 1e4) sums[1] += r;
    }
    return sums[1] / sums[0];
  };
  const ratios = { l1Two: decadeRatio('l1', 2, 1000000), l1Three: decadeRatio('l1', 3, 1000000), optTwo: decadeRatio('opt', 2, 300000) };
  t.diagnostic(`contribution of the decade (1e3, 1e4] relative to (1e2, 1e3] (1 for a 1/t tail, 10^-1/2 for d = 3): ${JSON.stringify(ratios)}`);
  assert.ok(ratios.l1Two > 0.6 && ratios.optTwo > 0.6 && ratios.l1Three < 0.5);
});
