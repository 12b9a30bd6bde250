/**
 * Evolution during training (appendix H.11, Figure 13): sharpness with the
 * 2/eta level of each rate, l1-norm, l1-distance from initialisation and train
 * loss over intrinsic time eta * t, for a few learning rates of one sweep.
 * Clicking a rate in the legend highlights it in every panel.
 */
import type { GdResult, SweepSummary } from '../sweep/schema.js';
import { AXIS_TITLES, fmt, type Spec } from './spec.js';
import { regime } from './sweep.js';

/** Colours of the rates, in increasing order of the rate. */
const RATE_COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e'];

export const RATE_SELECTION = 'pickRate';

/**
 * The rates Figure 13 shows: the largest converged rate in the flow-aligned
 * regime (below eta_c) and the smallest and largest converged ones in the EoS
 * regime (above eta_c); filled up from the remaining converged rates when a regime has too
 * few. Returned in increasing order.
 */
export function trajectoryRates(summary: SweepSummary, count = 3): number[] {
  const converged = summary.runs.filter((r) => r.outcome === 'converged').map((r) => r.lr).sort((a, b) => a - b);
  const below = converged.filter((lr) => regime(summary, lr) === 'flow-aligned');
  const above = converged.filter((lr) => regime(summary, lr) === 'EoS');
  const picked = new Set<number>([below[below.length - 1], above[0], above[above.length - 1]].filter((lr) => lr !== undefined));
  for (const lr of [...converged].reverse()) {
    if (picked.size >= count) break;
    picked.add(lr);
  }
  return [...picked].sort((a, b) => a - b).slice(0, count);
}

export const rateLabel = (lr: number): string => `η = ${fmt(lr, 4)}`;

export interface TrajectoryRow {
  [key: string]: string | number | null;
  lr: number;
  rate: string;
  step: number;
  time: number;
  sharpness: number | null;
  l1: number;
  distanceFromInit: number;
  trainLoss: number;
}

export function trajectoryRows(runs: GdResult[]): TrajectoryRow[] {
  return runs.flatMap((r) =>
    r.history.map((h) => ({ lr: r.lr, rate: rateLabel(r.lr), step: h.step, time: h.time, sharpness: h.sharpness, l1: h.l1, distanceFromInit: h.distanceFromInit.l1, trainLoss: h.trainLoss })),
  );
}

type Quantity = 'sharpness' | 'l1' | 'distanceFromInit' | 'trainLoss';

/** Figure 13 for the runs of `summary` at the given rates (default: `trajectoryRates`). */
export function trajectoryFigure(summary: SweepSummary, rates = trajectoryRates(summary)): Spec {
  const runs = rates.map((lr) => {
    const run = summary.runs.find((r) => r.lr === lr);
    if (!run) throw new Error(`no run at learning rate ${lr} in ${summary.experiment.id}`);
    return run;
  });
  const rows = trajectoryRows(runs);
  const labels = runs.map((r) => rateLabel(r.lr));
  const colour: Spec = { field: 'rate', type: 'nominal', title: 'learning rate', sort: labels, scale: { domain: labels, range: RATE_COLOURS.slice(0, labels.length) }, legend: { orient: 'right' } };
  const x: Spec = { field: 'time', type: 'quantitative', title: AXIS_TITLES.time };
  const tooltip = (field: Quantity, title: string): Spec[] => [{ field: 'rate', title: 'rate' }, { field: 'step', type: 'quantitative', title: 'step' }, { field: 'time', type: 'quantitative', title: 'η·t', format: '.4~g' }, { field, type: 'quantitative', title, format: '.4~g' }];
  const opacity: Spec = { condition: { param: RATE_SELECTION, empty: true, value: 1 }, value: 0.15 };
  const measured = Math.max(...rows.map((r) => r.sharpness).filter((v): v is number => v !== null));
  // Show the 2/eta levels up to twice the measured range; higher ones would flatten the curves.
  const sharpnessTop = 1.15 * Math.max(measured, ...runs.map((r) => 2 / r.lr).filter((level) => level <= 2 * measured));
  const panel = (field: Quantity, extra: Spec[] = [], yScale: Spec = { zero: false }): Spec => ({
    width: 460,
    height: 140,
    layer: [
      ...extra,
      {
        name: `traj-${field}`,
        data: { name: 'trajectories' },
        transform: [{ filter: `isValid(datum.${field})` }],
        mark: { type: 'line', point: field === 'sharpness' ? { size: 12 } : false, strokeWidth: 1.3, clip: true },
        encoding: { x, y: { field, type: 'quantitative', title: AXIS_TITLES[field], scale: yScale }, color: colour, opacity, tooltip: tooltip(field, AXIS_TITLES[field]) },
      },
    ],
  });
  const stability: Spec = {
    name: 'traj-stability',
    // Levels above the panel are left out (resvg aborts on clipped marks with no visible part).
    data: { values: runs.filter((r) => 2 / r.lr <= sharpnessTop).map((r) => ({ rate: rateLabel(r.lr), lr: r.lr, value: 2 / r.lr })) },
    mark: { type: 'rule', strokeDash: [5, 4], strokeWidth: 1.2, clip: true },
    encoding: { y: { field: 'value', type: 'quantitative' }, color: colour, opacity, tooltip: [{ field: 'rate' }, { field: 'value', type: 'quantitative', title: '2/η', format: '.4~g' }] },
  };
  return {
    datasets: { trajectories: rows },
    params: [{ name: RATE_SELECTION, select: { type: 'point', fields: ['rate'] }, bind: 'legend', views: ['traj-sharpness', 'traj-l1', 'traj-distanceFromInit', 'traj-trainLoss'] }],
    vconcat: [panel('sharpness', [stability], { domain: [0, sharpnessTop], nice: false }), panel('l1'), panel('distanceFromInit'), panel('trainLoss', [], { type: 'log' })],
    resolve: { scale: { color: 'shared' } },
  };
}
