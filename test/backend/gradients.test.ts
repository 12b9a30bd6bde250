/**
 * Second-order autodiff, op by op. For each op F (R^n -> R^m) whose gradient
 * src/backend/gradients.ts re-registers or whose backward pass appears inside
 * the models' HVPs, the scalar f(x) = <c, F(x)> + 1/2 <b, F(x)>^2 has the float64 Hessian
 *   H = sum_j (c + s b)_j Hess F_j + (J^T b)(J^T b)^T,  s = <b, F(x)>,
 * which exercises both the op's second derivative and the differentiation of its
 * backward pass with respect to the incoming cotangent. The tfjs HVP
 * grad_x <grad f(x), v> must match H v on every backend.
 */
import assert from 'node:assert/strict';
import { describe, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, withScope, type BackendName } from '../../src/backend/index.js';
import { Rng } from '../../src/util/random.js';
import { assertRelClose, assertScalarClose, dot, matVec } from '../reference/numeric.js';

interface OpCase {
  name: string;
  /** Input point (float32 values). */
  x: Float64Array;
  /** F as a tfjs function of the flat input; its output is flattened row-major. */
  tfF: (x: tf.Tensor1D) => tf.Tensor;
  F: (x: Float64Array) => Float64Array;
  /** Jacobian, row-major m x n. */
  J: (x: Float64Array) => Float64Array;
  /** sum_j w_j Hess F_j, row-major n x n. */
  weightedHessian: (x: Float64Array, w: Float64Array) => Float64Array;
}

function float32Normal(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(scale * rng.normal()));
}

/** Elementwise op with first and second derivatives g1, g2. */
function elementwise(name: string, op: (x: tf.Tensor) => tf.Tensor, g: (x: number) => number, g1: (x: number) => number, g2: (x: number) => number, x: Float64Array): OpCase {
  const n = x.length;
  return {
    name,
    x,
    tfF: op,
    F: (x) => x.map(g),
    J: (x) => {
      const J = new Float64Array(n * n);
      x.forEach((xi, i) => (J[i * n + i] = g1(xi)));
      return J;
    },
    weightedHessian: (x, w) => {
      const H = new Float64Array(n * n);
      x.forEach((xi, i) => (H[i * n + i] = w[i] * g2(xi)));
      return H;
    },
  };
}

/**
 * F = L(x o x) for a linear op L that only moves entries (slice, pad, concat, reshape,
 * transpose): output j is input pi(j) squared, or 0 where pi(j) = -1 (padding).
 */
function indexMap(name: string, op: (x: tf.Tensor1D) => tf.Tensor, pi: number[], x: Float64Array): OpCase {
  const n = x.length;
  const m = pi.length;
  return {
    name,
    x,
    tfF: (x) => op(tf.mul(x, x) as tf.Tensor1D),
    F: (x) => Float64Array.from(pi, (i) => (i < 0 ? 0 : x[i] * x[i])),
    J: (x) => {
      const J = new Float64Array(m * n);
      pi.forEach((i, j) => {
        if (i >= 0) J[j * n + i] = 2 * x[i];
      });
      return J;
    },
    weightedHessian: (_x, w) => {
      const H = new Float64Array(n * n);
      pi.forEach((i, j) => {
        if (i >= 0) H[i * n + i] += 2 * w[j];
      });
      return H;
    },
  };
}

