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

export function provenance(clock: RunClock, hvps: number): Provenance {
  const backend = activeBackend();
  return {
    packageVersion: packageVersion(),
    gitRevision: gitRevision(),
    backend: backend.name,
    blas: backend.blas,
    tfjsVersion: backend.tfjsVersion,
    node: process.version,
    startedAt: clock.startedAt.toISOString(),
    wallSeconds: (Date.now() - clock.startedAt.getTime()) / 1000,
    cpuSeconds: cpuSecondsSince(clock.cpu),
    hvps,
    ...(backend.adapter ? { adapter: backend.adapter } : {}),
  };
}
