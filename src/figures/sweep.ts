/**
 * Panels of final values versus learning rate (Figures 1-3, 5-12, 15 and the
 * whole of appendix I), drawn the way appendix I describes them: final values
 * as green dots, the gradient-flow value as a dotted green line, eta_c = 2/s_GF
 * as a dashed orange vertical, 1/s_0 as a dashed purple vertical and, for
 * sharpness, the 2/eta curve in blue with crosses at the sampled rates, the
 * maximal sharpness during training as open black circles and s_GF as an
 * orange horizontal. Diverged rates are marked by red dotted verticals.
 * The convergence-speed panel (appendix I.8.2) is log-log, with a line of
 * slope -1 for the paper's steps ∝ 1/η. Clicking a rate selects it in every
 * panel of the figure.
 */
import type { GdResult, SweepSummary } from '../sweep/schema.js';
import type { Metrics, StopCheck } from '../train/schema.js';
import { AXIS_TITLES, fmt, SERIES, seriesColour, type Series, type Spec } from './spec.js';

const METRICS = ['sharpness', 'l1', 'l2', 'nuclear', 'testLoss', 'testAccuracy', 'distanceFromFlow', 'distanceFromInit', 'steps'] as const;
export type Metric = (typeof METRICS)[number];

/** One GD run as a flat row: the data of every sweep panel. */
export interface RunRow {
  [key: string]: string | number | null;
  lr: number;
  outcome: GdResult['outcome'];
  steps: number;
  sharpness: number | null;
  maxSharpness: number | null;
  l1: number | null;
  l2: number | null;
  nuclear: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  trainLoss: number | null;
  distanceFromFlow: number | null;
  distanceFromInit: number | null;
  /** How a converged run stopped (`stopOf`); null for other outcomes. */
  stop: StopKind | null;
}

export type StopKind = StopCheck['kind'] | 'unknown';

/** What `stopOf` reads of a run: full results and condensed summaries both carry it. */
export interface StopRun {
  lr: number;
  outcome: string;
  final: { sharpness: number | null } | null;
  stop?: { kind: StopCheck['kind'] } | null;
}

/**
 * How a converged run stopped: its recorded check (train/gd.ts `checkStop`);
 * for results written before the check, transient when the recorded final
 * sharpness exceeds 2/eta, else unknown (the loss after the stop was not
 * followed). Null when the run did not converge.
 */
export function stopOf(r: StopRun): StopKind | null {
  if (r.outcome !== 'converged') return null;
  if (r.stop) return r.stop.kind;
  const s = r.final?.sharpness;
  return s != null && (s * r.lr) / 2 > 1 ? 'transient' : 'unknown';
}

function metricOf(m: Metrics | null, metric: Exclude<Metric, 'distanceFromFlow' | 'steps'>): number | null {
  if (!m) return null;
  return metric === 'distanceFromInit' ? m.distanceFromInit.l1 : m[metric];
}

export function runRows(summary: SweepSummary): RunRow[] {
  return summary.runs.map((r) => ({
    lr: r.lr,
    outcome: r.outcome,
    steps: r.steps,
    sharpness: metricOf(r.final, 'sharpness'),
    maxSharpness: r.maxSharpness,
    l1: metricOf(r.final, 'l1'),
    l2: metricOf(r.final, 'l2'),
    nuclear: metricOf(r.final, 'nuclear'),
    testLoss: metricOf(r.final, 'testLoss'),
    testAccuracy: metricOf(r.final, 'testAccuracy'),
    trainLoss: r.final?.trainLoss ?? null,
    distanceFromFlow: r.distanceFromFlow?.l1 ?? null,
    distanceFromInit: metricOf(r.final, 'distanceFromInit'),
    stop: stopOf(r),
  }));
}

/**
 * Whether a run's final iterate is drawn as a value: converged, or stopped at max steps. A
 * diverged or stalled run (a cycle GD never leaves, e.g. a collapsed net) is marked at its rate.
 */
const drawn = (outcome: RunRow['outcome']): boolean => outcome === 'converged' || outcome === 'max-steps';

/**
 * The value of a metric for a run (null where it is not drawn). `steps` is the number of GD
 * steps to the loss goal, which only a converged run reached: a run stopped at max steps has
 * no such number (its count is the cap).
 */
