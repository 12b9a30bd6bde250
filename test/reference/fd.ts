/**
 * Hessian references by central finite differences of an ANALYTIC float64
 * gradient: the step is relStep * ||theta||, so truncation (~step^2) and
 * rounding (~1e-16 / step) errors both stay near 1e-10 relative. For ReLU nets
 * a step that crosses a kink would corrupt the difference, so callers compare
 * two step sizes (see fdHvpChecked).
 */
import { norm2, relErr } from './numeric.js';

export type GradFn = (theta: Float64Array) => Float64Array;

export function fdHvp(grad: GradFn, theta: Float64Array, v: ArrayLike<number>, relStep = 1e-6): Float64Array {
  const eps = (relStep * Math.max(norm2(theta), 1)) / norm2(v);
  const plus = Float64Array.from(theta, (t, i) => t + eps * v[i]);
  const minus = Float64Array.from(theta, (t, i) => t - eps * v[i]);
  const gp = grad(plus);
  const gm = grad(minus);
  return gp.map((g, i) => (g - gm[i]) / (2 * eps));
}

/** fdHvp at two step sizes; throws if they disagree (a kink was crossed or the function is not smooth enough). */
export function fdHvpChecked(grad: GradFn, theta: Float64Array, v: ArrayLike<number>, tol = 1e-7): Float64Array {
  const a = fdHvp(grad, theta, v, 1e-6);
  const b = fdHvp(grad, theta, v, 1e-5);
  const err = relErr(b, a);
  if (!(err <= tol)) throw new Error(`finite-difference HVP is step-size dependent (relative change ${err.toExponential(2)}): pick a more generic point`);
  return a;
}

/** Dense symmetric Hessian (row-major p x p) from finite-difference columns. */
export function fdHessian(grad: GradFn, theta: Float64Array): Float64Array {
  const p = theta.length;
  const H = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    const col = fdHvpChecked(grad, theta, e);
    for (let i = 0; i < p; i++) H[i * p + j] = col[i];
  }
  return symmetrize(H, p);
}

/** Dense Hessian from an HVP operator (e.g. the tfjs objective), one column per basis vector, symmetrised. */
export function hessianFromHvp(hvp: (v: Float32Array) => Float32Array, p: number): Float64Array {
  const H = new Float64Array(p * p);
  const e = new Float32Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    const col = hvp(e);
    for (let i = 0; i < p; i++) H[i * p + j] = col[i];
  }
  return symmetrize(H, p);
}

function symmetrize(H: Float64Array, p: number): Float64Array {
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) {
      const m = 0.5 * (H[i * p + j] + H[j * p + i]);
      H[i * p + j] = m;
      H[j * p + i] = m;
    }
  return H;
}
