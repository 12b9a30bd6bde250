/**
 * The Krylov basis of Lanczos: float64 vectors stored as the rows of one
 * contiguous matrix B, so that every vector operation of a Lanczos step is a
 * matrix-vector product with some consecutive rows of B (one row for <q, w>,
 * two for the three-term recurrence, all for Gram-Schmidt). These are memory
 * bound; OpenBLAS dgemv runs them several times faster than JS loops, which
 * remain the fallback when the native kernels are off.
 */
import { nativeGemv64 } from '../backend/blas.js';
import { norm2 } from '../util/linalg.js';

/** Blocks of this many entries stay in cache while the basis rows stream past (JS fallback). */
const BLOCK = 2048;

/**
 * Storage of the last released basis, reused by the next one: a fresh array of
 * tens of MB per sharpness estimate costs page faults and full garbage
 * collections. Only arrays up to SPARE_BYTES are kept.
 */
let spare: Float64Array | null = null;
const SPARE_BYTES = 128 * 2 ** 20;

export class KrylovBasis {
  private rows: Float64Array;
  private capacity: number;
  size = 0;

  constructor(
    readonly n: number,
    expected: number,
  ) {
    const reuse = spare !== null && spare.length >= Math.max(1, expected) * n;
    this.rows = reuse ? (spare as Float64Array) : new Float64Array(Math.max(1, expected) * n);
    if (reuse) spare = null;
    this.capacity = Math.floor(this.rows.length / n);
  }

  /** Hand the storage to the next basis; this one must not be used afterwards. */
  release(): void {
    if (this.rows.byteLength <= SPARE_BYTES && (spare === null || spare.length < this.rows.length)) spare = this.rows;
    this.rows = new Float64Array(0);
    this.capacity = 0;
    this.size = 0;
  }

  /** Append s * v (doubling the storage when full). */
  push(v: Float64Array, s: number): void {
    if (this.size === this.capacity) {
      this.capacity *= 2;
      const grown = new Float64Array(this.capacity * this.n);
      grown.set(this.rows.subarray(0, this.size * this.n));
      this.rows = grown;
    }
    const { rows, n } = this;
    const row = this.size * n;
    for (let i = 0; i < n; i++) rows[row + i] = s * v[i];
    this.size++;
  }

  /** Basis vector j (a view, valid until the next push). */
  vector(j: number): Float64Array {
    return this.rows.subarray(j * this.n, (j + 1) * this.n);
  }

  /** <b_j, w> for the basis vectors j = from, ..., size - 1. */
  dots(w: Float64Array, from = 0): Float64Array {
    const { rows, n } = this;
    const count = this.size - from;
    const c = new Float64Array(count);
    const gemv = nativeGemv64();
    if (gemv) {
      gemv(false, count, n, 1, this.vectorsFrom(from), w, 0, c);
      return c;
    }
    for (let s = 0; s < n; s += BLOCK) {
      const e = Math.min(n, s + BLOCK);
      for (let j = 0, row = from * n; j < count; j++, row += n) {
        let acc = 0;
        for (let i = s; i < e; i++) acc += rows[row + i] * w[i];
        c[j] += acc;
      }
    }
    return c;
  }

  /** y += sum_j c_j b_(from + j). */
  addCombination(y: Float64Array, c: ArrayLike<number>, from = 0): void {
    const { rows, n } = this;
    const count = c.length;
    const gemv = nativeGemv64();
    if (gemv) {
      gemv(true, count, n, 1, this.vectorsFrom(from), c instanceof Float64Array ? c : Float64Array.from(c), 1, y);
      return;
    }
    for (let s = 0; s < n; s += BLOCK) {
      const e = Math.min(n, s + BLOCK);
      for (let j = 0, row = from * n; j < count; j++, row += n) {
        const cj = c[j];
        for (let i = s; i < e; i++) y[i] += cj * rows[row + i];
      }
    }
  }

  private vectorsFrom(from: number): Float64Array {
    return from === 0 ? this.rows : this.rows.subarray(from * this.n);
  }
}

/** Euclidean norm of a long float64 vector (dgemv with one row when native). */
export function norm64(w: Float64Array): number {
  const gemv = nativeGemv64();
  if (gemv) {
    const out = new Float64Array(1);
    gemv(false, 1, w.length, 1, w, w, 0, out);
    return Math.sqrt(out[0]);
  }
  return norm2(w);
}
