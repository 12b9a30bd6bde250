/**
 * Rich output for the tslab kernel: one display_data message per figure that
 * carries the Vega-Lite spec (as a JSON object, which JupyterLab renders
 * interactively) together with SVG and PNG fallbacks for viewers without
 * Vega-Lite (classic notebook, nbconvert, GitHub). tslab's public `display`
 * sends one MIME type per message, so the bundle goes through the kernel's
 * display hook directly (tslab is pinned to the version this was written for).
 */
import { createRequire } from 'node:module';
import { svgToPng, toSvg } from '../figures/export.js';
import { forDisplay, type Json, type Spec } from '../figures/spec.js';

export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

export interface DisplayBundle {
  data: Record<string, Json>;
  metadata: Record<string, Json>;
}

/** The display bundle of a figure: Vega-Lite spec (data rounded for display), SVG, PNG (base64) and a plain-text title. */
export async function figureBundle(full: Spec): Promise<DisplayBundle> {
  const spec = forDisplay(full);
  const svg = await toSvg(spec);
  const title = spec.title && typeof spec.title === 'object' && !Array.isArray(spec.title) ? String(spec.title.text) : 'figure';
  return {
    data: { [VEGA_LITE_MIME]: spec, 'image/svg+xml': svg, 'image/png': svgToPng(svg, 1).toString('base64'), 'text/plain': title },
    metadata: {},
  };
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
