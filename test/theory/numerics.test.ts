import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  RunningMean, bisectRoot, erfc, goldenSectionMinimize, gridThenGoldenMinimize, logGamma, normalCdf,
  regularizedIncompleteBeta, simpson,
} from '../../src/theory/numerics.js';

const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.abs(b);

test('normal cdf and erfc against reference values, including far tails', () => {
  assert.ok(close(normalCdf(0), 0.5, 1e-15));
  assert.ok(close(normalCdf(-1), 0.15865525393145707, 1e-14));
  assert.ok(close(normalCdf(1.96), 0.9750021048517795, 1e-14));
  assert.ok(close(normalCdf(-5), 2.866515718791946e-7, 1e-12));
  assert.ok(close(normalCdf(-10), 7.619853024160593e-24, 1e-12));
  assert.ok(close(erfc(0.5), 0.4795001221869535, 1e-14));
  assert.ok(close(erfc(2.9), 4.109787809945886e-5, 1e-12));
  assert.ok(close(erfc(3.1), 1.1648657367199589e-5, 1e-12));
  assert.ok(close(erfc(-1), 1.8427007929497148, 1e-15));
});

test('log-gamma and the regularised incomplete beta function', () => {
  assert.ok(Math.abs(logGamma(1)) < 1e-14);
  assert.ok(close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14));
  assert.ok(close(logGamma(10), Math.log(362880), 1e-14));
  assert.ok(close(logGamma(100.5), 361.4355404677776, 1e-13));
  assert.ok(close(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-13));
  assert.ok(close(regularizedIncompleteBeta(0.3, 2.5, 1), 0.3 ** 2.5, 1e-13));
  assert.ok(close(regularizedIncompleteBeta(0.5, 7.5, 7.5), 0.5, 1e-13));
  const [a, b, x] = [2.5, 4, 0.37];
  const density = (t: number) => t ** (a - 1) * (1 - t) ** (b - 1);
  const quadrature = simpson(density, 0, x, 20000) / simpson(density, 0, 1, 20000);
  assert.ok(close(regularizedIncompleteBeta(x, a, b), quadrature, 1e-9));
});

test('1-d minimisation and root finding', () => {
  const f = (t: number) => (t - 0.3) ** 2 + 1;
  assert.ok(Math.abs(goldenSectionMinimize(f, -2, 5).argument - 0.3) < 1e-7);
  const wavy = (t: number) => Math.cos(5 * t) + 0.1 * t;
  const m = gridThenGoldenMinimize(wavy, 0, 4);
  for (let t = 0; t <= 4; t += 1e-3) assert.ok(m.value <= wavy(t) + 1e-12);
  assert.ok(Math.abs(bisectRoot((t) => t * t - 2, 0, 2) - Math.SQRT2) < 1e-15);
  assert.ok(Math.abs(bisectRoot((t) => 2 - t * t, 2, 0) - Math.SQRT2) < 1e-15);
});

test('running mean reports the sample mean and the standard error of the mean', () => {
  const rng = new Rng(3);
  const acc = new RunningMean();
  const values: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const v = rng.normal() * 2 + 1;
    values.push(v);
    acc.add(v);
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  const est = acc.estimate();
  assert.ok(Math.abs(est.mean - mean) < 1e-12);
  assert.ok(Math.abs(est.standardError - Math.sqrt(variance / 1000)) < 1e-12);
  assert.equal(est.samples, 1000);
});
