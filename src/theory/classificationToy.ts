/**
 * The classification toy of Appendix F: logistic regression h_w(x) = 1{<w̃, x̃> + b > 0} with
 * parameters w = (w̃, b) in R^{d+1} and augmented inputs x = (x̃, 1).
 *
 * Sign convention: the paper writes the loss as the mean log-likelihood
 * (1/n) sum [y log g(<w,x>) + (1-y) log(1 - g(<w,x>))], which is maximised, not minimised, and has a
 * negative semi-definite Hessian. Here the loss is the negative log-likelihood (the usual logistic
 * loss); its Hessian is the negation of the paper's, so the operator norm, and hence Theorem F.1's
 * sharpness formula, is unchanged, and the sharpness is the largest eigenvalue.
 */
import type { Rng } from '../util/random.js';
import { type SquareMatrix, type Vector, dot, largestEigenvalue, zeroMatrix } from './linalg.js';
import { RunningMean, logGamma, normalCdf, regularizedIncompleteBeta, simpson } from './numerics.js';

/** The logistic function g(z) = 1 / (1 + e^{-z}). */
export function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** g'(z) = g(z) (1 - g(z)). */
export function logisticDerivative(z: number): number {
  const g = logistic(z);
  return g * (1 - g);
}

/** log(1 + e^z) without overflow: -log g(-z). */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export interface LabelledPoint {
  /** x̃ in R^d; the model sees x = (x̃, 1). */
  readonly features: Vector;
  readonly label: 0 | 1;
}

function augmentedMargin(w: ArrayLike<number>, features: ArrayLike<number>): number {
  let z = w[w.length - 1];
  for (let i = 0; i < features.length; i++) z += w[i] * features[i];
  return z;
}

/** Mean negative log-likelihood (1/n) sum [-y log g(z_i) - (1-y) log(1 - g(z_i))], z_i = <w, x_i>. */
export function logisticLoss(w: ArrayLike<number>, data: readonly LabelledPoint[]): number {
  let s = 0;
  for (const { features, label } of data) {
    const z = augmentedMargin(w, features);
    s += label === 1 ? softplus(-z) : softplus(z);
  }
  return s / data.length;
}

/** Gradient (1/n) sum (g(z_i) - y_i) x_i. */
export function logisticGradient(w: ArrayLike<number>, data: readonly LabelledPoint[]): Vector {
  const grad = new Float64Array(w.length);
  for (const { features, label } of data) {
    const r = (logistic(augmentedMargin(w, features)) - label) / data.length;
    for (let i = 0; i < features.length; i++) grad[i] += r * features[i];
    grad[w.length - 1] += r;
  }
  return grad;
}

/** Hessian (1/n) sum g'(z_i) x_i x_i^T (positive semi-definite). */
export function logisticHessian(w: ArrayLike<number>, data: readonly LabelledPoint[]): SquareMatrix {
  const p = w.length;
  const h = zeroMatrix(p);
  for (const { features } of data) {
    const s = logisticDerivative(augmentedMargin(w, features)) / data.length;
    const x = Float64Array.from({ length: p }, (_, i) => (i < features.length ? features[i] : 1));
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) h.data[i * p + j] += s * x[i] * x[j];
  }
  return h;
}

/** Sharpness: the top eigenvalue of the Hessian, from the dense Jacobi solver. */
export function logisticSharpness(w: ArrayLike<number>, data: readonly LabelledPoint[]): number {
  return largestEigenvalue(logisticHessian(w, data));
}

/** The data set of Theorem F.1: x̃1 = 0 with label 0 and x̃2 (unit norm) with label 1. */
export function twoPointData(x2Tilde: ArrayLike<number>): LabelledPoint[] {
  const d = x2Tilde.length;
  return [
    { features: new Float64Array(d), label: 0 },
    { features: Float64Array.from(x2Tilde as ArrayLike<number>), label: 1 },
  ];
}

/**
 * Theorem F.1's closed form of the sharpness on the two-point data set, with z = <w̃, x̃2>:
 * S = (1/4) (g'(b) + 2 g'(z + b) + sqrt(g'(b)^2 + 4 g'(z + b)^2)). Valid for every w, not only on M.
 */
export function twoPointSharpness(z: number, b: number): number {
  const gb = logisticDerivative(b);
  const gzb = logisticDerivative(z + b);
  return 0.25 * (gb + 2 * gzb + Math.sqrt(gb * gb + 4 * gzb * gzb));
}

export interface LinearClassifier {
  readonly wTilde: Vector;
  readonly b: number;
}

/** Theorem F.1 (i): the max-margin classifier, w̃ = x̃2, b = -1/2 (up to positive scaling). */
export function maxMarginClassifier(x2Tilde: ArrayLike<number>): LinearClassifier {
  return { wTilde: Float64Array.from(x2Tilde as ArrayLike<number>), b: -0.5 };
}

