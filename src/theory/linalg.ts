/**
 * Small dense linear algebra in float64: vectors as Float64Array, square matrices row-major.
 * Sized for the theory module (dimensions up to a few dozen), where exactness matters more than speed.
 */
import { symmetricEigen as jacobiEigen } from '../util/linalg.js';

export type Vector = Float64Array;

/** A square matrix stored row-major: entry (i, j) is data[i * size + j]. */
export interface SquareMatrix {
  readonly size: number;
  readonly data: Float64Array;
}

export { dot } from '../util/linalg.js';

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function zeroMatrix(size: number): SquareMatrix {
  return { size, data: new Float64Array(size * size) };
}

export function identityMatrix(size: number): SquareMatrix {
  const m = zeroMatrix(size);
  for (let i = 0; i < size; i++) m.data[i * size + i] = 1;
  return m;
}

export function matrixFromRows(rows: ArrayLike<number>[]): SquareMatrix {
  const size = rows.length;
  const m = zeroMatrix(size);
  rows.forEach((row, i) => {
    if (row.length !== size) throw new Error(`row ${i} has length ${row.length}, expected ${size}`);
    for (let j = 0; j < size; j++) m.data[i * size + j] = row[j];
  });
  return m;
}

export function entry(m: SquareMatrix, i: number, j: number): number {
  return m.data[i * m.size + j];
}

export function matVec(m: SquareMatrix, v: ArrayLike<number>): Vector {
  const out = new Float64Array(m.size);
  for (let i = 0; i < m.size; i++) {
    let s = 0;
    for (let j = 0; j < m.size; j++) s += m.data[i * m.size + j] * v[j];
    out[i] = s;
  }
  return out;
}

export interface SymmetricEigenDecomposition {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** Eigenvectors as columns, in the order of `values`. */
  readonly vectors: SquareMatrix;
}

/**
 * Eigen-decomposition of a symmetric matrix, ascending: the project's one Jacobi solver
 * (src/util/linalg.ts), after checking symmetry so a wrong closed form cannot pass silently.
 */
export function symmetricEigen(m: SquareMatrix): SymmetricEigenDecomposition {
  const n = m.size;
  const a = m.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const scale = Math.max(1, Math.abs(a[i * n + j]));
      if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-10 * scale) throw new Error('symmetricEigen: matrix is not symmetric');
    }
  }
  const descending = jacobiEigen(a, n);
  const values = descending.values.slice().reverse();
  const vectors = zeroMatrix(n);
  for (let k = 0; k < n; k++) for (let r = 0; r < n; r++) vectors.data[r * n + k] = descending.vectors[r * n + (n - 1 - k)];
  return { values, vectors };
}

/** Largest (algebraic) eigenvalue of a symmetric matrix. */
export function largestEigenvalue(m: SquareMatrix): number {
  const { values } = symmetricEigen(m);
  return values[values.length - 1];
}

/** Operator 2-norm of a symmetric matrix: the largest eigenvalue in absolute value. */
export function spectralNorm(m: SquareMatrix): number {
  const { values } = symmetricEigen(m);
  return Math.max(Math.abs(values[0]), Math.abs(values[values.length - 1]));
}

/** f(M) = V diag(f(lambda)) V^T for symmetric M, e.g. M^{-1/2} with f = t => t ** -0.5. */
export function symmetricMatrixFunction(m: SquareMatrix, f: (eigenvalue: number) => number): SquareMatrix {
  const { values, vectors } = symmetricEigen(m);
  const n = m.size;
  const out = zeroMatrix(n);
  const fv = values.map(f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors.data[i * n + k] * fv[k] * vectors.data[j * n + k];
      out.data[i * n + j] = s;
    }
  }
  return out;
}

/**
 * Solve A x = b by Gaussian elimination with partial pivoting. Returns null only for an exactly
 * singular elimination: badly scaled but regular systems (tiny data entries) are legitimate here,
 * and callers validate what comes out (signs, feasibility).
 */
export function solveLinearSystem(m: SquareMatrix, b: ArrayLike<number>): Vector | null {
  const n = m.size;
  const a = Float64Array.from(m.data);
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (a[pivot * n + col] === 0) return null;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / a[col * n + col];
      if (factor === 0) continue;
      for (let k = col; k < n; k++) a[r * n + k] -= factor * a[col * n + k];
      x[r] -= factor * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= a[r * n + k] * x[k];
    x[r] = s / a[r * n + r];
  }
  return x.every(Number.isFinite) ? x : null;
}
