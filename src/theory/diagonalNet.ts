/**
 * The shallow diagonal linear network with shared weights of Section 3:
 * phi_w(z) = w^T D_w z = <w∘w, z>, trained by the square loss
 * L(w) = 1/2 (<x, w∘w> - y)^2 on one point (eq. (4)) or its mean over n points.
 *
 * Norm vocabulary (the paper's, eq. (10)): the "l1 norm" of a solution is ||w∘w||_1 of the
 * end-to-end predictor w∘w, which equals the squared l2 norm ||w||_2^2 of the parameters.
 * `endToEndL1Norm` returns exactly that quantity.
 */
import { bisectRoot } from './numerics.js';
import { type SquareMatrix, type Vector, dot, largestEigenvalue, solveLinearSystem, spectralNorm, matrixFromRows, zeroMatrix } from './linalg.js';

/** Regression data (x_i, y_i); the training loss is the mean of the per-point losses. */
export interface RegressionData {
  readonly inputs: readonly Vector[];
  readonly targets: readonly number[];
}

export function singlePoint(x: ArrayLike<number>, y: number): RegressionData {
  return { inputs: [Float64Array.from(x as ArrayLike<number>)], targets: [y] };
}

/** r = <x, w∘w> - y, the signed interpolation error of one point. */
export function residual(w: ArrayLike<number>, x: ArrayLike<number>, y: number): number {
  let s = -y;
  for (let i = 0; i < w.length; i++) s += x[i] * w[i] * w[i];
  return s;
}

/** Training loss (1/n) sum_i 1/2 (<x_i, w∘w> - y_i)^2. */
export function loss(w: ArrayLike<number>, data: RegressionData): number {
  let s = 0;
  data.inputs.forEach((x, i) => {
    const r = residual(w, x, data.targets[i]);
    s += 0.5 * r * r;
  });
  return s / data.inputs.length;
}

/** Gradient (2/n) sum_i r_i x_i∘w. */
export function gradient(w: ArrayLike<number>, data: RegressionData): Vector {
  const g = new Float64Array(w.length);
  const n = data.inputs.length;
  data.inputs.forEach((x, k) => {
    const r = residual(w, x, data.targets[k]);
    for (let i = 0; i < w.length; i++) g[i] += (2 * r * x[i] * w[i]) / n;
  });
  return g;
}

/** Hessian (1/n) sum_i [2 r_i diag(x_i) + 4 (x_i∘w)(x_i∘w)^T] (Appendix D, before eq. (11)). */
export function hessian(w: ArrayLike<number>, data: RegressionData): SquareMatrix {
  const d = w.length;
  const n = data.inputs.length;
  const h = zeroMatrix(d);
  data.inputs.forEach((x, k) => {
    const r = residual(w, x, data.targets[k]);
    for (let i = 0; i < d; i++) {
      h.data[i * d + i] += (2 * r * x[i]) / n;
      for (let j = 0; j < d; j++) h.data[i * d + j] += (4 * x[i] * w[i] * x[j] * w[j]) / n;
    }
  });
  return h;
}

/**
 * Sharpness as the largest eigenvalue of the Hessian (the quantity GD's 2/eta stability bound
 * constrains). For one point the Hessian is diagonal plus rank one, D + 4 u u^T, so its top
 * eigenvalue is the root of the secular equation 1 = 4 sum_i u_i^2 / (lambda - D_ii) above max D_ii
 * (or a D_ii whose u_i vanishes); with several points the dense Jacobi solver is used.
 */
