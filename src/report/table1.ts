/**
 * Table 1 of the paper (appendix I): every configuration the authors ran, with
 * their U-shape verdict on the test loss, and the match between a row and the
 * experiments of our profiles (through the experiment's paper-profile setting,
 * since the quick and smoke profiles change goals and dataset sizes).
 */
import { z } from 'zod';
import { uShapeOf } from '../figures/claims.js';
import { profile, PROFILES, type ProfileName } from '../sweep/profiles.js';
import type { Experiment } from '../sweep/schema.js';
import type { StoredSweeps } from '../sweep/summary.js';
import { PROFILE_PREFERENCE, TABLE1_FILE } from './summary.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Test loss over the learning rate: `U` = optimum at intermediate rates (✓),
 * `extreme` = optimum at an end of the range, always the large-rate end (×);
 * `tentative` marks the bracketed, "somewhat inconclusive" entries; null = no mark.
 */
export interface Table1Row {
  /** 1-48, in the paper's order. */
  row: number;
  model: string;
  dataset: string;
  loss: 'MSE' | 'CE';
  seed: number;
  initScale: number;
  lossGoal: number;
  uShape: { shape: 'U' | 'extreme'; tentative: boolean } | null;
  figures: string;
}

const U = { shape: 'U', tentative: false } as const;
const X = { shape: 'extreme', tentative: false } as const;
const U_ = { shape: 'U', tentative: true } as const;
const X_ = { shape: 'extreme', tentative: true } as const;

type Raw = [string, string, 'MSE' | 'CE', number, number, number, Table1Row['uShape'], string];

