/**
 * Committed result summaries: the results of a profile condensed into one small
 * JSON file per experiment under reports/data/<profile>/, plus the verdicts of
 * the paper's claims on them (verdicts.ts), so the report renders without the
 * (gitignored, large) results folder and without retraining.
 * A summary keeps what the report and the claims need: per learning rate the
 * final metrics, s0, s_GF and the critical rates, short trajectories for three
 * rates figure 13 shows (the figure registry's choice) and the runs' provenance.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { trajectoryRates } from '../figures/trajectory.js';
import { PLAN_FILE } from '../sweep/cost.js';
import { runsLeft, type StoredSweeps } from '../sweep/summary.js';
import { PROFILES, type ProfileEntry, type ProfileName } from '../sweep/profiles.js';
import { Metrics, StopCheck } from '../train/schema.js';
import { Experiment, FlowResult, GdResult, Provenance, SweepSummary as SweepSummarySchema } from '../sweep/schema.js';

/** The verdicts of a profile's claims, next to its summaries. */
export const CLAIMS_FILE = 'claims.json';

/** Table 1 row by row (table1.ts), next to the summaries. */
export const TABLE1_FILE = 'table1.json';

/** Files of a profile's data folder that are not experiment summaries. */
const NOT_SUMMARIES = [CLAIMS_FILE, TABLE1_FILE, PLAN_FILE];

/** Most faithful profile first: paper before quick before smoke. */
export const PROFILE_PREFERENCE: readonly ProfileName[] = ['paper', 'quick', 'smoke'];

/** Bump when the layout of a summary file changes. */
export const SUMMARY_FORMAT = 1;
/** Points kept per trajectory: enough to show progressive sharpening and the EoS plateau. */
export const TRAJECTORY_POINTS = 100;
/** Fewest points per trajectory when an experiment has several loss goals (each with its own trajectories). */
const MIN_TRAJECTORY_POINTS = 40;

/** Points per trajectory, shared out over the loss goals so that a summary stays well below 200 KB. */
export function trajectoryPoints(e: Experiment): number {
  return Math.max(MIN_TRAJECTORY_POINTS, Math.floor(TRAJECTORY_POINTS / e.lossGoals.length));
}
/** Significant digits kept: far below the run-to-run noise, and it halves the file size. */
const DIGITS = 6;

const CondensedRun = z.object({
  lr: z.number(),
  outcome: GdResult.shape.outcome,
  steps: z.number().int(),
  divergedAt: z.number().int().nullable(),
  cyclePeriod: GdResult.shape.cyclePeriod,
  final: Metrics.nullable(),
  maxSharpness: z.number().nullable(),
  /** Stable or transient stop (absent in results written before it was recorded). */
  stop: StopCheck.nullable().optional(),
  distanceFromFlow: z.object({ l1: z.number(), l2: z.number() }).nullable(),
  perLayer: z.array(z.object({ name: z.string(), l1: z.number(), l2: z.number(), nuclear: z.number().nullable() })).nullable(),
  wallSeconds: z.number(),
  hvps: z.number().int(),
});
export type CondensedRun = z.infer<typeof CondensedRun>;

const CondensedSweep = SweepSummarySchema.omit({ experiment: true, runs: true }).extend({
  runs: z.array(CondensedRun),
  /** Downsampled histories of the rates figure 13 shows (`trajectoryRates` of src/figures). */
  trajectories: z.array(z.object({ lr: z.number(), history: z.array(Metrics) })),
});
export type CondensedSweep = z.infer<typeof CondensedSweep>;

const Environment = Provenance.pick({ packageVersion: true, gitRevision: true, backend: true, blas: true, tfjsVersion: true, node: true }).extend({
  /** Runs (flow and GD) computed in this environment. */
  runs: z.number().int(),
});
export type Environment = z.infer<typeof Environment>;

export const ExperimentData = z.object({
  format: z.literal(SUMMARY_FORMAT),
  profile: z.enum(PROFILES),
  notebook: z.string(),
  figures: z.array(z.string()),
  experiment: Experiment,
  /** complete: every planned run finished; partial: some are missing or running. */
  status: z.enum(['complete', 'partial']),
  tasks: z.object({ done: z.number().int(), diverged: z.number().int(), running: z.number().int(), missing: z.number().int() }),
  flow: z.object({
    outcome: FlowResult.shape.outcome,
    steps: z.number().int(),
    s0: z.number(),
    sGF: z.array(z.object({ lossGoal: z.number(), sGF: z.number(), time: z.number(), step: z.number().int() })),
    history: z.array(Metrics),
    wallSeconds: z.number(),
    hvps: z.number().int(),
  }),
  sweeps: z.array(CondensedSweep),
  environments: z.array(Environment),
  compute: z.object({ flowSeconds: z.number(), gdSeconds: z.number(), hvps: z.number().int(), firstStartedAt: z.string(), lastStartedAt: z.string() }),
});
export type ExperimentData = z.infer<typeof ExperimentData>;