export function sharpness(w: ArrayLike<number>, data: RegressionData): number {
  if (data.inputs.length > 1) return largestEigenvalue(hessian(w, data));
  const x = data.inputs[0];
  const r = residual(w, x, data.targets[0]);
  let decoupledMax = -Infinity;
  let coupledMax = -Infinity;
  let uu = 0;
  for (let i = 0; i < w.length; i++) {
    const diag = 2 * r * x[i];
    const u = x[i] * w[i];
    if (u === 0) decoupledMax = Math.max(decoupledMax, diag);
    else {
      coupledMax = Math.max(coupledMax, diag);
      uu += u * u;
    }
  }
  if (uu === 0) return decoupledMax;
  const secular = (lambda: number): number => {
    let s = 1;
    for (let i = 0; i < w.length; i++) {
      const u = x[i] * w[i];
      if (u !== 0) s -= (4 * u * u) / (lambda - 2 * r * x[i]);
    }
    return s;
  };
  return Math.max(decoupledMax, bisectRoot(secular, coupledMax, coupledMax + 4 * uu));
}

/**
 * The paper's literal sharpness definition S_f = ||Hessian|| = max |eigenvalue| (Section 1.2).
 * It equals `sharpness` wherever the Hessian is positive semi-definite, in particular on M.
 */
export function hessianOperatorNorm(w: ArrayLike<number>, data: RegressionData): number {
  return spectralNorm(hessian(w, data));
}

/** S_L(w) = 4 ||x∘w||_2^2, the sharpness at a point of the solution manifold M (eq. (11)). */
export function manifoldSharpness(w: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += x[i] * x[i] * w[i] * w[i];
  return 4 * s;
}

/** ||w∘w||_1 = ||w||_2^2 (eq. (10)): what the paper calls the l1 norm of the end-to-end model. */
export function endToEndL1Norm(w: ArrayLike<number>): number {
  return dot(w, w);
}

function requirePositiveData(x: ArrayLike<number>, y: number): void {
  for (let i = 0; i < x.length; i++) if (!(x[i] > 0)) throw new Error(`x must be entrywise positive, got x[${i}] = ${x[i]}`);
  if (!(y > 0)) throw new Error(`y must be positive for M to be non-empty when x > 0, got ${y}`);
}

function argExtreme(x: ArrayLike<number>, better: (a: number, b: number) => boolean): number {
  let k = 0;
  for (let i = 1; i < x.length; i++) if (better(x[i], x[k])) k = i;
  return k;
}

/** A_l1(x, y) = sqrt(y / x_max) e_{k_max}: a point of M_l1 (eq. (6)), for x > 0 and y > 0. */
export function minimalL1Solution(x: ArrayLike<number>, y: number): Vector {
  requirePositiveData(x, y);
  const k = argExtreme(x, (a, b) => a > b);
  const w = new Float64Array(x.length);
  w[k] = Math.sqrt(y / x[k]);
  return w;
}

/** A_S(x, y) = sqrt(y / x_min) e_{k_min}: a point of M_S (eq. (7)), for x > 0 and y > 0. */
export function minimalSharpnessSolution(x: ArrayLike<number>, y: number): Vector {
  requirePositiveData(x, y);
  const k = argExtreme(x, (a, b) => a < b);
  const w = new Float64Array(x.length);
  w[k] = Math.sqrt(y / x[k]);
  return w;
}

export interface MinimizingSet {
  /** The minimal value over M: ||w∘w||_1 for M_l1, S_L for M_S. */
  readonly value: number;
  /** ||w||_2^2 shared by every point of the set. */
  readonly normSquared: number;
  /** Indices allowed in supp(w): argmax_i x_i for M_l1, argmin_i x_i for M_S. */
  readonly support: readonly number[];
}

/**
 * Proposition 3.2 for x > 0, y > 0: M_l1 = {||w||^2 = y/x_max, supp(w) ⊂ argmax x} (eq. (6)) with
 * min_M ||w∘w||_1 = y/x_max, and M_S = {||w||^2 = y/x_min, supp(w) ⊂ argmin x} (eq. (7)) with
 * min_M S_L = 4 x_min y (Lemma D.2's proof writes y x_min, dropping the 4 of eq. (11)).
 */
