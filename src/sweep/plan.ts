/**
 * What a sweep still has to do, from the result store alone: used by `status`
 * and to write Slurm array jobs. Extension and refinement rates depend on
 * finished runs, so a plan is recomputed after each wave.
 */
import { flowKey, gdKey, type ResultStore } from './store.js';
import { aboveFailure, initialSchedule, nextRates, scheduleOutcome, type RunOutcome } from './grid.js';
import type { Experiment, GdResult } from './schema.js';

export interface Task {
  kind: 'flow' | 'gd';
  experiment: Experiment;
  key: string;
  lr?: number;
  lossGoal?: number;
  state: 'done' | 'diverged' | 'running' | 'missing';
}

export function planExperiment(e: Experiment, store: ResultStore): Task[] {
  const fk = flowKey(e);
  const flow = store.readFlow(fk);
  if (!flow) return [{ kind: 'flow', experiment: e, key: fk, state: store.lock(fk).held ? 'running' : 'missing' }];
  const tasks: Task[] = [{ kind: 'flow', experiment: e, key: fk, state: 'done' }];
  let stored: GdResult[] | null = null;
  for (const lossGoal of e.lossGoals) {
    const point = flow.sGF.find((s) => s.lossGoal === lossGoal);
    if (!point) continue;
    let rates = initialSchedule(flow.s0, point.sGF, e.grid);
    const seen: RunOutcome[] = [];
    while (rates.length > 0) {
      let complete = true;
      for (const lr of rates) {
        const key = gdKey(e, lr, lossGoal);
        const r = store.readGd(key);
        if (!r && aboveFailure(lr, seen)) continue;
        if (r) seen.push(scheduleOutcome(r));
        else complete = false;
        tasks.push({ kind: 'gd', experiment: e, key, lr, lossGoal, state: r ? (r.outcome === 'diverged' ? 'diverged' : 'done') : store.lock(key).held ? 'running' : 'missing' });
      }
      if (!complete) break;
      rates = nextRates(seen, flow.s0, point.sGF, e.grid);
    }
    // A wave with a missing run (say, a corrupted file set aside) hides the waves planned after
    // it; their finished runs are still done work, listed from the store.
    stored ??= store.runs().filter((r): r is GdResult => r.kind === 'gd');
    const listed = new Set(tasks.map((t) => t.key));
    for (const r of stored) {
      if (r.lossGoal !== lossGoal || listed.has(r.key) || r.key !== gdKey(e, r.lr, lossGoal)) continue;
      tasks.push({ kind: 'gd', experiment: e, key: r.key, lr: r.lr, lossGoal, state: r.outcome === 'diverged' ? 'diverged' : 'done' });
    }
  }
  return tasks;
}
