/**
 * Full-batch gradient descent from a given initialisation until the training
 * loss falls below the goal (appendix G). Metrics are recorded BEFORE the update
 * of the step they belong to; divergence ends the run as a recorded outcome, and so
 * does a stall: GD is deterministic, so parameters that recur bit for bit repeat
 * that cycle until the step cap.
 */
import type { Objective } from '../objective/index.js';
import type { Metrics, StopCheck } from './schema.js';
import { measure, powersOfTenCrossed, SharpnessTracker, StepsLeft, type MeasureContext } from './measure.js';
import { RunPaused } from '../util/errors.js';

export interface GdConfig {
  lr: number;
  lossGoal: number;
  maxSteps: number;
  divergenceFactor: number;
  recordEvery: number;
  sharpnessEvery: number;
  nuclearDuringTraining: boolean;
}

/** Everything needed to continue an interrupted run bit-for-bit. */
export interface GdState {
  step: number;
  theta: Float32Array;
  initialLoss: number;
  history: Metrics[];
  maxSharpness: number | null;
  eigenvector: Float64Array | null;
  previousLoss: number;
  /** The last cycle snapshot (absent in states saved before stalls were detected: detection restarts). */
  snapshot?: CycleSnapshot | null;
}

/** Parameters at the last step that is a multiple of CYCLE_WINDOW, compared with each later step's. */
export interface CycleSnapshot {
  step: number;
  loss: number;
  theta: Float32Array;
}

/** Cycles of period up to this many steps are detected as stalls. */
export const CYCLE_WINDOW = 8;

export interface GdProgress {
  step: number;
  loss: number;
  sharpness: number | null;
  /** Estimated steps left, from the recent rate of log-loss decrease, at most the steps to the cap (null while unknown). */
  stepsLeft: number | null;
}

export interface GdHooks {
  onProgress?: (p: GdProgress) => void;
  /** Called when the loss first drops below 10^-j. */
  onCheckpoint?: (lossBelow: number, step: number, theta: Float32Array) => void;
  /** Called every `stateEvery` steps with a resumable state. */
  onState?: (state: GdState) => void;
  stateEvery?: number;
  resume?: GdState;
  /** Asked before each step: when true, the state so far goes to onState and the run throws RunPaused. */
  pause?: () => boolean;
}

export interface GdOutcome {
  outcome: 'converged' | 'diverged' | 'max-steps' | 'stalled';
  steps: number;
  divergedAt: number | null;
  /** Stalled runs: the period of the cycle, in steps (null otherwise). */
  cyclePeriod: number | null;
  history: Metrics[];
  final: Metrics | null;
  theta: Float32Array;
  maxSharpness: number | null;
  /** Converged runs: whether the stop is stable or a transient (null otherwise). */
  stop: StopCheck | null;
}

/** GD steps taken past a converged stop to see whether the loss climbs back above the goal. */
export const STOP_PROBE_STEPS = 10;

/**
 * Classify a converged stop at `theta` (loss below `lossGoal`, top Hessian
 * eigenvalue `sharpness`): continue GD on a copy for `probeSteps` steps and
 * call the stop transient when the sharpness exceeds 2/lr or the loss rises
 * above the goal again (`maxLossAfter` counts the loss at the stop; a
 * non-finite loss is recorded as the largest float64).
 */
export function checkStop(objective: Objective, theta: Float32Array, lr: number, lossGoal: number, sharpness: number, probeSteps = STOP_PROBE_STEPS): StopCheck {
  const t = Float32Array.from(theta);
  let { loss: maxLossAfter, grad } = objective.lossAndGrad(t);
  for (let k = 0; k < probeSteps; k++) {
    for (let i = 0; i < t.length; i++) t[i] -= lr * grad[i];
    const next = objective.lossAndGrad(t);
    maxLossAfter = Math.max(maxLossAfter, next.loss);
    grad = next.grad;
  }
  const sharpnessRatio = (sharpness * lr) / 2;
  // A non-finite loss after the stop is a climb too (NaN fails every comparison).
  const climbs = !(maxLossAfter < lossGoal);
  return { kind: sharpnessRatio > 1 || climbs ? 'transient' : 'stable', sharpnessRatio, probeSteps, maxLossAfter: Number.isFinite(maxLossAfter) ? maxLossAfter : Number.MAX_VALUE };
}

