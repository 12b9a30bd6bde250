import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';

/** A file that could not be written (a run failure, exit code 1); the message names it (a bare ENOSPC or EFBIG does not). */
export class WriteError extends UserError {
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(`cannot write ${file}: ${cause.message}`, { cause, exitCode: 1 });
    this.name = 'WriteError';
  }
}

/**
 * Write through a temporary file, fsync and rename, so a crash or a full disk never leaves a
 * half-written file under the final name. Short writes are continued (a full disk then fails
 * the next write), and the temporary file is removed on any failure.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      for (let offset = 0; offset < bytes.length; ) {
        const written = writeSync(fd, bytes, offset, bytes.length - offset);
        if (written <= 0) throw new Error(`short write: ${offset} of ${bytes.length} bytes`);
        offset += written;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new WriteError(path, err as Error);
  }
}

/** Whether a process with this id exists on this host (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove a file written by `writeFileAtomic`, and the temporary files that writers killed
 * mid-write (SIGKILL, power loss) left beside it; a live writer's temporary file is kept.
 */
export function removeAtomic(path: string): void {
  rmSync(path, { force: true });
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    // `<name>.<pid>.<8 hex>.tmp`, as writeFileAtomic names them
    const m = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (m && !pidAlive(Number(m[1]))) rmSync(join(dirname(path), name), { force: true });
  }
}
