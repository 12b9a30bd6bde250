/**
 * Downloading the datasets from their canonical sources. Every file is streamed to
 * `<file>.part`, checked against the manifest and only then renamed into place, so an
 * interrupted or corrupt transfer never leaves a file that passes as complete.
 */
import { access, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkDigests, DataFileError, DigestAccumulator, formatError, missingFile, REDOWNLOAD_HINT, resolveDataDir, verifyFile } from './files.js';
import { MANIFEST, type BaseDatasetName, type DatasetManifest, type ManifestEntry } from './manifest.js';
import { readGzipFile } from './readers.js';
import { readTar } from './tar.js';
import { UserError } from '../util/errors.js';

export interface DownloadProgress {
  /** Path relative to the data directory. */
  file: string;
  received: number;
  /** Expected size, when the manifest or the server says. */
  total?: number;
  /** Mean rate since the transfer started, bytes per second. */
  rate: number;
  done: boolean;
}

export interface DownloadOptions {
  /** Defaults to a one-line progress display on stderr. */
  onProgress?: (p: DownloadProgress) => void;
  /** Replaces the built-in manifest entry of the dataset (mirrors, tests). */
  manifest?: DatasetManifest;
  /** Give up when no data arrives for this long (default 60 s): a stalled connection fails instead of hanging. */
  stallTimeoutMs?: number;
}

const PROGRESS_INTERVAL_MS = 200;
const STALL_TIMEOUT_MS = 60_000;

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Rewrites one stderr line with bytes, percentage and rate; ends it when the file is done. */
export function stderrProgress(p: DownloadProgress): void {
  const size = p.total ? `${megabytes(p.received)}/${megabytes(p.total)} MB ${((100 * p.received) / p.total).toFixed(1)}%` : `${megabytes(p.received)} MB`;
  process.stderr.write(`\r${p.file} ${size} ${megabytes(p.rate)} MB/s${p.done ? '\n' : ''}`);
}

async function alreadyVerified(path: string, entry: ManifestEntry): Promise<boolean> {
  try {
    await verifyFile(path, entry);
    return true;
  } catch (err) {
    if (err instanceof DataFileError) return false;
    throw err;
  }
}

/**
 * Fetches `entry.url` into `<dataDir>/<entry.path>` unless a verified copy is already there.
 * Returns the final path; throws (leaving no `.part` behind) on HTTP errors, interrupted or
 * stalled transfers and size or checksum mismatches.
 */
