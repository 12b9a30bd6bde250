/**
 * Generalisation of the idealised training algorithms of Section 3 (Appendix E.1, Proposition E.2):
 * for data (x, y) ~ D with Sigma = E[x x^T], mu = E[y x], sigma^2 = E[y^2], the risk of the
 * diagonal network is eq. (21), R(w) = 1/2 (v^T Sigma v - 2 mu^T v + sigma^2) with v = w∘w, and
 * the algorithms map one training point (x0, y0) to a point of M:
 *   A_l1  = sqrt(y0 / x_max) e_{k_max}   (minimal ||w∘w||_1, Proposition 3.2 (i)),
 *   A_S   = sqrt(y0 / x_min) e_{k_min}   (minimal sharpness, Proposition 3.2 (ii)),
 *   A_opt = a risk minimiser on M.
 */
import type { Rng } from '../util/random.js';
import { minimalL1Solution, minimalSharpnessSolution } from './diagonalNet.js';
import {
  type SquareMatrix, type Vector, dot, identityMatrix, matVec, solveLinearSystem, symmetricMatrixFunction, zeroMatrix,
} from './linalg.js';
import { type MonteCarloEstimate, RunningMean } from './numerics.js';

/** Second moments of D, with the whitening Sigma^{-1/2} of Proposition E.2 (iii) precomputed. */
export interface DataMoments {
  readonly sigma: SquareMatrix;
  readonly mu: Vector;
  readonly sigmaSquared: number;
  readonly sigmaInverseSqrt: SquareMatrix;
  /** mu_Sigma = Sigma^{-1/2} mu. */
  readonly muWhitened: Vector;
}

export function dataMoments(sigma: SquareMatrix, mu: ArrayLike<number>, sigmaSquared: number): DataMoments {
  const sigmaInverseSqrt = symmetricMatrixFunction(sigma, (t) => {
    if (!(t > 0)) throw new Error('Sigma must be positive definite');
    return 1 / Math.sqrt(t);
  });
  const muVector = Float64Array.from(mu as ArrayLike<number>);
  return { sigma, mu: muVector, sigmaSquared, sigmaInverseSqrt, muWhitened: matVec(sigmaInverseSqrt, muVector) };
}

/** The Gaussian model of Section 3 / Lemma E.1: x ~ N(0, I_d), y = <1, x> + eps: Sigma = I, mu = 1, sigma^2 = d + 1. */
export function gaussianModelMoments(d: number): DataMoments {
  return dataMoments(identityMatrix(d), new Float64Array(d).fill(1), d + 1);
}

/**
 * The folded-Gaussian model of Appendix E.1: x ~ |N(0, I_n)|, y = <1, x> (+ optional independent
 * noise of the given variance): Sigma_ii = 1, Sigma_ij = 2/pi, mu = Sigma 1 = (1 + 2(n-1)/pi) 1,
 * sigma^2 = 1^T Sigma 1 + noise = n + 2n(n-1)/pi + noise.
 */
