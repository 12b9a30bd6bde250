import { Rng } from '../../src/util/random.js';

/** Q diag(lambda) Q^T with a random orthogonal Q (Gram-Schmidt of Gaussian columns). */
export function matrixWithSpectrum(lambda: number[], seed: number): Float64Array {
  const n = lambda.length;
  const rng = new Rng(seed);
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(n);
    rng.fillNormal(v);
    for (const u of q) {
      let d = 0;
      for (let i = 0; i < n; i++) d += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * u[i];
    }
    const nv = Math.hypot(...v);
    q.push(v.map((x) => x / nv));
  }
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) for (let j = 0; j < n; j++) a[r * n + c] += q[j][r] * lambda[j] * q[j][c];
  return a;
}
