/**
 * Vega-Lite specs as plain JSON objects, and the look shared by every figure:
 * one fixed font (measuring and drawing must agree, in the browser and in the
 * headless SVG/PNG export) and the colour code of the paper's appendix I plots.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

/** A Vega-Lite (fragment of a) specification. */
export type Spec = { [key: string]: Json | undefined };

/** Font of every figure; the PNG export loads its file explicitly (see export.ts). */
export const FONT = 'DejaVu Sans';

/** Series of the learning-rate sweep plots, coloured as in appendix I of the paper. */
export const SERIES = {
  final: 'GD final value',
  flow: 'GF final value',
  maxSharpness: 'max sharpness during GD',
  stability: '2/η',
  critical: 'η_c = 2/s_GF',
  inverseS0: '1/s_0',
  sGF: 's_GF',
  diverged: 'diverged',
  maxSteps: 'stopped at max steps',
  stalled: 'stalled (parameters recur)',
  inverseRate: 'steps ∝ 1/η',
  predicted: 'theory',
  firstOrder: 'first-order part ρ‖|w|⊙∇L‖',
} as const;
export type Series = (typeof SERIES)[keyof typeof SERIES];

const SERIES_COLOURS: Record<Series, string> = {
  [SERIES.final]: '#2ca02c',
  [SERIES.flow]: '#2ca02c',
  [SERIES.maxSharpness]: '#000000',
  [SERIES.stability]: '#1f77b4',
  [SERIES.critical]: '#ff7f0e',
  [SERIES.inverseS0]: '#9467bd',
  [SERIES.sGF]: '#ff7f0e',
  [SERIES.diverged]: '#d62728',
  [SERIES.maxSteps]: '#8c564b',
  [SERIES.stalled]: '#bcbd22',
  [SERIES.inverseRate]: '#7f7f7f',
  [SERIES.predicted]: '#e377c2',
  [SERIES.firstOrder]: '#7f7f7f',
};

/** A colour encoding that puts a layer into the legend of the sweep series (scale set by `topLevel`). */
export function seriesColour(series: Series): Spec {
  return { datum: series, type: 'nominal' };
}

/** Every colour encoding by series datum in `spec`. */
function seriesEncodings(spec: Json | undefined, found: Spec[] = []): Spec[] {
  if (Array.isArray(spec)) spec.forEach((s) => seriesEncodings(s, found));
  else if (spec && typeof spec === 'object') {
    const colour = spec.encoding && typeof spec.encoding === 'object' && !Array.isArray(spec.encoding) ? spec.encoding.color : undefined;
    if (colour && typeof colour === 'object' && !Array.isArray(colour) && typeof colour.datum === 'string' && colour.datum in SERIES_COLOURS) found.push(colour);
    Object.values(spec).forEach((v) => seriesEncodings(v, found));
  }
  return found;
}

/** One colour scale for the series a figure actually draws, so its legend lists only those. */
function attachSeriesScale(spec: Spec): void {
  const encodings = seriesEncodings(spec);
  const used = (Object.keys(SERIES_COLOURS) as Series[]).filter((s) => encodings.some((e) => e.datum === s));
  for (const e of encodings) {
    e.scale = { domain: used, range: used.map((s) => SERIES_COLOURS[s]) };
    e.legend = { title: null, orient: 'bottom', columns: 3, symbolType: 'stroke' };
  }
}

export const AXIS_TITLES = {
  lr: 'learning rate η',
  time: 'intrinsic time η·t',
  // What the sweeps record along training: the largest algebraic eigenvalue (max|λ| is in each run's finalSpectrum).
  sharpness: 'sharpness S_L = λ_max(H)',
  l1: 'ℓ1-norm',
  l2: 'ℓ2-norm',
  nuclear: 'nuclear norm',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
  trainLoss: 'train loss',
  distanceFromFlow: 'ℓ1-distance from GF',
  distanceFromInit: 'ℓ1-distance from init',
  steps: 'GD steps to the loss goal',
} as const;