export function foldedGaussianMoments(n: number, noiseVariance = 0): DataMoments {
  const sigma = zeroMatrix(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sigma.data[i * n + j] = i === j ? 1 : 2 / Math.PI;
  const ones = new Float64Array(n).fill(1);
  const mu = matVec(sigma, ones);
  return dataMoments(sigma, mu, dot(ones, mu) + noiseVariance);
}

/** eq. (21): R(w) = 1/2 ((w∘w)^T Sigma (w∘w) - 2 mu^T (w∘w) + sigma^2). */
export function populationRisk(w: ArrayLike<number>, moments: DataMoments): number {
  const v = Float64Array.from(w as ArrayLike<number>, (wi) => wi * wi);
  return 0.5 * (dot(v, matVec(moments.sigma, v)) - 2 * dot(moments.mu, v) + moments.sigmaSquared);
}

export interface TrainingPoint {
  readonly x: Vector;
  readonly y: number;
}

export type PointSampler = (rng: Rng) => TrainingPoint;

/**
 * x0 = |g|, g ~ N(0, I_n), y0 = <1, x0> + sqrt(noiseVariance) eps. With noiseVariance = 0 this is
 * the folded model of Appendix E.1; with noiseVariance = 1 it is the training-point law
 * p((x, y) | x >= 0) of the Gaussian model of Section 3 (whose risk still uses gaussianModelMoments).
 */
export function foldedGaussianSampler(n: number, noiseVariance = 0): PointSampler {
  const noise = Math.sqrt(noiseVariance);
  return (rng) => {
    const x = new Float64Array(n);
    let y = 0;
    for (let i = 0; i < n; i++) {
      x[i] = Math.abs(rng.normal());
      y += x[i];
    }
    return { x, y: noise > 0 ? y + noise * rng.normal() : y };
  };
}

export interface ManifoldRiskMinimizer {
  readonly w: Vector;
  readonly wSquared: Vector;
  readonly support: readonly number[];
  readonly risk: number;
}

/**
 * A_opt(x0, y0): the risk minimiser on M. In v = w∘w the problem is the strictly convex QP
 * min 1/2 v^T Sigma v - mu^T v s.t. <x0, v> = y0, v >= 0; its minimiser is the lowest-risk
 * non-negative solution among the equality-constrained QPs on each support, so enumerating supports
 * is exact. Null when M ∩ {v >= 0} is empty (e.g. x0 > 0 and y0 < 0).
 */
export function riskMinimizerOnManifold(x0: ArrayLike<number>, y0: number, moments: DataMoments): ManifoldRiskMinimizer | null {
  const d = x0.length;
  if (d > 16) throw new Error(`riskMinimizerOnManifold enumerates 2^d supports; d = ${d} is too large`);
  let best: ManifoldRiskMinimizer | null = null;
  for (let mask = 1; mask < 1 << d; mask++) {
    const support = Array.from({ length: d }, (_, i) => i).filter((i) => (mask >> i) & 1);
    const k = support.length;
    const kkt = zeroMatrix(k + 1);
    const rhs = new Float64Array(k + 1);
    support.forEach((i, a) => {
      support.forEach((j, b) => {
        kkt.data[a * (k + 1) + b] = moments.sigma.data[i * d + j];
      });
      kkt.data[a * (k + 1) + k] = x0[i];
      kkt.data[k * (k + 1) + a] = x0[i];
      rhs[a] = moments.mu[i];
    });
    rhs[k] = y0;
    const solution = solveLinearSystem(kkt, rhs);
    if (solution === null || support.some((_, a) => !(solution[a] > 0))) continue;
    const wSquared = new Float64Array(d);
    support.forEach((i, a) => {
      wSquared[i] = solution[a];
    });
    const w = wSquared.map(Math.sqrt);
    const risk = populationRisk(w, moments);
    if (best === null || risk < best.risk) best = { w, wSquared, support, risk };
  }
  return best;
}

/**
 * Proposition E.2 (iii) as printed: w∘w = Sigma^{-1/2} (P^perp_{x_Sigma} mu_Sigma + y0 / ||x_Sigma||^2 x_Sigma).
 * Its proof minimises over w̃ = Sigma^{1/2} (w∘w) in all of R^d and forgets w∘w >= 0, so entries can
 * be negative (then no w realises it); where all are non-negative it is A_opt.
 */
export function propositionE2OptimalSquares(x0: ArrayLike<number>, y0: number, moments: DataMoments): Vector {
  const xWhite = matVec(moments.sigmaInverseSqrt, x0);
  const xx = dot(xWhite, xWhite);
  const coefficient = (y0 - dot(moments.muWhitened, xWhite)) / xx;
  return matVec(moments.sigmaInverseSqrt, moments.muWhitened.map((m, i) => m + coefficient * xWhite[i]));
}

/** The printed closed form of R(A_opt(x0, y0)) in Proposition E.2 (iii): the risk of propositionE2OptimalSquares. */
export function propositionE2OptimalRisk(x0: ArrayLike<number>, y0: number, moments: DataMoments): number {
  const xWhite = matVec(moments.sigmaInverseSqrt, x0);
  const xx = dot(xWhite, xWhite);
  const muX = dot(moments.muWhitened, xWhite);
  const muPerpMu = dot(moments.muWhitened, moments.muWhitened) - (muX * muX) / xx;
  return 0.5 * (moments.sigmaSquared + (y0 * y0) / xx - (2 * y0 * muX) / xx - muPerpMu);
}

export type IdealisedAlgorithm = 'l1' | 'sharpness' | 'opt';

/** The weights A(x0, y0) returned by an idealised algorithm, or null when M has no such point (y0 <= 0). */
export function idealisedSolution(algorithm: IdealisedAlgorithm, x0: ArrayLike<number>, y0: number, moments: DataMoments): Vector | null {
  if (algorithm === 'opt') return riskMinimizerOnManifold(x0, y0, moments)?.w ?? null;
  if (!(y0 > 0)) return null;
  return algorithm === 'l1' ? minimalL1Solution(x0, y0) : minimalSharpnessSolution(x0, y0);
}

export interface RiskIntegrand {
  /** R(A(x0, y0)) in closed form (for A_l1 / A_S: 1/2 (sigma^2 + Sigma_kk t^2 - 2 mu_k t), t = y0 / x_k). */
  readonly corrected: number;
  /**
   * The integrand as printed in Proposition E.2: for (i)/(ii) 1/2 (sigma^2 + Sigma_kk t^2 + mu_k t),
   * i.e. with +mu_k t instead of -2 mu_k t; for (iii) the closed form of propositionE2OptimalRisk.
   */
  readonly paper: number;
}

/** R(A(x0, y0)) per Proposition E.2, corrected and as printed; null when M is empty (y0 <= 0). */
export function propositionE2Integrand(algorithm: IdealisedAlgorithm, x0: ArrayLike<number>, y0: number, moments: DataMoments): RiskIntegrand | null {
  if (algorithm === 'opt') {
    const optimum = riskMinimizerOnManifold(x0, y0, moments);
    return optimum === null ? null : { corrected: optimum.risk, paper: propositionE2OptimalRisk(x0, y0, moments) };
  }
  if (!(y0 > 0)) return null;
  let k = 0;
  for (let i = 1; i < x0.length; i++) if (algorithm === 'l1' ? x0[i] > x0[k] : x0[i] < x0[k]) k = i;
  const t = y0 / x0[k];
  const sigmaKK = moments.sigma.data[k * x0.length + k];
  const base = moments.sigmaSquared + sigmaKK * t * t;
  return { corrected: 0.5 * (base - 2 * moments.mu[k] * t), paper: 0.5 * (base + moments.mu[k] * t) };
}

export interface ExpectedRiskEstimate {
  /** Monte-Carlo estimate of E[R(A(x0, y0)) | M non-empty] with the corrected integrand. */
  readonly corrected: MonteCarloEstimate;
  /** The same samples through the printed integrand. */
  readonly paper: MonteCarloEstimate;
  /** Draws with y0 <= 0, for which M ∩ {w∘w >= 0} is empty and A is undefined (skipped). */
  readonly emptyManifold: number;
}

/** Monte-Carlo estimate (with standard errors) of the expected generalisation error of Proposition E.2. */
export function expectedRiskMonteCarlo(
  algorithm: IdealisedAlgorithm, sampler: PointSampler, moments: DataMoments, samples: number, rng: Rng,
): ExpectedRiskEstimate {
  const corrected = new RunningMean();
  const paper = new RunningMean();
  let emptyManifold = 0;
  for (let s = 0; s < samples; s++) {
    const { x, y } = sampler(rng);
    const integrand = propositionE2Integrand(algorithm, x, y, moments);
    if (integrand === null) {
      emptyManifold += 1;
      continue;
    }
    corrected.add(integrand.corrected);
    paper.add(integrand.paper);
  }
  return { corrected: corrected.estimate(), paper: paper.estimate(), emptyManifold };
}

export type Extreme = 'min' | 'max';

function foldedRatio(rng: Rng, n: number, extreme: Extreme, power: number): number {
  let sum = 0;
  let ext = extreme === 'min' ? Infinity : -Infinity;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(rng.normal());
    sum += v;
    ext = extreme === 'min' ? Math.min(ext, v) : Math.max(ext, v);
  }
  return (sum / ext) ** power;
}

