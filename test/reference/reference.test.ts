/**
 * The float64 references are only useful if they are right: their hand-written
 * gradients are checked against finite differences of their own losses, and the
 * closed-form Hessians against finite differences of independently written gradients.
 */
import { test } from 'node:test';
import { cnnRef } from './cnn.js';
import { diagonalNetHessian, linearLeastSquaresHessian, logisticHessian } from './closed-forms.js';
import { classificationData, regressionData } from './data.js';
import { fdHessian } from './fd.js';
import { fcnRef } from './fcn.js';
import { refLoss, refLossAndGrad, type RefLoss, type RefNet } from './net.js';
import { assertRelClose } from './numeric.js';
import type { SupervisedData } from '../../src/objective/index.js';
import { Rng } from '../../src/util/random.js';

function randomTheta(p: number, seed: number, scale: number): Float64Array {
  const t = new Float64Array(p);
  new Rng(seed).fillNormal(t, scale);
  return t;
}

/** Central differences of the loss, coordinate by coordinate. */
function fdGradient(net: RefNet, theta: Float64Array, data: SupervisedData, loss: RefLoss): Float64Array {
  const h = 1e-6;
  return theta.map((_, i) => {
    const t = theta.slice();
    t[i] += h;
    const up = refLoss(net, t, data, loss);
    t[i] -= 2 * h;
    return (up - refLoss(net, t, data, loss)) / (2 * h);
  });
}

const cases: { name: string; net: RefNet; data: SupervisedData; loss: RefLoss; scale: number }[] = [
  { name: 'fcn relu mse', net: fcnRef({ widths: [5, 4], activation: 'relu', parameterization: 'standard' }, 6, 3), data: classificationData(1, 7, 6, 3), loss: 'mse', scale: 0.5 },
  { name: 'fcn tanh ce', net: fcnRef({ widths: [5, 4], activation: 'tanh', parameterization: 'standard' }, 6, 3), data: classificationData(2, 7, 6, 3), loss: 'ce', scale: 0.5 },
  { name: 'fcn ntk relu ce', net: fcnRef({ widths: [5, 4], activation: 'relu', parameterization: 'ntk' }, 6, 3), data: classificationData(3, 7, 6, 3), loss: 'ce', scale: 1 },
  { name: 'fcn mup tanh mse', net: fcnRef({ widths: [5], activation: 'tanh', parameterization: 'mup' }, 6, 3), data: regressionData(4, 7, 6, 3), loss: 'mse', scale: 1 },
  { name: 'cnn relu ce', net: cnnRef({ channels: [2, 3], activation: 'relu' }, [1, 4, 4], 3), data: classificationData(5, 3, 16, 3), loss: 'ce', scale: 0.5 },
  { name: 'cnn tanh mse', net: cnnRef({ channels: [2], activation: 'tanh' }, [2, 4, 2], 3), data: regressionData(6, 3, 16, 3), loss: 'mse', scale: 0.5 },
];

for (const c of cases) {
  test(`reference gradient (${c.name}) matches finite differences of the reference loss`, () => {
    const theta = randomTheta(c.net.numParams, 11, c.scale);
    const { grad } = refLossAndGrad(c.net, theta, c.data, c.loss);
    assertRelClose(grad, fdGradient(c.net, theta, c.data, c.loss), 1e-7, c.name);
  });
}

test('linear least-squares closed form matches finite differences of the reference gradient', () => {
  const data = regressionData(7, 9, 4, 2);
  const net = fcnRef({ widths: [], activation: 'relu', parameterization: 'standard' }, 4, 2);
  const theta = randomTheta(net.numParams, 12, 1);
  const H = fdHessian((t) => refLossAndGrad(net, t, data, 'mse').grad, theta);
  assertRelClose(H, linearLeastSquaresHessian(data), 1e-8, 'linear Hessian');
});

test('diagonal-net closed form matches finite differences of its gradient', () => {
  const data = regressionData(8, 5, 4, 1);
  const { X, Y, n, d } = data;
  const grad = (w: Float64Array): Float64Array => {
    const g = new Float64Array(d);
    for (let s = 0; s < n; s++) {
      let phi = 0;
      for (let i = 0; i < d; i++) phi += w[i] * w[i] * X[s * d + i];
      for (let i = 0; i < d; i++) g[i] += ((phi - Y[s]) * 2 * w[i] * X[s * d + i]) / n;
    }
    return g;
  };
  const w = randomTheta(d, 13, 1);
  assertRelClose(fdHessian(grad, w), diagonalNetHessian(w, data), 1e-8, 'diagonal Hessian');
});

test('logistic closed form matches finite differences of its gradient', () => {
  const data = classificationData(9, 8, 3, 2);
  const { X, Y, n, d } = data;
  const grad = (theta: Float64Array): Float64Array => {
    const g = new Float64Array(d + 1);
    for (let s = 0; s < n; s++) {
      let z = theta[d];
      for (let i = 0; i < d; i++) z += theta[i] * X[s * d + i];
      // d/dz of logsumexp(0, z) - y1 z.
      const dz = (1 / (1 + Math.exp(-z)) - Y[s * 2 + 1]) / n;
      for (let i = 0; i < d; i++) g[i] += dz * X[s * d + i];
      g[d] += dz;
    }
    return g;
  };
  const theta = randomTheta(d + 1, 14, 1);
  assertRelClose(fdHessian(grad, theta), logisticHessian(theta, data), 1e-8, 'logistic Hessian');
});