/** Row-wise op on x viewed as [rows, cols] with per-row value, Jacobian and weighted Hessian. */
function rowwise(
  name: string,
  op: (x: tf.Tensor2D) => tf.Tensor,
  rows: number,
  outPerRow: number,
  row: (x: Float64Array) => { F: Float64Array; J: Float64Array; WH: (w: Float64Array) => Float64Array },
  x: Float64Array,
): OpCase {
  const cols = x.length / rows;
  const n = x.length;
  const perRow = (x: Float64Array) => Array.from({ length: rows }, (_, r) => row(x.subarray(r * cols, (r + 1) * cols)));
  return {
    name,
    x,
    tfF: (x) => op(tf.reshape(x, [rows, cols]) as tf.Tensor2D),
    F: (x) => {
      const out = new Float64Array(rows * outPerRow);
      perRow(x).forEach((r, i) => out.set(r.F, i * outPerRow));
      return out;
    },
    J: (x) => {
      const J = new Float64Array(rows * outPerRow * n);
      perRow(x).forEach((r, i) => {
        for (let a = 0; a < outPerRow; a++) for (let b = 0; b < cols; b++) J[(i * outPerRow + a) * n + i * cols + b] = r.J[a * cols + b];
      });
      return J;
    },
    weightedHessian: (x, w) => {
      const H = new Float64Array(n * n);
      perRow(x).forEach((r, i) => {
        const h = r.WH(w.subarray(i * outPerRow, (i + 1) * outPerRow));
        for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) H[(i * cols + a) * n + i * cols + b] = h[a * cols + b];
      });
      return H;
    },
  };
}

function softmaxRow(x: Float64Array): Float64Array {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/**
 * matMul(A, B, transposeA, transposeB) on a batch of `batch` products (rank 3 when batch > 1);
 * x = [A, B] flattened, op(A) is m x k, op(B) is k x n. F is bilinear: Hess of sum w_ij F_ij
 * pairs op(A)_il with op(B)_lj with weight w_ij.
 */
function matMulCase(tA: boolean, tB: boolean, batch: number, m: number, k: number, n: number, rng: Rng): OpCase {
  const sizeA = m * k;
  const sizeB = k * n;
  const total = batch * (sizeA + sizeB);
  const aShape = tA ? [k, m] : [m, k];
  const bShape = tB ? [n, k] : [k, n];
  const idxA = (b: number, i: number, l: number) => b * sizeA + (tA ? l * m + i : i * k + l);
  const idxB = (b: number, l: number, j: number) => batch * sizeA + b * sizeB + (tB ? j * k + l : l * n + j);
  const out = (b: number, i: number, j: number) => (b * m + i) * n + j;
  const withBatch = (shape: number[]) => (batch > 1 ? [batch, ...shape] : shape);
  return {
    name: `matMul transposeA=${tA} transposeB=${tB}${batch > 1 ? ` batch=${batch}` : ''}`,
    x: float32Normal(rng, total),
    tfF: (x) => {
      const A = tf.reshape(tf.slice(x, 0, batch * sizeA), withBatch(aShape));
      const B = tf.reshape(tf.slice(x, batch * sizeA, batch * sizeB), withBatch(bShape));
      return tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D, tA, tB);
    },
    F: (x) => {
      const F = new Float64Array(batch * m * n);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let l = 0; l < k; l++) F[out(b, i, j)] += x[idxA(b, i, l)] * x[idxB(b, l, j)];
      return F;
    },
    J: (x) => {
      const J = new Float64Array(batch * m * n * total);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++)
            for (let l = 0; l < k; l++) {
              J[out(b, i, j) * total + idxA(b, i, l)] += x[idxB(b, l, j)];
              J[out(b, i, j) * total + idxB(b, l, j)] += x[idxA(b, i, l)];
            }
      return J;
    },
    weightedHessian: (_x, w) => {
      const H = new Float64Array(total * total);
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++)
            for (let l = 0; l < k; l++) {
              H[idxA(b, i, l) * total + idxB(b, l, j)] += w[out(b, i, j)];
              H[idxB(b, l, j) * total + idxA(b, i, l)] += w[out(b, i, j)];
            }
      return H;
    },
  };
}

