/**
 * The benchmark chapter's "how cost grows" figure, drawn from the scaling
 * section of reports/bench.json (`npm run bench -- --scaling`), or a notice
 * that it has not been measured yet.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { compactSvg, toSvg } from '../figures/export.js';
import { chartHtml, svgImage } from '../figures/html.js';
import { scalingFigure } from '../figures/scaling.js';
import { forDisplay } from '../figures/spec.js';
import { callout } from './markdown.js';

const Cost = z.object({ gdStepMs: z.number(), hvpMs: z.number(), peakRssMb: z.number() });

/** What the book reads of the scaling section (bench/report.ts writes it as ScalingReport). */
const ScalingSection = z.object({
  date: z.string(),
  gitRevision: z.string(),
  threads: z.number(),
  at: z.object({ n: z.number(), width: z.number() }),
  rows: z.array(z.object({ n: z.number(), d: z.number(), width: z.number(), engine: Cost, torch: Cost })),
});

const NOT_MEASURED = callout('note', 'Not measured yet', '`npm run bench -- --scaling` measures it and writes it into `reports/bench.json`.');

/** The figure as a cross-referenced block that draws itself (`scriptSrc`: the page script from the chapter's page), its SVG until then. */
export async function scalingPartial(benchJson: string, scriptSrc: string): Promise<string> {
  if (!existsSync(benchJson)) return NOT_MEASURED;
  const section: unknown = (JSON.parse(readFileSync(benchJson, 'utf8')) as { scaling?: unknown }).scaling;
  if (!section) return NOT_MEASURED;
  const s = ScalingSection.parse(section);
  const spec = forDisplay(scalingFigure(s.rows, s.at));
  const svg = compactSvg(await toSvg(spec));
  const caption = `How the cost grows with the samples n and the width: ours and PyTorch's, ${s.threads} BLAS thread${s.threads === 1 ? '' : 's'} each, measured ${s.date.slice(0, 10)} at git ${s.gitRevision.slice(0, 7)} (\`npm run bench -- --scaling\`; the numbers are in the table above).`;
  return ['::: {#fig-bench-scaling}', '', '```{=html}', chartHtml(spec, scriptSrc, svgImage('How the cost grows', svg)), '```', '', caption, '', ':::'].join('\n');
}
