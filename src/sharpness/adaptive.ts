/**
 * Adaptive sharpness (Kwon et al. 2021, in the form of Andriushchenko et al. 2023):
 * perturbations delta = |w| ⊙ u measured in the scaled coordinates u, so that
 * rescaling a weight rescales its allowed perturbation (invariant under the
 * layer-wise rescalings of ReLU networks that change the Hessian's eigenvalues).
 *
 *   worst case:   S_max(w) = max_{||u||_2 <= rho} L(w + |w| ⊙ u) - L(w)
 *   average case: S_avg(w) = E_{u ~ N(0, rho^2 I)} L(w + |w| ⊙ u) - L(w)
 *
 * Both work on any loss given as loss / loss-and-gradient of flat parameters.
 */
import type { Objective } from '../objective/index.js';
import { RunningMean } from '../theory/numerics.js';
import { norm2 } from '../util/linalg.js';
import { Rng } from '../util/random.js';

/** What adaptive sharpness needs of an objective. */
export type LossFunction = Pick<Objective, 'loss' | 'lossAndGrad'>;

export interface AverageSharpness {
  /** Monte-Carlo estimate of S_avg. */
  value: number;
  standardError: number;
  /** Antithetic pairs drawn (2 loss evaluations each). */
  samples: number;
  rho: number;
}

export interface WorstSharpness {
  /** Largest L(w + delta) - L(w) found: a lower bound on S_max. */
  value: number;
  /** Projected gradient-ascent steps taken (one gradient each). */
  steps: number;
  rho: number;
  /**
   * rho ||(|w| ⊙ grad L(w))||: the first-order part of S_max (its value for a linear loss). Away
   * from a stationary point, e.g. at an iterate oscillating at the edge of stability, it can
   * dominate S_max.
   */
  firstOrder: number;
}

function checkRho(rho: number, what: string): void {
  if (!(rho > 0) || !Number.isFinite(rho)) throw new Error(`${what}: rho must be a positive number, got ${rho}`);
}

/** w + |w| ⊙ u, in float32 as the objective takes it. */
function perturbed(theta: Float32Array, u: ArrayLike<number>, sign = 1): Float32Array {
  return Float32Array.from(theta, (w, i) => w + sign * Math.abs(w) * u[i]);
}

/**
 * Average-case adaptive sharpness by Monte Carlo over `samples` antithetic pairs: each draw
 * u ~ N(0, rho^2 I) contributes (L(w + d) + L(w - d)) / 2 - L(w), d = |w| ⊙ u. The pair has the
 * same mean as a single draw (u and -u are equally likely) and cancels the first-order term,
 * so near a minimum the variance is that of the curvature term alone. For a quadratic loss the
 * estimate's mean is exactly (rho^2 / 2) tr(diag|w| A diag|w|).
 */
export function averageAdaptiveSharpness(objective: LossFunction, theta: Float32Array, opts: { rho: number; samples: number; seed?: number }): AverageSharpness {
  checkRho(opts.rho, 'averageAdaptiveSharpness');
  if (!Number.isInteger(opts.samples) || opts.samples < 2) throw new Error(`averageAdaptiveSharpness: need at least 2 samples, got ${opts.samples}`);
  const rng = new Rng(opts.seed ?? 0);
  const base = objective.loss(theta);
  const u = new Float64Array(theta.length);
  const draws = new RunningMean();
  for (let s = 0; s < opts.samples; s++) {
    rng.fillNormal(u, opts.rho);
    draws.add((objective.loss(perturbed(theta, u)) + objective.loss(perturbed(theta, u, -1))) / 2 - base);
  }
  const { mean, standardError } = draws.estimate();
  return { value: mean, standardError, samples: opts.samples, rho: opts.rho };
}

/**
 * Worst-case adaptive sharpness by projected gradient ascent in u on the ball ||u|| <= rho:
 * u <- P(u + stepSize * rho * g / ||g||) with g = |w| ⊙ grad L(w + |w| ⊙ u), from u = 0 (the
 * first step is the adaptive SAM perturbation). Returns the best value over the iterates, a
 * lower bound on the maximum (Andriushchenko et al. use Auto-PGD; this is its plain form).
 * For a quadratic the iteration converges to the trust-region solution (tested).
 */
export function worstAdaptiveSharpness(objective: LossFunction, theta: Float32Array, opts: { rho: number; steps: number; stepSize?: number; seed?: number }): WorstSharpness {
  checkRho(opts.rho, 'worstAdaptiveSharpness');
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`worstAdaptiveSharpness: need at least 1 step, got ${opts.steps}`);
  const step = (opts.stepSize ?? 2) * opts.rho;
  const scale = Float64Array.from(theta, Math.abs);
  const u = new Float64Array(theta.length);
  const base = objective.loss(theta);
  let best = 0;
  let firstOrder = 0;
  for (let t = 0; t < opts.steps; t++) {
    const { loss, grad } = objective.lossAndGrad(perturbed(theta, u));
    if (t > 0) best = Math.max(best, loss - base);
    const g = Float64Array.from(grad, (x, i) => x * scale[i]);
    let gn = norm2(g);
    if (t === 0) firstOrder = opts.rho * gn;
    // At an exact stationary point every direction is first-order flat: start along a random one.
    if (gn === 0) {
      new Rng(opts.seed ?? 0).fillNormal(g);
      gn = norm2(g);
    }
    for (let i = 0; i < u.length; i++) u[i] += (step / gn) * g[i];
    const un = norm2(u);
    if (un > opts.rho) for (let i = 0; i < u.length; i++) u[i] *= opts.rho / un;
  }
  best = Math.max(best, objective.loss(perturbed(theta, u)) - base);
  return { value: best, steps: opts.steps, rho: opts.rho, firstOrder };
}
