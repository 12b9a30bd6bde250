/**
 * Table 1 row by row in the report: what a profile's results say about each
 * row (table1.json next to the summaries) and the most faithful entry per row.
 * The table itself and the row-experiment match are src/sweep/table1.ts.
 */
import { z } from 'zod';
import { uShapeOf } from '../figures/claims.js';
import { stopOf } from '../figures/sweep.js';
import { profile, PROFILES, type ProfileName } from '../sweep/profiles.js';
import { TABLE1, table1Row, type Table1Row } from '../sweep/table1.js';
import { PROFILE_PREFERENCE, type ExperimentData } from './summary.js';

/** Table 1's notation: ✓ (U), × (extreme), bracketed when tentative. */
export function markOf(u: { shape: 'U' | 'extreme'; tentative: boolean } | null): string | null {
  if (!u) return null;
  const m = u.shape === 'U' ? '✓' : '×';
  return u.tentative ? `(${m})` : m;
}

export const Table1Entry = z.object({
  row: z.number().int(),
  setting: z.string(),
  figures: z.string(),
  paperMark: z.string().nullable(),
  experiment: z.string().nullable(),
  /** done: every planned run finished; partial: the flow and some runs; not run: nothing yet. */
  status: z.enum(['done', 'partial', 'not run']),
  /** GD runs finished at this row's loss goal (converged, diverged or stopped). */
  runs: z.number().int(),
  /** Wall hours of those runs plus this goal's share of the gradient flow (one process each, on the machine of their provenance). */
  hours: z.number(),
  /** Our U-shape mark by the rule of `uShapeOf` (methods chapter), null when fewer than 3 rates converged. */
  ourMark: z.string().nullable(),
  measured: z.string().nullable(),
  /** Same shape (U or extreme) as the paper's mark; null when either is missing. */
  agrees: z.boolean().nullable(),
  /** For an extreme: the end of the rate range where the test loss is lowest (absent in files written before it). */
  end: z.enum(['low', 'high']).nullable().optional(),
  /** Converged runs of this row that stopped transient (`stopOf`; absent in files written before it). */
  transientStops: z.number().int().nonnegative().optional(),
});
export type Table1Entry = z.infer<typeof Table1Entry>;

export const Table1File = z.object({ format: z.literal(1), profile: z.enum(PROFILES), rows: z.array(Table1Entry) });
export type Table1File = z.infer<typeof Table1File>;

/** A row's configuration in the paper's words. */
function settingOf(r: Table1Row): string {
  return `${r.model}, ${r.dataset}, ${r.loss}, seed ${r.seed}${r.initScale === 1 ? '' : ` ×${r.initScale}`}, goal ${r.lossGoal}`;
}

/**
 * Every row of Table 1 with what a profile's condensed results (`data`, by
 * experiment id) say about it; the same for the book and for table1.json.
 */
export function table1Entries(profileName: ProfileName, data: ReadonlyMap<string, ExperimentData>): Table1File {
  const entries = profile(profileName);
  const rows = TABLE1.map((r): Table1Entry => {
    const base = { row: r.row, setting: settingOf(r), figures: r.figures, paperMark: markOf(r.uShape) };
    const entry = entries.find((p) => p.experiment.lossGoals.some((g) => table1Row(p.experiment, g) === r));
    const d = entry ? data.get(entry.experiment.id) : undefined;
    if (!entry || !d) return { ...base, experiment: entry?.experiment.id ?? null, status: 'not run', runs: 0, hours: 0, ourMark: null, measured: null, agrees: null, end: null, transientStops: 0 };
    const e = entry.experiment;
    const goal = e.lossGoals.find((g) => table1Row(e, g) === r) as number;
    const sweep = d.sweeps.find((x) => x.lossGoal === goal);
    const finished = sweep?.runs ?? [];
    const hours = (d.flow.wallSeconds / e.lossGoals.length + finished.reduce((a, x) => a + x.wallSeconds, 0)) / 3600;
    const u = sweep ? uShapeOf(sweep) : null;
    return {
      ...base,
      experiment: e.id,
      status: d.status === 'complete' ? 'done' : 'partial',
      runs: finished.length,
      hours,
      ourMark: markOf(u),
      measured: u?.measured ?? null,
      agrees: u && r.uShape ? u.shape === r.uShape.shape : null,
      end: u?.end ?? null,
      transientStops: finished.filter((x) => stopOf(x) === 'transient').length,
    };
  });
  return { format: 1, profile: profileName, rows };
}

/** Per row, the entry of the most faithful profile with results: done before partial, then paper before quick before smoke. */
export function bestTable1(files: readonly Table1File[]): { profile: ProfileName | null; entry: Table1Entry }[] {
  const rank = (f: Table1File, e: Table1Entry) => (e.status === 'done' ? 0 : e.status === 'partial' ? 10 : 100) + PROFILE_PREFERENCE.indexOf(f.profile);
  return TABLE1.map((r, i) => {
    const candidates = files.map((f) => ({ profile: f.profile, entry: f.rows[i], score: rank(f, f.rows[i]) })).sort((a, b) => a.score - b.score);
    const best = candidates[0];
    return best && best.entry.status !== 'not run' ? { profile: best.profile, entry: best.entry } : { profile: null, entry: best?.entry ?? { row: r.row, setting: settingOf(r), figures: r.figures, paperMark: markOf(r.uShape), experiment: null, status: 'not run', runs: 0, hours: 0, ourMark: null, measured: null, agrees: null, end: null, transientStops: 0 } };
  });
}
