import { test } from 'node:test';
import assert from 'node:assert/strict';
import { singularValues, symmetricEigen, symmetricEigenvalues } from '../../src/util/linalg.js';
import { Rng } from '../../src/util/random.js';
import { matrixWithSpectrum } from './spectrum.js';

test('symmetricEigen recovers a prescribed spectrum and orthonormal eigenvectors', () => {
  const lambda = [5, -7, 3.25, 0, 1e-3, 2];
  const n = lambda.length;
  const a = matrixWithSpectrum(lambda, 1);
  const { values, vectors } = symmetricEigen(a, n);
  const sorted = [...lambda].sort((x, y) => y - x);
  values.forEach((v, i) => assert.ok(Math.abs(v - sorted[i]) < 1e-12, `eigenvalue ${i}: ${v} vs ${sorted[i]}`));
  for (let i = 0; i < n; i++) {
    let res = 0;
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[r * n + c] * vectors[c * n + i];
      res += (av - values[i] * vectors[r * n + i]) ** 2;
    }
    assert.ok(Math.sqrt(res) < 1e-12, `residual of pair ${i}`);
  }
});

test('singularValues of a rank-2 matrix built from known factors', () => {
  // A = 3 u1 v1^T + 0.5 u2 v2^T with orthonormal u (R^2... R^3) and v (R^4).
  const u1 = [1, 0, 0], u2 = [0, 0.6, 0.8];
  const v1 = [0.5, 0.5, 0.5, 0.5], v2 = [0.5, -0.5, 0.5, -0.5];
  const a = new Float64Array(12);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) a[r * 4 + c] = 3 * u1[r] * v1[c] + 0.5 * u2[r] * v2[c];
  const s = singularValues(a, 3, 4);
  assert.ok(Math.abs(s[0] - 3) < 1e-12 && Math.abs(s[1] - 0.5) < 1e-12 && Math.abs(s[2]) < 1e-7, `got ${Array.from(s)}`);
  const st = singularValues(Float64Array.from({ length: 12 }, (_, i) => a[(i % 3) * 4 + Math.floor(i / 3)]), 4, 3);
  assert.ok(Math.abs(st[0] - 3) < 1e-12 && Math.abs(st[1] - 0.5) < 1e-12, 'transpose has the same singular values');
});

test('symmetricEigenvalues (Householder + QL) recovers prescribed spectra, repeated and zero eigenvalues included, and agrees with Jacobi', () => {
  const rng = new Rng(3);
  const spectra: number[][] = [
    [4.5],
    [2, -1],
    [5, -7, 3.25, 0, 1e-3, 2],
    [1, 1, 1, 1, 1],
    [0, 0, 0],
    [3, 3, -2, -2, 0, 7, 7, 7],
    Array.from({ length: 40 }, () => rng.normal() * 10),
    Array.from({ length: 120 }, (_, i) => (i < 100 ? 0 : rng.uniform())),
  ];
  spectra.forEach((lambda, s) => {
    const n = lambda.length;
    const a = matrixWithSpectrum(lambda, 10 + s);
    const got = symmetricEigenvalues(a, n);
    const want = [...lambda].sort((x, y) => y - x);
    const scale = Math.max(1, ...lambda.map(Math.abs));
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12 * scale * n, `spectrum ${s}, eigenvalue ${i}: ${v} vs ${want[i]}`));
    if (n <= 40) symmetricEigen(a, n).values.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-12 * scale * n, `spectrum ${s}: Jacobi ${v} vs QL ${got[i]}`));
  });
  assert.deepEqual(Array.from(symmetricEigenvalues([], 0)), []);
  assert.throws(() => symmetricEigenvalues([1, 2, 3], 2), /expected 4 entries/);
});
