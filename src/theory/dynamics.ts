/**
 * Float64 gradient descent and gradient flow (RK4) on the diagonal network, returning iterates.
 * Divergence is an outcome, never an exception: edge-of-stability sweeps hit it routinely.
 */
import { gradient, hessianOperatorNorm, loss, type RegressionData } from './diagonalNet.js';
import type { Vector } from './linalg.js';

export type DescentOutcome = 'converged' | 'diverged' | 'maxSteps';

export interface Trajectory {
  readonly outcome: DescentOutcome;
  /** Number of updates performed. */
  readonly steps: number;
  readonly final: Vector;
  readonly finalLoss: number;
  /** Recorded iterates (every `recordEvery` steps, plus the last one), with their step index and loss. */
  readonly iterates: readonly Vector[];
  readonly recordedSteps: readonly number[];
  readonly losses: readonly number[];
}

export interface IterationOptions {
  readonly maxSteps: number;
  /**
   * Stop as converged once the training loss is below this value (the paper's "loss goal"). Like the
   * paper's protocol, this can stop on a transient passage close to M at a point that is not
   * stable for this eta: compare the final sharpness with 2/eta before reading it as a limit.
   */
  readonly lossGoal: number;
  readonly recordEvery?: number;
  /** An iterate with a non-finite entry or a norm above this counts as diverged. */
  readonly divergenceNorm?: number;
}

export interface GradientDescentOptions extends IterationOptions {
  readonly eta: number;
}

export interface GradientFlowOptions extends IterationOptions {
  /**
   * RK4 step h = min(stepFactor / ||Hessian||, maxStepSize), as in Cohen et al.'s gradient-flow runs;
   * the operator norm rather than the top eigenvalue, because near w = 0 the Hessian is negative definite.
   */
  readonly stepFactor?: number;
  readonly maxStepSize?: number;
}

function iterate(w0: ArrayLike<number>, data: RegressionData, options: IterationOptions, update: (w: Vector) => Vector): Trajectory {
  const recordEvery = options.recordEvery ?? 1;
  const divergenceNorm = options.divergenceNorm ?? 1e8;
  const iterates: Vector[] = [];
  const recordedSteps: number[] = [];
  const losses: number[] = [];
  let w: Vector = Float64Array.from(w0 as ArrayLike<number>);
  let currentLoss = loss(w, data);
  const record = (step: number): void => {
    iterates.push(Float64Array.from(w));
    recordedSteps.push(step);
    losses.push(currentLoss);
  };
  const finish = (outcome: DescentOutcome, steps: number): Trajectory => {
    if (recordedSteps[recordedSteps.length - 1] !== steps) record(steps);
    return { outcome, steps, final: w, finalLoss: currentLoss, iterates, recordedSteps, losses };
  };
  record(0);
  for (let step = 1; step <= options.maxSteps; step++) {
    w = update(w);
    currentLoss = loss(w, data);
    let sq = 0;
    for (let i = 0; i < w.length; i++) sq += w[i] * w[i];
    if (!Number.isFinite(sq) || !Number.isFinite(currentLoss) || Math.sqrt(sq) > divergenceNorm) return finish('diverged', step);
    if (step % recordEvery === 0) record(step);
    if (currentLoss < options.lossGoal) return finish('converged', step);
  }
  return finish('maxSteps', options.maxSteps);
}

/** Full-batch gradient descent w_{k+1} = w_k - eta grad L(w_k) (eq. (1)). */
export function gradientDescent(w0: ArrayLike<number>, data: RegressionData, options: GradientDescentOptions): Trajectory {
  return iterate(w0, data, options, (w) => {
    const g = gradient(w, data);
    return w.map((wi, i) => wi - options.eta * g[i]);
  });
}

/** Gradient flow w' = -grad L(w), integrated with classical RK4 and a sharpness-adapted step. */
export function gradientFlow(w0: ArrayLike<number>, data: RegressionData, options: GradientFlowOptions): Trajectory {
  const stepFactor = options.stepFactor ?? 0.5;
  const maxStepSize = options.maxStepSize ?? 1;
  const field = (w: Vector): Vector => gradient(w, data).map((g) => -g);
  const axpy = (w: Vector, h: number, k: Vector): Vector => w.map((wi, i) => wi + h * k[i]);
  return iterate(w0, data, options, (w) => {
    const h = Math.min(stepFactor / hessianOperatorNorm(w, data), maxStepSize);
    const k1 = field(w);
    const k2 = field(axpy(w, h / 2, k1));
    const k3 = field(axpy(w, h / 2, k2));
    const k4 = field(axpy(w, h, k3));
    return w.map((wi, i) => wi + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
  });
}
