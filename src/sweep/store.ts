/**
 * The result store: one JSON file per run, keyed by a hash of exactly the
 * configuration that determines the run (plus the schema version), written
 * atomically. Reading validates with zod; a corrupted file is moved aside and
 * reported as missing so the run is recomputed, never silently used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { REPO_ROOT } from '../util/paths.js';
import { acquireLock, inspectLock, releaseLock, type LockState } from './lock.js';
import { FlowResult, GdResult, RunResult, SCHEMA_VERSION, type Experiment } from './schema.js';

export function resolveResultsDir(dir?: string): string {
  return resolve(dir ?? process.env.EOS_RESULTS_DIR ?? join(REPO_ROOT, 'results'));
}

/** JSON with sorted keys, so equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The integrity field of a result: a hash of everything else in the file, so a result edited
 * or damaged into other valid JSON (say `outcome` turned into `diverged`) is caught on read.
 */
export function contentHash(result: object): string {
  const { integrity: _, ...rest } = result as { integrity?: unknown };
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Short hash of a configuration (sorted keys, with the schema version). */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson({ schemaVersion: SCHEMA_VERSION, ...(value as object) })).digest('hex').slice(0, 16);
}

/**
 * The fields of an experiment a GD run depends on (not its id, goals list, grid or flow settings),
 * and `start`, an id of its initial parameters when they are not the experiment's own (train --init).
 * Fields added later (init, start) are left out when absent, so older keys stay valid.
 */
export function gdKey(e: Experiment, lr: number, lossGoal: number, start?: string): string {
  const { dataset, model, loss, seed, maxSteps, divergenceFactor, testLimit, record, checkpoints, init } = e;
  return `gd-${configHash({ kind: 'gd', dataset, model, loss, seed, maxSteps, divergenceFactor, testLimit, record, checkpoints, init, start, lr, lossGoal })}`;
}

export function flowKey(e: Experiment): string {
  const { dataset, model, loss, seed, divergenceFactor, testLimit, flow, lossGoals, init } = e;
  return `flow-${configHash({ kind: 'flow', dataset, model, loss, seed, divergenceFactor, testLimit, flow, init, lossGoals: [...lossGoals].sort(), record: { every: e.record.every, sharpnessTol: e.record.sharpnessTol } })}`;
}

export class ResultStore {
  readonly dir: string;
  constructor(dir?: string) {
    this.dir = resolveResultsDir(dir);
    try {
      mkdirSync(join(this.dir, 'runs'), { recursive: true });
    } catch (err) {
      throw this.notWritable(err);
    }
  }

  private notWritable(err: unknown): UserError {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return new UserError(`results folder ${this.dir} is not writable (${code}). Fix: make it writable, or choose another with --results (or EOS_RESULTS_DIR)`, { cause: err });
  }

  /** Throws a UserError unless every folder a run writes to can be written: checked before any work, not after it. */
  checkWritable(): void {
    for (const sub of ['runs', 'state', 'locks', 'checkpoints']) {
      const probe = join(this.dir, sub, `.probe-${process.pid}`);
      try {
        mkdirSync(join(this.dir, sub), { recursive: true });
        writeFileSync(probe, '');
        rmSync(probe);
      } catch (err) {
        throw this.notWritable(err);
      }
    }
  }

  runPath(key: string): string {
    return join(this.dir, 'runs', `${key}.json`);
  }

  statePath(key: string): string {
    return join(this.dir, 'state', `${key}.json`);
  }

  /** While this file exists, every run on the folder saves its state before its next step and stops (RunPaused). */
  get pauseFile(): string {
    return join(this.dir, 'PAUSE');
  }

  paused(): boolean {
    return existsSync(this.pauseFile);
  }

  /** Folder for the checkpoints (safetensors) of one run. */
  checkpointDir(key: string): string {
    return join(this.dir, 'checkpoints', key);
  }

  /** A checkpoint as results record it: relative to the results folder, so the folder can move. */
  checkpointFile(key: string, name: string): { path: string; recorded: string } {
    const path = join(this.checkpointDir(key), name);
    return { path, recorded: relative(this.dir, path) };
  }

  /** The file a result records (relative to the results folder; older results hold absolute paths). */
  resolveRecorded(file: string): string {
    return resolve(this.dir, file);
  }

  lockPath(key: string): string {
    return join(this.dir, 'locks', `${key}.pid`);
  }

  readGd(key: string): GdResult | null {
    return this.read(key, GdResult);
  }

  readFlow(key: string): FlowResult | null {
    return this.read(key, FlowResult);
  }

  /** Every result in the folder (a corrupted one is set aside, as on any read). */
  runs(): RunResult[] {
    return readdirSync(join(this.dir, 'runs'))
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => this.read(f.slice(0, -'.json'.length), RunResult) ?? []);
  }

  write(result: GdResult | FlowResult): void {
    // Hashed as it will be read back (JSON drops undefined fields and turns NaN into null).
    const plain = JSON.parse(JSON.stringify(result)) as object;
    writeFileAtomic(this.runPath(result.key), JSON.stringify({ ...plain, integrity: contentHash(plain) }));
  }

  private read<T>(key: string, schema: z.ZodType<T>): T | null {
    const path = this.runPath(key);
    if (!existsSync(path)) return null;
    try {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as { integrity?: unknown };
      // Results written before the integrity field existed have none and are accepted as they are.
      if (raw.integrity !== undefined && raw.integrity !== contentHash(raw)) {
        this.quarantine(path, 'content does not match its integrity hash');
        return null;
      }
      const parsed = schema.safeParse(raw);
      if (parsed.success && (parsed.data as { key: string }).key === key) return parsed.data;
      this.quarantine(path, parsed.success ? 'key mismatch' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '));
    } catch (err) {
      this.quarantine(path, (err as Error).message);
    }
    return null;
  }

  private quarantine(path: string, why: string): void {
    const aside = `${path}.corrupt`;
    try {
      renameSync(path, aside);
    } catch (err) {
      // Another process reading the same file set it aside first.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    process.stderr.write(`warning: result ${path} is corrupted (${why}); moved to ${aside}, the run will be recomputed\n`);
  }

  /** Mark a run as running by this process; returns false if another live process holds it. */
  acquire(key: string): boolean {
    mkdirSync(join(this.dir, 'locks'), { recursive: true });
    return acquireLock(this.lockPath(key));
  }

  release(key: string): void {
    releaseLock(this.lockPath(key));
  }

  /** Whether another live process runs `key`, and which. */
  lock(key: string): LockState {
    const { held, owner } = inspectLock(this.lockPath(key));
    return { held, owner };
  }
}
