/**
 * Gradient flow theta' = -grad L(theta) integrated with classical RK4 and step
 * h = min(alpha / sharpness, maxStep), the sharpness refreshed every few steps
 * (appendix G, following Cohen et al. 2021). Records s0 and, for every loss
 * goal eps, s_GF(eps) = max sharpness along the flow until L first drops below eps,
 * together with the flow solution at that time.
 * The step follows the largest algebraic eigenvalue: at a saddle (sharpness
 * <= 0, e.g. the diagonal net at alpha 1) it is maxStep, so such problems need a
 * small maxStep and a sharpness refresh every step (as their profiles set).
 */
import type { Metrics } from './schema.js';
import { measure, SharpnessTracker, StepsLeft, type MeasureContext } from './measure.js';
import { RunPaused } from '../util/errors.js';

export interface FlowConfig {
  lossGoals: number[];
  alpha: number;
  maxStep: number;
  sharpnessEvery: number;
  maxSteps: number;
  divergenceFactor: number;
  recordEvery: number;
}

export interface FlowSolution {
  lossGoal: number;
  sGF: number;
  time: number;
  step: number;
  theta: Float32Array;
}

/** Everything needed to continue an interrupted flow bit-for-bit (a long flow takes hours). */
export interface FlowState {
  step: number;
  time: number;
  theta: Float32Array;
  s0: number;
  sCurrent: number;
  sMax: number;
  initialLoss: number;
  history: Metrics[];
  solutions: FlowSolution[];
  eigenvector: Float64Array | null;
}

export interface FlowHooks {
  /** stepsLeft: RK4 steps to the last loss goal, estimated as for GD (null while unknown). */
  onProgress?: (p: { step: number; time: number; loss: number; sharpness: number; stepsLeft: number | null }) => void;
  /** Called every `stateEvery` steps with a resumable state. */
  onState?: (state: FlowState) => void;
  stateEvery?: number;
  resume?: FlowState;
  /** Asked before each RK4 step: when true, the state so far goes to onState and the flow throws RunPaused. */
  pause?: () => boolean;
}

export interface FlowOutcome {
  outcome: 'converged' | 'diverged' | 'max-steps';
  steps: number;
  s0: number;
  solutions: FlowSolution[];
  history: Metrics[];
}

export function gradientFlow(ctx: MeasureContext, theta0: Float32Array, cfg: FlowConfig, hooks: FlowHooks = {}): FlowOutcome {
  const r = hooks.resume;
  const n = theta0.length;
  const theta = Float32Array.from(r ? r.theta : theta0);
  const tmp = new Float32Array(n);
  const acc = new Float32Array(n);
  const history: Metrics[] = r ? [...r.history] : [];
  const solutions: FlowSolution[] = r ? [...r.solutions] : [];
  const goals = [...cfg.lossGoals].sort((a, b) => b - a).filter((g) => !solutions.some((s) => s.lossGoal === g));
  const tracker = new SharpnessTracker(ctx.train, ctx.sharpnessTol, r?.eigenvector ?? undefined);
  const s0 = r ? r.s0 : tracker.estimate(theta);
  let sCurrent = r ? r.sCurrent : s0;
  let sMax = r ? r.sMax : s0;
  let t = r ? r.time : 0;
  let initialLoss = r ? r.initialLoss : NaN;
  const stateEvery = hooks.stateEvery ?? 200;
  const stepsLeft = new StepsLeft();
  const first = r ? r.step : 0;
  const state = (step: number): FlowState => ({ step, time: t, theta: Float32Array.from(theta), s0, sCurrent, sMax, initialLoss, history: [...history], solutions: [...solutions], eigenvector: tracker.state ?? null });

  for (let step = first; ; step++) {
    if (hooks.onState && hooks.pause?.()) {
      if (step > first) hooks.onState(state(step));
      throw new RunPaused(step, step > first);
    }
    const { loss, grad: g1 } = ctx.train.lossAndGrad(theta);
    if (step === 0) initialLoss = loss;
    if (!Number.isFinite(loss) || loss > cfg.divergenceFactor * initialLoss) {
      return { outcome: 'diverged', steps: step, s0, solutions, history };
    }
    if (step > 0 && step % cfg.sharpnessEvery === 0) {
      sCurrent = tracker.estimate(theta);
      sMax = Math.max(sMax, sCurrent);
    }
    const reachedBefore = solutions.length;
    while (goals.length > 0 && loss < goals[0]) {
      // The sharpness at the crossing point itself belongs to the maximum.
      sCurrent = tracker.estimate(theta);
      sMax = Math.max(sMax, sCurrent);
      solutions.push({ lossGoal: goals.shift() as number, sGF: sMax, time: t, step, theta: Float32Array.from(theta) });
    }
    const done = goals.length === 0;
    // Every goal's crossing is recorded: it is the GF value the sweep of that goal compares GD with.
    const reached = solutions.length > reachedBefore;
    if (reached || step % cfg.recordEvery === 0 || step >= cfg.maxSteps) {
      history.push(measure(ctx, theta, { step, time: t, trainLoss: loss }, { sharpness: sCurrent, nuclear: reached }));
      hooks.onProgress?.({ step, time: t, loss, sharpness: sCurrent, stepsLeft: done ? 0 : stepsLeft.record(step, loss, goals[goals.length - 1], cfg.maxSteps) });
    }
    if (done) return { outcome: 'converged', steps: step, s0, solutions, history };
    if (step >= cfg.maxSteps) return { outcome: 'max-steps', steps: step, s0, solutions, history };

    const h = Math.min(cfg.alpha / Math.max(sCurrent, 1e-12), cfg.maxStep);
    // acc = k1 + 2 k2 + 2 k3 + k4 with k_i = -grad at the RK4 stages.
    for (let i = 0; i < n; i++) {
      acc[i] = g1[i];
      tmp[i] = theta[i] - 0.5 * h * g1[i];
    }
    const g2 = ctx.train.lossAndGrad(tmp).grad;
    for (let i = 0; i < n; i++) {
      acc[i] += 2 * g2[i];
      tmp[i] = theta[i] - 0.5 * h * g2[i];
    }
    const g3 = ctx.train.lossAndGrad(tmp).grad;
    for (let i = 0; i < n; i++) {
      acc[i] += 2 * g3[i];
      tmp[i] = theta[i] - h * g3[i];
    }
    const g4 = ctx.train.lossAndGrad(tmp).grad;
    for (let i = 0; i < n; i++) theta[i] -= (h / 6) * (acc[i] + g4[i]);
    t += h;
    if (hooks.onState && (step + 1) % stateEvery === 0) hooks.onState(state(step + 1));
  }
}
