/**
 * The stored renderings of a notebook's charts, rebuilt from the Vega-Lite
 * spec each chart output keeps: what `scripts/notebooks.py` writes, so that
 * every stored chart carries the spec, its HTML rendering and SVG however it
 * was executed (and notebooks executed before a rendering existed get it
 * without being executed again).
 */
import type { Spec } from '../figures/spec.js';
import { storedRenderings, VEGA_LITE_MIME } from './display.js';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}

interface StoredNotebook {
  cells: { outputs?: Output[] }[];
}

const isSpec = (v: unknown): v is Spec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replace the data of every chart output by the renderings of its spec; returns the number of charts. */
export async function rerenderCharts(nb: StoredNotebook): Promise<number> {
  let charts = 0;
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) {
      const spec = output.data?.[VEGA_LITE_MIME];
      if (spec === undefined) continue;
      if (!isSpec(spec)) throw new Error(`a ${VEGA_LITE_MIME} output holds ${typeof spec}, not a spec object`);
      output.data = await storedRenderings(spec);
      charts++;
    }
  }
  return charts;
}