export function metricValue(row: RunRow, metric: Metric): number | null {
  if (!drawn(row.outcome)) return null;
  if (metric === 'steps') return row.outcome === 'converged' ? row.steps : null;
  return row[metric];
}

/** The gradient-flow counterpart of a metric (none for the distance from the flow itself, nor for GD's step count). */
export function flowValue(summary: SweepSummary, metric: Metric): number | null {
  return metric === 'distanceFromFlow' || metric === 'steps' ? null : metricOf(summary.flowFinal, metric);
}

export type Regime = 'flow-aligned' | 'EoS' | 'critical';

/**
 * The regime of a learning rate (Section 2): flow-aligned below eta_c = 2/s_GF,
 * EoS above it. The grid of appendix G samples eta_c itself (4 steps of
 * 1/(2 s_GF)); that rate is on the boundary and belongs to neither.
 */
export function regime(summary: SweepSummary, lr: number): Regime {
  const relative = lr / summary.criticalLr - 1;
  return relative < -1e-6 ? 'flow-aligned' : relative > 1e-6 ? 'EoS' : 'critical';
}

/** Runs whose final values are drawn (converged or stopped at max steps). */
export function finishedRows(rows: RunRow[]): RunRow[] {
  return rows.filter((r) => drawn(r.outcome));
}

/** Name of the selection that links a learning rate across the panels of a figure. */
export const LR_SELECTION = 'pickLr';

/** The learning-rate axis: linear from 0, or logarithmic over the sampled rates (log-log panels). */
const lrAxis = (summary: SweepSummary, log: boolean): Spec => ({
  field: 'lr',
  type: 'quantitative',
  title: AXIS_TITLES.lr,
  scale: log ? { type: 'log', domain: logLrDomain(summary), nice: false } : { domain: [0, lrDomainMax(summary)], nice: false },
});

const num = (field: string, title: string, format = '.4~g'): Spec => ({ field, type: 'quantitative', title, format });

const rule = (name: string, values: Spec[], encoding: Spec, mark: Spec): Spec => ({ name, data: { values }, mark: { type: 'rule', clip: true, ...mark }, encoding });

/** Dotted verticals at the rates of runs that have no final value in a panel, by outcome. */
const outcomeRule = (name: string, runs: RunRow[], series: Series): Spec =>
  rule(name, runs, { x: { field: 'lr', type: 'quantitative' }, color: seriesColour(series), tooltip: [num('lr', 'η'), { field: 'outcome' }, num('steps', 'steps')] }, { strokeDash: [2, 3], opacity: 0.7 });

/** A quantity that is not one of the recorded metrics, e.g. the diagonal net's ||w∘w||_1 = ||w||_2^2. */
export interface CustomQuantity {
  title: string;
  /** Its value for a finished run (null: not available). */
  run: (run: GdResult) => number | null;
  /** Its gradient-flow value, drawn as the dotted line (null: none). */
  flow: number | null;
}

export interface PanelOptions {
  /** Unique within the figure: names the view for the linked selection. */
  id: string;
  metric: Metric | CustomQuantity;
  /** Panel title; an array gives several lines. */
  title?: string | string[];
  /** Fixed y domain, e.g. shared by the panels of one row. */
  yDomain?: [number, number];
  /** Extra layers drawn under the final values (e.g. a theory curve), encoding their y as field `value`. */
  extraLayers?: Spec[];
}

/** Upper end of the learning-rate axis: the largest sampled rate, plus a margin. */
export function lrDomainMax(summary: SweepSummary): number {
  return 1.04 * Math.max(...summary.runs.map((r) => r.lr), summary.criticalLr);
}

/** The log-scale learning-rate range: the sampled rates, with the margin of `lrDomainMax` at both ends. */
export function logLrDomain(summary: SweepSummary): [number, number] {
  return [Math.min(...summary.runs.map((r) => r.lr)) / 1.04, lrDomainMax(summary)];
}

/**
 * The paper's rate in the flow-aligned regime (appendix H.8): GD steps to the
 * loss goal ∝ 1/η, a line of slope -1 in log-log through the smallest rate
 * that converged properly (not mid-catapult), across the panel. Empty when no
 * rate did.
 */
