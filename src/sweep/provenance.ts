import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { activeBackend } from '../backend/index.js';
import { REPO_ROOT } from '../util/paths.js';
import type { Provenance } from './schema.js';

let cachedRevision: string | null = null;

/** HEAD commit, with `-dirty` when tracked files differ from it ('unknown' outside a checkout). */
export function gitRevision(): string {
  if (cachedRevision === null) {
    try {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      cachedRevision = dirty ? `${head}-dirty` : head;
    } catch {
      cachedRevision = 'unknown';
    }
  }
  return cachedRevision;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
}

/** When a run started, by the wall clock and by this process's CPU clock (all its threads). */
export interface RunClock {
  startedAt: Date;
  cpu: NodeJS.CpuUsage;
}

export function startClock(): RunClock {
  return { startedAt: new Date(), cpu: process.cpuUsage() };
}

/** CPU seconds (user + system, all threads) this process spent since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * What a run's attempts spent (kept with its resumable state): the provenance of a resumed run counts every attempt,
 * not only the process that finished it. `partial`: an earlier attempt's clock was lost (a state saved before states
 * kept it), so the seconds cover the later attempts only.
 */
export interface Spent {
  startedAt: string;
  wallSeconds: number;
  cpuSeconds: number;
  attempts: number;
  partial?: true;
}

/**
 * What the attempts before this one (started at `clock`) spent: nothing for a fresh run, the state's own record for a
 * resumed one, and a lost clock for a state saved before states kept it.
 */
export function earlierAttempts(state: { spent?: Spent } | undefined, clock: RunClock): Spent | undefined {
  if (!state) return undefined;
  return state.spent ?? { startedAt: clock.startedAt.toISOString(), wallSeconds: 0, cpuSeconds: 0, attempts: 1, partial: true };
}

/** The attempts so far, this one (started at `clock`) included. */
export function spentSoFar(clock: RunClock, earlier?: Spent): Spent {
  return {
    startedAt: earlier?.startedAt ?? clock.startedAt.toISOString(),
    wallSeconds: (earlier?.wallSeconds ?? 0) + (Date.now() - clock.startedAt.getTime()) / 1000,
    cpuSeconds: (earlier?.cpuSeconds ?? 0) + cpuSecondsSince(clock.cpu),
    attempts: (earlier?.attempts ?? 0) + 1,
    ...(earlier?.partial ? { partial: true as const } : {}),
  };
}

/** `earlier`: what the attempts before this one spent (`earlierAttempts`). */
export function provenance(clock: RunClock, hvps: number, earlier?: Spent): Provenance {
  const backend = activeBackend();
  const spent = spentSoFar(clock, earlier);
  return {
    packageVersion: packageVersion(),
    gitRevision: gitRevision(),
    backend: backend.name,
    blas: backend.blas,
    tfjsVersion: backend.tfjsVersion,
    node: process.version,
    startedAt: spent.startedAt,
    wallSeconds: spent.wallSeconds,
    cpuSeconds: spent.cpuSeconds,
    attempts: spent.attempts,
    ...(spent.partial ? { partialClock: true as const } : {}),
    hvps,
    ...(backend.adapter ? { adapter: backend.adapter } : {}),
  };
}
