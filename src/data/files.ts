/** Data directory resolution and checksum verification of dataset files. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { REPO_ROOT } from '../util/paths.js';
import type { ManifestEntry } from './manifest.js';

/** Default cache, `<repo root>/data` (gitignored). */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, 'data');

/** Explicit option > env `EOS_DATA_DIR` > `<repo root>/data`. */
export function resolveDataDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env.EOS_DATA_DIR;
  if (env) return resolve(env);
  return DEFAULT_DATA_DIR;
}

export type DataFileProblem = 'missing' | 'checksum' | 'format';

/** A dataset file that is absent, damaged or unreadable; the message says how to fix it. */
export class DataFileError extends UserError {
  constructor(
    readonly file: string,
    readonly problem: DataFileProblem,
    detail: string,
    fix: string,
  ) {
    super(`${file}: ${detail}. ${fix}`);
    this.name = 'DataFileError';
  }
}

/** Advice for a damaged download or archive. */
export const REDOWNLOAD_HINT = 'Fix: delete it and download it again';

/** A file whose content does not parse; `fix` tells the user what to do about it. */
export function formatError(file: string, detail: string, fix = 'Fix: replace it with a verified copy (see data/README.md)'): DataFileError {
  return new DataFileError(file, 'format', detail, fix);
}

/** How to get a good copy of a missing file. */
export const MISSING_HINT = 'Fix: point --data-dir (or EOS_DATA_DIR) at a folder holding the dataset, or run without --no-download to fetch it';

export function missingFile(file: string, entry: ManifestEntry): DataFileError {
  return new DataFileError(file, 'missing', `missing (${entry.path} of the manifest)`, MISSING_HINT);
}

/** How to replace a damaged file. */
export const DAMAGED_HINT = 'Fix: delete it (eos then downloads it again) or point --data-dir (or EOS_DATA_DIR) at a folder with a verified copy';

export interface Digests {
  bytes: number;
  md5: string;
  sha256: string;
}

/** Incremental md5 + sha256 + byte count, so a file is read once for both checksums. */
export class DigestAccumulator {
  private md5 = createHash('md5');
  private sha256 = createHash('sha256');
  private bytes = 0;

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.bytes += chunk.length;
  }

  digest(): Digests {
    return { bytes: this.bytes, md5: this.md5.digest('hex'), sha256: this.sha256.digest('hex') };
  }
}

export async function hashFile(path: string): Promise<Digests> {
  const acc = new DigestAccumulator();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) acc.update(chunk as Buffer);
  return acc.digest();
}

/** Throws a DataFileError when `got` disagrees with the manifest entry (size first, then the checksums it has). */
export function checkDigests(file: string, entry: ManifestEntry, got: Digests): void {
  checkSize(file, entry, got.bytes);
  if (entry.sha256 && got.sha256 !== entry.sha256) {
    throw new DataFileError(file, 'checksum', `checksum mismatch: expected sha256 ${entry.sha256} got ${got.sha256}`, DAMAGED_HINT);
  }
  if (entry.md5 !== undefined && got.md5 !== entry.md5) {
    throw new DataFileError(file, 'checksum', `checksum mismatch: expected md5 ${entry.md5} got ${got.md5}`, DAMAGED_HINT);
  }
}

function checkSize(file: string, entry: ManifestEntry, bytes: number): void {
  if (entry.bytes === undefined || bytes === entry.bytes) return;
  // A size alone cannot tell a cut-off copy from another file under the same name.
  throw new DataFileError(file, 'checksum', `checksum mismatch: ${bytes} bytes, expected ${entry.bytes}`, DAMAGED_HINT);
}

/** Verified files by absolute path, valid while size, times and inode stay the same. */
const verified = new Map<string, string>();

/**
 * Checks that `path` exists and matches `entry` (size, sha256 when known, md5); throws a
 * DataFileError naming the file and the problem otherwise. A file already verified in this
 * process and unchanged since (same size, mtime, ctime, inode) is not hashed again.
 */
export async function verifyFile(path: string, entry: ManifestEntry): Promise<{ cached: boolean }> {
  const file = resolve(path);
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw missingFile(file, entry);
  }
  const key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${entry.sha256 ?? entry.md5}`;
  if (verified.get(file) === key) return { cached: true };
  checkSize(file, entry, st.size);
  checkDigests(file, entry, await hashFile(file));
  verified.set(file, key);
  return { cached: false };
}
