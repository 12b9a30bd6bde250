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
 * Kept when w^2 > 0 on S and S_L <= 2/eta, the second family only for lambda > 0 (at lambda = 0 it is
 * the first family's point). When x0 is constant on the support's non-zero entries
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
    const a1 = support.reduce((acc, i) => acc + x0[i], 0);
    const a2 = support.reduce((acc, i) => acc + x0[i] * x0[i], 0);
    if (a2 === 0) continue;
    const keep = (wSquared: Float64Array, lambda: number, nu: number, constraintActive: boolean): void => {
      if (support.some((i) => !(wSquared[i] > 0))) return;
      const w = wSquared.map(Math.sqrt);
      const sharpness = manifoldSharpness(w, x0);
      if (eta > 0 && eta * sharpness > 2 * (1 + FEASIBILITY_TOLERANCE)) return;
      points.push({ support, w, wSquared, lambda, nu, constraintActive, risk: gaussianModelRisk(w), sharpness });
    };
    const nu = (a1 - y0) / a2;
    const inactive = new Float64Array(d);
    for (const i of support) inactive[i] = 1 - nu * x0[i];
    keep(inactive, 0, nu, false);
    if (eta === 0) continue;
    const active = activeConstraintPoint(x0, y0, eta, support);
    if (active !== null && active.lambda > 0) keep(active.wSquared, active.lambda, active.nu, true);
  }
  return points.sort((p, q) => p.risk - q.risk);
}

/**
 * The lambda > 0 family: (lambda, nu) with h(w) = 0 and S_L(w) = 2/eta for
 * w^2|_S = p(x0|_S), p(t) = 1 - nu t - 2 eta lambda t^2 (the 2x2 system of the proof, closed form (13)).
 * Solved for the values of p at the smallest and largest x0 on S (Lagrange form through (0, 1))
 * instead of for (lambda, nu) directly: when x0|_S is nearly constant or has a tiny entry the
 * multipliers are huge and w^2 = 1 - ... would lose every digit to cancellation, while the
 * interpolated values stay accurate. Returns null when x0 is constant on S (the case of (14)).
 */
function activeConstraintPoint(
  x0: ArrayLike<number>, y0: number, eta: number, support: readonly number[],
): { lambda: number; nu: number; wSquared: Float64Array } | null {
  const nonzero = support.filter((i) => x0[i] !== 0).map((i) => x0[i]);
  const xj = Math.min(...nonzero);
  const xk = Math.max(...nonzero);
  if (xk - xj <= 1e-12 * xk) return null;
  const basis = (t: number): [number, number, number] => [
    ((t - xj) * (t - xk)) / (xj * xk),
    (t * (t - xk)) / (xj * (xj - xk)),
    (t * (t - xj)) / (xk * (xk - xj)),
  ];
  const rows = [
    [0, 0],
    [0, 0],
  ];
  const rhs = [y0, 1 / (2 * eta)];
  for (const i of support) {
    const [l0, lj, lk] = basis(x0[i]);
    [x0[i], x0[i] * x0[i]].forEach((weight, r) => {
      rows[r][0] += weight * lj;
      rows[r][1] += weight * lk;
      rhs[r] -= weight * l0;
    });
  }
  const values = solveLinearSystem(matrixFromRows(rows), rhs);
  if (values === null) return null;
  const [vj, vk] = values;
  const wSquared = new Float64Array(x0.length);
  for (const i of support) {
    const [l0, lj, lk] = basis(x0[i]);
    wSquared[i] = l0 + lj * vj + lk * vk;
  }
  const leading = 1 / (xj * xk) + vj / (xj * (xj - xk)) + vk / (xk * (xk - xj));
  const slopeAtZero = -(xj + xk) / (xj * xk) - (xk * vj) / (xj * (xj - xk)) - (xj * vk) / (xk * (xk - xj));
  return { lambda: -leading / (2 * eta), nu: -slopeAtZero, wSquared };
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
