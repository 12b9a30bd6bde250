/**
 * Curvature of a training objective: sharpness (top Hessian eigenvalue) by
 * Lanczos on exact HVPs, Hutchinson trace estimates, and parameter norms.
 */
import type { HessianOperator, Objective } from '../objective/index.js';
import { Rng } from '../util/random.js';
import { lanczos, type LanczosResult, type MatVec } from './lanczos.js';

export { lanczos, type LanczosOptions, type LanczosResult, type MatVec } from './lanczos.js';
export * from './norms.js';

/** A Hessian operator as the float64 matvec Lanczos works with. */
export function float64MatVec(H: HessianOperator): MatVec {
  return (v) => Float64Array.from(H.apply(Float32Array.from(v)));
}

/** Apply `fn` to the Hessian of `objective` at theta, then release it. */
function withHessian<T>(objective: Objective, theta: Float32Array, fn: (H: HessianOperator) => T): T {
  const H = objective.hessianAt(theta);
  try {
    return fn(H);
  } finally {
    H.dispose();
  }
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
  return withHessian(objective, theta, (H) =>
    lanczos(float64MatVec(H), objective.numParams, {
      k: opts.k ?? 1,
      tol: opts.tol ?? 1e-3,
      maxIter: opts.maxIter ?? 100,
      init: opts.warmStart,
      seed: opts.seed,
    }),
  );
}

export interface SpectrumEnds {
  /** Largest algebraic eigenvalue (the sharpness the training loop tracks). */
  largest: number;
  /** Smallest algebraic eigenvalue (negative at a saddle or with negative curvature). */
  smallest: number;
  /** max |lambda|: the paper's definition of sharpness. */
  maxAbs: number;
  hvps: number;
}

/**
 * Both ends of the Hessian spectrum: Lanczos on H for the largest eigenvalue and
 * on -H for the smallest, so max|lambda| is exact whichever end dominates.
 */
export function spectrumEnds(objective: Objective, theta: Float32Array, opts: { tol?: number; maxIter?: number; seed?: number } = {}): SpectrumEnds {
  return withHessian(objective, theta, (H) => {
    const matvec = float64MatVec(H);
    const settings = { k: 1, tol: opts.tol ?? 1e-3, maxIter: opts.maxIter ?? 100, seed: opts.seed };
    const top = lanczos(matvec, objective.numParams, settings);
    const bottom = lanczos((v) => matvec(v).map((x) => -x), objective.numParams, settings);
    const [largest, smallest] = [top.eigenvalues[0], -bottom.eigenvalues[0]];
    return { largest, smallest, maxAbs: Math.max(Math.abs(largest), Math.abs(smallest)), hvps: top.matvecs + bottom.matvecs };
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
  const draws = withHessian(objective, theta, (H) =>
    Array.from({ length: samples }, () => {
      for (let i = 0; i < z.length; i++) z[i] = rng.uniform() < 0.5 ? -1 : 1;
      const hz = H.apply(z);
      let q = 0;
      for (let i = 0; i < z.length; i++) q += z[i] * hz[i];
      return q;
    }),
  );
  const mean = draws.reduce((a, b) => a + b, 0) / samples;
  const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples - 1);
  return { trace: mean, standardError: Math.sqrt(variance / samples), samples };
}
