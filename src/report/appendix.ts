/**
 * Appendix I of the book: one section per row of the paper's Table 1, as the
 * paper's appendix I has one figure per row. Each section states the row's
 * setting, the paper's U-shape mark, our experiment, the status and U-shape of
 * the most faithful committed data (table1.ts), and the row's appendix I
 * figure drawn from the committed paper-setting results once its sweep is
 * complete there; otherwise a line saying what is missing. After the rows, the
 * figures of the paper's appendix I.8 (further properties of eight rows),
 * drawn the same way.
 */
import { compactSvg, toSvg } from '../figures/export.js';
import { svgImage, vegaContainer } from '../figures/html.js';
import { Unavailable, type SweepLoader } from '../figures/load.js';
import { findFigure, FURTHER_PROPERTIES, renderFigure } from '../figures/registry.js';
import { forDisplay } from '../figures/spec.js';
import { profile, type ProfileName } from '../sweep/profiles.js';
import { experimentsForRow, TABLE1, type Table1Row } from '../sweep/table1.js';
import { num, table } from './markdown.js';
import type { Table1Entry } from './table1.js';

/** The id of a row's section. */
export const rowSectionId = (row: number): string => `sec-table1-row-${row}`;

/** A figure of the appendix: the chart with its static SVG (shown until the chart is drawn, and where scripts do not run) and caption, or why there is none. */
export type AppendixFigure = { spec: object; svg: string; title: string; caption: string } | { missing: string };

/** The registry id of a row's figure. */
const rowFigureId = (r: Table1Row): string => `row${r.row}`;

/** The figure ids of the appendix: each row's, then appendix I.8's. */
const appendixFigureIds = (): string[] => [...TABLE1.map(rowFigureId), ...FURTHER_PROPERTIES.flatMap((p) => p.figures.map((f) => f.id))];

/** A figure drawn from the loader's results, or why it cannot be. */
async function drawFigure(id: string, loader: SweepLoader): Promise<AppendixFigure> {
  try {
    const entry = findFigure(id);
    const spec = forDisplay(await renderFigure(entry, loader));
    const title = spec.title && typeof spec.title === 'object' && !Array.isArray(spec.title) ? String(spec.title.text) : id;
    return { spec, svg: compactSvg(await toSvg(spec)), title, caption: `${entry.paperFigure} of the paper, drawn from the committed results of the ${loader.profile} profile.` };
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    return { missing: err.message };
  }
}

/**
 * Every figure of the appendix (by figure id), each from the first loader that can draw it (the most faithful
 * profile first); a figure none can draw says why not, for each loader.
 */
export async function appendixFigures(loaders: readonly SweepLoader[]): Promise<Map<string, AppendixFigure>> {
  const out = new Map<string, AppendixFigure>();
  for (const id of appendixFigureIds()) {
    const reasons: string[] = [];
    for (const loader of loaders) {
      const fig = await drawFigure(id, loader);
      if (!('missing' in fig)) {
        out.set(id, fig);
        break;
      }
      reasons.push(fig.missing);
    }
    if (!out.has(id)) out.set(id, { missing: reasons.join('; ') });
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

/**
 * A figure as a cross-referenced block (`anchor`), or the line saying why it is not drawn: `name` names it there
 * where a section holds several. `quick`: whether the quick profile has its experiment (then a local quick sweep can
 * draw it).
 */
function figureBlock(figure: { id: string; anchor: string; name?: string }, fig: AppendixFigure, drawnFrom: string, quick: boolean): string {
  if ('missing' in fig) {
    const local = quick ? `; \`npm run figure -- ${figure.id} --profile quick\` draws it from a local quick-profile sweep` : '';
    return `*${figure.name ?? 'Figure'} not drawn yet:* ${fig.missing}. It is drawn here from ${drawnFrom} once its sweep is complete there${local}.`;
  }
  return [`::: {#${figure.anchor}}`, '', '```{=html}', vegaContainer(fig.spec, 'vega-lite', svgImage(fig.title, fig.svg)), '```', '', fig.caption, '', ':::'].join('\n');
}

/** The paper's appendix I.8, after the rows: one subsection per part, its eight figures in the paper's order. `inQuick`: whether the quick profile has one of the experiments. */
function furtherPropertiesPart(figures: ReadonlyMap<string, AppendixFigure>, drawnFrom: string, inQuick: (ids: string[]) => boolean): string {
  const parts = FURTHER_PROPERTIES.map((p) => {
    const blocks = p.figures.map((f) => {
      const ids = Object.values(f.uses).flatMap((use) => ('anyOf' in use ? use.anyOf : use.allOf));
      return figureBlock({ id: f.id, anchor: `fig-appendix-i-${f.id}`, name: f.paperFigure }, figures.get(f.id) ?? { missing: 'not drawn' }, drawnFrom, inQuick(ids));
    });
    return [`### ${p.heading[0].toUpperCase()}${p.heading.slice(1)} (paper ${p.section})`, ...blocks].join('\n\n');
  });
  const intro = "The paper's appendix I.8 shows further properties of eight of the rows above, one figure per row and part, each a row of panels over the learning rate.";
  return ['## Further properties (paper I.8) {#sec-appendix-i-further}', intro, ...parts].join('\n\n');
}

/**
 * The chapter's generated part: the page script once (`scriptSrc`: its path
 * from the chapter's page), then the 48 sections in the paper's order. `best`
 * is the most faithful entry per row (bestTable1); `drawnFrom` names where the
 * figures come from.
 */
export function appendixPartial(best: readonly { profile: ProfileName | null; entry: Table1Entry }[], figures: ReadonlyMap<string, AppendixFigure>, drawnFrom: string, scriptSrc: string): string {
  const quick = new Set(profile('quick').map((e) => e.experiment.id));
  const inQuick = (ids: string[]): boolean => ids.some((id) => quick.has(id));
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
    const id = rowFigureId(r);
    return [heading, '', table(['setting', 'value'], rows, undefined, [20, 80]), '', figureBlock({ id, anchor: `fig-table1-row-${r.row}` }, figures.get(id) ?? { missing: 'not drawn' }, drawnFrom, inQuick(ids))].join('\n');
  });
  return [`\`\`\`{=html}\n<script src="${scriptSrc}"></script>\n\`\`\``, ...sections, furtherPropertiesPart(figures, drawnFrom, inQuick)].join('\n\n');
}
