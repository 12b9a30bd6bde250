/**
 * Hessians with closed forms: linear least squares, the paper's diagonal net
 * (eq. (11) on the interpolation manifold) and the logistic toy of appendix F.
 * The tfjs Hessian is assembled from exact HVP columns.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective, type LossName, type SupervisedData } from '../../src/objective/index.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { Rng } from '../../src/util/random.js';
import { diagonalNetHessian, linearLeastSquaresHessian, logisticHessian } from '../reference/closed-forms.js';
import { classificationData, randomVector, regressionData } from '../reference/data.js';
import { hessianFromHvp } from '../reference/fd.js';
import { assertRelClose, assertScalarClose, matVec } from '../reference/numeric.js';

/** The tfjs Hessian at theta (default: the model's init) and the HVP with an optional probe vector. */
function tfHessian(spec: unknown, data: SupervisedData, loss: LossName, theta?: Float32Array, probe?: Float32Array): { H: Float64Array; Hprobe?: Float32Array } {
  const model = buildModel(spec, [data.d], data.k);
  const obj = makeObjective(model, data, loss);
  const t = theta ?? model.init(0);
  try {
    return { H: hessianFromHvp((v) => obj.hvp(t, v), model.numParams), Hprobe: probe && obj.hvp(t, probe) };
  } finally {
    obj.dispose();
  }
}

describe('closed-form Hessians', () => {
  before(async () => {
    await initBackend();
  });

  test('linear least squares (fcn with widths []): H = (1/n) X~^T X~ (x) I_k', () => {
    const data = regressionData(31, 13, 5, 3);
    const { H } = tfHessian({ kind: 'fcn', widths: [] }, data, 'mse');
    assertRelClose(H, linearLeastSquaresHessian(data), 1e-6, 'linear Hessian');
  });

  test('diagonal net off the manifold: H = (2/n) sum r_i diag(x_i) + (4/n) sum (x_i o w)(x_i o w)^T', () => {
    const data = regressionData(32, 4, 6, 1);
    const w = randomVector(33, 6);
    const { H } = tfHessian({ kind: 'diagonal', alpha: 0.1 }, data, 'mse', w);
    assertRelClose(H, diagonalNetHessian(w, data), 1e-6, 'diagonal-net Hessian');
  });

  test('diagonal net on the manifold (single point): sharpness = 4 ||x o w||^2 (eq. 11), rank one', () => {
    const rng = new Rng(34);
    const d = 5;
    const x = Float32Array.from({ length: d }, () => 0.5 + rng.uniform());
    const y = 2.5;
    // Scale a positive w onto <w o w, x> = y, then round to float32 and use the actual residual.
    const w0 = Float64Array.from({ length: d }, () => 0.2 + rng.uniform());
    const s = Math.sqrt(y / w0.reduce((a, wi, i) => a + wi * wi * x[i], 0));
    const w = Float32Array.from(w0, (wi) => wi * s);
    const data: SupervisedData = { X: x, Y: Float32Array.of(y), n: 1, d, k: 1 };
    const { H } = tfHessian({ kind: 'diagonal', alpha: 0.1 }, data, 'mse', w);
    const values = symmetricEigen(H, d).values;
    const sharpness = 4 * w.reduce((a, wi, i) => a + (x[i] * wi) ** 2, 0);
    assertScalarClose(values[0], sharpness, 1e-5, 'sharpness on the manifold');
    assert.ok(Math.abs(values[1]) <= 1e-5 * sharpness, `second eigenvalue ${values[1]} should vanish on the manifold`);
  });

  test('logistic toy: H = (1/n) sum sigma\'(z_i) x~_i x~_i^T', () => {
    const data = classificationData(35, 10, 3, 2);
    const theta = randomVector(36, 4);
    const v = randomVector(37, 4);
    const { H, Hprobe } = tfHessian({ kind: 'logistic' }, data, 'ce', theta, v);
    const Href = logisticHessian(theta, data);
    assertRelClose(H, Href, 1e-5, 'logistic Hessian');
    assertRelClose(Hprobe as Float32Array, matVec(Href, v), 1e-5, 'logistic HVP');
  });
});
