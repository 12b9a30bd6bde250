/**
 * Writing a profile's committed report data: the condensed summaries of
 * summary.ts, the verdicts of verdicts.ts and the Table 1 rows of table1.ts,
 * side by side in reports/data/<profile>/.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { profile, type ProfileName } from '../sweep/profiles.js';
import type { ResultStore } from '../sweep/store.js';
import { writeFileAtomic } from '../util/atomic.js';
import { PLAN_FILE, readPlan } from '../sweep/cost.js';
import { sweepsFromStore, type StoredSweeps } from '../sweep/summary.js';
import { CLAIMS_FILE, condense, roundNumbers, TABLE1_FILE, type ExperimentData } from './summary.js';
import { table1Entries } from './table1.js';
import { judgeProfile } from './verdicts.js';

export interface WrittenData {
  written: string[];
  /** Experiments of the profile without a gradient-flow result (nothing to summarise). */
  notRun: string[];
  removed: string[];
}

/**
 * Condense every experiment of a profile into `<dataDir>/<profile>/<id>.json`
 * and judge the paper's claims on its results (`claims.json`), replacing the
 * previous files of that profile (stale ones are removed).
 */
export async function writeProfileData(profileName: ProfileName, store: ResultStore, dataDir: string): Promise<WrittenData> {
  const dir = join(dataDir, profileName);
  mkdirSync(dir, { recursive: true });
  const out: WrittenData = { written: [], notRun: [], removed: [] };
  const stored = new Map<string, StoredSweeps | null>();
  const condensed = new Map<string, ExperimentData>();
  for (const entry of profile(profileName)) {
    const s = sweepsFromStore(entry.experiment, store);
    stored.set(entry.experiment.id, s);
    if (!s) {
      out.notRun.push(entry.experiment.id);
      continue;
    }
    const file = join(dir, `${entry.experiment.id}.json`);
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
    if (name.endsWith('.json') && !out.written.includes(file)) {
      rmSync(file);
      out.removed.push(file);
    }
  }
  return out;
}
