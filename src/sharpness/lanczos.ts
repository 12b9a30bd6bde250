/**
 * Lanczos for the top-k largest ALGEBRAIC eigenvalues of a symmetric operator
 * (the Hessian through exact HVPs). Bookkeeping is float64 with full
 * reorthogonalisation; a warm start from the previous top eigenvector lets the
 * training loop refresh the sharpness with a handful of HVPs.
 */
import { norm2, symmetricEigen, type SymmetricEigen } from '../util/linalg.js';
import { Rng } from '../util/random.js';

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
  let converged = false;

  for (let j = 0; j < maxIter; j++) {
    basis.push(q);
    const w = matvec(q);
    const a = dot64(q, w);
    alpha.push(a);
    // Three-term recurrence, then one pass of classical Gram-Schmidt against the whole
    // basis, repeated only when it removed a large part of w (the DGKS criterion):
    // orthogonal to machine precision at a fraction of the cost of always two passes.
    axpy(w, -a, q);
    if (j > 0) axpy(w, -beta[j - 1], basis[j - 1]);
    let b = norm64(w);
    for (let pass = 0; pass < 2; pass++) {
      const before = b;
      addCombination(w, basis, basisDots(basis, w).map((c) => -c));
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
    converged = m >= k && residuals.every((r, i) => r <= tol * Math.max(Math.abs(ritz.values[i]), 1e-12 * scaleT));
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
    addCombination(y, basis, Float64Array.from({ length: m }, (_, j) => ritz.vectors[j * m + i]));
    return y;
  });
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

// Monomorphic Float64Array loops: the basis vectors are long (one entry per parameter).
// The two basis sweeps go block by block, so each block of w stays in cache while
// every basis vector streams past it once (the loops are memory bound).
const BLOCK = 2048;

/** <b_j, w> for every basis vector b_j. */
function basisDots(basis: Float64Array[], w: Float64Array): Float64Array {
  const c = new Float64Array(basis.length);
  for (let s = 0; s < w.length; s += BLOCK) {
    const e = Math.min(w.length, s + BLOCK);
    for (let j = 0; j < basis.length; j++) {
      const b = basis[j];
      let acc = 0;
      for (let i = s; i < e; i++) acc += b[i] * w[i];
      c[j] += acc;
    }
  }
  return c;
}

/** y += sum_j c_j b_j. */
function addCombination(y: Float64Array, basis: Float64Array[], c: Float64Array): void {
  for (let s = 0; s < y.length; s += BLOCK) {
    const e = Math.min(y.length, s + BLOCK);
    for (let j = 0; j < basis.length; j++) {
      const b = basis[j];
      const cj = c[j];
      for (let i = s; i < e; i++) y[i] += cj * b[i];
    }
  }
}

function dot64(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < n) s0 += a[i] * b[i];
  return s0 + s1;
}

function norm64(a: Float64Array): number {
  return Math.sqrt(dot64(a, a));
}

function axpy(y: Float64Array, a: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}
