/**
 * Writing a profile's committed report data: the condensed summaries of
 * summary.ts, the verdicts of verdicts.ts and the Table 1 rows of table1.ts,
 * side by side in reports/data/<profile>/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { profile, type ProfileName } from '../sweep/profiles.js';
import { canonicalJson, type ResultStore } from '../sweep/store.js';
import { writeFileAtomic } from '../util/atomic.js';
import { PLAN_FILE, readPlan } from '../sweep/cost.js';
import { runsLeft, sweepsFromStore, type StoredSweeps } from '../sweep/summary.js';
import { SCHEMA_VERSION, type Experiment, type FlowResult, type GdResult, type Provenance } from '../sweep/schema.js';
import { CLAIMS_FILE, condense, ExperimentData, readReportData, roundNumbers, TABLE1_FILE } from './summary.js';
import { table1Entries } from './table1.js';
import { judgeProfile } from './verdicts.js';

export interface WrittenData {
  written: string[];
  /** Experiments of the profile without a gradient-flow result (nothing to summarise). */
  notRun: string[];
  /** Summaries of experiments this results folder does not hold, kept as committed. */
  kept: string[];
  removed: string[];
}

/** The committed summary of an experiment, if it summarises this very configuration. */
function committedSummary(file: string, experiment: Experiment): ExperimentData | null {
  if (!existsSync(file)) return null;
  const parsed = ExperimentData.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success && canonicalJson(parsed.data.experiment) === canonicalJson(experiment) ? parsed.data : null;
}

/**
 * Condense every experiment of a profile into `<dataDir>/<profile>/<id>.json`
 * and judge the paper's claims on its results (`claims.json`). An experiment the
 * results folder holds replaces its summary, unless its sweep is still partial
 * there and the committed summary is complete; one it does not hold keeps the
 * committed summary of the same configuration (made from another machine's
 * results, say). The claims and Table 1 read the summaries kept. Every other
 * file of the profile (an experiment no longer in it, or configured otherwise)
 * is removed.
 */
export async function writeProfileData(profileName: ProfileName, store: ResultStore, dataDir: string): Promise<WrittenData> {
  const dir = join(dataDir, profileName);
  mkdirSync(dir, { recursive: true });
  const out: WrittenData = { written: [], notRun: [], kept: [], removed: [] };
  const stored = new Map<string, StoredSweeps | null>();
  const condensed = new Map<string, ExperimentData>();
  for (const entry of profile(profileName)) {
    const file = join(dir, `${entry.experiment.id}.json`);
    const committed = committedSummary(file, entry.experiment);
    const found = sweepsFromStore(entry.experiment, store);
    // A sweep still running here does not replace a complete summary of it.
    const s = found && (runsLeft(found.tasks) === 0 || committed?.status !== 'complete') ? found : null;
    if (!s) {
      stored.set(entry.experiment.id, committed && storedFromSummary(committed));
      if (committed) {
        condensed.set(entry.experiment.id, committed);
        out.kept.push(file);
      } else out.notRun.push(entry.experiment.id);
      continue;
    }
    stored.set(entry.experiment.id, s);
    const data = condense(entry, profileName, s);
    condensed.set(entry.experiment.id, data);
    writeFileAtomic(file, `${JSON.stringify(data)}\n`);
    out.written.push(file);
  }
  if (out.written.length > 0) {
    const file = join(dir, CLAIMS_FILE);
    writeFileAtomic(file, `${JSON.stringify(await judgeProfile(profileName, stored), null, 1)}\n`);
    out.written.push(file);
    const plan = readPlan(store);
    if (plan) {
      const file = join(dir, PLAN_FILE);
      writeFileAtomic(file, `${JSON.stringify(roundNumbers(plan), null, 1)}\n`);
      out.written.push(file);
    }
    const table1 = join(dir, TABLE1_FILE);
    writeFileAtomic(table1, `${JSON.stringify(roundNumbers(table1Entries(profileName, condensed)), null, 1)}\n`);
    out.written.push(table1);
  }
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (name.endsWith('.json') && !out.written.includes(file) && !out.kept.includes(file)) {
      rmSync(file);
      out.removed.push(file);
    }
  }
  return out;
}