/** Theorem F.1 (ii): the sharpness minimiser over M, w̃ = x̃2, b = 0 (its boundary passes through x̃1). */
export function sharpnessMinimizingClassifier(x2Tilde: ArrayLike<number>): LinearClassifier {
  return { wTilde: Float64Array.from(x2Tilde as ArrayLike<number>), b: 0 };
}

/** The value "min S ≈ 0.277" printed in Theorem F.1's proof. */
export const THEOREM_F1_PRINTED_MINIMUM = 0.277;

export interface TwoPointSharpnessMinimum {
  readonly z: number;
  readonly b: number;
  readonly value: number;
}

/**
 * Fine grid search of min S(z, b) over the reduced manifold z in (0, 1], -z < b <= 0 of Theorem F.1
 * (z = <w̃, x̃2> with ||w̃|| = 1, h(x1) = 0 <=> b <= 0, h(x2) = 1 <=> z + b > 0), on an
 * n x n grid that includes the corner (1, 0).
 */
export function minimizeTwoPointSharpness(n = 2000): TwoPointSharpnessMinimum {
  let best: TwoPointSharpnessMinimum = { z: NaN, b: NaN, value: Infinity };
  for (let i = 1; i <= n; i++) {
    const z = i / n;
    for (let j = 0; j < n; j++) {
      const b = (-z * j) / n;
      const value = twoPointSharpness(z, b);
      if (value < best.value) best = { z, b, value };
    }
  }
  return best;
}

export type ToyClassifier = 'maxMargin' | 'minSharpness';

/** A test point x̃ is misclassified iff <x̃2, x̃> <= tau: tau = 1/2 for max margin (b = -1/2), 0 for min sharpness (b = 0). */
export function errorThreshold(classifier: ToyClassifier): number {
  return classifier === 'maxMargin' ? 0.5 : 0;
}

/**
 * P(<u, v> <= tau) for u, v independent and uniform on the unit sphere S^{d-1} of R^d, the exact
 * error at mu = 0: (1 + <u, v>)/2 ~ Beta((d-1)/2, (d-1)/2).
 */
export function isotropicErrorProbability(tau: number, d: number): number {
  if (d < 2) throw new Error(`need d >= 2, got ${d}`);
  return regularizedIncompleteBeta((1 + tau) / 2, (d - 1) / 2, (d - 1) / 2);
}

/**
 * The small-||mu|| expression printed in Appendix F,
 * Gamma(d/2 + 1/2) / (Gamma(d/2) Gamma(1/2)) * int_{-1}^{tau} (1 - x^2)^{d/2 - 1} dx, evaluated by
 * quadrature (x = -cos phi). Its constant does normalise it to a probability, but it is the law of
 * <u, v> on S^d, the sphere of R^{d+1}: it equals isotropicErrorProbability(tau, d + 1).
 */
export function paperIsotropicExpression(tau: number, d: number): number {
  const constant = Math.exp(logGamma(d / 2 + 0.5) - logGamma(d / 2) - logGamma(0.5));
  return constant * simpson((phi) => Math.sin(phi) ** (d - 1), 0, Math.acos(-tau), 4000);
}

/**
 * The large-||mu|| expressions printed in Appendix F: (2 pi)^{-(d-1)/2} Phi(-||mu|| / (2 sqrt 2)) for
 * max margin and (2 pi)^{-(d-1)/2} Phi(-||mu|| / sqrt 2) for min sharpness, i.e.
 * (2 pi)^{-(d-1)/2} Phi(-(1 - tau) ||mu|| / sqrt 2).
 */
export function paperLargeMuExpression(classifier: ToyClassifier, muNorm: number, d: number): number {
  const tau = errorThreshold(classifier);
  return (2 * Math.PI) ** (-(d - 1) / 2) * normalCdf((-(1 - tau) * muNorm) / Math.SQRT2);
}

/**
 * Sum_K Poisson(K; ||mu||^2) I_{(1+tau)/2}(d/2 + K, d/2): with s = (g + g')/sqrt 2 ~ N(sqrt 2 mu, I)
 * and t = (g - g')/sqrt 2 ~ N(0, I) independent, <g, g'> = (|s|^2 - |t|^2)/2, so for tau = 0 this is
 * exactly P(<g, g'> <= 0), the min-sharpness error, for every mu. For tau > 0 it is
 * P(<g, g'> <= tau (|g|^2 + |g'|^2)/2) >= P(<g, g'> <= tau |g| |g'|): an upper bound whose exponential
 * rate, exp(-(1 - tau) ||mu||^2 / 2), is the exact large-||mu|| rate of the error.
 */
export function chiSquareErrorExpression(tau: number, muNorm: number, d: number): number {
  const lambda = muNorm * muNorm;
  const x = (1 + tau) / 2;
  const last = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 40);
  let sum = 0;
  for (let k = 0; k <= last; k++) {
    const logWeight = -lambda + (k === 0 ? 0 : k * Math.log(lambda)) - logGamma(k + 1);
    sum += Math.exp(logWeight) * regularizedIncompleteBeta(x, d / 2 + k, d / 2);
  }
  return sum;
}

