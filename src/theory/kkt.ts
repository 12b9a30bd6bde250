/**
 * Lemma E.1: risk of the diagonal network under the Gaussian model x ~ N(0, I), y = <1, x> + eps,
 * and all KKT points of the sharpness-constrained risk minimisation on the solution manifold
 *
 *   min_w R(w)  s.t.  h(w) = <x0, w∘w> - y0 = 0,  g(w) = 2 eta ||x0∘w||^2 - 1 <= 0,     (12)
 *
 * where g <= 0 is S_L(w) <= 2/eta written with eq. (11).
 */
import { type Vector, matrixFromRows, solveLinearSystem } from './linalg.js';
import { manifoldSharpness } from './diagonalNet.js';

/** R(w) = 1/2 ||w||_4^4 - ||w||_2^2 + (d + 1)/2 (Lemma E.1). */
export function gaussianModelRisk(w: ArrayLike<number>): number {
  let q4 = 0;
  let q2 = 0;
  for (let i = 0; i < w.length; i++) {
    const s = w[i] * w[i];
    q2 += s;
    q4 += s * s;
  }
  return 0.5 * q4 - q2 + 0.5 * (w.length + 1);
}

export interface KktPoint {
  /** supp(w), the index set S_w of Lemma E.1. */
  readonly support: readonly number[];
  /** Non-negative representative; flipping the sign of any entry gives another KKT point with the same risk. */
  readonly w: Vector;
  readonly wSquared: Vector;
  /** Multiplier of the sharpness constraint g <= 0. */
  readonly lambda: number;
  /** Multiplier of the interpolation constraint h = 0. */
  readonly nu: number;
  /** True for the second family of Lemma E.1 (lambda > 0 from (13), S_L = 2/eta). */
  readonly constraintActive: boolean;
  readonly risk: number;
  /** S_L(w) = 4 ||x0∘w||^2 (eq. (11)); w is on M, where this is the Hessian's top eigenvalue. */
  readonly sharpness: number;
}

/** Relative feasibility slack for S_L <= 2/eta, so points built to sit exactly on the bound are kept. */
const FEASIBILITY_TOLERANCE = 1e-10;

/**
 * All KKT points of (12) with non-negative entries, by enumerating supports S_w (non-empty, meeting
 * supp(x0)) and both multiplier cases of Lemma E.1:
 *  - lambda = 0: w^2|_S = 1 - nu x0|_S with nu = (||x0|_S||_1 - y0) / ||x0|_S||_2^2;
 *  - lambda > 0: (lambda, nu) from the 2x2 system of the proof (h = 0 and S_L = 2/eta), i.e. (13).
 * Kept when w^2 > 0 on S, S_L <= 2/eta and lambda >= 0. When x0 is constant on the support
 * (always so for |S_w| = 1) the 2x2 system is singular: it then has solutions only if
 * 4 x0_i y0 = 2/eta exactly, and those give the same w as the lambda = 0 case (eq. (14)), so
 * nothing is lost by skipping it. eta = 0 means no sharpness constraint (A_opt of Section 3).
 * Assumes x0 >= 0 as in the lemma. Returned sorted by risk.
 */
export function kktPoints(x0: ArrayLike<number>, y0: number, eta: number): KktPoint[] {
  const d = x0.length;
  if (d > 20) throw new Error(`kktPoints enumerates 2^d supports; d = ${d} is too large`);
  if (eta < 0) throw new Error(`eta must be non-negative, got ${eta}`);
  const points: KktPoint[] = [];
  for (let mask = 1; mask < 1 << d; mask++) {
    const support = Array.from({ length: d }, (_, i) => i).filter((i) => (mask >> i) & 1);
    const powerSum = (k: number): number => support.reduce((s, i) => s + x0[i] ** k, 0);
    const [a1, a2, a3, a4] = [powerSum(1), powerSum(2), powerSum(3), powerSum(4)];
    if (a2 === 0) continue;
    const candidate = (lambda: number, nu: number, constraintActive: boolean): void => {
      const wSquared = new Float64Array(d);
      for (const i of support) wSquared[i] = 1 - 2 * lambda * eta * x0[i] * x0[i] - nu * x0[i];
      if (support.some((i) => !(wSquared[i] > 0))) return;
      const w = wSquared.map(Math.sqrt);
      const sharpness = manifoldSharpness(w, x0);
      if (eta > 0 && eta * sharpness > 2 * (1 + FEASIBILITY_TOLERANCE)) return;
      points.push({ support, w, wSquared, lambda, nu, constraintActive, risk: gaussianModelRisk(w), sharpness });
    };
    candidate(0, (a1 - y0) / a2, false);
    if (eta === 0 || Math.abs(a3 * a3 - a2 * a4) <= 1e-12 * a2 * a4) continue;
    const multipliers = solveLinearSystem(matrixFromRows([[2 * eta * a3, a2], [2 * eta * a4, a3]]), [a1 - y0, a2 - 1 / (2 * eta)]);
    if (multipliers !== null && multipliers[0] > 0) candidate(multipliers[0], multipliers[1], true);
  }
  return points.sort((p, q) => p.risk - q.risk);
}

/** The solution of (12): the KKT point of lowest risk, or null when no point of M has S_L <= 2/eta. */
export function bestKktPoint(x0: ArrayLike<number>, y0: number, eta: number): KktPoint | null {
  return kktPoints(x0, y0, eta)[0] ?? null;
}

export interface KktResidual {
  /** max_i |2 w_i^3 - 2 w_i + 2 nu x0_i w_i + 4 lambda eta x0_i^2 w_i| (eq. (15)). */
  readonly stationarity: number;
  /** |<x0, w∘w> - y0| (eq. (16)). */
  readonly interpolation: number;
  /** max(0, 2 eta ||x0∘w||^2 - 1) (eq. (17)). */
  readonly sharpnessViolation: number;
  /** |lambda (2 eta ||x0∘w||^2 - 1)| (eq. (18)). */
  readonly complementarySlackness: number;
  /** max(0, -lambda) (eq. (19)). */
  readonly dualInfeasibility: number;
  readonly max: number;
}

/** Residuals of the KKT system (15)-(19) of problem (12) at (w, lambda, nu). */
export function kktResidual(w: ArrayLike<number>, lambda: number, nu: number, x0: ArrayLike<number>, y0: number, eta: number): KktResidual {
  let stationarity = 0;
  let h = -y0;
  let xw = 0;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i];
    const xi = x0[i];
    stationarity = Math.max(stationarity, Math.abs(2 * wi ** 3 - 2 * wi + 2 * nu * xi * wi + 4 * lambda * eta * xi * xi * wi));
    h += xi * wi * wi;
    xw += xi * xi * wi * wi;
  }
  const g = 2 * eta * xw - 1;
  const parts = {
    stationarity,
    interpolation: Math.abs(h),
    sharpnessViolation: Math.max(0, g),
    complementarySlackness: Math.abs(lambda * g),
    dualInfeasibility: Math.max(0, -lambda),
  };
  return { ...parts, max: Math.max(...Object.values(parts)) };
}
