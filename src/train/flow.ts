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
import { measure, SharpnessTracker, type MeasureContext } from './measure.js';

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

export interface FlowOutcome {
  outcome: 'converged' | 'diverged' | 'max-steps';
  steps: number;
  s0: number;
  solutions: FlowSolution[];
  history: Metrics[];
}

export function gradientFlow(
  ctx: MeasureContext,
  theta0: Float32Array,
  cfg: FlowConfig,
  onProgress?: (p: { step: number; time: number; loss: number; sharpness: number }) => void,
): FlowOutcome {
  const n = theta0.length;
  const theta = Float32Array.from(theta0);
  const tmp = new Float32Array(n);
  const acc = new Float32Array(n);
  const goals = [...cfg.lossGoals].sort((a, b) => b - a);
  const tracker = new SharpnessTracker(ctx.train, ctx.sharpnessTol);
  const history: Metrics[] = [];
  const solutions: FlowSolution[] = [];
  const s0 = tracker.estimate(theta);
  let sCurrent = s0;
  let sMax = s0;
  let t = 0;
  let initialLoss = NaN;

  for (let step = 0; ; step++) {
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
      onProgress?.({ step, time: t, loss, sharpness: sCurrent });
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
  }
}
