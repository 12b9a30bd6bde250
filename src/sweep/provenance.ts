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

export function provenance(startedAt: Date, hvps: number): Provenance {
  const backend = activeBackend();
  return {
    packageVersion: packageVersion(),
    gitRevision: gitRevision(),
    backend: backend.name,
    blas: backend.blas,
    tfjsVersion: backend.tfjsVersion,
    node: process.version,
    startedAt: startedAt.toISOString(),
    wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
    hvps,
    ...(backend.adapter ? { adapter: backend.adapter } : {}),
  };
}