/** Wrap a view into a top-level spec with the shared configuration. */
export function topLevel(title: string, body: Spec, subtitle?: string | string[]): Spec {
  attachSeriesScale(body);
  return {
    // JupyterLab renders application/vnd.vegalite.v5+json; the specs use nothing newer.
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, ...(subtitle ? { subtitle } : {}), anchor: 'start', fontSize: 14 },
    background: 'white',
    padding: 8,
    ...body,
    config: {
      font: FONT,
      view: { continuousWidth: 220, continuousHeight: 170 },
      axis: { labelFontSize: 10, titleFontSize: 11, grid: true, gridOpacity: 0.4 },
      legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 },
      title: { subtitleFontSize: 11 },
    },
  };
}

/** Short numeric label for titles and legends. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(digits - 1) : Number(x.toPrecision(digits)).toString();
}

/** Significant digits kept in inline data for display: beyond what an axis, a colour or a tooltip can show. */
const DISPLAY_DIGITS = 6;

function roundNumbers(x: Json | undefined): Json | undefined {
  if (typeof x === 'number') return Number.isFinite(x) ? Number(x.toPrecision(DISPLAY_DIGITS)) : x;
  if (Array.isArray(x)) return x.map((v) => roundNumbers(v) as Json);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundNumbers(v)]));
  return x;
}

/** Whether `x` is a view's inline data: `{ values: [...] }`. */
const isInline = (k: string, v: Json | undefined): v is { values: Json[] } => k === 'data' && !!v && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.values);

/** Keys whose values are child views: what a parent's encodings and transforms pass down is the rest. */
const COMPOSITION = new Set(['layer', 'hconcat', 'vconcat', 'concat', 'spec']);

interface References {
  strings: Set<string>;
  /** A tooltip that shows every field of the row. */
  allFields: boolean;
}

/** The strings of `x` (field names, expressions) outside inline data and, with `shallow`, outside child views. */
function references(x: Json | undefined, out: References, shallow = false): References {
  if (typeof x === 'string') out.strings.add(x);
  else if (Array.isArray(x)) for (const v of x) references(v, out);
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if (k === 'tooltip' && (v === true || (v && typeof v === 'object' && !Array.isArray(v) && v.content === 'data'))) out.allFields = true;
      if (!isInline(k, v) && !(shallow && COMPOSITION.has(k))) references(v, out);
    }
  }
  return out;
}

/** Whether a view whose spec holds `strings` can read field `key`: by name, or in an expression. */
const referenced = (key: string, strings: Set<string>): boolean =>
  strings.has(key) || [...strings].some((s) => s.includes(`datum.${key}`) || s.includes(`datum['${key}']`) || s.includes(`datum["${key}"]`));

/**
 * The spec with its inline data (`data.values`, at any depth) cut to what it is
 * drawn for: each row keeps only the fields that its view, the views inside it
 * (which inherit its data) and the views around it (whose encodings and
 * transforms it inherits) refer to, and numbers are rounded to 6 significant
 * digits. The form embedded in executed notebooks and the book, where unused
 * metrics and float64 digits make up most of a figure's bytes.
 */
export function forDisplay(spec: Spec): Spec {
  const copy = (r: References): References => ({ strings: new Set(r.strings), allFields: r.allFields });
  const walk = (x: Json | undefined, around: References): Json | undefined => {
    if (Array.isArray(x)) return x.map((v) => walk(v, around) as Json);
    if (!x || typeof x !== 'object') return x;
    // Only a view with child views passes its own references down; below anything else `around` is unchanged.
    const inherited = Object.keys(x).some((k) => COMPOSITION.has(k)) ? references(x, copy(around), true) : around;
    const data = Object.entries(x).find(([k, v]) => isInline(k, v));
    let keep = (row: Json): Json => row;
    if (data) {
      const refs = references(x, copy(around));
      const kept = new Map<string, boolean>();
      const keeps = (k: string): boolean => kept.get(k) ?? kept.set(k, referenced(k, refs.strings)).get(k)!;
      if (!refs.allFields) keep = (row) => (row && typeof row === 'object' && !Array.isArray(row) ? Object.fromEntries(Object.entries(row).filter(([k]) => keeps(k))) : row);
    }
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, isInline(k, v) ? { ...v, values: roundNumbers(v.values.map(keep)) } : walk(v, inherited)]));
  };
  return walk(spec, { strings: new Set(), allFields: false }) as Spec;
}
