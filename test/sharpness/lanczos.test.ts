import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lanczos } from '../../src/sharpness/lanczos.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { matrixWithSpectrum } from '../util/spectrum.js';

function operator(a: Float64Array, n: number) {
  return (v: Float64Array) => {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += a[r * n + c] * v[c];
      out[r] = s;
    }
    return out;
  };
}

test('top-k largest ALGEBRAIC eigenvalues agree with the dense decomposition to 1e-10', () => {
  const n = 60;
  // A large negative eigenvalue must not be returned (ARPACK's largest-magnitude mode would).
  const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? -50 : 10 / (1 + i)));
  const a = matrixWithSpectrum(lambda, 7);
  const dense = symmetricEigen(a, n).values;
  const r = lanczos(operator(a, n), n, { k: 3, tol: 1e-12, maxIter: n });
  assert.ok(r.converged);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.eigenvalues[i] - dense[i]) <= 1e-10 * Math.abs(dense[i]), `eigenvalue ${i}: ${r.eigenvalues[i]} vs ${dense[i]}`);
  assert.ok(r.eigenvalues[0] > 0, 'largest algebraic, not largest magnitude');
  assert.equal(r.matvecs, r.iterations);
});

test('relative tolerance stops early and bounds the error; warm start needs fewer matvecs', () => {
  const n = 200;
  const lambda = Array.from({ length: n }, (_, i) => 100 * Math.exp(-i / 10) - 5);
  const a = matrixWithSpectrum(lambda, 3);
  const cold = lanczos(operator(a, n), n, { tol: 1e-3 });
  assert.ok(cold.converged && cold.iterations < 60, `iterations ${cold.iterations}`);
  assert.ok(Math.abs(cold.eigenvalues[0] - 95) <= 1e-3 * 95, `top ${cold.eigenvalues[0]}`);
  // A slightly perturbed matrix, warm-started from the previous eigenvector (as along a GD trajectory).
  const b = a.map((x, i) => x + (i % 7 === 0 ? 1e-3 : 0) * (Math.floor(i / n) === i % n ? 1 : 0));
  const warm = lanczos(operator(b, n), n, { tol: 1e-3, init: cold.eigenvectors[0] });
  assert.ok(warm.converged && warm.matvecs < cold.matvecs, `warm ${warm.matvecs} vs cold ${cold.matvecs}`);
});

test('an exact eigenvector as start is an invariant subspace, reported as converged', () => {
  const n = 10;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = i + 1;
  const e = new Float64Array(n);
  e[n - 1] = 1;
  const r = lanczos(operator(a, n), n, { init: e });
  assert.equal(r.iterations, 1);
  assert.ok(r.converged && Math.abs(r.eigenvalues[0] - 10) < 1e-12);
});

test('an absolute floor (absTol) resolves a near-zero top eigenvalue to that precision in few iterations; without it Lanczos runs on', () => {
  const n = 150;
  // The spectrum of -H near a minimum: a top eigenvalue of 1e-6 above a dense cluster, far below the scale 10.
  const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 1e-6 : -10 * (i / n) ** 2));
  const a = matrixWithSpectrum(lambda, 5);
  const relative = lanczos(operator(a, n), n, { tol: 1e-3, maxIter: 100 });
  const floored = lanczos(operator(a, n), n, { tol: 1e-3, absTol: 1e-3 * 10, maxIter: 100 });
  assert.ok(floored.converged && floored.iterations < relative.iterations, `with the floor ${floored.iterations} iterations, without ${relative.iterations}`);
  assert.ok(floored.residuals[0] <= 1e-2, `residual ${floored.residuals[0]}`);
  // The Ritz value is within the residual of an eigenvalue (here of the top one or the cluster's edge at 0).
  assert.ok(Math.abs(floored.eigenvalues[0] - 1e-6) <= 1e-2, `eigenvalue ${floored.eigenvalues[0]}`);
});
