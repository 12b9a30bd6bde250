/**
 * Headless rendering: Vega-Lite -> Vega -> SVG through a View without a
 * renderer, and SVG -> PNG with resvg. resvg is given the figure font's
 * directory explicitly instead of the system fonts, so a PNG looks the same on
 * every machine that has the font, and fails loudly on one that does not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { writeFileAtomic } from '../util/atomic.js';
import { FONT, type Spec } from './spec.js';

/** Where Debian's fonts-dejavu-core puts the font, used when fontconfig is unavailable. */
const DEBIAN_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

let fontPath: string | null = null;

/** Path of the figure font's file (fontconfig first), or an error saying how to install it. */
export function fontFile(): string {
  if (fontPath) return fontPath;
  let found: string | null = null;
  try {
    const path = execFileSync('fc-match', ['-f', '%{file}', FONT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // fc-match always answers; only a DejaVu Sans file is the font the specs name.
    if (basename(path).startsWith('DejaVuSans') && existsSync(path)) found = path;
  } catch {
    // no fontconfig: fall back to the Debian location
  }
  found ??= existsSync(DEBIAN_FONT) ? DEBIAN_FONT : null;
  if (!found) throw new Error(`font '${FONT}' not found: install it (Debian: apt-get install fonts-dejavu-core)`);
  fontPath = found;
  return found;
}

/** Compile a Vega-Lite spec to Vega, failing on anything Vega-Lite only warns about. */
export function toVega(spec: Spec): ReturnType<typeof compile>['spec'] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => {
      throw new Error(args.join(' '));
    },
    warn: (...args: unknown[]) => {
      warnings.push(args.join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  // Vega takes over the data arrays it is given (it tags and may reorder tuples): work on a copy.
  const out = compile(structuredClone(spec) as unknown as TopLevelSpec, { logger: logger as never }).spec;
  if (warnings.length > 0) throw new Error(`Vega-Lite warnings: ${warnings.join('; ')}`);
  return out;
}

/** Vega writes coordinates with up to 17 digits; 1/100 px (`perPixel` 100) is finer than any screen or printer. */
function roundGeometry(svg: string, perPixel: number): string {
  const round = (value: string): string => value.replace(/-?\d*\.\d+(?:e[-+]?\d+)?/gi, (num) => String(Math.round(Number(num) * perPixel) / perPixel));
  return svg.replace(/ (d|transform|points|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g, (_, name: string, value: string) => ` ${name}="${round(value)}"`);
}

const hex = (channel: string): string => Number(channel).toString(16).padStart(2, '0');

/**
 * Vega numbers clip paths and gradients with counters that run over every
 * view of the process: numbered again from 1 in each SVG, the same figure
 * gives the same text whatever was drawn before it.
 */
function renumberIds(svg: string): string {
  const ids = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const [, id, prefix] of svg.matchAll(/ id="((clip|gradient_)\d+)"/g)) {
    const n = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, n);
    ids.set(id, `${prefix}${n}`);
  }
  return svg.replace(/( id="|url\(#)((?:clip|gradient_)\d+)/g, (whole, lead: string, id: string) => `${lead}${ids.get(id) ?? id}`);
}

/**
 * The same drawing in about two thirds of the bytes, for the copy a notebook
 * stores with each chart: coordinates to 1/10 px, colours as hex, without the
 * attributes nothing draws (Vega's ARIA labels and roles, its scenegraph
 * classes, pointer events; the SVG carries no style sheet), ids numbered per
 * figure so that a re-executed notebook only changes where the figure does.
 */
export function compactSvg(svg: string): string {
  return renumberIds(roundGeometry(svg, 10))
    .replace(/ (?:aria-[\w-]+|role|class|pointer-events)="[^"]*"/g, '')
    .replace(/rgb\((\d+), ?(\d+), ?(\d+)\)/g, (_, r: string, g: string, b: string) => `#${hex(r)}${hex(g)}${hex(b)}`);
}

export async function toSvg(spec: Spec): Promise<string> {
  const view = new View(parse(toVega(spec)), { renderer: 'none' });
  try {
    return roundGeometry(await view.toSVG(), 100);
  } finally {
    view.finalize();
  }
}

/** PNG of an SVG at `scale` times its size. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const font = fontFile();
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: false, fontDirs: [dirname(font)], defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render().asPng();
}

export interface ExportedFigure {
  svg: string;
  png: string;
  spec: string;
}

/** Write `<dir>/<id>.svg`, `.png` and the Vega-Lite spec `.vl.json` (openable in the online Vega editor). */
export async function exportFigure(id: string, spec: Spec, dir: string): Promise<ExportedFigure> {
  mkdirSync(dir, { recursive: true });
  const svg = await toSvg(spec);
  const paths = { svg: join(dir, `${id}.svg`), png: join(dir, `${id}.png`), spec: join(dir, `${id}.vl.json`) };
  writeFileAtomic(paths.svg, svg);
  writeFileAtomic(paths.png, svgToPng(svg));
  writeFileAtomic(paths.spec, `${JSON.stringify(spec, null, 1)}\n`);
  return paths;
}
