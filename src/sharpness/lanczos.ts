/**
 * Lanczos for the top-k largest ALGEBRAIC eigenvalues of a symmetric operator
 * (the Hessian through exact HVPs). Bookkeeping is float64 with full
 * reorthogonalisation; a warm start from the previous top eigenvector lets the
 * training loop refresh the sharpness with a handful of HVPs.
 */
import { norm2, symmetricEigen, type SymmetricEigen } from '../util/linalg.js';
import { Rng } from '../util/random.js';
import { KrylovBasis, norm64 } from './basis.js';

export type MatVec = (v: Float64Array) => Float64Array;

/** Reorthogonalise again when a Gram-Schmidt pass leaves less than this fraction of the norm. */
const DGKS = Math.SQRT1_2;

export interface LanczosOptions {
  /** Number of top eigenpairs wanted. */
  k?: number;
  /** Maximum number of operator applications. */
  maxIter?: number;
  /** Stop when every wanted Ritz residual is below tol * |Ritz value|. */
  tol?: number;
  /** Or below this absolute floor: an eigenvalue near zero is then known to absTol, not to a fraction of itself. */
  absTol?: number;
  /** Starting vector (e.g. the previous top eigenvector). */
  init?: ArrayLike<number>;
  seed?: number;
}

export interface LanczosResult {
  eigenvalues: number[];
  eigenvectors: Float64Array[];
  /** Ritz residual bounds ||A y - theta y|| of the returned pairs. */
  residuals: number[];
  iterations: number;
  /** Operator applications used (= HVPs). */
  matvecs: number;
  converged: boolean;
}

export function lanczos(matvec: MatVec, n: number, opts: LanczosOptions = {}): LanczosResult {
  const k = opts.k ?? 1;
  const maxIter = Math.min(opts.maxIter ?? 100, n);
  const tol = opts.tol ?? 1e-6;
  if (k < 1 || k > maxIter) throw new Error(`lanczos: need 1 <= k <= maxIter, got k=${k}, maxIter=${maxIter}`);

  const start = new Float64Array(n);
  if (opts.init && norm2(opts.init) > 0) {
    if (opts.init.length !== n) throw new Error(`lanczos: init has ${opts.init.length} entries, expected ${n}`);
    start.set(opts.init);
  } else {
    new Rng(opts.seed ?? 0).fillNormal(start);
  }

  const basis = new KrylovBasis(n, Math.min(maxIter, 16));
  basis.push(start, 1 / norm2(start));
  const alpha: number[] = [];
  const beta: number[] = [];
  let ritz: SymmetricEigen = { values: new Float64Array(0), vectors: new Float64Array(0) };
  let residuals: number[] = [];
  let converged = false;

  for (let j = 0; j < maxIter; j++) {
    const w = matvec(basis.vector(j));
    const a = basis.dots(w, j)[0];
    alpha.push(a);
    // Three-term recurrence, then one pass of classical Gram-Schmidt against the whole
    // basis, repeated only when it removed a large part of w (the DGKS criterion):
    // orthogonal to machine precision at a fraction of the cost of always two passes.
    if (j > 0) basis.addCombination(w, [-beta[j - 1], -a], j - 1);
    else basis.addCombination(w, [-a], 0);
    let b = norm64(w);
    for (let pass = 0; pass < 2; pass++) {
      const before = b;
      basis.addCombination(w, basis.dots(w).map((c) => -c));
      b = norm64(w);
      if (b > DGKS * before) break;
    }
    beta.push(b);

    const m = j + 1;
    ritz = symmetricEigen(tridiagonal(alpha, beta, m), m);
    const wanted = Math.min(k, m);
    residuals = Array.from({ length: wanted }, (_, i) => Math.abs(b * ritz.vectors[(m - 1) * m + i]));
    const scaleT = Math.max(...Array.from(ritz.values, Math.abs), Number.MIN_VALUE);
    const invariant = b <= 1e-12 * scaleT;
    converged = m >= k && residuals.every((r, i) => r <= Math.max(tol * Math.max(Math.abs(ritz.values[i]), 1e-12 * scaleT), opts.absTol ?? 0));
    if (converged || invariant) {
      converged = converged || m >= k;
      break;
    }
    basis.push(w, 1 / b);
  }

  const m = alpha.length;
  const wanted = Math.min(k, m);
  const eigenvectors = Array.from({ length: wanted }, (_, i) => {
    const y = new Float64Array(n);
    basis.addCombination(y, Float64Array.from({ length: m }, (_, j) => ritz.vectors[j * m + i]));
    return y;
  });
  basis.release();
  return {
    eigenvalues: Array.from(ritz.values.subarray(0, wanted)),
    eigenvectors,
    residuals,
    iterations: m,
    matvecs: m,
    converged,
  };
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
