import { fitNormTransition, fitSharpnessTransition } from './critical.js';
import { planExperiment, type Task } from './plan.js';
import type { Experiment, FlowResult, GdResult, SweepSummary } from './schema.js';
import type { ResultStore } from './store.js';

/**
 * The summary of one loss goal of a sweep: predicted eta_c = 2/s_GF, the regime
 * changes fitted from the converged runs, and the flow's metrics where it first
 * reached the goal. Shared by the runner and the report, which rebuilds it from the store.
 */
export function summarizeSweep(experiment: Experiment, flow: FlowResult, point: FlowResult['sGF'][number], runs: GdResult[]): SweepSummary {
  const sorted = [...runs].sort((a, b) => a.lr - b.lr);
  const converged = sorted.filter((r) => r.final);
  return {
    experiment,
    lossGoal: point.lossGoal,
    s0: flow.s0,
    sGF: point.sGF,
    criticalLr: 2 / point.sGF,
    fittedCriticalLrSharpness: fitSharpnessTransition(converged.map((r) => ({ lr: r.lr, value: r.final?.sharpness ?? NaN }))),
    fittedCriticalLrNorm: fitNormTransition(converged.map((r) => ({ lr: r.lr, value: r.final?.l1 ?? NaN }))),
    flowFinal: flowAt(flow, point),
    runs: sorted,
  };
}

/** The flow's metrics at the step where it first reached the goal (recorded for every goal). */
function flowAt(flow: FlowResult, point: FlowResult['sGF'][number]): FlowResult['history'][number] {
  const at = flow.history.find((h) => h.step === point.step);
  if (!at) throw new Error(`flow result ${flow.key} has no record at step ${point.step}, where it reached ε = ${point.lossGoal}: it predates per-goal records; delete results/runs/${flow.key}.json and rerun the sweep`);
  return at;
}

/** Runs of a sweep not finished yet: missing, or running in another process. */
export const runsLeft = (tasks: Record<Task['state'], number>): number => tasks.missing + tasks.running;

export interface StoredSweeps {
  flow: FlowResult;
  summaries: SweepSummary[];
  tasks: Record<Task['state'], number>;
}

/**
 * The SweepSummary of every loss goal of an experiment from the result store
 * alone (the runs finished so far; nothing is trained). Null when the gradient
 * flow has not been run.
 */
export function sweepsFromStore(experiment: Experiment, store: ResultStore): StoredSweeps | null {
  const tasks = planExperiment(experiment, store);
  const flow = store.readFlow(tasks[0].key);
  if (!flow) return null;
  const counts = { done: 0, diverged: 0, running: 0, missing: 0 };
  for (const t of tasks) counts[t.state]++;
  const summaries: SweepSummary[] = [];
  for (const point of flow.sGF) {
    if (!experiment.lossGoals.includes(point.lossGoal)) continue;
    const runs = tasks
      .filter((t) => t.kind === 'gd' && t.lossGoal === point.lossGoal && (t.state === 'done' || t.state === 'diverged'))
      .map((t) => store.readGd(t.key))
      .filter((r): r is GdResult => r !== null);
    summaries.push(summarizeSweep(experiment, flow, point, runs));
  }
  return { flow, summaries, tasks: counts };
}