/** Transcribed from Table 1; the CNN-ReLU BN row has no U-shape mark in the paper. */
const RAW: Raw[] = [
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-4, U, '3a,13,9,11b,18,64,72'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-3, U, '51'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U, '52'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-1, U, '53'],
  ['FCN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-2, U, '19,65,73'],
  ['FCN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-1, U, '54'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-4, X, '1a,3c,9,11a,20,68,76'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-3, X, '55'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '6a,56'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-1, X_, '57,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 44, 1, 1e-2, X, '6b,59'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 45, 1, 1e-2, X, '60'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 5, 1e-1, X, '6c,61,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, U, '3b,21,69,77,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-1, U, '58'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 5, 1e-2, X, '62'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 10, 1e-2, X, '63'],
  ['FCN-ReLU', 'MNIST', 'MSE', 43, 1, 1e-2, U, '1b,22,66,74'],
  ['FCN-ReLU', 'MNIST', 'CE', 43, 1, 1e-2, U_, '23,67,75'],
  ['FCN-ReLU', 'CIFAR-10', 'CE', 43, 1, 1e-1, X, '24'],
  ['FCN-ReLU 400×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '37'],
  ['FCN-ReLU 600×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X_, '38'],
  ['FCN-ReLU 2000×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '39'],
  ['FCN-ReLU 200×4', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X_, '40'],
  ['FCN-ReLU 200×6', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U_, '41'],
  ['FCN-ReLU 400×4', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '42'],
  ['FCN-ReLU 600×6', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U_, '43'],
  ['FCN-ReLU 400×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '44'],
  ['FCN-ReLU 600×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '45'],
  ['FCN-ReLU 2000×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '46'],
  ['FCN-ReLU 200×4', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '47'],
  ['FCN-ReLU 200×6', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '48'],
  ['FCN-ReLU 400×4', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '49'],
  ['FCN-ReLU 600×6', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '50'],
  ['FCN-tanh', 'MNIST-5k', 'MSE', 43, 1, 1e-1, X, '25'],
  ['FCN-tanh', 'MNIST-5k', 'CE', 43, 1, 1e-2, U_, '26'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-3, X, '2c,27,70,78'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '2b'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-1, X_, '2a'],
  ['FCN-tanh', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, U, '28,71,79'],
  ['CNN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-1, U, '5a,29'],
  ['CNN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-2, U, '30'],
  ['CNN-ReLU', 'MNIST', 'MSE', 43, 1, 1e-1, X_, '5b,31'],
  ['CNN-ReLU', 'MNIST', 'CE', 43, 1, 1e-2, U, '32'],
  ['CNN-ReLU BN', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, null, '5c,33'],
  ['ViT-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-1, U_, '1c,34'],
  ['ViT-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1, U_, '35'],
  ['ResNet20-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-1, X_, '36'],
];

export const TABLE1: readonly Table1Row[] = RAW.map(([model, dataset, loss, seed, initScale, lossGoal, uShape, figures], i) => ({ row: i + 1, model, dataset, loss, seed, initScale, lossGoal, uShape, figures }));

const DATASETS: Record<string, string> = { 'mnist-5k': 'MNIST-5k', 'cifar10-5k': 'CIFAR-10-5k', mnist: 'MNIST', cifar10: 'CIFAR-10' };

/** Table 1's model label of an experiment (null for models Table 1 does not list, e.g. muP / kernel FCNs, the toy models). */
function modelLabel(e: Experiment): string | null {
  const m = e.model;
  if (m.kind === 'fcn') {
    if (m.parameterization !== 'standard') return null;
    const base = `FCN-${m.activation === 'relu' ? 'ReLU' : 'tanh'}`;
    const standardShape = m.widths.length === 2 && m.widths.every((w) => w === 200);
    return standardShape ? base : m.widths.every((w) => w === m.widths[0]) ? `${base} ${m.widths[0]}×${m.widths.length}` : null;
  }
  if (m.kind === 'cnn') return m.activation === 'relu' ? 'CNN-ReLU' : null;
  return null;
}

let paperEntries: ReturnType<typeof profile> | null = null;

/** The setting an experiment id stands for: its paper-profile configuration. */
function paperExperiment(id: string): Experiment | null {
  paperEntries ??= profile('paper');
  return paperEntries.find((p) => p.experiment.id === id)?.experiment ?? null;
}

/** The paper's loss goal that a goal of a (possibly reduced) profile stands for: same position in the goal list. */
export function paperLossGoal(e: Experiment, lossGoal: number): number | null {
  const paper = paperExperiment(e.id);
  const i = e.lossGoals.indexOf(lossGoal);
  return paper && i >= 0 && i < paper.lossGoals.length ? paper.lossGoals[i] : null;
}

/** The Table 1 row a sweep (experiment, loss goal) reproduces, if any. */
export function table1Row(e: Experiment, lossGoal: number): Table1Row | null {
  const paper = paperExperiment(e.id);
  const goal = paperLossGoal(e, lossGoal);
  if (!paper || goal === null) return null;
  const model = modelLabel(paper);
  const dataset = DATASETS[paper.dataset.split(':')[0]];
  const loss = paper.loss === 'mse' ? 'MSE' : 'CE';
  return TABLE1.find((r) => r.model === model && r.dataset === dataset && r.loss === loss && r.seed === paper.seed && r.initScale === paper.model.initScale && r.lossGoal === goal) ?? null;
}

/** Experiment ids (of the paper profile) that reproduce a row. */
export function experimentsForRow(row: Table1Row): string[] {
  paperEntries ??= profile('paper');
  return paperEntries
    .filter((p) => p.experiment.lossGoals.some((g) => table1Row(p.experiment, g) === row))
    .map((p) => p.experiment.id);
}

/** The Table 1 rows (numbers) an experiment of the paper profile reproduces, one per loss goal it matches. */
export function table1Rows(e: Experiment): number[] {
  return e.lossGoals.flatMap((g) => table1Row(e, g)?.row ?? []);
}

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
});
export type Table1Entry = z.infer<typeof Table1Entry>;

export const Table1File = z.object({ format: z.literal(1), profile: z.enum(PROFILES), rows: z.array(Table1Entry) });
export type Table1File = z.infer<typeof Table1File>;

/** A row's configuration in the paper's words. */
function settingOf(r: Table1Row): string {
  return `${r.model}, ${r.dataset}, ${r.loss}, seed ${r.seed}${r.initScale === 1 ? '' : ` ×${r.initScale}`}, goal ${r.lossGoal}`;
}

/** Every row of Table 1 with what a profile's results say about it. */
export function table1Entries(profileName: ProfileName, stored: ReadonlyMap<string, StoredSweeps | null>): Table1File {
  const entries = profile(profileName);
  const rows = TABLE1.map((r): Table1Entry => {
    const base = { row: r.row, setting: settingOf(r), figures: r.figures, paperMark: markOf(r.uShape) };
    const entry = entries.find((p) => p.experiment.lossGoals.some((g) => table1Row(p.experiment, g) === r));
    const s = entry ? stored.get(entry.experiment.id) : null;
    if (!entry || !s) return { ...base, experiment: entry?.experiment.id ?? null, status: 'not run', runs: 0, hours: 0, ourMark: null, measured: null, agrees: null };
    const e = entry.experiment;
    const goal = e.lossGoals.find((g) => table1Row(e, g) === r) as number;
    const sweep = s.summaries.find((x) => x.lossGoal === goal);
    const finished = sweep?.runs ?? [];
    const hours = (s.flow.provenance.wallSeconds / e.lossGoals.length + finished.reduce((a, x) => a + x.provenance.wallSeconds, 0)) / 3600;
    const complete = s.tasks.missing === 0 && s.tasks.running === 0;
    const u = sweep ? uShapeOf(sweep) : null;
    return {
      ...base,
      experiment: e.id,
      status: complete ? 'done' : 'partial',
      runs: finished.length,
      hours,
      ourMark: markOf(u),
      measured: u?.measured ?? null,
      agrees: u && r.uShape ? u.shape === r.uShape.shape : null,
    };
  });
  return { format: 1, profile: profileName, rows };
}

/** The table1.json of every profile under `dataDir` (validated). */
export function readTable1Files(dataDir: string): Table1File[] {
  return PROFILES.flatMap((p) => {
    const file = join(dataDir, p, TABLE1_FILE);
    if (!existsSync(file)) return [];
    const parsed = Table1File.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not a valid Table 1 file; regenerate it with \`npm run report -- data --profile ${p}\``);
    return [parsed.data];
  });
}

/** Per row, the entry of the most faithful profile with results: done before partial, then paper before quick before smoke. */
export function bestTable1(files: readonly Table1File[]): { profile: ProfileName | null; entry: Table1Entry }[] {
  const rank = (f: Table1File, e: Table1Entry) => (e.status === 'done' ? 0 : e.status === 'partial' ? 10 : 100) + PROFILE_PREFERENCE.indexOf(f.profile);
  return TABLE1.map((r, i) => {
    const candidates = files.map((f) => ({ profile: f.profile, entry: f.rows[i], score: rank(f, f.rows[i]) })).sort((a, b) => a.score - b.score);
    const best = candidates[0];
    return best && best.entry.status !== 'not run' ? { profile: best.profile, entry: best.entry } : { profile: null, entry: best?.entry ?? { row: r.row, setting: settingOf(r), figures: r.figures, paperMark: markOf(r.uShape), experiment: null, status: 'not run', runs: 0, hours: 0, ourMark: null, measured: null, agrees: null } };
  });
}
