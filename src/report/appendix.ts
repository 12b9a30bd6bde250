/**
 * Appendix I of the book: one section per row of the paper's Table 1, as the
 * paper's appendix I has one figure per row. Each section states the row's
 * setting, the paper's U-shape mark, our experiment, the status and U-shape of
 * the most faithful committed data (table1.ts), and the row's appendix I
 * figure drawn from the committed paper-setting results once its sweep is
 * complete there; otherwise a line saying what is missing.
 */
import { compactSvg, toSvg } from '../figures/export.js';
import { vegaContainer } from '../figures/html.js';
import { Unavailable, type SweepLoader } from '../figures/load.js';
import { findFigure, renderFigure } from '../figures/registry.js';
import { forDisplay } from '../figures/spec.js';
import { profile, type ProfileName } from '../sweep/profiles.js';
import { experimentsForRow, TABLE1, type Table1Row } from '../sweep/table1.js';
import { num, table } from './markdown.js';
import type { Table1Entry } from './table1.js';

/** The id of a row's section. */
export const rowSectionId = (row: number): string => `sec-table1-row-${row}`;

/** A row's figure: the chart with its static SVG (shown until the chart is drawn, and where scripts do not run) and caption, or why there is none. */
export type RowFigure = { spec: object; svg: string; title: string; caption: string } | { missing: string };

/** The appendix I figure of every row the loader can draw; the others say why not. */
export async function rowFigures(loader: SweepLoader): Promise<Map<number, RowFigure>> {
  const out = new Map<number, RowFigure>();
  for (const r of TABLE1) {
    try {
      const entry = findFigure(`row${r.row}`);
      const spec = forDisplay(await renderFigure(entry, loader));
      const title = spec.title && typeof spec.title === 'object' && !Array.isArray(spec.title) ? String(spec.title.text) : `row ${r.row}`;
      out.set(r.row, { spec, svg: compactSvg(await toSvg(spec)), title, caption: `${entry.paperFigure} of the paper, drawn from the committed results of the ${loader.profile} profile.` });
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      out.set(r.row, { missing: err.message });
    }
  }
  return out;
}

const code = (id: string) => `\`${id}\``;

function dataLine(profile: ProfileName | null, e: Table1Entry): string {
  if (!profile) return 'not run in any profile';
  const hours = e.hours ? `, ${num(e.hours, 2)} h` : '';
  return `${profile} profile: ${e.status}, ${e.runs} GD runs at this goal${hours}`;
}

function ourShape(e: Table1Entry): string {
  if (!e.ourMark) return e.status === 'not run' ? '–' : 'no mark yet (fewer than three converged rates)';
  const agreement = e.agrees === null ? '' : e.agrees ? ', the same shape as the paper' : ', **not** the shape of the paper';
  return `${e.ourMark}${agreement}${e.measured ? `: ${e.measured}` : ''}`;
}

/** `quick`: whether the quick profile has the row's experiment (then a local quick sweep can draw the figure). */
function figureBlock(r: Table1Row, fig: RowFigure, drawnFrom: string, quick: boolean): string {
  if ('missing' in fig) {
    const local = quick ? `; \`npm run figure -- row${r.row} --profile quick\` draws it from a local quick-profile sweep` : '';
    return `*Figure not drawn yet:* ${fig.missing}. It is drawn here from ${drawnFrom} once the row's sweep is complete there${local}.`;
  }
  const svg = `<img alt="${fig.title.replace(/"/g, '&quot;')}" src="data:image/svg+xml;base64,${Buffer.from(fig.svg).toString('base64')}">`;
  return [`::: {#fig-table1-row-${r.row}}`, '', '```{=html}', vegaContainer(fig.spec, 'vega-lite', svg), '```', '', fig.caption, '', ':::'].join('\n');
}

/**
 * The chapter's generated part: the page script once (`scriptSrc`: its path
 * from the chapter's page), then the 48 sections in the paper's order. `best`
 * is the most faithful entry per row (bestTable1); `drawnFrom` names where the
 * figures come from.
 */
export function appendixPartial(best: readonly { profile: ProfileName | null; entry: Table1Entry }[], figures: ReadonlyMap<number, RowFigure>, drawnFrom: string, scriptSrc: string): string {
  const quick = new Set(profile('quick').map((e) => e.experiment.id));
  const sections = TABLE1.map((r, i) => {
    const { profile: from, entry } = best[i];
    const ids = experimentsForRow(r);
    const rows: string[][] = [
      ['model', r.model],
      ['dataset', r.dataset],
      ['loss', r.loss],
      ['seed', String(r.seed)],
      ['initialisation scale', r.initScale === 1 ? '1 (default)' : `×${r.initScale}`],
      ['loss goal ε', String(r.lossGoal)],
      ['paper figures', r.figures.split(',').join(', ')],
      ["paper's U-shape", entry.paperMark ?? 'no mark in the paper'],
      ['our experiment', ids.map(code).join(', ')],
      ['data', dataLine(from, entry)],
      ['our U-shape', ourShape(entry)],
    ];
    const heading = `## Row ${r.row}: ${r.model}, ${r.dataset}, ${r.loss}, ε = ${r.lossGoal}${r.seed === 43 ? '' : `, seed ${r.seed}`}${r.initScale === 1 ? '' : `, init ×${r.initScale}`} {#${rowSectionId(r.row)}}`;
    return [heading, '', table(['setting', 'value'], rows, undefined, [20, 80]), '', figureBlock(r, figures.get(r.row) ?? { missing: 'not drawn' }, drawnFrom, ids.some((id) => quick.has(id)))].join('\n');
  });
  return [`\`\`\`{=html}\n<script src="${scriptSrc}"></script>\n\`\`\``, ...sections].join('\n\n');
}
