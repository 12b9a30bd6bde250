/** Float64 vector helpers and tolerance assertions shared by the reference-based tests. */
import assert from 'node:assert/strict';
import { dot, norm2 } from '../../src/util/linalg.js';

export { dot, norm2 };

/** ||a - b|| / ||b|| (b is the reference). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'vector lengths differ');
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  const scale = norm2(b);
  return scale === 0 ? Math.sqrt(d) : Math.sqrt(d) / scale;
}

export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const err = relErr(actual, expected);
  assert.ok(err <= tol, `${what}: relative error ${err.toExponential(3)} exceeds ${tol}`);
}

export function assertScalarClose(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(err <= tol, `${what}: ${actual} vs ${expected} (relative error ${err.toExponential(3)} exceeds ${tol})`);
}

/** Row-major n x n matrix times vector. */
export function matVec(A: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
    out[i] = s;
  }
  return out;
}
