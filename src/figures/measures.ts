/**
 * Figure 10 (appendix H.9): six sharpness measures of the final GD iterates against the
 * learning rate, one column per setting. The top Hessian eigenvalue is the run's final
 * sharpness (with the 2/eta curve and s_GF); the others come from the run's `measures`
 * (src/train/measure.ts, finalMeasures), estimates drawn with ±2 standard errors.
 */
import type { SweepSummary } from '../sweep/schema.js';
import type { FinalMeasures } from '../train/schema.js';
import { Unavailable } from './load.js';
import { fmt, SERIES, seriesColour, type Spec } from './spec.js';
import { panelGrid, type Cell, type CustomQuantity } from './sweep.js';

type Estimated = 'hessianTrace' | 'averageAdaptive' | 'fisherTrace';

interface Measure {
  title: (m: FinalMeasures['spec']) => string;
  value: (m: FinalMeasures) => number;
  /** The field of an estimate with a standard error. */
  estimate?: Estimated;
  /** A further layer of the panel (named from the panel id). */
  extra?: (id: string, summary: SweepSummary) => Spec;
}

const MEASURES: Measure[] = [
  { title: () => 'Hessian trace (Hutchinson)', value: (m) => m.hessianTrace.value, estimate: 'hessianTrace' },
  { title: (s) => `avg. adaptive sharpness, ρ = ${fmt(s.averageRho)}`, value: (m) => m.averageAdaptive.value, estimate: 'averageAdaptive' },
  { title: (s) => `worst adaptive sharpness, ρ = ${fmt(s.worstRho)}`, value: (m) => m.worstAdaptive, extra: firstOrderPoints },
  { title: () => 'Fisher (Gauss-Newton) λ_max', value: (m) => m.fisherTop },
  { title: () => 'Fisher (Gauss-Newton) trace', value: (m) => m.fisherTrace.value, estimate: 'fisherTrace' },
];

/** ±2 standard errors of an estimated measure at each finished run, as rules under the final values. */
function errorBars(id: string, summary: SweepSummary, field: Estimated, title: string): Spec {
  const values = summary.runs.flatMap((r) => {
    const e = r.measures?.[field];
    return e ? [{ lr: r.lr, value: e.value - 2 * e.standardError, high: e.value + 2 * e.standardError, standardError: e.standardError }] : [];
  });
  return {
    name: `${id}-error`,
    data: { values },
    mark: { type: 'rule', clip: true, strokeWidth: 1.5, opacity: 0.7 },
    encoding: {
      x: { field: 'lr', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative' },
      y2: { field: 'high' },
      color: seriesColour(SERIES.final),
      tooltip: [
        { field: 'lr', type: 'quantitative', title: 'η', format: '.4~g' },
        { field: 'standardError', type: 'quantitative', title: `${title}: standard error`, format: '.3~g' },
      ],
    },
  };
}

/** The first-order part of the worst case at each run that recorded it, as open grey points. */
function firstOrderPoints(id: string, summary: SweepSummary): Spec {
  const values = summary.runs.flatMap((r) => (r.measures?.worstAdaptiveFirstOrder === undefined ? [] : [{ lr: r.lr, value: r.measures.worstAdaptiveFirstOrder }]));
  return {
    name: `${id}-firstOrder`,
    data: { values },
    mark: { type: 'point', filled: false, size: 40, clip: true },
    encoding: {
      x: { field: 'lr', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative' },
      color: seriesColour(SERIES.firstOrder),
      tooltip: [
        { field: 'lr', type: 'quantitative', title: 'η', format: '.4~g' },
        { field: 'value', type: 'quantitative', title: SERIES.firstOrder, format: '.3~g' },
      ],
    },
  };
}

export interface MeasuresColumn {
  summary: SweepSummary;
  label: string | string[];
}

/** The grid of Figure 10: one column per setting, rows top Hessian eigenvalue, then the five measures of MEASURES. */
export function measuresFigure(columns: MeasuresColumn[]): Spec {
  // The settings the measures were computed with (the same for every run of a sweep).
  const spec = (summary: SweepSummary): FinalMeasures['spec'] => {
    const measured = summary.runs.find((r) => r.measures)?.measures;
    if (!measured) throw new Unavailable(`${summary.experiment.id} has no run with final measures: its experiment must ask for them (measures) and its sweep be run again`);
    return measured.spec;
  };
  columns.forEach((c) => spec(c.summary));
  const rows: Cell[][] = [
    columns.map(({ summary, label }) => ({ summary, metric: 'sharpness', title: label })),
    ...MEASURES.map((m, k) =>
      columns.map(({ summary }, c): Cell => {
        const title = m.title(spec(summary));
        const quantity: CustomQuantity = { title, run: (r) => (r.measures ? m.value(r.measures) : null), flow: null };
        // panelGrid names the panels r<row>c<column>; the error bars take the same prefix.
        const id = `r${k + 1}c${c}`;
        return { summary, metric: quantity, extraLayers: [...(m.estimate ? [errorBars(id, summary, m.estimate, title)] : []), ...(m.extra ? [m.extra(id, summary)] : [])] };
      }),
    ),
  ];
  return panelGrid(rows);
}
