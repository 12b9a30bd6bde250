/**
 * Sweeps for figures and notebooks through the cached sweep API: a finished
 * run is read from the result store, a missing one is computed (and then
 * stored), so asking again is cheap. One loader per profile and process.
 */
import { cpus } from 'node:os';
import { initBackend } from '../backend/index.js';
import { parseProfile, profile, type ProfileEntry, type ProfileName } from '../sweep/profiles.js';
import { runSweep, stderrLog, type Log } from '../sweep/runner.js';
import type { SweepSummary } from '../sweep/schema.js';
import { ResultStore } from '../sweep/store.js';
import { runsLeft, sweepsFromStore, type StoredSweeps } from '../sweep/summary.js';
import { REPO_ROOT } from '../util/paths.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface LoaderOptions {
  /** Results folder (default: EOS_RESULTS_DIR or ./results). */
  results?: string;
  /** Parallel GD runs (default: EOS_JOBS or the number of cores). */
  jobs?: number;
  dataDir?: string;
  log?: Log;
}

export interface SweepLoader {
  readonly profile: ProfileName;
  readonly entries: readonly ProfileEntry[];
  has(id: string): boolean;
  /** The sweep summaries (one per loss goal) of an experiment of the profile. */
  sweeps(id: string): Promise<SweepSummary[]>;
}

/** The profile of notebooks and figure exports: env EOS_PROFILE, default quick. */
export function defaultProfile(): ProfileName {
  return parseProfile(process.env.EOS_PROFILE ?? 'quick');
}

export function sweepLoader(profileName: ProfileName, opts: LoaderOptions = {}): SweepLoader {
  const entries = profile(profileName);
  const store = new ResultStore(opts.results);
  const jobs = opts.jobs ?? Number(process.env.EOS_JOBS ?? cpus().length);
  const memo = new Map<string, Promise<SweepSummary[]>>();
  let backend: Promise<unknown> | null = null;
  return {
    profile: profileName,
    entries,
    has: (id) => entries.some((e) => e.experiment.id === id),
    sweeps(id) {
      const entry = entries.find((e) => e.experiment.id === id);
      if (!entry) return Promise.reject(new Error(`experiment '${id}' is not part of profile '${profileName}'`));
      let pending = memo.get(id);
      if (!pending) {
        backend ??= initBackend();
        pending = backend.then(() =>
          runSweep(entry.experiment, {
            store,
            jobs,
            log: opts.log ?? stderrLog,
            data: { dataDir: opts.dataDir },
            workerArgs: ['--profile', profileName, '--experiment', id],
            // Worker processes must read and write the same folders as this one.
            commonArgs: [...(opts.results ? ['--results', opts.results] : []), ...(opts.dataDir ? ['--data-dir', opts.dataDir] : [])],
          }),
        );
        memo.set(id, pending);
      }
      return pending;
    },
  };
}

/** A figure or claim whose experiments the profile lacks, or whose flow never reached the loss goal. */
export class Unavailable extends Error {}

/**
 * A loader over results already computed: never trains. `stored` gives an
 * experiment's sweeps from a result store (null: not run); with `complete`, a
 * sweep with runs still missing is unavailable too (a half-finished sweep would
 * bias a figure that claims a profile).
 */
export function storedLoader(profileName: ProfileName, stored: (id: string) => StoredSweeps | null, opts: { complete?: boolean } = {}): SweepLoader {
  const entries = profile(profileName);
  return {
    profile: profileName,
    entries,
    has: (id) => entries.some((e) => e.experiment.id === id),
    async sweeps(id) {
      const s = stored(id);
      if (!s) throw new Unavailable(`${id} has not been run in profile '${profileName}'`);
      if (opts.complete && runsLeft(s.tasks) > 0) throw new Unavailable(`${id} is not complete in profile '${profileName}' (${runsLeft(s.tasks)} runs left)`);
      return s.summaries;
    },
  };
}

/** The committed results of a profile (data/results/<profile>), read without training. */
export function committedLoader(profileName: ProfileName, dir = join(REPO_ROOT, 'data', 'results', profileName)): SweepLoader {
  const store = existsSync(dir) ? new ResultStore(dir) : null;
  const entries = profile(profileName);
  return storedLoader(
    profileName,
    (id) => {
      const entry = entries.find((e) => e.experiment.id === id);
      return store && entry ? sweepsFromStore(entry.experiment, store) : null;
    },
    { complete: true },
  );
}
