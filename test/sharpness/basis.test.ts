import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { initBackend } from '../../src/backend/index.js';
import { ADDON_PATH, disableNativeKernels, enableNativeKernels, nativeGemv64 } from '../../src/backend/blas.js';
import { KrylovBasis, norm64 } from '../../src/sharpness/basis.js';
import { Rng } from '../../src/util/random.js';

const native = existsSync(ADDON_PATH);

before(async () => {
  await initBackend('wasm');
});

function randomVector(n: number, rng: Rng): Float64Array {
  const v = new Float64Array(n);
  rng.fillNormal(v);
  return v;
}

/** Every operation of the basis against plain float64 loops, with growth past the first capacity and row offsets. */
function checkBasis(label: string): void {
  const n = 5000 + 17;
  const rng = new Rng(3);
  const vectors = Array.from({ length: 11 }, () => randomVector(n, rng));
  const scales = vectors.map((_, j) => 0.5 + j);
  // Two rounds: the second basis takes over the storage the first released.
  for (let round = 0; round < 2; round++) {
    const basis = new KrylovBasis(n, 4);
    vectors.forEach((v, j) => basis.push(v, scales[j]));
    assert.equal(basis.size, vectors.length);
    const w = randomVector(n, rng);
    for (const from of [0, 3, 9]) {
      const c = basis.dots(w, from);
      assert.equal(c.length, vectors.length - from);
      c.forEach((cj, i) => {
        let ref = 0;
        for (let t = 0; t < n; t++) ref += scales[from + i] * vectors[from + i][t] * w[t];
        assert.ok(Math.abs(cj - ref) <= 1e-12 * Math.max(1, Math.abs(ref)) * Math.sqrt(n), `${label} round ${round}: dots from ${from}, row ${from + i}: ${cj} vs ${ref}`);
      });
      const coef = Array.from({ length: vectors.length - from }, (_, i) => Math.sin(i + from));
      const y = w.slice();
      basis.addCombination(y, coef, from);
      for (let t = 0; t < n; t += 97) {
        let ref = w[t];
        coef.forEach((cj, i) => (ref += cj * scales[from + i] * vectors[from + i][t]));
        assert.ok(Math.abs(y[t] - ref) <= 1e-12 * Math.max(1, Math.abs(ref)) * vectors.length, `${label} round ${round}: addCombination from ${from}, entry ${t}`);
      }
    }
    vectors.forEach((v, j) => {
      const row = basis.vector(j);
      for (let t = 0; t < n; t += 131) assert.equal(row[t], scales[j] * v[t], `${label}: stored row ${j}`);
    });
    let sq = 0;
    for (let t = 0; t < n; t++) sq += w[t] * w[t];
    assert.ok(Math.abs(norm64(w) - Math.sqrt(sq)) <= 1e-13 * Math.sqrt(sq), `${label}: norm64`);
    basis.release();
  }
}

test('Krylov basis with OpenBLAS dgemv agrees with float64 loops', { skip: native ? false : `native addon not built (${ADDON_PATH})` }, () => {
  enableNativeKernels();
  assert.ok(nativeGemv64(), 'dgemv in use while the native kernels are on');
  checkBasis('native');
});

test('Krylov basis JS fallback agrees with float64 loops', () => {
  disableNativeKernels();
  try {
    assert.equal(nativeGemv64(), null);
    checkBasis('JS');
  } finally {
    if (native) enableNativeKernels();
  }
});

test('dgemv rejects arrays shorter than the dimensions', { skip: native ? false : `native addon not built (${ADDON_PATH})` }, () => {
  enableNativeKernels();
  const gemv = nativeGemv64();
  assert.ok(gemv);
  assert.throws(() => gemv(false, 3, 4, 1, new Float64Array(11), new Float64Array(4), 0, new Float64Array(3)), /dimensions exceed the arrays/);
  assert.throws(() => gemv(true, 3, 4, 1, new Float64Array(12), new Float64Array(3), 0, new Float64Array(3)), /dimensions exceed the arrays/);
  assert.throws(() => gemv(false, 3, 4, 1, new Float32Array(12) as unknown as Float64Array, new Float64Array(4), 0, new Float64Array(3)), /expected/);
});
