/**
 * Run locks: a file created atomically (written aside, then hard-linked into place, so it is
 * never seen half-written) that names its owner by host, pid, the process's start time and a
 * random token. A pid alone is not an identity: pids are reused, and a lock naming `1` or any
 * other live but unrelated process would block its run forever. A lock is held only while its
 * owner is that very process; an empty, unreadable or foreign lock is stale and is broken.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pidAlive } from '../util/atomic.js';

export interface LockOwner {
  host: string;
  pid: number;
  /** Start time of the process (Linux: clock ticks since boot), null where it cannot be read. */
  start: string | null;
  token: string;
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces, so count after ')'. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** This process, as its locks name it. */
export const SELF: LockOwner = { host: hostname(), pid: process.pid, start: processStart(process.pid), token: randomBytes(8).toString('hex') };

/** Locks written before owners were recorded hold a bare pid; trust it only for a live eos process. */
function legacyOwnerAlive(pid: number): boolean {
  if (pid === process.pid || !pidAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cli.ts');
  } catch {
    return false;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.host === 'string' && Number.isSafeInteger(o.pid) && typeof o.token === 'string' && (typeof o.start === 'string' || o.start === null)) return o as LockOwner;
  } catch {
    // not an owner record: stale
  }
  return null;
}

/** Whether `owner` is a live process other than this one (another host's process cannot be checked: assumed live). */
function foreignAndAlive(owner: LockOwner): boolean {
  if (owner.token === SELF.token) return false;
  if (owner.host !== SELF.host) return true;
  if (!pidAlive(owner.pid)) return false;
  return owner.start === null || processStart(owner.pid) === owner.start;
}

export interface LockState {
  /** A live process other than this one holds the lock. */
  held: boolean;
  /** Who, for messages. */
  owner: string;
}

/** The lock at `path`: held (by a live foreign process) or not (absent, ours, or stale). */
export function inspectLock(path: string): LockState & { text: string | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { held: false, owner: '', text: null };
  }
  const owner = parseOwner(text);
  if (owner) return { held: foreignAndAlive(owner), owner: `process ${owner.pid} on ${owner.host}`, text };
  const legacy = /^\s*(\d+)\s*$/.exec(text);
  if (legacy) return { held: legacyOwnerAlive(Number(legacy[1])), owner: `process ${legacy[1]}`, text };
  return { held: false, owner: '', text };
}

/** Create `path` holding our owner record, only if it does not exist. */
function createExclusive(path: string): boolean {
  const tmp = `${path}.${SELF.token}.new`;
  writeFileSync(tmp, JSON.stringify(SELF));
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Remove a stale lock whose content was `stale`. It is first renamed aside (atomic: of two
 * processes breaking it, one gets it); if what was renamed is no longer the stale lock but a
 * fresh one another process created meanwhile, it is put back.
 */
function breakStale(path: string, stale: string): void {
  const aside = `${path}.${SELF.token}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  if (readFileSync(aside, 'utf8') !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process locked it meanwhile: the taken lock's owner will find its run locked and wait
    }
  }
  rmSync(aside, { force: true });
}

/** Take the lock at `path` for this process; false if a live foreign process holds it. */
export function acquireLock(path: string): boolean {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path)) return true;
    const state = inspectLock(path);
    if (state.held) return false;
    if (state.text !== null && parseOwner(state.text)?.token === SELF.token) return true;
    if (state.text !== null) breakStale(path, state.text);
  }
  return false;
}

/** Remove the lock at `path` if this process holds it. */
export function releaseLock(path: string): void {
  try {
    if (parseOwner(readFileSync(path, 'utf8'))?.token === SELF.token) rmSync(path, { force: true });
  } catch {
    // no lock, nothing to release
  }
}
