import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
