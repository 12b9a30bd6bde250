/** Metrics recorded along GD and GF trajectories (shared so both record the same things). */
import type { ParamBlock } from '../models/types.js';
import type { Objective } from '../objective/index.js';
import { averageAdaptiveSharpness, fisherTop, fisherTrace, hutchinsonTrace, sharpness, spectrumEnds, worstAdaptiveSharpness, type Spectrum } from '../sharpness/index.js';
import { distance, parameterNorms } from '../sharpness/norms.js';
import type { FinalMeasures, Metrics, MeasuresSpec } from './schema.js';
import { norm2 } from '../util/linalg.js';

export interface MeasureContext {
  train: Objective;
  test: Objective | null;
  layout: readonly ParamBlock[];
  theta0: Float32Array;
  sharpnessTol: number;
}

/** Warm-started sharpness tracker: each estimate starts from the previous top eigenvector. */
export class SharpnessTracker {
  private eigenvector: Float64Array | undefined;
  constructor(
    private readonly objective: Objective,
    private readonly tol: number,
    init?: Float64Array,
  ) {
    this.eigenvector = init;
  }

  estimate(theta: Float32Array): number {
    const r = sharpness(this.objective, theta, { tol: this.tol, warmStart: this.eigenvector, seed: 0 });
    this.eigenvector = r.eigenvectors[0];
    return r.eigenvalues[0];
  }

  get state(): Float64Array | undefined {
    return this.eigenvector;
  }
}

export function measure(
  ctx: MeasureContext,
  theta: Float32Array,
  at: { step: number; time: number; trainLoss: number },
  opts: { sharpness: number | null; nuclear: boolean },
): Metrics {
  const train = ctx.train.evaluate(theta);
  const test = ctx.test ? ctx.test.evaluate(theta) : null;
  const norms = parameterNorms(ctx.layout, theta, { nuclear: opts.nuclear });
  return {
    step: at.step,
    time: at.time,
    trainLoss: at.trainLoss,
    trainAccuracy: train.accuracy,
    testLoss: test ? test.loss : null,
    testAccuracy: test ? test.accuracy : null,
    sharpness: opts.sharpness,
    l1: norms.l1,
    l2: norms.l2,
    nuclear: opts.nuclear ? norms.nuclear : null,
    distanceFromInit: distance(theta, ctx.theta0),
  };
}

/** Loss thresholds 10^-j crossed when the loss goes from `previous` to `current`. */
export function powersOfTenCrossed(previous: number, current: number): number[] {
  const out: number[] = [];
  if (!(current > 0) || !Number.isFinite(previous)) return out;
  for (let j = Math.ceil(-Math.log10(previous) + 1e-12); 10 ** -j > current; j++) {
    if (10 ** -j < previous) out.push(10 ** -j);
  }
  return out;
}

export interface CheckpointMeasures {
  train: { loss: number; accuracy: number | null };
  test: { loss: number; accuracy: number | null } | null;
  /** Euclidean norm of the full-batch training-loss gradient. */
  gradientNorm: number;
  /** Both ends of the training-loss Hessian spectrum (top-k largest and smallest). */
  hessian: Spectrum;
}

/** What `eos measure` reports for any parameters: loss, accuracy, gradient norm and both ends of the Hessian spectrum. */
export function measureParameters(ctx: MeasureContext, theta: Float32Array, k: number): CheckpointMeasures {
  return {
    train: ctx.train.evaluate(theta),
    test: ctx.test ? ctx.test.evaluate(theta) : null,
    gradientNorm: norm2(ctx.train.lossAndGrad(theta).grad),
    hessian: spectrumEnds(ctx.train, theta, { k: Math.min(k, ctx.train.numParams) }),
  };
}

/** The curvature measures of Figure 10 at theta (the training objective), with the settings of `spec`. */
export function finalMeasures(ctx: MeasureContext, theta: Float32Array, spec: MeasuresSpec): FinalMeasures {
  const { train } = ctx;
  const trace = (t: { trace: number; standardError: number; samples: number }) => ({ value: t.trace, standardError: t.standardError, samples: t.samples });
  const average = averageAdaptiveSharpness(train, theta, { rho: spec.averageRho, samples: spec.averageSamples, seed: spec.seed });
  const worst = worstAdaptiveSharpness(train, theta, { rho: spec.worstRho, steps: spec.worstSteps, seed: spec.seed });
  return {
    spec,
    hessianTrace: trace(hutchinsonTrace(train, theta, spec.traceSamples, spec.seed)),
    fisherTop: fisherTop(train, theta, { tol: spec.fisherTol, seed: spec.seed }).eigenvalues[0],
    fisherTrace: trace(fisherTrace(train, theta, spec.traceSamples, spec.seed)),
    averageAdaptive: { value: average.value, standardError: average.standardError, samples: average.samples },
    worstAdaptive: worst.value,
    worstAdaptiveFirstOrder: worst.firstOrder,
  };
}

/**
 * Steps left until the loss reaches `goal`, from the rate at which its logarithm fell over the
 * last 20 records, bounded by the steps to the cap (a loss that does not fall leaves the cap as
 * the bound; null until three records exist). Progress reports only: it never stops a run.
 */
export class StepsLeft {
  private readonly recent: { step: number; logLoss: number }[] = [];

  record(step: number, loss: number, goal: number, maxSteps: number): number | null {
    this.recent.push({ step, logLoss: Math.log(loss) });
    if (this.recent.length > 20) this.recent.shift();
    if (this.recent.length < 3) return null;
    const a = this.recent[0];
    const b = this.recent[this.recent.length - 1];
    const rate = (a.logLoss - b.logLoss) / (b.step - a.step);
    return Math.min(maxSteps - step, rate > 0 ? Math.max(0, Math.round((b.logLoss - Math.log(goal)) / rate)) : Infinity);
  }
}
