import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  sampleDiagonalRegression,
  sampleFoldedGaussianRegression,
  sampleGaussianCluster,
  sampleSequenceReversal,
  sampleTwoPointClassification,
  START_TOKEN,
  twoPointClassification,
} from '../../src/data/index.js';
import { columnMoments } from './helpers.js';

/** |got − want| within k standard errors of a mean of n draws with variance `variance`. */
function withinSE(got: number, want: number, variance: number, n: number, what: string, k = 4): void {
  const se = Math.sqrt(variance / n);
  assert.ok(Math.abs(got - want) <= k * se, `${what}: got ${got}, want ${want} ± ${k}·${se}`);
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

const FOLDED_MEAN = Math.sqrt(2 / Math.PI);
const FOLDED_VAR = 1 - 2 / Math.PI;

describe('diagonal-network regression', () => {
  test('reproducible per seed, different across seeds', () => {
    const a = sampleDiagonalRegression(3, 50, 7);
    assert.deepEqual(a, sampleDiagonalRegression(3, 50, 7));
    assert.notDeepEqual(a.X, sampleDiagonalRegression(3, 50, 8).X);
    assert.deepEqual([a.n, a.d, a.X.length, a.y.length], [50, 3, 150, 50]);
  });

  test('x ~ N(0, I), y = <1, x> + eps with eps ~ N(0, 1)', () => {
    const n = 20000;
    const d = 4;
    const { X, y } = sampleDiagonalRegression(d, n, 1);
    const eps = new Float64Array(n);
    for (let i = 0; i < n; i++) eps[i] = y[i] - (X[i * d] + X[i * d + 1] + X[i * d + 2] + X[i * d + 3]);
    for (let j = 0; j < d; j++) {
      const m = columnMoments(X, n, d, j);
      withinSE(m.mean, 0, 1, n, `mean x${j}`);
      withinSE(m.std ** 2, 1, 2, n, `var x${j}`);
    }
    const e = columnMoments(eps, n, 1, 0);
    withinSE(e.mean, 0, 1, n, 'mean eps');
    withinSE(e.std ** 2, 1, 2, n, 'var eps');
    withinSE(mean(y), 0, d + 1, n, 'mean y');
  });

  test('conditioned on x >= 0: half-normal coordinates, noise unchanged', () => {
    const n = 20000;
    const d = 3;
    const { X, y } = sampleDiagonalRegression(d, n, 2, { conditionNonNegative: true });
    assert.ok(X.every((v) => v >= 0));
    for (let j = 0; j < d; j++) withinSE(columnMoments(X, n, d, j).mean, FOLDED_MEAN, FOLDED_VAR, n, `mean x${j}`);
    withinSE(mean(y), d * FOLDED_MEAN, d * FOLDED_VAR + 1, n, 'mean y');
  });

  test('rejects bad sizes', () => {
    assert.throws(() => sampleDiagonalRegression(0, 5, 1), /d must be a positive integer, got 0/);
    assert.throws(() => sampleDiagonalRegression(2, 1.5, 1), /n must be a positive integer, got 1.5/);
  });
});

describe('folded-Gaussian regression (E.1)', () => {
  test('reproducible; y = <1, x> exactly; moments of |N(0, I)|', () => {
    const n = 20000;
    const d = 5;
    const data = sampleFoldedGaussianRegression(d, n, 3);
    assert.deepEqual(data, sampleFoldedGaussianRegression(d, n, 3));
    const { X, y } = data;
    assert.ok(X.every((v) => v >= 0));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j];
      assert.equal(y[i], s);
    }
    // E y = n·sqrt(2/π) with Var y = n(1 − 2/π) (paper's n = dimension).
    withinSE(mean(y), d * FOLDED_MEAN, d * FOLDED_VAR, n, 'mean y');
    // Σ of the paper: E x_i² = 1 and E x_i x_j = 2/π off the diagonal.
    let sq = 0;
    let cross = 0;
    for (let i = 0; i < n; i++) {
      sq += X[i * d] ** 2;
      cross += X[i * d] * X[i * d + 1];
    }
    withinSE(sq / n, 1, 2, n, 'E x1²');
    withinSE(cross / n, 2 / Math.PI, 1 - 4 / Math.PI ** 2, n, 'E x1 x2');
  });
});