/**
 * Running Monte-Carlo means of (<1, x0> / x_ext)^power for x0 ~ |N(0, I_n)|, reported at the given
 * sample sizes (one stream). For x_min the mean has no limit: P(<1, x0>/x_min > t) ~ c/t (see
 * foldedMinRatioTailConstant), so E = infinity and the running mean keeps drifting upwards like c log N.
 * For x_max the ratio lies in [1, n] and the mean converges.
 */
export function foldedRatioRunningMeans(n: number, extreme: Extreme, checkpoints: readonly number[], rng: Rng, power = 1): MonteCarloEstimate[] {
  const acc = new RunningMean();
  const out: MonteCarloEstimate[] = [];
  const sorted = [...checkpoints].sort((a, b) => a - b);
  for (const target of sorted) {
    while (acc.estimate().samples < target) acc.add(foldedRatio(rng, n, extreme, power));
    out.push(acc.estimate());
  }
  return out;
}

/**
 * Contributions E[T 1{t_k < T <= t_{k+1}}] of the bands between consecutive thresholds to the mean
 * of T = (<1, x0> / x_ext)^power, estimated from `samples` draws. A finite mean needs them to vanish
 * as t grows; for x_min and power 1 each decade contributes about c ln 10 instead.
 */
export function foldedRatioTailContributions(
  n: number, extreme: Extreme, samples: number, thresholds: readonly number[], rng: Rng, power = 1,
): number[] {
  const sums = new Float64Array(thresholds.length - 1);
  for (let s = 0; s < samples; s++) {
    const t = foldedRatio(rng, n, extreme, power);
    for (let k = 0; k + 1 < thresholds.length; k++) if (t > thresholds[k] && t <= thresholds[k + 1]) sums[k] += t;
  }
  return Array.from(sums, (v) => v / samples);
}

/**
 * c in P(<1, x0>/x_min > t) ~ c / t for x0 ~ |N(0, I_n)|: the minimum is small when one coordinate
 * is, which has density sqrt(2/pi) at 0, and the other n - 1 coordinates have mean sqrt(2/pi) each,
 * so c = n * sqrt(2/pi) * (n - 1) sqrt(2/pi) = 2 n (n - 1) / pi.
 */
export function foldedMinRatioTailConstant(n: number): number {
  return (2 * n * (n - 1)) / Math.PI;
}
