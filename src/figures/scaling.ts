/**
 * How the cost grows (`npm run bench -- --scaling`, the benchmark chapter):
 * time per GD step, time per HVP and peak memory of ours and PyTorch's against
 * the number of samples n (top row) and the hidden width (bottom row), log-log.
 * A full-batch step touches every sample once, so time should follow the
 * slope-1 line drawn through our first point; memory should grow only by the
 * data set, drawn as its own line, since activations are computed in chunks.
 */
import { topLevel, type Spec } from './spec.js';

/** What one implementation costs at one point: medians of the times, peak resident memory. */
export interface Cost {
  gdStepMs: number;
  hvpMs: number;
  peakRssMb: number;
}

/** One measured point: n samples of d inputs through two hidden layers of `width` units. */
export interface CostPoint {
  n: number;
  d: number;
  width: number;
  engine: Cost;
  torch: Cost;
}

export const SCALING_SERIES = {
  ours: 'ours (tfjs wasm + OpenBLAS)',
  torch: 'PyTorch',
  linear: 'slope 1 (time ∝ n)',
  data: 'data set (n·d float32)',
} as const;
type ScalingSeries = (typeof SCALING_SERIES)[keyof typeof SCALING_SERIES];

const SERIES_COLOURS: Record<ScalingSeries, string> = {
  [SCALING_SERIES.ours]: '#1f77b4',
  [SCALING_SERIES.torch]: '#ff7f0e',
  [SCALING_SERIES.linear]: '#7f7f7f',
  [SCALING_SERIES.data]: '#2ca02c',
};

type Measure = keyof Cost;
const MEASURES: { key: Measure; title: string }[] = [
  { key: 'gdStepMs', title: 'time per GD step (ms)' },
  { key: 'hvpMs', title: 'time per HVP (ms)' },
  { key: 'peakRssMb', title: 'peak memory, RSS (MB)' },
];

export type Axis = 'n' | 'width';
const AXIS_TITLE: Record<Axis, string> = { n: 'samples n', width: 'hidden width' };

export interface PlotPoint {
  [key: string]: string | number;
  x: number;
  y: number;
  series: ScalingSeries;
}

/** Megabytes of n rows of d float32 inputs: what holding the data set costs, whatever the chunking. */
export const dataMb = (n: number, d: number): number => (n * d * 4) / 2 ** 20;

/** The series over n (at `width`) or over the width (at `n`), in increasing order. */
export function series(points: readonly CostPoint[], axis: Axis, at: { n: number; width: number }): CostPoint[] {
  const fixed: Axis = axis === 'n' ? 'width' : 'n';
  return points.filter((p) => p[fixed] === at[fixed]).sort((a, b) => a[axis] - b[axis]);
}

/** y = y0 · x / x0 at every x of `along`: the line of slope 1 on log-log axes through the first point. */
export function linearReference(along: readonly { x: number; y: number }[]): { x: number; y: number }[] {
  if (along.length === 0) return [];
  const [first] = along;
  return along.map(({ x }) => ({ x, y: (first.y * x) / first.x }));
}

function measured(points: readonly CostPoint[], axis: Axis, measure: Measure): PlotPoint[] {
  return points.flatMap((p) => [
    { x: p[axis], y: p.engine[measure], series: SCALING_SERIES.ours },
    { x: p[axis], y: p.torch[measure], series: SCALING_SERIES.torch },
  ]);
}

/** The lines a reader compares the measurements with: slope 1 for time over n, the data set's size for memory over n. */
function references(points: readonly CostPoint[], axis: Axis, measure: Measure): PlotPoint[] {
  if (axis !== 'n') return [];
  if (measure === 'peakRssMb') return points.map((p) => ({ x: p.n, y: dataMb(p.n, p.d), series: SCALING_SERIES.data }));
  return linearReference(points.map((p) => ({ x: p.n, y: p.engine[measure] }))).map((p) => ({ ...p, series: SCALING_SERIES.linear }));
}

const colour: Spec = {
  field: 'series',
  type: 'nominal',
  scale: { domain: Object.keys(SERIES_COLOURS), range: Object.values(SERIES_COLOURS) },
  legend: { title: null, orient: 'bottom', columns: 4, symbolType: 'stroke' },
};

/** Log axes on the measured range (a nice log domain can add a decade of empty space), a few pixels off the edges. */
const LOG: Spec = { type: 'log', nice: false, padding: 10 };

function panel(points: readonly CostPoint[], axis: Axis, measure: (typeof MEASURES)[number]): Spec {
  const encoding = (yTitle: string | null): Spec => ({
    // Ticks at the measured n or widths: the points the reader reads off.
    x: { field: 'x', type: 'quantitative', title: AXIS_TITLE[axis], scale: LOG, axis: { values: points.map((p) => p[axis]), labelOverlap: 'greedy' } },
    y: { field: 'y', type: 'quantitative', title: yTitle, scale: LOG, axis: { tickCount: 5, labelOverlap: 'greedy' } },
    color: colour,
    tooltip: [{ field: 'series' }, { field: 'x', type: 'quantitative', title: AXIS_TITLE[axis] }, { field: 'y', type: 'quantitative', title: measure.title, format: '.4~g' }],
  });
  const name = `${axis}-${measure.key}`;
  const layer: Spec[] = [{ name, data: { values: measured(points, axis, measure.key) }, mark: { type: 'line', point: true }, encoding: encoding(measure.title) }];
  const lines = references(points, axis, measure.key);
  if (lines.length > 0) layer.push({ name: `${name}-reference`, data: { values: lines }, mark: { type: 'line', strokeDash: [6, 4] }, encoding: encoding(measure.title) });
  return { width: 200, height: 160, layer };
}

/**
 * The figure: a row of three panels over n at `at.width`, and one over the width at `at.n`,
 * each drawn only where it has points.
 */
export function scalingFigure(points: readonly CostPoint[], at: { n: number; width: number }): Spec {
  const rows = (['n', 'width'] as const).map((axis) => ({ axis, points: series(points, axis, at) })).filter((r) => r.points.length > 0);
  if (rows.length === 0) throw new Error(`no scaling point at width ${at.width} or at n = ${at.n}`);
  return topLevel(
    'How the cost grows with the samples n and the width',
    { vconcat: rows.map((r) => ({ hconcat: MEASURES.map((m) => panel(r.points, r.axis, m)) })) },
    [`FCN-ReLU, two hidden layers, MSE on MNIST; over n at width ${at.width}, over the width at n = ${at.n}. Log-log axes.`],
  );
}