export function inverseRateLine(summary: SweepSummary): { lr: number; value: number }[] {
  const anchor = runRows(summary)
    .filter((r) => r.outcome === 'converged' && r.stop !== 'transient')
    .sort((a, b) => a.lr - b.lr)[0];
  return anchor ? logLrDomain(summary).map((lr) => ({ lr, value: (anchor.steps * anchor.lr) / lr })) : [];
}

/** y range of the sharpness panel: everything measured, not the exploding 2/eta curve. */
export function sharpnessDomain(summary: SweepSummary): [number, number] {
  const rows = runRows(summary);
  const values = [summary.sGF, summary.flowFinal.sharpness, ...rows.flatMap((r) => [r.sharpness, r.maxSharpness])].filter((v): v is number => v !== null && Number.isFinite(v));
  return [0, 1.1 * Math.max(...values)];
}

/**
 * Points of the 2/eta curve inside the panel (up to yMax): dense for the line,
 * and at each sampled rate for the crosses. Marks far outside a clipped panel
 * are left out, not only hidden: resvg aborts on a clipped symbol with no
 * visible part.
 */
export function stabilityCurve(summary: SweepSummary, yMax: number): { line: Spec[]; crosses: Spec[] } {
  const hi = lrDomainMax(summary);
  const lo = Math.min(hi, 2 / yMax);
  const n = 120;
  const line = Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1))).map((lr) => ({ lr, value: 2 / lr }));
  const crosses = summary.runs.filter((r) => 2 / r.lr <= yMax).map((r) => ({ lr: r.lr, value: 2 / r.lr, outcome: r.outcome }));
  return { line, crosses };
}

/**
 * One panel: a metric of the final GD iterates against the learning rate, with
 * the reference lines of appendix I. Returns a layered view.
 */