function buildCases(): OpCase[] {
  const rng = new Rng(2024);
  const generic = (n: number) => float32Normal(rng, n);
  // Away from relu's kink and from ties, so the piecewise-linear ops are smooth at x.
  const awayFromZero = (n: number) => generic(n).map((v) => Math.fround(v + (v >= 0 ? 0.2 : -0.2)));
  const tanh = Math.tanh;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const cases: OpCase[] = [
    elementwise('tanh', tf.tanh, tanh, (v) => 1 - tanh(v) ** 2, (v) => -2 * tanh(v) * (1 - tanh(v) ** 2), generic(6)),
    elementwise('sigmoid', tf.sigmoid, sig, (v) => sig(v) * (1 - sig(v)), (v) => sig(v) * (1 - sig(v)) * (1 - 2 * sig(v)), generic(6)),
    elementwise('exp', tf.exp, Math.exp, Math.exp, Math.exp, generic(6)),
    elementwise('relu', tf.relu, (v) => Math.max(v, 0), (v) => (v > 0 ? 1 : 0), () => 0, awayFromZero(6)),
    rowwise(
      'softmax (last axis)',
      (x) => tf.softmax(x),
      2,
      4,
      (x) => {
        const p = softmaxRow(x);
        const c = x.length;
        const J = new Float64Array(c * c);
        for (let j = 0; j < c; j++) for (let l = 0; l < c; l++) J[j * c + l] = p[j] * ((j === l ? 1 : 0) - p[l]);
        return {
          F: p,
          J,
          WH: (w) => {
            const ubar = dot(w, p);
            const H = new Float64Array(c * c);
            for (let a = 0; a < c; a++)
              for (let b = 0; b < c; b++) H[a * c + b] = p[a] * ((a === b ? 1 : 0) - p[b]) * (w[a] - ubar) - p[a] * p[b] * (w[b] - ubar);
            return H;
          },
        };
      },
      generic(8),
    ),
    rowwise(
      'logSumExp (axis 1)',
      (x) => tf.logSumExp(x, 1),
      2,
      1,
      (x) => {
        const p = softmaxRow(x);
        const c = x.length;
        const m = Math.max(...x);
        return {
          F: Float64Array.of(m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0))),
          J: p,
          WH: (w) => {
            const H = new Float64Array(c * c);
            for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) H[a * c + b] = w[0] * ((a === b ? p[a] : 0) - p[a] * p[b]);
            return H;
          },
        };
      },
      generic(8),
    ),
    rowwise(
      'max reduce (axis 1)',
      (x) => tf.max(x, 1),
      2,
      1,
      (x) => {
        const at = x.indexOf(Math.max(...x));
        const J = new Float64Array(x.length);
        J[at] = 1;
        return { F: Float64Array.of(x[at]), J, WH: () => new Float64Array(x.length * x.length) };
      },
      generic(8),
    ),
  ];

  const pairs = awayFromZero(8);
  cases.push({
    name: 'maximum',
    x: pairs,
    tfF: (x) => tf.maximum(tf.slice(x, 0, 4), tf.slice(x, 4, 4)),
    F: (x) => Float64Array.from({ length: 4 }, (_, i) => Math.max(x[i], x[4 + i])),
    J: (x) => {
      const J = new Float64Array(4 * 8);
      for (let i = 0; i < 4; i++) J[i * 8 + (x[i] >= x[4 + i] ? i : 4 + i)] = 1;
      return J;
    },
    weightedHessian: () => new Float64Array(64),
  });

  for (const tA of [false, true]) for (const tB of [false, true]) cases.push(matMulCase(tA, tB, 1, 3, 4, 2, rng));
  cases.push(matMulCase(true, false, 2, 2, 3, 2, rng));

  // [3, 4] -> rows 1..2, columns 1..2.
  cases.push(indexMap('slice', (x) => tf.slice(tf.reshape(x, [3, 4]), [1, 1], [2, 2]), [5, 6, 9, 10], generic(12)));
  // [2, 3] padded by one row above and two columns on the right -> [3, 5].
  const padPi: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) padPi.push(r >= 1 && c < 3 ? (r - 1) * 3 + c : -1);
  cases.push(indexMap('pad', (x) => tf.pad(tf.reshape(x, [2, 3]), [[1, 0], [0, 2]]), padPi, generic(6)));
  // Two [2, 3] halves side by side -> [2, 6].
  const concatPi: number[] = [];
  for (let r = 0; r < 2; r++) for (let c = 0; c < 6; c++) concatPi.push(c < 3 ? r * 3 + c : 6 + r * 3 + c - 3);
  cases.push(
    indexMap('concat (axis 1)', (x) => tf.concat([tf.reshape(tf.slice(x, 0, 6), [2, 3]), tf.reshape(tf.slice(x, 6, 6), [2, 3])], 1), concatPi, generic(12)),
  );
  cases.push(indexMap('reshape', (x) => tf.reshape(x, [3, 2, 2]), Array.from({ length: 12 }, (_, i) => i), generic(12)));
  // [2, 3, 2] with perm [2, 0, 1]: out[a, b, c] = x[b, c, a].
  const transposePi: number[] = [];
  for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) transposePi.push(b * 6 + c * 2 + a);
  cases.push(indexMap('transpose', (x) => tf.transpose(tf.reshape(x, [2, 3, 2]), [2, 0, 1]), transposePi, generic(12)));
  return cases;
}