/** A JSON file of each profile's data folder (claims.json, table1.json), validated; `what` names it in the error. */
export function readProfileFiles<T>(dataDir: string, name: string, schema: z.ZodType<T>, what: string): T[] {
  return PROFILES.flatMap((p) => {
    const file = join(dataDir, p, name);
    if (!existsSync(file)) return [];
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not a valid ${what}; regenerate it with \`npm run report -- data --profile ${p}\``);
    return [parsed.data];
  });
}

/** Every `length / max`-th element, always keeping the first and the last. */
export function downsample<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return [...xs];
  return Array.from({ length: max }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
}

/** The same value with every non-integer number cut to `digits` significant digits. */
export function roundNumbers<T>(value: T, digits = DIGITS): T {
  if (typeof value === 'number') return (Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(digits))) as T;
  if (Array.isArray(value)) return value.map((v) => roundNumbers(v, digits)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v, digits)])) as T;
  return value;
}

function environments(provenances: Provenance[]): Environment[] {
  const byKey = new Map<string, Environment>();
  for (const p of provenances) {
    const env = { packageVersion: p.packageVersion, gitRevision: p.gitRevision, backend: p.backend, blas: p.blas, tfjsVersion: p.tfjsVersion, node: p.node };
    const key = JSON.stringify(env);
    const seen = byKey.get(key);
    if (seen) seen.runs++;
    else byKey.set(key, { ...env, runs: 1 });
  }
  return [...byKey.values()];
}

export function condense(entry: ProfileEntry, profileName: ProfileName, stored: StoredSweeps): ExperimentData {
  const { flow, summaries, tasks } = stored;
  const gdRuns = summaries.flatMap((s) => s.runs);
  const provenances = [flow.provenance, ...gdRuns.map((r) => r.provenance)];
  const started = provenances.map((p) => p.startedAt).sort();
  const data: ExperimentData = {
    format: SUMMARY_FORMAT,
    profile: profileName,
    notebook: entry.notebook,
    figures: entry.figures,
    experiment: entry.experiment,
    status: runsLeft(tasks) === 0 ? 'complete' : 'partial',
    tasks,
    flow: {
      outcome: flow.outcome,
      steps: flow.steps,
      s0: flow.s0,
      sGF: flow.sGF.map(({ lossGoal, sGF, time, step }) => ({ lossGoal, sGF, time, step })),
      history: downsample(flow.history, TRAJECTORY_POINTS),
      wallSeconds: flow.provenance.wallSeconds,
      hvps: flow.provenance.hvps,
    },
    sweeps: summaries.map((s) => {
      const keep = new Set(trajectoryRates(s));
      return {
        lossGoal: s.lossGoal,
        s0: s.s0,
        sGF: s.sGF,
        criticalLr: s.criticalLr,
        fittedCriticalLrSharpness: s.fittedCriticalLrSharpness,
        fittedCriticalLrNorm: s.fittedCriticalLrNorm,
        flowFinal: s.flowFinal,
        runs: s.runs.map((r) => ({
          lr: r.lr,
          outcome: r.outcome,
          steps: r.steps,
          divergedAt: r.divergedAt,
          ...(r.cyclePeriod === undefined ? {} : { cyclePeriod: r.cyclePeriod }),
          final: r.final,
          maxSharpness: r.maxSharpness,
          ...(r.stop === undefined ? {} : { stop: r.stop }),
          distanceFromFlow: r.distanceFromFlow,
          perLayer: r.perLayer,
          wallSeconds: r.provenance.wallSeconds,
          hvps: r.provenance.hvps,
        })),
        trajectories: s.runs.filter((r) => keep.has(r.lr)).map((r) => ({ lr: r.lr, history: downsample(r.history, trajectoryPoints(entry.experiment)) })),
      };
    }),
    environments: environments(provenances),
    compute: {
      flowSeconds: flow.provenance.wallSeconds,
      gdSeconds: gdRuns.reduce((a, r) => a + r.provenance.wallSeconds, 0),
      hvps: provenances.reduce((a, p) => a + p.hvps, 0),
      firstStartedAt: started[0],
      lastStartedAt: started[started.length - 1],
    },
  };
  return roundNumbers(data);
}

/** All summaries under `dataDir` (every profile), validated. */
export function readReportData(dataDir: string): ExperimentData[] {
  if (!existsSync(dataDir)) return [];
  const out: ExperimentData[] = [];
  for (const profileName of PROFILES) {
    const dir = join(dataDir, profileName);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json') && !NOT_SUMMARIES.includes(n)).sort()) {
      const file = join(dir, name);
      const parsed = ExperimentData.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new Error(`${file} is not a valid result summary (${issues}); regenerate it with \`npm run report -- data --profile ${profileName}\``);
      }
      out.push(parsed.data);
    }
  }
  return out;
}

/**
 * Per experiment id, the summary to report: complete sweeps before partial ones
 * (a half-finished sweep would bias the claims), then the most faithful profile.
 */
export function bestData(all: ExperimentData[]): Map<string, ExperimentData> {
  const rank = (d: ExperimentData) => (d.status === 'complete' ? 0 : PROFILE_PREFERENCE.length) + PROFILE_PREFERENCE.indexOf(d.profile);
  const best = new Map<string, ExperimentData>();
  for (const d of all) {
    const current = best.get(d.experiment.id);
    if (!current || rank(d) < rank(current)) best.set(d.experiment.id, d);
  }
  return best;
}
