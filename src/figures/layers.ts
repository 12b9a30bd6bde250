/**
 * Per-layer norms of the final solutions (appendix H.12, Figure 14): each
 * parameter block's norm minus its value at the smallest learning rate, so all
 * blocks start at 0 and their growth with the rate can be compared.
 */
import type { SweepSummary } from '../sweep/schema.js';
import { AXIS_TITLES, type Spec } from './spec.js';
import { finalView, LR_SELECTION, lrDomainMax, lrSelection } from './sweep.js';

export type LayerNorm = 'l1' | 'l2';

export interface LayerRow {
  [key: string]: string | number;
  layer: string;
  lr: number;
  norm: number;
  /** norm - norm at the smallest converged rate. */
  value: number;
}

export function layerRows(summary: SweepSummary, which: LayerNorm): LayerRow[] {
  const runs = summary.runs.filter((r) => r.perLayer !== null).sort((a, b) => a.lr - b.lr);
  if (runs.length === 0) return [];
  const reference = new Map(runs[0].perLayer?.map((b) => [b.name, b[which]]));
  return runs.flatMap((r) => (r.perLayer ?? []).map((b) => ({ layer: b.name, lr: r.lr, norm: b[which], value: b[which] - (reference.get(b.name) ?? NaN) })));
}

export interface LayerPanel {
  summary: SweepSummary;
  norm: LayerNorm;
  title: string;
}

/** Figure 14: one panel per (sweep, norm), one line per parameter block. */
export function layerNormFigure(panels: LayerPanel[]): Spec {
  const ids = panels.map((_, k) => `layers${k}`);
  return {
    params: [lrSelection(ids, false)],
    hconcat: panels.map(({ summary, norm, title }, k) => ({
      title,
      width: 260,
      height: 190,
      layer: [
        {
          data: { values: [{ lr: summary.criticalLr, label: 'η_c = 2/s_GF' }] },
          mark: { type: 'rule', strokeDash: [6, 4], color: '#ff7f0e' },
          encoding: { x: { field: 'lr', type: 'quantitative' }, tooltip: [{ field: 'label', title: 'line' }, { field: 'lr', type: 'quantitative', format: '.4~g' }] },
        },
        {
          name: finalView(ids[k]),
          data: { values: layerRows(summary, norm) },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'lr', type: 'quantitative', title: AXIS_TITLES.lr, scale: { domain: [0, lrDomainMax(summary)], nice: false } },
            y: { field: 'value', type: 'quantitative', title: `Δ ${AXIS_TITLES[norm]} from smallest η` },
            color: { field: 'layer', type: 'nominal', title: 'parameter block', legend: { orient: 'right' } },
            opacity: { condition: { param: LR_SELECTION, empty: true, value: 1 }, value: 0.35 },
            tooltip: [{ field: 'layer' }, { field: 'lr', type: 'quantitative', title: 'η', format: '.4~g' }, { field: 'norm', type: 'quantitative', title: AXIS_TITLES[norm], format: '.5~g' }, { field: 'value', type: 'quantitative', title: 'change', format: '.4~g' }],
          },
        },
      ],
    })),
    resolve: { scale: { color: 'shared' } },
  };
}
