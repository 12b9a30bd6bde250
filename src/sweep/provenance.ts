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
 * What a run's earlier attempts spent before it was interrupted (kept with its resumable state): the provenance of a
 * resumed run counts every attempt, not only the process that finished it.
 */
export interface Spent {
  startedAt: string;
  wallSeconds: number;
  cpuSeconds: number;
  attempts: number;
}

/** The attempts so far, this one (started at `clock`) included. */
export function spentSoFar(clock: RunClock, earlier?: Spent): Spent {
  return {
    startedAt: earlier?.startedAt ?? clock.startedAt.toISOString(),
    wallSeconds: (earlier?.wallSeconds ?? 0) + (Date.now() - clock.startedAt.getTime()) / 1000,
    cpuSeconds: (earlier?.cpuSeconds ?? 0) + cpuSecondsSince(clock.cpu),
    attempts: (earlier?.attempts ?? 0) + 1,
  };
}

/** What a resumable state keeps: the attempts so far, or 'unknown' once an earlier attempt's clock was lost. */
export function spentForState(clock: RunClock, resumed: Spent | 'unknown' | undefined): Spent | 'unknown' {
  return resumed === 'unknown' ? 'unknown' : spentSoFar(clock, resumed);
}

/**
 * `resumed`: what the earlier attempts spent, or 'unknown' for a state saved before states kept it (the record then
 * says its clock covers the last attempt only).
 */
export function provenance(clock: RunClock, hvps: number, resumed?: Spent | 'unknown'): Provenance {
  const backend = activeBackend();
  const spent = spentSoFar(clock, resumed === 'unknown' ? undefined : resumed);
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
    ...(resumed === 'unknown' ? { partialClock: true as const } : {}),
    hvps,
    ...(backend.adapter ? { adapter: backend.adapter } : {}),
  };
}