function reference(c: OpCase, cw: Float64Array, bw: Float64Array, v: Float64Array): { value: number; grad: Float64Array; hvp: Float64Array } {
  const F = c.F(c.x);
  const J = c.J(c.x);
  const n = c.x.length;
  const m = F.length;
  const s = dot(bw, F);
  const w = cw.map((ci, j) => ci + s * bw[j]);
  const jt = (u: Float64Array) => Float64Array.from({ length: n }, (_, i) => {
    let acc = 0;
    for (let j = 0; j < m; j++) acc += J[j * n + i] * u[j];
    return acc;
  });
  const jtb = jt(bw);
  const H = c.weightedHessian(c.x, w);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j] += jtb[i] * jtb[j];
  return { value: dot(cw, F) + 0.5 * s * s, grad: jt(w), hvp: matVec(H, v) };
}

function viaTf(c: OpCase, cw: Float64Array, bw: Float64Array, v: Float64Array): { value: number; grad: Float32Array; hvp: Float32Array } {
  return withScope(() => {
    const ct = tf.tensor1d(Float32Array.from(cw));
    const bt = tf.tensor1d(Float32Array.from(bw));
    const f = (x: tf.Tensor): tf.Scalar => {
      const F = tf.reshape(c.tfF(x as tf.Tensor1D), [-1]);
      return tf.add(tf.sum(tf.mul(ct, F)), tf.mul(0.5, tf.square(tf.sum(tf.mul(bt, F))))) as tf.Scalar;
    };
    const x = tf.tensor1d(Float32Array.from(c.x));
    const vt = tf.tensor1d(Float32Array.from(v));
    const g = tf.grad(f);
    const hvp = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(g(s), vt)))(x);
    return { value: f(x).dataSync()[0], grad: g(x).dataSync() as Float32Array, hvp: hvp.dataSync() as Float32Array };
  });
}

const BACKENDS_UNDER_TEST: BackendName[] = ['wasm', 'webgpu', 'cpu'];

for (const backend of BACKENDS_UNDER_TEST) {
  describe(`second-order gradients on ${backend}`, () => {
    before(async () => {
      await initBackend(backend);
    });

    test('d2/dx2 tanh(x)^2 at x = 0.3', () => {
      const second = withScope(() => {
        const f = (x: tf.Tensor) => tf.square(tf.tanh(x));
        return tf.grad(tf.grad(f))(tf.scalar(0.3)).dataSync()[0];
      });
      assertScalarClose(second, 1.3643061061011235, 2e-6, 'tanh^2 second derivative');
    });

    for (const c of buildCases()) {
      test(`HVP through ${c.name}`, () => {
        const rng = new Rng(7);
        const m = c.F(c.x).length;
        const cw = float32Normal(rng, m);
        const bw = float32Normal(rng, m);
        const v = float32Normal(rng, c.x.length);
        const want = reference(c, cw, bw, v);
        const got = viaTf(c, cw, bw, v);
        assertScalarClose(got.value, want.value, 1e-5, `${c.name} value`);
        assertRelClose(got.grad, want.grad, 1e-5, `${c.name} gradient`);
        assert.ok(want.hvp.some((h) => h !== 0), 'reference HVP should be nonzero');
        assertRelClose(got.hvp, want.hvp, 1e-5, `${c.name} HVP`);
      });
    }
  });
}
