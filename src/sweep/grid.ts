/**
 * Learning-rate schedule of appendix G. With s0 the sharpness at initialisation
 * and s_GF the maximal sharpness of the gradient flow:
 *  - fine grid: `fine` points k/(2 s_GF) from k = `fineFirst` (appendix G: 12 points from 1/(2 s_GF) up to 6/s_GF);
 *  - coarse grid: `coarse` points evenly on [fineMax/s_GF, 2/s0] (appendix G: 9 points on [6/s_GF, 2/s0]);
 *  - extension: the coarse step continued above 2/s0 until a run fails;
 *  - refinement: bisection between the last converged and first failed rate
 *    when a run fails inside the coarse interval;
 *  - no rate above a failed one is run (`aboveFailure`).
 * A run fails when GD cannot reach the goal at its rate: it diverged, or it stalled in a cycle
 * it never leaves (train/gd.ts).
 */
import type { Experiment } from './schema.js';

type Grid = Experiment['grid'];

export function fineGrid(sGF: number, grid: Grid): number[] {
  return Array.from({ length: grid.fine }, (_, i) => (grid.fineFirst + i) / (2 * sGF)).filter((lr) => lr <= grid.fineMax / sGF + 1e-12 / sGF);
}

/**
 * Largest rate of the initial schedule: 2/s0, or fineMax/s_GF when that is
 * larger or when s0 <= 0 (a saddle at initialisation, as for the diagonal net).
 */
function scheduleEnd(s0: number, sGF: number, grid: Grid): number {
  const lo = grid.fineMax / sGF;
  return s0 > 0 ? Math.max(2 / s0, lo) : lo;
}

/** Coarse grid and its step; empty when the schedule ends at fineMax/s_GF (then the fine grid covers the interval). */
export function coarseGrid(s0: number, sGF: number, grid: Grid): { rates: number[]; step: number } {
  const lo = grid.fineMax / sGF;
  const hi = scheduleEnd(s0, sGF, grid);
  if (grid.coarse < 2 || hi <= lo) {
    const step = 1 / (2 * sGF);
    return { rates: [], step };
  }
  const step = (hi - lo) / (grid.coarse - 1);
  return { rates: Array.from({ length: grid.coarse }, (_, i) => lo + i * step), step };
}

/** The initial schedule (before extension and refinement), sorted and without duplicates. */
export function initialSchedule(s0: number, sGF: number, grid: Grid): number[] {
  if (grid.rates) return uniqueSorted(grid.rates);
  return uniqueSorted([...fineGrid(sGF, grid), ...coarseGrid(s0, sGF, grid).rates]);
}

export interface RunOutcome {
  lr: number;
  /** Diverged or stalled. */
  failed: boolean;
}

/** A finished run as the schedule sees it. */
export const scheduleOutcome = (r: { lr: number; outcome: string }): RunOutcome => ({ lr: r.lr, failed: r.outcome === 'diverged' || r.outcome === 'stalled' });

/**
 * Rates to add after a batch of runs finished: continue above the largest rate
 * while nothing failed, and bisect the gap at the first failure.
 * Returns [] when the schedule is complete.
 */
export function nextRates(done: RunOutcome[], s0: number, sGF: number, grid: Grid): number[] {
  if (grid.rates || done.length === 0) return [];
  const sorted = [...done].sort((a, b) => a.lr - b.lr);
  const firstFailed = sorted.find((r) => r.failed);
  const { step } = coarseGrid(s0, sGF, grid);
  if (!firstFailed) {
    const top = sorted[sorted.length - 1].lr;
    const extra = sorted.filter((r) => r.lr > scheduleEnd(s0, sGF, grid) * (1 + 1e-12)).length;
    return extra < grid.extendUntilDivergence ? [top + step] : [];
  }
  const below = sorted.filter((r) => r.lr < firstFailed.lr && !r.failed);
  if (below.length === 0) return [];
  const lastConverged = below[below.length - 1].lr;
  const gap = firstFailed.lr - lastConverged;
  const minGap = step / 2 ** grid.refine;
  return gap > minGap * (1 + 1e-9) ? [lastConverged + gap / 2] : [];
}

/**
 * Appendix G goes up "until divergence" and refines below a divergence inside
 * the coarse interval: a rate above one that failed is not run. Such runs
 * only diverge too or, worse, stall at chance level for `maxSteps` steps.
 */
export function aboveFailure(lr: number, done: readonly RunOutcome[]): boolean {
  return done.some((r) => r.failed && r.lr < lr);
}

function uniqueSorted(xs: number[]): number[] {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.filter((x, i) => i === 0 || Math.abs(x - sorted[i - 1]) > 1e-12 * Math.abs(x));
}
