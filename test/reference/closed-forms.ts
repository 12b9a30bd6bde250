/** Closed-form Hessians (row-major, float64) of the models whose curvature is known analytically. */
import type { SupervisedData } from '../../src/objective/index.js';

/**
 * Linear model f(x) = W x + b (nn.Linear(d, k); theta = [W (k x d row-major), b]) under
 * MSE (1/n) sum_i 1/2 ||f(x_i) - y_i||^2: H = (1/n) X~^T X~ (x) I_k with x~ = (x, 1),
 * independent of theta and of the targets.
 */
export function linearLeastSquaresHessian(data: SupervisedData): Float64Array {
  const { X, n, d, k } = data;
  const p = k * d + k;
  const H = new Float64Array(p * p);
  // Index of the coefficient of feature i (i = d is the bias) in output j.
  const at = (j: number, i: number): number => (i === d ? k * d + j : j * d + i);
  const feature = (s: number, i: number): number => (i === d ? 1 : X[s * d + i]);
  for (let i = 0; i <= d; i++)
    for (let i2 = 0; i2 <= d; i2++) {
      let g = 0;
      for (let s = 0; s < n; s++) g += feature(s, i) * feature(s, i2);
      for (let j = 0; j < k; j++) H[at(j, i) * p + at(j, i2)] = g / n;
    }
  return H;
}

/**
 * Diagonal net phi_w(x) = <w o w, x> under MSE with residuals r_i = phi_w(x_i) - y_i:
 * H = (2/n) sum_i r_i diag(x_i) + (4/n) sum_i (x_i o w)(x_i o w)^T (the paper's eq. before (11), averaged over samples).
 */
export function diagonalNetHessian(w: ArrayLike<number>, data: SupervisedData): Float64Array {
  const { X, Y, n, d } = data;
  const H = new Float64Array(d * d);
  for (let s = 0; s < n; s++) {
    const x = X.subarray(s * d, (s + 1) * d);
    let phi = 0;
    for (let i = 0; i < d; i++) phi += w[i] * w[i] * x[i];
    const r = phi - Y[s];
    for (let i = 0; i < d; i++) {
      H[i * d + i] += (2 * r * x[i]) / n;
      for (let j = 0; j < d; j++) H[i * d + j] += (4 * x[i] * w[i] * x[j] * w[j]) / n;
    }
  }
  return H;
}

/**
 * Logistic toy (logits [0, z], z = <w, x> + b, cross-entropy): whatever the labels,
 * H = (1/n) sum_i sigma'(z_i) x~_i x~_i^T with x~ = (x, 1) and theta = [w, b].
 */
export function logisticHessian(theta: ArrayLike<number>, data: SupervisedData): Float64Array {
  const { X, n, d } = data;
  const p = d + 1;
  const H = new Float64Array(p * p);
  for (let s = 0; s < n; s++) {
    const xt = Float64Array.from({ length: p }, (_, i) => (i === d ? 1 : X[s * d + i]));
    let z = 0;
    for (let i = 0; i < p; i++) z += theta[i] * xt[i];
    const sig = 1 / (1 + Math.exp(-z));
    const c = (sig * (1 - sig)) / n;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) H[i * p + j] += c * xt[i] * xt[j];
  }
  return H;
}
