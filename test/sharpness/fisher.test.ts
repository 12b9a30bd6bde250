/**
 * The Gauss-Newton (Fisher) matrix G = (1/n) sum_i J_i^T H_out,i J_i against a dense float64
 * G built from explicit Jacobians of the float64 reference nets (one backward pass per output
 * and sample): products G v (dense stacks through the R-operator, the CNN through the
 * double-VJP path), the top eigenvalue by Lanczos and the Hutchinson trace with its standard error.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective, type SupervisedData } from '../../src/objective/index.js';
import { fisherTop, fisherTrace } from '../../src/sharpness/index.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { cnnRef } from '../reference/cnn.js';
import { classificationData, randomVector } from '../reference/data.js';
import { fcnRef } from '../reference/fcn.js';
import type { RefLoss, RefNet } from '../reference/net.js';
import { matVec, relErr } from '../reference/numeric.js';

/** Dense G in float64: explicit Jacobian rows by reverse mode, H_out in closed form. */
function denseGaussNewton(net: RefNet, theta: Float64Array, data: SupervisedData, loss: RefLoss): Float64Array {
  const { n, d, k } = data;
  const p = net.numParams;
  const G = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const x = data.X.subarray(i * d, (i + 1) * d);
    const J = Array.from({ length: k }, (_, c) => net.backward(theta, x, 1, Float64Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))));
    const out = net.forward(theta, x, 1);
    const m = Math.max(...out);
    const e = out.map((o) => Math.exp(o - m));
    const z = e.reduce((a, b) => a + b, 0);
    const prob = e.map((v) => v / z);
    const H = (a: number, b: number): number => (loss === 'mse' ? (a === b ? 1 : 0) : (a === b ? prob[a] : 0) - prob[a] * prob[b]);
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        const h = H(a, b) / n;
        if (h === 0) continue;
        for (let r = 0; r < p; r++) {
          const jr = J[a][r] * h;
          for (let c = 0; c < p; c++) G[r * p + c] += jr * J[b][c];
        }
      }
  }
  return G;
}

const cases = [
  ...(['relu', 'tanh'] as const).flatMap((activation) =>
    (['mse', 'ce'] as const).map((loss) => ({ name: `fcn 5-4-3 ${activation} ${loss}`, spec: { kind: 'fcn', widths: [4], activation } as const, inputShape: [5], ref: fcnRef({ widths: [4], activation, parameterization: 'standard' }, 5, 3), loss })),
  ),
  { name: 'cnn 1x8x8 relu ce (double-VJP path)', spec: { kind: 'cnn', channels: [2, 2], activation: 'relu' } as const, inputShape: [1, 8, 8], ref: cnnRef({ channels: [2, 2], activation: 'relu' }, [1, 8, 8], 3), loss: 'ce' as const },
  { name: 'cnn 1x8x8 tanh mse (double-VJP path)', spec: { kind: 'cnn', channels: [2, 2], activation: 'tanh' } as const, inputShape: [1, 8, 8], ref: cnnRef({ channels: [2, 2], activation: 'tanh' }, [1, 8, 8], 3), loss: 'mse' as const },
];

before(async () => {
  await initBackend('wasm');
});

for (const [index, c] of cases.entries()) {
  test(`Gauss-Newton products, top eigenvalue and trace match a dense float64 G: ${c.name}`, (t) => {
    const k = 3;
    const n = 7;
    const data = classificationData(11 + index, n, c.inputShape.reduce((a, b) => a * b, 1), k);
    const model = buildModel(c.spec, c.inputShape, k);
    assert.equal(model.numParams, c.ref.numParams);
    const objective = makeObjective(model, data, c.loss, { chunkSize: 4 });
    const theta = model.init(5);
    const p = model.numParams;
    const G = denseGaussNewton(c.ref, Float64Array.from(theta), data, c.loss);

    const v = randomVector(3, p);
    const op = objective.gaussNewtonAt(theta);
    const gv = op.apply(v);
    op.dispose();
    const err = relErr(gv, matVec(G, v));
    assert.ok(err < 1e-5, `G v relative error ${err}`);

    const eig = symmetricEigen(G, p).values;
    assert.ok(eig[p - 1] > -1e-12 * eig[0], 'G is positive semi-definite');
    const top = fisherTop(objective, theta, { tol: 1e-8, maxIter: p });
    const topErr = Math.abs(top.eigenvalues[0] - eig[0]) / eig[0];
    assert.ok(topErr < 1e-5, `top eigenvalue ${top.eigenvalues[0]} vs dense ${eig[0]} (relative ${topErr})`);

    let trace = 0;
    for (let i = 0; i < p; i++) trace += G[i * p + i];
    const est = fisherTrace(objective, theta, 300, 2);
    assert.ok(Math.abs(est.trace - trace) <= 4 * est.standardError, `Hutchinson ${est.trace} ± ${est.standardError} vs exact ${trace}`);
    assert.ok(est.standardError < 0.1 * trace, `the estimate is informative (${est.standardError} vs ${trace})`);
    t.diagnostic(`${c.name}: p=${p} Gv rel ${err.toExponential(2)}, top rel ${topErr.toExponential(2)}, trace ${est.trace.toFixed(4)} ± ${est.standardError.toFixed(4)} vs ${trace.toFixed(4)}`);
  });
}
