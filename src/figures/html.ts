/**
 * A chart as HTML that draws itself in a browser: a container holding the
 * Vega-Lite (or Vega) spec, which the page script `figures.js` renders with
 * vega-embed. The script and the Vega builds it loads are served next to the
 * book's pages (copied there by the report's prepare step), never from a CDN.
 */

/** The page script, relative to the repository root; the Vega builds lie in the same folder. */
export const FIGURE_SCRIPT = 'reports/_generated/js/figures.js';

/** The container figures.js renders; `<` is escaped so the spec cannot end the script element. */
export function vegaContainer(spec: unknown, mode: 'vega-lite' | 'vega', fallback: string | null): string {
  const json = (typeof spec === 'string' ? spec : JSON.stringify(spec)).replace(/</g, '\\u003c');
  return [
    `<div class="vega-figure" data-vega-mode="${mode}">`,
    `<script type="application/json" class="vega-spec">${json}</script>`,
    `<div class="vega-target"></div>`,
    fallback ? `<div class="vega-fallback">${fallback}</div>` : '',
    `</div>`,
  ].join('');
}

/** A static SVG drawing as an image element (the fallback shown until the chart is drawn, and in print). */
export function svgImage(alt: string, svg: string): string {
  return `<img alt="${alt.replace(/"/g, '&quot;')}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`;
}

/**
 * A self-contained chart for a page at `scriptPath` from the page script: its
 * container (with `fallback` until it is drawn), then the script (which runs
 * once per page however often it is included).
 */
export function chartHtml(spec: unknown, scriptPath: string, fallback: string): string {
  return `${vegaContainer(spec, 'vega-lite', fallback)}<script src="${scriptPath}"></script>`;
}
