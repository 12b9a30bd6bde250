import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/random.js';
import {
  entry, identityMatrix, largestEigenvalue, matVec, matrixFromRows, solveLinearSystem, spectralNorm,
  symmetricEigen, symmetricMatrixFunction, zeroMatrix, type SquareMatrix,
} from '../../src/theory/linalg.js';

function randomSymmetric(rng: Rng, n: number): SquareMatrix {
  const m = zeroMatrix(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      m.data[i * n + j] = v;
      m.data[j * n + i] = v;
    }
  }
  return m;
}

test('Jacobi eigensolver: A V = V diag(values), V orthogonal, values ascending', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, 3, 5, 8, 12]) {
    const a = randomSymmetric(rng, n);
    const { values, vectors } = symmetricEigen(a);
    for (let k = 1; k < n; k++) assert.ok(values[k - 1] <= values[k]);
    for (let k = 0; k < n; k++) {
      const v = Float64Array.from({ length: n }, (_, r) => entry(vectors, r, k));
      const av = matVec(a, v);
      for (let r = 0; r < n; r++) assert.ok(Math.abs(av[r] - values[k] * v[r]) < 1e-12, `n=${n} residual`);
      for (let l = 0; l < n; l++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += v[r] * entry(vectors, r, l);
        assert.ok(Math.abs(s - (k === l ? 1 : 0)) < 1e-12, 'orthonormal columns');
      }
    }
    const trace = Array.from({ length: n }, (_, i) => entry(a, i, i)).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - trace) < 1e-12);
  }
});

test('Jacobi eigensolver matches the 2x2 closed form and handles diagonal input', () => {
  const [p, q, r] = [2, -0.7, 0.3];
  const mean = (p + r) / 2;
  const radius = Math.hypot((p - r) / 2, q);
  assert.ok(Math.abs(largestEigenvalue(matrixFromRows([[p, q], [q, r]])) - (mean + radius)) < 1e-15);
  assert.deepEqual(Array.from(symmetricEigen(matrixFromRows([[3, 0], [0, -1]])).values), [-1, 3]);
  assert.equal(spectralNorm(matrixFromRows([[1, 0], [0, -4]])), 4);
  assert.throws(() => symmetricEigen(matrixFromRows([[1, 2], [0, 1]])), /not symmetric/);
});

test('linear solve and symmetric matrix functions', () => {
  const rng = new Rng(2);
  const a = randomSymmetric(rng, 6);
  const b = Float64Array.from({ length: 6 }, () => rng.normal());
  const x = solveLinearSystem(a, b);
  assert.ok(x !== null);
  const ax = matVec(a, x);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(ax[i] - b[i]) < 1e-10);
  assert.equal(solveLinearSystem(matrixFromRows([[1, 2], [2, 4]]), [1, 1]), null);

  const spd = symmetricMatrixFunction(a, (t) => t * t + 1);
  const invSqrt = symmetricMatrixFunction(spd, (t) => t ** -0.5);
  const n = 6;
  const id = identityMatrix(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += entry(invSqrt, i, k) * entry(spd, k, l) * entry(invSqrt, l, j);
      assert.ok(Math.abs(s - entry(id, i, j)) < 1e-10, 'S^{-1/2} S S^{-1/2} = I');
    }
  }
});
