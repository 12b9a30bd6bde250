/**
 * Lanczos for the top-k largest ALGEBRAIC eigenvalues of a symmetric operator
 * (the Hessian through exact HVPs). Bookkeeping is float64 with full
 * reorthogonalisation; a warm start from the previous top eigenvector lets the
 * training loop refresh the sharpness with a handful of HVPs.
 */
import { dot, norm2, symmetricEigen, type SymmetricEigen } from '../util/linalg.js';
import { Rng } from '../util/random.js';

export type MatVec = (v: Float64Array) => Float64Array;

export interface LanczosOptions {
  /** Number of top eigenpairs wanted. */
  k?: number;
  /** Maximum number of operator applications. */
  maxIter?: number;
  /** Stop when the error bound of every wanted Ritz value is below tol * |Ritz value|. */
  tol?: number;
  /**
   * What the tolerance bounds: `residual` the Ritz residual ||A y - theta y||
   * (eigenvectors accurate too); `eigenvalue` the eigenvalue error
   * min(r, r^2 / gap) (Kato-Temple, gap to the neighbouring Ritz values), which
   * reaches a given accuracy of the value with far fewer matvecs.
   */
  accuracy?: 'residual' | 'eigenvalue';
  /** Starting vector (e.g. the previous top eigenvector). */
  init?: ArrayLike<number>;
  seed?: number;
}

export interface LanczosResult {
  eigenvalues: number[];
  eigenvectors: Float64Array[];
  /** Ritz residual bounds ||A y - theta y|| of the returned pairs. */
  residuals: number[];
  /**
   * Estimates of |lambda - theta| that the stop used: the residuals (a bound),
   * or min(r, r^2 / gap) for `accuracy: 'eigenvalue'`, which is a bound only
   * when the Ritz gap has converged (a near-degenerate pair can exceed it).
   */
  errorEstimates: number[];
  iterations: number;
  /** Operator applications used (= HVPs). */
  matvecs: number;
  converged: boolean;
}

export function lanczos(matvec: MatVec, n: number, opts: LanczosOptions = {}): LanczosResult {
  const k = opts.k ?? 1;
  const maxIter = Math.min(opts.maxIter ?? 100, n);
  const tol = opts.tol ?? 1e-6;
  const accuracy = opts.accuracy ?? 'residual';
  if (k < 1 || k > maxIter) throw new Error(`lanczos: need 1 <= k <= maxIter, got k=${k}, maxIter=${maxIter}`);

  let q: Float64Array = new Float64Array(n);
  if (opts.init && norm2(opts.init) > 0) {
    if (opts.init.length !== n) throw new Error(`lanczos: init has ${opts.init.length} entries, expected ${n}`);
    q.set(opts.init);
  } else {
    new Rng(opts.seed ?? 0).fillNormal(q);
  }
  scale(q, 1 / norm2(q));

  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let ritz: SymmetricEigen = { values: new Float64Array(0), vectors: new Float64Array(0) };
  let residuals: number[] = [];
  let errorEstimates: number[] = [];
  let converged = false;

  for (let j = 0; j < maxIter; j++) {
    basis.push(q);
    const w = matvec(q);
    alpha.push(dot(q, w));
    // Two passes of classical Gram-Schmidt against the whole basis keep it orthogonal to machine precision.
    for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(w, -dot(b, w), b);
    const b = norm2(w);
    beta.push(b);

    const m = j + 1;
    ritz = symmetricEigen(tridiagonal(alpha, beta, m), m);
    const wanted = Math.min(k, m);
    residuals = Array.from({ length: wanted }, (_, i) => Math.abs(b * ritz.vectors[(m - 1) * m + i]));
    errorEstimates = accuracy === 'residual' ? residuals : residuals.map((r, i) => eigenvalueError(r, ritzGap(ritz, b, m, i)));
    const scaleT = Math.max(...Array.from(ritz.values, Math.abs), Number.MIN_VALUE);
    const invariant = b <= 1e-12 * scaleT;
    converged = m >= k && errorEstimates.every((e, i) => e <= tol * Math.max(Math.abs(ritz.values[i]), 1e-12 * scaleT));
    if (converged || invariant) {
      converged = converged || m >= k;
      break;
    }
    q = w;
    scale(q, 1 / b);
  }

  const m = alpha.length;
  const wanted = Math.min(k, m);
  const eigenvectors = Array.from({ length: wanted }, (_, i) => {
    const y = new Float64Array(n);
    for (let j = 0; j < m; j++) axpy(y, ritz.vectors[j * m + i], basis[j]);
    return y;
  });
  return {
    eigenvalues: Array.from(ritz.values.subarray(0, wanted)),
    eigenvectors,
    residuals,
    errorEstimates,
    iterations: m,
    matvecs: m,
    converged,
  };
}

/** Kato-Temple: |lambda - theta| <= r^2 / gap; never more than r (Bauer-Fike). Without a neighbour the gap is unknown. */
function eigenvalueError(residual: number, gap: number): number {
  return Number.isFinite(gap) && gap > 0 ? Math.min(residual, (residual * residual) / gap) : residual;
}

/**
 * Distance from the i-th Ritz value (descending) to the Ritz intervals
 * theta_j +- r_j of its neighbours, so that an unconverged neighbour does not
 * pass for a wide gap; Infinity when it has no neighbour yet.
 */
function ritzGap(ritz: SymmetricEigen, beta: number, m: number, i: number): number {
  const interval = (j: number) => Math.abs(ritz.values[i] - ritz.values[j]) - Math.abs(beta * ritz.vectors[(m - 1) * m + j]);
  return Math.min(i > 0 ? interval(i - 1) : Infinity, i + 1 < m ? interval(i + 1) : Infinity);
}

function tridiagonal(alpha: number[], beta: number[], m: number): Float64Array {
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = alpha[i];
    if (i + 1 < m) {
      t[i * m + i + 1] = beta[i];
      t[(i + 1) * m + i] = beta[i];
    }
  }
  return t;
}

function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}
