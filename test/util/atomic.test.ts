/**
 * A full disk (simulated with a file-size limit, which fails writes the same way: a short
 * write, then an error) leaves neither a truncated file under the final name nor a temporary
 * file, and the error names the file. Removing a file also removes what writers killed mid-write
 * left beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeAtomic } from '../../src/util/atomic.js';

const REPO = pathToFileURL(process.cwd()).href;

const SCRIPT = `
import { writeFileAtomic } from '${REPO}/src/util/atomic.ts';
import { saveSafetensors } from '${REPO}/src/models/safetensors.ts';
const [kind, path] = process.argv.slice(-2);
const big = new Float32Array(1 << 18);
try {
  if (kind === 'safetensors') saveSafetensors(path, { layout: [{ name: 'w', shape: [big.length], offset: 0, size: big.length }] }, big);
  else writeFileAtomic(path, new Uint8Array(big.buffer));
  console.log('written');
} catch (err) {
  console.log(err.message);
}
`;

/** Runs SCRIPT with files limited to 64 KiB (SIGXFSZ ignored, so writes fail with EFBIG). */
function writeUnderLimit(kind: string, path: string): string {
  const script = join(mkdtempSync(join(tmpdir(), 'eos-atomic-script-')), 'write.mts');
  writeFileSync(script, SCRIPT);
  const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 64; exec "$0" --import tsx "$1" ${kind} "$2"`, process.execPath, script, path], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

for (const kind of ['plain', 'safetensors']) {
  test(`a ${kind} write that runs out of space leaves no file behind and names the file`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'eos-atomic-'));
    const path = join(dir, 'out.bin');
    const message = writeUnderLimit(kind, path);
    assert.match(message, new RegExp(`cannot write ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(EFBIG|ENOSPC|short write)`));
    assert.deepEqual(readdirSync(dir), [], 'neither the final file nor a temporary file is left');
  });
}

test('removeAtomic removes the file and the temporaries of dead writers, and keeps a live writer\'s and unrelated files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-atomic-remove-'));
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const files = [
    'state.json',
    `state.json.${deadPid}.0123abcd.tmp`,
    `state.json.${process.pid}.89abcdef.tmp`,
    `other.json.${deadPid}.0123abcd.tmp`,
    `state.json.${deadPid}.notes`,
  ];
  for (const f of files) writeFileSync(join(dir, f), '');
  removeAtomic(join(dir, 'state.json'));
  assert.deepEqual(readdirSync(dir).sort(), [`other.json.${deadPid}.0123abcd.tmp`, `state.json.${deadPid}.notes`, `state.json.${process.pid}.89abcdef.tmp`].sort());
  removeAtomic(join(dir, 'missing', 'state.json'));
});