describe('appendix F classification', () => {
  test('two-point set: x1 = (0,...,0,1) label 0, x2 = (x̃2, 1) label 1', () => {
    const x2 = Float64Array.of(0.6, 0, 0.8);
    const data = twoPointClassification(x2);
    assert.deepEqual([data.n, data.d, ...data.labels], [2, 4, 0, 1]);
    assert.deepEqual([...data.X], [0, 0, 0, 1, 0.6, 0, 0.8, 1]);
    assert.throws(() => twoPointClassification(Float64Array.of(1, 1)), /x̃2 must have unit norm, got 1\.414/);
  });

  test('Gaussian cluster: unit-norm features, trailing bias coordinate, label 1, mean direction along mu', () => {
    const mu = Float64Array.of(3, 0, -4);
    const n = 5000;
    const data = sampleGaussianCluster(mu, n, 4);
    assert.deepEqual(data, sampleGaussianCluster(mu, n, 4));
    assert.notDeepEqual(data.X, sampleGaussianCluster(mu, n, 5).X);
    assert.equal(data.d, 4);
    assert.ok(data.labels.every((l) => l === 1));
    const centre = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const row = data.X.subarray(i * 4, i * 4 + 4);
      assert.ok(Math.abs(Math.hypot(row[0], row[1], row[2]) - 1) < 1e-12);
      assert.equal(row[3], 1);
      for (let j = 0; j < 3; j++) centre[j] += row[j] / n;
    }
    const cos = (centre[0] * 0.6 - centre[2] * 0.8) / Math.hypot(...centre);
    assert.ok(cos > 0.99, `cosine of the mean direction with mu: ${cos}`);
    const iso = sampleGaussianCluster(new Float64Array(3), n, 6);
    for (let j = 0; j < 3; j++) withinSE(columnMoments(iso.X, n, 4, j).mean, 0, 1 / 3, n, `isotropic mean ${j}`);
  });

  test('sampled two-point set has a unit-norm x̃2 and is reproducible', () => {
    const mu = Float64Array.of(0.1, 0.2);
    const data = sampleTwoPointClassification(mu, 9);
    assert.deepEqual(data, sampleTwoPointClassification(mu, 9));
    assert.deepEqual([...data.X.subarray(0, 3), data.X[5]], [0, 0, 1, 1]);
    assert.ok(Math.abs(Math.hypot(data.X[3], data.X[4]) - 1) < 1e-12);
  });
});

describe('sequence reversal (appendix H.14)', () => {
  test('sources uniform over the symbols, targets reversed, decoder input = start token then the target shifted; reproducible per seed', () => {
    const n = 2000, length = 10, symbols = 9;
    const s = sampleSequenceReversal(n, length, 3, symbols);
    assert.deepEqual(s, sampleSequenceReversal(n, length, 3, symbols));
    assert.notDeepEqual(s.X, sampleSequenceReversal(n, length, 4, symbols).X);
    assert.equal(s.vocab, symbols + 1);
    const counts = new Array(symbols + 1).fill(0);
    for (let i = 0; i < n; i++) {
      const row = s.X.subarray(i * 2 * length, (i + 1) * 2 * length);
      assert.equal(row[length], START_TOKEN);
      for (let t = 0; t < length; t++) {
        counts[row[t]]++;
        assert.equal(s.targets[i * length + t], row[length - 1 - t]);
        if (t > 0) assert.equal(row[length + t], s.targets[i * length + t - 1]);
      }
    }
    assert.equal(counts[START_TOKEN], 0);
    for (let v = 1; v <= symbols; v++) withinSE(counts[v] / (n * length), 1 / symbols, (1 / symbols) * (1 - 1 / symbols), n * length, `frequency of ${v}`);
  });
});