export function minimizingSets(x: ArrayLike<number>, y: number): { readonly l1: MinimizingSet; readonly sharpness: MinimizingSet } {
  requirePositiveData(x, y);
  const xs = Array.from(x);
  const xMax = Math.max(...xs);
  const xMin = Math.min(...xs);
  const indices = (target: number) => xs.flatMap((xi, i) => (xi === target ? [i] : []));
  return {
    l1: { value: y / xMax, normSquared: y / xMax, support: indices(xMax) },
    sharpness: { value: 4 * xMin * y, normSquared: y / xMin, support: indices(xMin) },
  };
}

export type PredictionRegime = 'flowAligned' | 'edgeOfStability' | 'infeasible';

export interface PredictedL1Norm {
  /** ||w∘w||_1 = ||w||_2^2 of the predicted GD limit; NaN when no point of M satisfies S_L <= 2/eta. */
  readonly l1Norm: number;
  /** The predicted limit (non-negative representative), or null when infeasible. */
  readonly point: Vector | null;
  readonly regime: PredictionRegime;
  /** eta_c = 2 / S_L(A_l1) = 1 / (2 x_max y): below it the l1-minimal solution is stable. */
  readonly etaCritical: number;
  /** eta_max = 2 / min_M S_L = 1 / (2 x_min y): above it every point of M has S_L > 2/eta. */
  readonly etaMax: number;
}

/**
 * The "predicted line" of Figure 15b for d = 2 and x > 0: the first point of M, walking from the
 * l1-minimal solution A_l1 towards A_S, whose sharpness satisfies S_L <= 2/eta (Fig. 16 caption).
 * On M ∩ R^2_{>=0} the sharpness S_L = 4 <x∘x, w∘w> is monotone along the arc, so for
 * eta_c < eta <= eta_max that point is the unique solution of <x, v> = y, 4 <x∘x, v> = 2/eta
 * with v = w∘w, and its l1 norm is v_1 + v_2.
 */
export function predictedL1Norm(x: ArrayLike<number>, y: number, eta: number): PredictedL1Norm {
  if (x.length !== 2) throw new Error(`predictedL1Norm is defined for d = 2, got d = ${x.length}`);
  const l1Point = minimalL1Solution(x, y);
  const etaCritical = 2 / manifoldSharpness(l1Point, x);
  const etaMax = 2 / minimizingSets(x, y).sharpness.value;
  if (eta <= etaCritical) return { l1Norm: endToEndL1Norm(l1Point), point: l1Point, regime: 'flowAligned', etaCritical, etaMax };
  if (eta > etaMax) return { l1Norm: NaN, point: null, regime: 'infeasible', etaCritical, etaMax };
  const v = solveLinearSystem(matrixFromRows([[x[0], x[1]], [x[0] * x[0], x[1] * x[1]]]), [y, 1 / (2 * eta)]);
  if (v === null) throw new Error('predictedL1Norm: x_1 = x_2 leaves no edge-of-stability regime');
  const point = v.map((vi) => Math.sqrt(Math.max(vi, 0)));
  return { l1Norm: v[0] + v[1], point, regime: 'edgeOfStability', etaCritical, etaMax };
}

/**
 * Exact limit of gradient flow from w0 = alpha 1 on one point: w_i' = -2 r x_i w_i integrates to
 * w_i(t) = alpha exp(s(t) x_i / 2) with a common scalar s(t), so the limit on M is
 * w_i = alpha exp(s x_i / 2) with s the root of sum_i x_i alpha^2 exp(s x_i) = y.
 * As alpha -> 0 this tends to A_l1 (Theorem B.1), at a rate set by x_min / x_max.
 */
export function gradientFlowLimit(x: ArrayLike<number>, y: number, alpha: number): Vector {
  const constraint = (s: number): number => {
    let total = -y;
    for (let i = 0; i < x.length; i++) total += x[i] * alpha * alpha * Math.exp(s * x[i]);
    return total;
  };
  let lo = -1;
  let hi = 1;
  while (constraint(lo) > 0) lo *= 2;
  while (constraint(hi) < 0) hi *= 2;
  const s = bisectRoot(constraint, lo, hi);
  return Float64Array.from(x as ArrayLike<number>, (xi) => alpha * Math.exp((s * xi) / 2));
}