export async function downloadFile(entry: ManifestEntry & { url: string }, dataDir: string, opts: Pick<DownloadOptions, 'onProgress' | 'stallTimeoutMs'> = {}): Promise<string> {
  const dest = join(dataDir, entry.path);
  if (await alreadyVerified(dest, entry)) return dest;
  const onProgress = opts.onProgress ?? stderrProgress;
  // Per process: workers of one sweep may fetch the same file at once; each renames a verified copy.
  const part = `${dest}.${process.pid}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let received = 0;
  // A watchdog re-armed by every chunk: when it fires, the pending fetch or body read
  // fails with the stall as its reason.
  const stallMs = opts.stallTimeoutMs ?? STALL_TIMEOUT_MS;
  const watchdog = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => watchdog.abort(new Error(`stalled: no data for ${stallMs / 1000} s`)), stallMs);
  };
  arm();
  try {
    let res: Response;
    try {
      res = await fetch(entry.url, { signal: watchdog.signal });
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      throw new Error(`download of ${entry.url} failed: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`, { cause: err });
    }
    if (!res.ok || !res.body) throw new Error(`download of ${entry.url} failed: HTTP ${res.status} ${res.statusText}`);
    const header = Number(res.headers.get('content-length'));
    const total = entry.bytes ?? (header > 0 ? header : undefined);
    const acc = new DigestAccumulator();
    const started = Date.now();
    let lastReport = 0;
    const report = (done: boolean) => {
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      onProgress({ file: entry.path, received, total, rate: received / seconds, done });
    };
    const fh = await open(part, 'w');
    try {
      try {
        const reader = res.body.getReader();
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          arm();
          const chunk = next.value;
          acc.update(chunk);
          await fh.write(chunk);
          received += chunk.length;
          if (Date.now() - lastReport >= PROGRESS_INTERVAL_MS) {
            lastReport = Date.now();
            report(false);
          }
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      report(true);
      checkDigests(`${dest} (downloaded from ${entry.url})`, entry, acc.digest());
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof DataFileError) throw err;
      throw new Error(`download of ${entry.url} interrupted after ${received} bytes: ${(err as Error).message}`, { cause: err });
    }
    await rename(part, dest);
    return dest;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Unpacks the members named by `entries[i].member` from a .tar.gz archive into
 * `<dataDir>/<entries[i].path>`: each is written to `.part`, verified, then renamed.
 */
export async function extractTarGzMembers(archivePath: string, entries: ManifestEntry[], dataDir: string): Promise<void> {
  const wanted = new Map(entries.filter((e) => e.member).map((e) => [e.member as string, e]));
  for (const member of readTar(await readGzipFile(archivePath), archivePath)) {
    const entry = wanted.get(member.name);
    if (!entry || member.type !== '0') continue;
    const dest = join(dataDir, entry.path);
    const part = `${dest}.${process.pid}.part`;
    await mkdir(dirname(dest), { recursive: true });
    try {
      await writeFile(part, member.data);
      await verifyFile(part, entry);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    await rename(part, dest);
    wanted.delete(member.name);
  }
  if (wanted.size > 0) {
    throw formatError(archivePath, `archive lacks ${[...wanted.keys()].join(', ')}`, REDOWNLOAD_HINT);
  }
}

async function allVerified(entries: ManifestEntry[], dataDir: string): Promise<boolean> {
  for (const entry of entries) if (!(await alreadyVerified(join(dataDir, entry.path), entry))) return false;
  return true;
}

/**
 * Downloads dataset `name` into `dataDir` (default: EOS_DATA_DIR or `<repo root>/data`),
 * skipping files that already verify. CIFAR-10 comes as one archive, which is kept next to
 * the unpacked batches so a damaged batch can be restored without the network.
 */
export async function downloadDataset(name: BaseDatasetName, dataDir?: string, opts: DownloadOptions = {}): Promise<void> {
  const dir = resolveDataDir(dataDir);
  const manifest = opts.manifest ?? MANIFEST[name];
  if (await allVerified(manifest.files, dir)) return;
  if (!manifest.archive) {
    for (const entry of manifest.files) {
      if (!entry.url) throw new Error(`manifest entry ${entry.path} has neither a URL nor an archive`);
      await downloadFile({ ...entry, url: entry.url }, dir, opts);
    }
    return;
  }
  const archive = await downloadFile(manifest.archive, dir, opts);
  await extractTarGzMembers(archive, manifest.files, dir);
}

/** A dataset that is missing and could not be downloaded; the message says how to provide it. */
export class DataUnavailableError extends UserError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'DataUnavailableError';
  }
}

/** Data on first use: what to fetch a missing dataset from. */
export interface FetchOptions extends DownloadOptions {
  /** Base URL of a mirror laid out like the data folder (`<mirror>/mnist/...`); default: EOS_DATA_MIRROR, else the canonical sources. */
  mirror?: string;
}

/** The manifest of `name` fetched file by file from a mirror of the data folder. */
export function mirrorManifest(name: BaseDatasetName, mirror: string): DatasetManifest {
  const base = mirror.replace(/\/+$/, '');
  return { files: MANIFEST[name].files.map((e) => ({ ...e, url: `${base}/${e.path}` })) };
}

/**
 * Downloads dataset `name` into `dataDir` if any of its files is missing there (as torchvision's
 * download=True does); a file that is present but damaged is left for the loader to report.
 * With `opts` false, a missing file is reported instead.
 * A failed download is a DataUnavailableError naming the folder and how to point at a copy.
 */
export async function fetchIfMissing(name: BaseDatasetName, dataDir: string, opts: FetchOptions | false = {}): Promise<void> {
  const files = MANIFEST[name].files;
  const present = await Promise.all(files.map((e) => access(join(dataDir, e.path)).then(() => true, () => false)));
  const missing = files.find((_, i) => !present[i]);
  if (!missing) return;
  if (!opts) throw missingFile(join(dataDir, missing.path), missing);
  const mirror = opts.mirror ?? process.env.EOS_DATA_MIRROR;
  const manifest = opts.manifest ?? (mirror ? mirrorManifest(name, mirror) : undefined);
  try {
    await downloadDataset(name, dataDir, { ...opts, manifest });
    process.stderr.write(`${name} was missing: downloaded and verified into ${dataDir} (--no-download turns this off)\n`);
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataUnavailableError(
      `${name} is missing in ${dataDir} and could not be downloaded (${(err as Error).message}). ` +
        `Fix: point --data-dir (or EOS_DATA_DIR) at a folder holding a copy, or EOS_DATA_MIRROR at a mirror of one (see data/README.md)`,
      err,
    );
  }
}