/**
 * An experiment's sweeps rebuilt from its committed summary, for judging the
 * claims without the results folder: each run keeps its final values, maximal
 * sharpness, stop, distances and layer norms; its history is the downsampled
 * trajectory the summary keeps for a few rates, else the final record alone.
 * No parameter or solution files (none are needed to judge).
 */
export function storedFromSummary(d: ExperimentData): StoredSweeps {
  const e = d.experiment;
  const env = d.environments[0];
  if (!env) throw new Error(`${d.profile}/${e.id}: the summary names no environment; regenerate it with \`npm run report -- data --profile ${d.profile}\``);
  const provenance = (wallSeconds: number, hvps: number): Provenance => ({
    packageVersion: env.packageVersion,
    gitRevision: env.gitRevision,
    backend: env.backend,
    blas: env.blas,
    tfjsVersion: env.tfjsVersion,
    node: env.node,
    startedAt: d.compute.firstStartedAt,
    wallSeconds,
    hvps,
  });
  const summaries = d.sweeps.map(({ runs, trajectories, ...fields }) => ({
    ...fields,
    experiment: e,
    runs: runs.map(
      (r): GdResult => ({
        kind: 'gd',
        schemaVersion: SCHEMA_VERSION,
        key: `${e.id}@${fields.lossGoal}@${r.lr}`,
        experiment: e,
        lr: r.lr,
        lossGoal: fields.lossGoal,
        outcome: r.outcome,
        steps: r.steps,
        divergedAt: r.divergedAt,
        history: trajectories.find((t) => t.lr === r.lr)?.history ?? (r.final ? [r.final] : []),
        final: r.final,
        perLayer: r.perLayer,
        maxSharpness: r.maxSharpness,
        ...(r.stop === undefined ? {} : { stop: r.stop }),
        distanceFromFlow: r.distanceFromFlow,
        checkpoints: [],
        provenance: provenance(r.wallSeconds, r.hvps),
      }),
    ),
  }));
  const flow: FlowResult = {
    kind: 'flow',
    schemaVersion: SCHEMA_VERSION,
    key: `${e.id}@flow`,
    experiment: e,
    outcome: d.flow.outcome,
    steps: d.flow.steps,
    s0: d.flow.s0,
    sGF: d.flow.sGF.map((p) => ({ ...p, solutionFile: '' })),
    history: d.flow.history,
    provenance: provenance(d.flow.wallSeconds, d.flow.hvps),
  };
  return { flow, summaries, tasks: d.tasks };
}

/**
 * Judge a profile's claims and Table 1 rows again from its committed
 * summaries alone (no results folder, nothing trained), rewriting its
 * claims.json and table1.json; the verdict file says it was judged so.
 */
export async function rejudgeProfile(profileName: ProfileName, dataDir: string): Promise<string[]> {
  const data = readReportData(dataDir).filter((d) => d.profile === profileName);
  if (data.length === 0) throw new Error(`no committed summaries of profile '${profileName}' under ${dataDir}; write them with \`npm run report -- data --profile ${profileName}\``);
  const stored = new Map(data.map((d) => [d.experiment.id, storedFromSummary(d)]));
  const dir = join(dataDir, profileName);
  const claims = join(dir, CLAIMS_FILE);
  writeFileAtomic(claims, `${JSON.stringify({ ...(await judgeProfile(profileName, stored)), judgedFrom: 'summaries' }, null, 1)}\n`);
  const table1 = join(dir, TABLE1_FILE);
  writeFileAtomic(table1, `${JSON.stringify(roundNumbers(table1Entries(profileName, new Map(data.map((d) => [d.experiment.id, d])))), null, 1)}\n`);
  return [claims, table1];
}
