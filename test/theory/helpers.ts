/** Shared numerics for the theory tests: finite differences and random draws. */
import { Rng } from '../../src/util/random.js';

/** Central finite-difference gradient of f at w. */
export function finiteDifferenceGradient(f: (w: Float64Array) => number, w: ArrayLike<number>, h = 1e-6): Float64Array {
  const base = Float64Array.from(w as ArrayLike<number>);
  return base.map((wi, i) => {
    const plus = Float64Array.from(base);
    const minus = Float64Array.from(base);
    plus[i] = wi + h;
    minus[i] = wi - h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

export function uniformVector(rng: Rng, d: number, lo: number, hi: number): Float64Array {
  const v = new Float64Array(d);
  rng.fillUniform(v, lo, hi);
  return v;
}

export function normalVector(rng: Rng, d: number): Float64Array {
  const v = new Float64Array(d);
  rng.fillNormal(v);
  return v;
}

/** max_i |a_i - b_i| / max(1, max_i |b_i|). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
