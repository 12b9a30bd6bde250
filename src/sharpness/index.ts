/**
 * Curvature of a training objective: sharpness (top Hessian eigenvalue) by
 * Lanczos on exact HVPs, Hutchinson trace estimates, and parameter norms.
 */
import type { Objective } from '../objective/index.js';
import { Rng } from '../util/random.js';
import { lanczos, type LanczosResult } from './lanczos.js';

export { lanczos, type LanczosOptions, type LanczosResult, type MatVec } from './lanczos.js';
export * from './norms.js';

/** The Hessian of `objective` at theta as a float64 operator. */
export function hessianOperator(objective: Objective, theta: Float32Array): (v: Float64Array) => Float64Array {
  return (v) => Float64Array.from(objective.hvp(theta, Float32Array.from(v)));
}

export interface SharpnessOptions {
  /** Top-k eigenvalues (default 1). */
  k?: number;
  /** Relative tolerance on the Ritz residual (default 1e-3, as used during training). */
  tol?: number;
  maxIter?: number;
  /** Previous top eigenvector: makes repeated estimates along a trajectory cheap. */
  warmStart?: ArrayLike<number>;
  seed?: number;
}

/** Sharpness S_L(theta) = largest algebraic eigenvalue of the training-loss Hessian. */
export function sharpness(objective: Objective, theta: Float32Array, opts: SharpnessOptions = {}): LanczosResult {
  return lanczos(hessianOperator(objective, theta), objective.numParams, {
    k: opts.k ?? 1,
    tol: opts.tol ?? 1e-3,
    maxIter: opts.maxIter ?? 100,
    init: opts.warmStart,
    seed: opts.seed,
  });
}

export interface TraceEstimate {
  trace: number;
  standardError: number;
  samples: number;
}

/** Hutchinson estimate of tr(H) with Rademacher probes (the trace measure of appendix H.9). */
export function hutchinsonTrace(objective: Objective, theta: Float32Array, samples: number, seed = 0): TraceEstimate {
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`hutchinsonTrace: need at least 2 samples, got ${samples}`);
  const rng = new Rng(seed);
  const z = new Float32Array(objective.numParams);
  const draws: number[] = [];
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < z.length; i++) z[i] = rng.uniform() < 0.5 ? -1 : 1;
    const hz = objective.hvp(theta, z);
    let q = 0;
    for (let i = 0; i < z.length; i++) q += z[i] * hz[i];
    draws.push(q);
  }
  const mean = draws.reduce((a, b) => a + b, 0) / samples;
  const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples - 1);
  return { trace: mean, standardError: Math.sqrt(variance / samples), samples };
}