export function sweepPanel(summary: SweepSummary, opts: PanelOptions): Spec {
  const { id, metric } = opts;
  const custom = typeof metric === 'object' ? metric : null;
  const rows = runRows(summary);
  const values = summary.runs.map((run, i) => (custom ? (drawn(run.outcome) ? custom.run(run) : null) : metricValue(rows[i], metric as Metric)));
  const points = rows.map((row, i) => ({ ...row, value: values[i] })).filter((r) => r.value !== null && Number.isFinite(r.value));
  const xMax = lrDomainMax(summary);
  const yTitle = custom ? custom.title : AXIS_TITLES[metric as Metric];
  const isSharpness = metric === 'sharpness';
  // Steps ∝ 1/η is a straight line in log-log.
  const isSteps = metric === 'steps';
  const yDomain = opts.yDomain ?? (isSharpness ? sharpnessDomain(summary) : undefined);
  const y: Spec = { field: 'value', type: 'quantitative', title: yTitle, scale: { ...(isSteps ? { type: 'log' } : { zero: false }), ...(yDomain ? { domain: yDomain, nice: false } : {}) } };
  const x = lrAxis(summary, isSteps);
  const layers: Spec[] = [];

  if (isSharpness && yDomain) {
    const curve = stabilityCurve(summary, yDomain[1]);
    layers.push(
      { name: `${id}-stability-line`, data: { values: curve.line }, mark: { type: 'line', clip: true, strokeWidth: 1.2 }, encoding: { x, y, color: seriesColour(SERIES.stability), tooltip: [num('lr', 'η'), num('value', '2/η')] } },
      {
        name: `${id}-stability`,
        data: { values: curve.crosses },
        mark: { type: 'point', shape: 'cross', clip: true, size: 40, strokeWidth: 1.5 },
        encoding: { x, y, color: seriesColour(SERIES.stability), tooltip: [num('lr', 'η'), num('value', '2/η')] },
      },
      rule(`${id}-sGF`, [{ value: summary.sGF, label: 's_GF' }], { y: { field: 'value', type: 'quantitative' }, color: seriesColour(SERIES.sGF), tooltip: [{ field: 'label', title: 'line' }, num('value', 's_GF')] }, { strokeWidth: 1.5 }),
    );
  }
  if (isSteps) {
    layers.push({
      name: `${id}-inverseRate`,
      data: { values: inverseRateLine(summary) },
      mark: { type: 'line', clip: true, strokeDash: [4, 3], strokeWidth: 1.2 },
      encoding: { x, y, color: seriesColour(SERIES.inverseRate), tooltip: [num('lr', 'η'), num('value', SERIES.inverseRate)] },
    });
  }
  layers.push(...(opts.extraLayers ?? []));
  const gf = custom ? custom.flow : flowValue(summary, metric as Metric);
  if (gf !== null) {
    layers.push(rule(`${id}-flow`, [{ value: gf, label: 'gradient flow' }], { y: { field: 'value', type: 'quantitative' }, color: seriesColour(SERIES.flow), tooltip: [{ field: 'label', title: 'line' }, num('value', 'GF value')] }, { strokeDash: [2, 2], strokeWidth: 1.5 }));
  }
  layers.push(
    rule(`${id}-critical`, [{ lr: summary.criticalLr, label: 'η_c = 2/s_GF' }], { x: { field: 'lr', type: 'quantitative' }, color: seriesColour(SERIES.critical), tooltip: [{ field: 'label', title: 'line' }, num('lr', 'η')] }, { strokeDash: [6, 4], strokeWidth: 1.5 }),
  );
  // s_0 can be negative (the diagonal net at a small initialisation): then there is no 1/s_0 rate.
  if (summary.s0 > 0 && 1 / summary.s0 <= xMax) {
    layers.push(rule(`${id}-inverseS0`, [{ lr: 1 / summary.s0, label: '1/s_0' }], { x: { field: 'lr', type: 'quantitative' }, color: seriesColour(SERIES.inverseS0), tooltip: [{ field: 'label', title: 'line' }, num('lr', 'η')] }, { strokeDash: [6, 4], strokeWidth: 1.5 }));
  }
  const diverged = rows.filter((r) => r.outcome === 'diverged');
  if (diverged.length > 0) layers.push(outcomeRule(`${id}-diverged`, diverged, SERIES.diverged));
  // A run stopped at max steps that has no value here (its steps to the goal) and a stalled run are marked like a diverged rate, not dropped.
  const capped = rows.filter((r, i) => r.outcome === 'max-steps' && values[i] === null);
  if (capped.length > 0) layers.push(outcomeRule(`${id}-maxSteps`, capped, SERIES.maxSteps));
  const stalled = rows.filter((r) => r.outcome === 'stalled');
  if (stalled.length > 0) layers.push(outcomeRule(`${id}-stalled`, stalled, SERIES.stalled));
  if (isSharpness) {
    layers.push({
      name: `${id}-maxSharpness`,
      data: { values: points.filter((r) => r.maxSharpness !== null) },
      mark: { type: 'point', filled: false, size: 45, clip: true },
      encoding: { x, y: { ...y, field: 'maxSharpness' }, color: seriesColour(SERIES.maxSharpness), tooltip: [num('lr', 'η'), num('maxSharpness', 'max sharpness during GD'), num('steps', 'steps')] },
    });
  }
  layers.push(
    {
      name: `${id}-final`,
      data: { values: points },
      mark: { type: 'point', filled: true, size: 50, clip: true },
      encoding: {
        x,
        y,
        color: seriesColour(SERIES.final),
        // A transient stop (the loss goal met mid-catapult) is drawn as a triangle.
        shape: { condition: { test: "datum.stop === 'transient'", value: 'triangle-up' }, value: 'circle' },
        opacity: { condition: { param: LR_SELECTION, empty: true, value: 1 }, value: 0.3 },
        tooltip: [num('lr', 'η'), num('value', yTitle), { field: 'outcome' }, { field: 'stop', title: 'stop' }, num('steps', 'steps'), num('sharpness', 'final sharpness'), num('l1', 'ℓ1-norm'), num('testLoss', 'test loss')],
      },
    },
    {
      name: `${id}-picked`,
      data: { values: points },
      transform: [{ filter: { param: LR_SELECTION, empty: false } }],
      mark: { type: 'rule', color: '#555555', strokeWidth: 1 },
      encoding: { x: { field: 'lr', type: 'quantitative' } },
    },
  );
  return { title: { text: opts.title ?? '', fontSize: 11 }, width: 230, height: 170, layer: layers };
}

/** Name of the layer holding the final values of panel `id`: the views the selection listens to. */
export const finalView = (id: string): string => `${id}-final`;