/** The period when `theta` at `step` equals the snapshot's parameters bit for bit (null otherwise; the loss compares first, cheaply). */
function recurs(snapshot: CycleSnapshot | null, step: number, loss: number, theta: Float32Array): number | null {
  if (snapshot === null || snapshot.loss !== loss || step === snapshot.step) return null;
  const a = new Uint32Array(theta.buffer, theta.byteOffset, theta.length);
  const b = new Uint32Array(snapshot.theta.buffer, snapshot.theta.byteOffset, snapshot.theta.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return null;
  return step - snapshot.step;
}

export function gradientDescent(ctx: MeasureContext, theta0: Float32Array, cfg: GdConfig, hooks: GdHooks = {}): GdOutcome {
  const r = hooks.resume;
  const theta = Float32Array.from(r ? r.theta : theta0);
  const history: Metrics[] = r ? [...r.history] : [];
  const tracker = new SharpnessTracker(ctx.train, ctx.sharpnessTol, r?.eigenvector ?? undefined);
  let maxSharpness = r ? r.maxSharpness : null;
  let initialLoss = r ? r.initialLoss : NaN;
  let previousLoss = r ? r.previousLoss : Infinity;
  let snapshot = r?.snapshot ?? null;
  const stateEvery = hooks.stateEvery ?? 500;
  const stepsLeft = new StepsLeft();
  const first = r ? r.step : 0;
  const state = (step: number): GdState => ({ step, theta: Float32Array.from(theta), initialLoss, history: [...history], maxSharpness, eigenvector: tracker.state ?? null, previousLoss, snapshot });

  for (let step = first; ; step++) {
    if (hooks.onState && hooks.pause?.()) {
      if (step > first) hooks.onState(state(step));
      throw new RunPaused(step, step > first);
    }
    const { loss, grad } = ctx.train.lossAndGrad(theta);
    if (step === 0) initialLoss = loss;
    if (!Number.isFinite(loss) || loss > cfg.divergenceFactor * initialLoss) {
      return { outcome: 'diverged', steps: step, divergedAt: step, cyclePeriod: null, history, final: null, theta, maxSharpness, stop: null };
    }
    for (const lossBelow of powersOfTenCrossed(previousLoss, loss)) hooks.onCheckpoint?.(lossBelow, step, theta);
    previousLoss = loss;

    const converged = loss < cfg.lossGoal;
    const cyclePeriod = converged ? null : recurs(snapshot, step, loss, theta);
    if (converged || cyclePeriod !== null || step >= cfg.maxSteps) {
      const s = tracker.estimate(theta);
      maxSharpness = Math.max(maxSharpness ?? s, s);
      const final = measure(ctx, theta, { step, time: step * cfg.lr, trainLoss: loss }, { sharpness: s, nuclear: true });
      history.push(final);
      const stop = converged ? checkStop(ctx.train, theta, cfg.lr, cfg.lossGoal, s) : null;
      const outcome = converged ? 'converged' : cyclePeriod !== null ? 'stalled' : 'max-steps';
      return { outcome, steps: step, divergedAt: null, cyclePeriod, history, final, theta, maxSharpness, stop };
    }
    if (step % CYCLE_WINDOW === 0) snapshot = { step, loss, theta: Float32Array.from(theta) };

    let s: number | null = null;
    if (cfg.sharpnessEvery > 0 && step % cfg.sharpnessEvery === 0) {
      s = tracker.estimate(theta);
      maxSharpness = Math.max(maxSharpness ?? s, s);
    }
    if (step % cfg.recordEvery === 0) {
      history.push(measure(ctx, theta, { step, time: step * cfg.lr, trainLoss: loss }, { sharpness: s, nuclear: cfg.nuclearDuringTraining }));
      hooks.onProgress?.({ step, loss, sharpness: s, stepsLeft: stepsLeft.record(step, loss, cfg.lossGoal, cfg.maxSteps) });
    }

    for (let i = 0; i < theta.length; i++) theta[i] -= cfg.lr * grad[i];

    if (hooks.onState && (step + 1) % stateEvery === 0) hooks.onState(state(step + 1));
  }
}
