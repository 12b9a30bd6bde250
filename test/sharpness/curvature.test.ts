/**
 * sharpness() and hutchinsonTrace() on a real objective against the dense
 * Hessian of a tiny tanh network (built column by column from exact HVPs and
 * decomposed in float64).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import { hutchinsonTrace, sharpness, spectrumEnds } from '../../src/sharpness/index.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { Rng } from '../../src/util/random.js';

test('Lanczos sharpness and Hutchinson trace agree with the dense Hessian', async () => {
  await initBackend('wasm');
  const n = 12, d = 4, k = 3;
  const rng = new Rng(5);
  const X = new Float32Array(n * d);
  rng.fillNormal(X);
  const Y = new Float32Array(n * k);
  for (let i = 0; i < n; i++) Y[i * k + (i % k)] = 1;
  const model = buildModel({ kind: 'fcn', widths: [5], activation: 'tanh' }, [d], k);
  const objective = makeObjective(model, { X, Y, n, d, k }, 'ce');
  const theta = model.init(3);
  const p = model.numParams;

  const H = new Float64Array(p * p);
  const e = new Float32Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    const col = objective.hvp(theta, e);
    for (let i = 0; i < p; i++) H[i * p + j] = col[i];
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) H[i * p + j] = H[j * p + i] = (H[i * p + j] + H[j * p + i]) / 2;
  const dense = symmetricEigen(H, p).values;

  const top = sharpness(objective, theta, { k: 2, tol: 1e-7, maxIter: p });
  assert.ok(Math.abs(top.eigenvalues[0] - dense[0]) <= 1e-5 * Math.abs(dense[0]), `top ${top.eigenvalues[0]} vs dense ${dense[0]}`);
  assert.ok(Math.abs(top.eigenvalues[1] - dense[1]) <= 1e-4 * Math.abs(dense[0]), `second ${top.eigenvalues[1]} vs dense ${dense[1]}`);

  // Both ends: the smallest eigenvalue of this tanh/CE Hessian is negative (dense check), max|lambda| takes the larger magnitude.
  const ends = spectrumEnds(objective, theta, { k: 1, tol: 1e-7, maxIter: p });
  const smallest = dense[p - 1];
  assert.ok(smallest < 0, `this Hessian has negative curvature (${smallest})`);
  assert.ok(Math.abs(ends.largest[0] - dense[0]) <= 1e-5 * Math.abs(dense[0]), `largest ${ends.largest[0]} vs ${dense[0]}`);
  assert.ok(Math.abs(ends.smallest[0] - smallest) <= 1e-4 * Math.abs(dense[0]), `smallest ${ends.smallest[0]} vs ${smallest}`);

  let trace = 0;
  for (let i = 0; i < p; i++) trace += H[i * p + i];
  const est = hutchinsonTrace(objective, theta, 400, 1);
  assert.ok(Math.abs(est.trace - trace) <= 4 * est.standardError, `Hutchinson ${est.trace} ± ${est.standardError} vs exact ${trace}`);
  assert.ok(est.standardError < 0.2 * Math.abs(trace), 'the estimate is informative');
});
