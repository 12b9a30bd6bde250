/**
 * Curvature of a training objective: sharpness (top Hessian eigenvalue) by
 * Lanczos on exact HVPs, Hutchinson trace estimates, the top eigenvalue and
 * trace of the Gauss-Newton (Fisher) matrix, adaptive sharpness and parameter norms.
 */
import type { HessianOperator, Objective } from '../objective/index.js';
import { RunningMean } from '../theory/numerics.js';
import { Rng } from '../util/random.js';
import { lanczos, type LanczosResult, type MatVec } from './lanczos.js';

export { lanczos, type LanczosOptions, type LanczosResult, type MatVec } from './lanczos.js';
export * from './norms.js';
export * from './adaptive.js';

/** A Hessian operator as the float64 matvec Lanczos works with. */
export function float64MatVec(H: HessianOperator): MatVec {
  return (v) => Float64Array.from(H.apply(Float32Array.from(v)));
}

/** Apply `fn` to an operator at theta (the Hessian, or the Gauss-Newton matrix), then release it. */
function withOperator<T>(op: HessianOperator, fn: (H: HessianOperator) => T): T {
  try {
    return fn(op);
  } finally {
    op.dispose();
  }
}

/** Apply `fn` to the Hessian of `objective` at theta, then release it. */
function withHessian<T>(objective: Objective, theta: Float32Array, fn: (H: HessianOperator) => T): T {
  return withOperator(objective.hessianAt(theta), fn);
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

export interface TraceEstimate {
  trace: number;
  standardError: number;
  samples: number;
}

/** Hutchinson estimate of tr(A) = E[z^T A z] over Rademacher probes z, with the standard error of the mean over `samples` probes. */
export function hutchinson(A: HessianOperator, n: number, samples: number, seed = 0): TraceEstimate {
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`hutchinson: need at least 2 samples, got ${samples}`);
  const rng = new Rng(seed);
  const z = new Float32Array(n);
  const draws = new RunningMean();
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < z.length; i++) z[i] = rng.uniform() < 0.5 ? -1 : 1;
    const az = A.apply(z);
    let q = 0;
    for (let i = 0; i < z.length; i++) q += z[i] * az[i];
    draws.add(q);
  }
  const { mean, standardError } = draws.estimate();
  return { trace: mean, standardError, samples };
}

/** Hutchinson estimate of tr(H) with Rademacher probes (the trace measure of appendix H.9). */
export function hutchinsonTrace(objective: Objective, theta: Float32Array, samples: number, seed = 0): TraceEstimate {
  return withHessian(objective, theta, (H) => hutchinson(H, objective.numParams, samples, seed));
}

/** Hutchinson estimate of the trace of the Gauss-Newton matrix (= the Fisher information for MSE and CE; Objective.gaussNewtonAt). */
export function fisherTrace(objective: Objective, theta: Float32Array, samples: number, seed = 0): TraceEstimate {
  return withOperator(objective.gaussNewtonAt(theta), (G) => hutchinson(G, objective.numParams, samples, seed));
}

/** Top eigenvalue of the Gauss-Newton (Fisher) matrix by Lanczos on exact Gauss-Newton-vector products. */
export function fisherTop(objective: Objective, theta: Float32Array, opts: { tol?: number; maxIter?: number; seed?: number } = {}): LanczosResult {
  return withOperator(objective.gaussNewtonAt(theta), (G) => lanczos(float64MatVec(G), objective.numParams, { k: 1, tol: opts.tol ?? 1e-3, maxIter: opts.maxIter ?? 100, seed: opts.seed }));
}

export interface Spectrum {
  /** The k largest eigenvalues, largest first. */
  largest: number[];
  /** The k smallest eigenvalues, smallest first. */
  smallest: number[];
  /** Whether Lanczos met the tolerance at each end. */
  converged: { largest: boolean; smallest: boolean };
  hvps: number;
}

/**
 * Both ends of the Hessian spectrum at theta: the top-k by Lanczos on H to tol relative to
 * each value, the bottom-k by Lanczos on -H (its largest algebraic eigenvalues are H's
 * smallest) to tol relative to |lambda_max|.
 */
export function spectrumEnds(objective: Objective, theta: Float32Array, opts: { k: number; tol?: number; maxIter?: number; seed?: number }): Spectrum {
  return withHessian(objective, theta, (H) => {
    const n = objective.numParams;
    const run = (sign: 1 | -1, absTol?: number) => {
      const apply = float64MatVec(H);
      const matvec: MatVec = sign === 1 ? apply : (v) => apply(v).map((x) => -x);
      return lanczos(matvec, n, { k: opts.k, tol: opts.tol ?? 1e-6, absTol, maxIter: opts.maxIter ?? 300, seed: opts.seed });
    };
    const top = run(1);
    // The bottom end to tol relative to the spectral scale |lambda_max|: a smallest eigenvalue near zero relative to
    // itself would take every allowed iteration, for digits that max|lambda| and the figures never show.
    const bottom = run(-1, (opts.tol ?? 1e-6) * Math.abs(top.eigenvalues[0]));
    return {
      largest: top.eigenvalues,
      smallest: bottom.eigenvalues.map((x) => -x),
      converged: { largest: top.converged, smallest: bottom.converged },
      hvps: top.matvecs + bottom.matvecs,
    };
  });
}