/** The linked learning-rate selection of a figure made of the given panels (`nearest` needs point marks). */
export function lrSelection(panelIds: string[], nearest = true): Spec {
  return { name: LR_SELECTION, select: { type: 'point', fields: ['lr'], on: 'click', clear: 'dblclick', nearest }, views: panelIds.map(finalView) };
}

/** One panel of a grid: a metric of a sweep (the grid names the views). */
export type Cell = { summary: SweepSummary } & Omit<PanelOptions, 'id'>;

/** A panel that says, in lines of text, why a sweep is not drawn (e.g. its data set is out of reach). */
export type NoteCell = { note: string[]; title?: string | string[] };

/** A note the size of a sweep panel. */
export function notePanel(cell: NoteCell): Spec {
  return {
    title: { text: cell.title ?? '', fontSize: 11 },
    width: 230,
    height: 170,
    view: { stroke: null },
    data: { values: cell.note.map((text, i) => ({ text, i })) },
    mark: { type: 'text', align: 'center', baseline: 'middle', fontSize: 11, color: '#555555' },
    encoding: {
      x: { value: 115 },
      y: { field: 'i', type: 'ordinal', axis: null },
      text: { field: 'text' },
      tooltip: { field: 'text' },
    },
  };
}

/**
 * Panels in rows, linked by one learning-rate selection, with one shared legend
 * of the sweep series; a note cell stands in for a sweep that is not drawn.
 * Figures that are not part of the grid (a concat of other kinds) compose the
 * result as they like.
 */
export function panelGrid(rows: (Cell | NoteCell)[][]): Spec {
  const ids: string[] = [];
  const built = rows.map((row, r) =>
    row.map((cell, c) => {
      if ('note' in cell) return notePanel(cell);
      const { summary, ...opts } = cell;
      const id = `r${r}c${c}`;
      ids.push(id);
      return sweepPanel(summary, { id, ...opts });
    }),
  );
  // A wrapped concat aligns the panels in columns, whatever the width of their titles.
  if (built.some((row) => row.length !== built[0].length)) throw new Error('panelGrid: rows must have equal length');
  const body = built.length === 1 ? { hconcat: built[0] } : { concat: built.flat(), columns: built[0].length };
  return { params: [lrSelection(ids)], ...body, resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } } };
}

/** The panels of one sweep side by side (its label belongs in the figure's subtitle). */
export function sweepRow(summary: SweepSummary, metrics: Metric[]): Spec {
  return panelGrid([metrics.map((metric) => ({ summary, metric }))]);
}

export interface SweepColumn {
  summary: SweepSummary;
  /** Column heading, e.g. "ε = 0.1" or the experiment (an array gives several lines). */
  label: string | string[];
}

/**
 * One column per sweep, one row per metric. With `shareY`, every row uses one
 * y range over all columns (Figure 2: "axis scales are equal for all three
 * instances").
 */
export function sweepColumns(columns: SweepColumn[], metrics: Metric[], opts: { shareY?: boolean } = {}): Spec {
  return panelGrid(
    metrics.map((metric, m) => {
      const yDomain = opts.shareY ? sharedDomain(columns.map((c) => c.summary), metric) : undefined;
      return columns.map((c) => ({ summary: c.summary, metric, yDomain, title: m === 0 ? c.label : '' }));
    }),
  );
}

/** One y range covering a metric in several sweeps (final values, GF values and, for sharpness, s_GF and max sharpness). */
export function sharedDomain(summaries: SweepSummary[], metric: Metric): [number, number] {
  if (metric === 'sharpness') return [0, Math.max(...summaries.map((s) => sharpnessDomain(s)[1]))];
  const values = summaries.flatMap((s) => [flowValue(s, metric), ...finishedRows(runRows(s)).map((r) => metricValue(r, metric))]).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = 0.05 * (hi - lo || Math.abs(hi) || 1);
  return [lo - pad, hi + pad];
}

/** Heading of a sweep: the experiment, then its loss goal and eta_c = 2/s_GF. */
export function columnLabel(summary: SweepSummary): string[] {
  return [summary.experiment.id, `ε = ${fmt(summary.lossGoal)}, η_c = 2/s_GF = ${fmt(summary.criticalLr)}`];
}