/**
 * Exact error for d = 2 by quadrature: the angle of g ~ N(mu, I_2) relative to mu has density
 * f(psi) = (1/2pi) [e^{-m^2/2} + m cos psi sqrt(2 pi) Phi(m cos psi) e^{-m^2 sin^2 psi / 2}], and the
 * error is P(angle between g and g' >= arccos tau) = int_{theta0}^{2pi - theta0} (f ⋆ f)(delta) d delta.
 */
export function planarErrorProbability(tau: number, muNorm: number, gridPoints = 720): number {
  const m = muNorm;
  const density = (psi: number): number => {
    const c = m * Math.cos(psi);
    const s = m * Math.sin(psi);
    return (Math.exp(-0.5 * m * m) + c * Math.sqrt(2 * Math.PI) * normalCdf(c) * Math.exp(-0.5 * s * s)) / (2 * Math.PI);
  };
  const h = (2 * Math.PI) / gridPoints;
  const psi = Float64Array.from({ length: gridPoints }, (_, i) => i * h);
  const f = psi.map(density);
  const autocorrelation = (delta: number): number => {
    let s = 0;
    for (let i = 0; i < gridPoints; i++) s += f[i] * density(psi[i] + delta);
    return s * h;
  };
  const theta0 = Math.acos(tau);
  return simpson(autocorrelation, theta0, 2 * Math.PI - theta0, gridPoints);
}

export interface GeneralizationReport {
  readonly classifier: ToyClassifier;
  readonly dimension: number;
  readonly muNorm: number;
  readonly threshold: number;
  /**
   * Monte Carlo of E_{x̃2} P_x̃[h(x̃) != 1] by conditioning: given x̃2 = u and the part of g orthogonal
   * to u (squared norm t), <g, u> ~ N(<mu, u>, 1), so the error is Phi(tau sqrt(t/(1 - tau^2)) - <mu, u>).
   * Unbiased, with far lower variance than counting errors.
   */
  readonly monteCarlo: number;
  readonly standardError: number;
  /** Plain Monte Carlo: the fraction of sampled test points with <x̃2, x̃> <= tau. */
  readonly plainMonteCarlo: number;
  readonly plainStandardError: number;
  /** The printed asymptotics: the Beta integral (small ||mu||) and the Phi expressions (large ||mu||). */
  readonly paperExpression: { readonly smallMu: number; readonly largeMu: number };
  readonly correctedExpression: {
    /** Exact at mu = 0 (isotropicErrorProbability in dimension d). */
    readonly smallMu: number;
    /** chiSquareErrorExpression: exact for min sharpness, an upper bound with the exact rate for max margin. */
    readonly chiSquare: number;
  };
}

/**
 * Expected generalisation error of the max-margin or sharpness-minimising classifier trained on
 * {(0, 0), (x̃2, 1)} with x̃2 = g'/||g'||, tested on x̃ = g/||g||, g, g' ~ N(mu, I_d) (Appendix F).
 */
export function classifierGeneralizationError(classifier: ToyClassifier, mu: ArrayLike<number>, samples: number, rng: Rng): GeneralizationReport {
  const d = mu.length;
  const tau = errorThreshold(classifier);
  const muNorm = Math.sqrt(dot(mu, mu));
  const conditional = new RunningMean();
  const plain = new RunningMean();
  const g = new Float64Array(d);
  const u = new Float64Array(d);
  for (let s = 0; s < samples; s++) {
    let uu = 0;
    for (let i = 0; i < d; i++) {
      u[i] = mu[i] + rng.normal();
      uu += u[i] * u[i];
    }
    const un = Math.sqrt(uu);
    for (let i = 0; i < d; i++) u[i] /= un;
    let gg = 0;
    for (let i = 0; i < d; i++) {
      g[i] = mu[i] + rng.normal();
      gg += g[i] * g[i];
    }
    const along = dot(g, u);
    const orthogonal = Math.max(0, gg - along * along);
    conditional.add(normalCdf(tau * Math.sqrt(orthogonal / (1 - tau * tau)) - dot(mu, u)));
    plain.add(along <= tau * Math.sqrt(gg) ? 1 : 0);
  }
  const c = conditional.estimate();
  const p = plain.estimate();
  return {
    classifier,
    dimension: d,
    muNorm,
    threshold: tau,
    monteCarlo: c.mean,
    standardError: c.standardError,
    plainMonteCarlo: p.mean,
    plainStandardError: p.standardError,
    paperExpression: {
      smallMu: classifier === 'maxMargin' ? paperIsotropicExpression(tau, d) : 0.5,
      largeMu: paperLargeMuExpression(classifier, muNorm, d),
    },
    correctedExpression: { smallMu: isotropicErrorProbability(tau, d), chiSquare: chiSquareErrorExpression(tau, muNorm, d) },
  };
}
