/**
 * Rich output for the tslab kernel: one display_data message per figure that
 * carries the Vega-Lite spec (as a JSON object, which JupyterLab renders
 * interactively) and a compact SVG for viewers without Vega-Lite. A stored
 * notebook's chart also carries an HTML rendering (the spec in a container
 * that vega-embed draws, its scripts served with the book), because Quarto
 * renders the notebooks as the book's chapters and does not render the
 * Vega-Lite type: its HTML pages take the HTML, its PDF the SVG.
 * scripts/notebooks.py adds it when it writes the notebook; the kernel does
 * not send it, since JupyterLab ranks HTML above Vega-Lite and would show it
 * instead of the live chart. tslab's public `display` sends one MIME type per
 * message, so the bundle goes through the kernel's display hook directly
 * (tslab is pinned to the version this was written for).
 */
import { createRequire } from 'node:module';
import { compactSvg, toSvg } from '../figures/export.js';
import { chartHtml, FIGURE_SCRIPT } from '../figures/html.js';
import { forDisplay, type Json, type Spec } from '../figures/spec.js';

export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

export interface DisplayBundle {
  data: Record<string, Json>;
  metadata: Record<string, Json>;
}

/** The page script seen from a notebook (notebooks/ lies next to reports/). */
const SCRIPT_FROM_NOTEBOOK = `../${FIGURE_SCRIPT}`;

/** Shown by the HTML rendering where its script does not run (it is hidden once the chart is drawn). */
const NOT_DRAWN = '<p><em>An interactive chart, drawn where the book serves its figure script (<code>npm run report</code>); run the cell to see it live.</em></p>';

/** What the kernel displays for a chart's (display) spec: the spec, a compact SVG and the title as plain text. */
async function liveRenderings(spec: Spec): Promise<Record<string, Json>> {
  const title = spec.title && typeof spec.title === 'object' && !Array.isArray(spec.title) ? String(spec.title.text) : 'figure';
  return { [VEGA_LITE_MIME]: spec, 'image/svg+xml': compactSvg(await toSvg(spec)), 'text/plain': title };
}

/** What a stored notebook keeps for a chart: the live renderings and the HTML rendering of the book's pages (forDisplay is idempotent, so older stored specs are cut to size too). */
export async function storedRenderings(stored: Spec): Promise<Record<string, Json>> {
  const spec = forDisplay(stored);
  return { ...(await liveRenderings(spec)), 'text/html': chartHtml(spec, SCRIPT_FROM_NOTEBOOK, NOT_DRAWN) };
}

/** The display bundle of a figure, from the spec with data rounded for display. */
export async function figureBundle(full: Spec): Promise<DisplayBundle> {
  return { data: await liveRenderings(forDisplay(full)), metadata: {} };
}

export function markdownBundle(markdown: string): DisplayBundle {
  return { data: { 'text/markdown': markdown, 'text/plain': markdown }, metadata: {} };
}

type WriteDisplayData = (content: DisplayBundle & { transient: Record<string, never> }, update: boolean) => void;

/** Send a bundle to the notebook; only possible inside a running tslab kernel. */
export function show(bundle: DisplayBundle): void {
  const kernel = createRequire(import.meta.url)('tslab/dist/jupyter.js') as { lastWriteDisplayData: WriteDisplayData | null };
  if (!kernel.lastWriteDisplayData) throw new Error('not running inside a tslab kernel: nothing to display to');
  kernel.lastWriteDisplayData({ ...bundle, transient: {} }, false);
}
