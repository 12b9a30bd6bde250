/**
 * Data on first use: a command that needs a missing dataset downloads it (from a local mirror
 * of the data folder here: our machines have no internet), verifies it and goes on; without a
 * reachable source it fails with one line that says how to point --data-dir at a copy.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { test } from 'node:test';
import { DATA_DIR } from './helpers.js';

const CONFIG = { id: 'first-use', dataset: 'mnist-5k:64', model: { kind: 'fcn', widths: [8], activation: 'relu' }, loss: 'mse', lossGoals: [0.3], testLimit: 20 };

function eos(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

test('a missing dataset is downloaded from the mirror, verified, and the run goes on', async () => {
  const requests: string[] = [];
  // A mirror is a data folder served over HTTP.
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(req.url ?? '/')).replace(/^\/+/, '');
    requests.push(path);
    const file = join(DATA_DIR, path);
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const root = mkdtempSync(join(tmpdir(), 'eos-first-use-'));
    const config = join(root, 'experiment.json');
    writeFileSync(config, JSON.stringify(CONFIG));
    const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await eos(['train', '--config', config, '--lr', '0.1', '--data-dir', join(root, 'data'), '--results', join(root, 'r')], { EOS_DATA_MIRROR: mirror, EOS_DATA_DIR: '' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /mnist\/train-images-idx3-ubyte\.gz 9\.9\/9\.9 MB 100\.0%/, 'a progress bar');
    assert.match(r.stderr, /mnist was missing: downloaded and verified into .*data/);
    assert.deepEqual(requests.sort(), ['mnist/t10k-images-idx3-ubyte.gz', 'mnist/t10k-labels-idx1-ubyte.gz', 'mnist/train-images-idx3-ubyte.gz', 'mnist/train-labels-idx1-ubyte.gz']);
    assert.equal(statSync(join(root, 'data/mnist/train-images-idx3-ubyte.gz')).size, 9912422);

    const again = await eos(['train', '--config', config, '--lr', '0.2', '--data-dir', join(root, 'data'), '--results', join(root, 'r')], { EOS_DATA_MIRROR: mirror });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(requests.length, 4, 'verified files are not fetched again');
  } finally {
    server.close();
  }
});

test('without a reachable source, one line says how to point --data-dir at a copy; --no-download does not try', async () => {
  const root = mkdtempSync(join(tmpdir(), 'eos-first-use-'));
  const config = join(root, 'experiment.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const args = ['train', '--config', config, '--lr', '0.1', '--data-dir', join(root, 'data'), '--results', join(root, 'r')];
  // Port 9 (discard) on the loopback refuses connections here.
  const offline = await eos(args, { EOS_DATA_MIRROR: 'http://127.0.0.1:9' });
  assert.equal(offline.status, 2, offline.stderr);
  const lines = offline.stderr.trim().split('\n');
  assert.equal(lines.length, 1, offline.stderr);
  assert.match(lines[0], /^error: mnist is missing in .*data and could not be downloaded \(.*127\.0\.0\.1:9.*\)\. Fix: point --data-dir \(or EOS_DATA_DIR\) at a folder holding a copy/);
  const off = await eos([...args, '--no-download'], { EOS_DATA_MIRROR: 'http://127.0.0.1:9' });
  assert.equal(off.status, 2);
  assert.match(off.stderr, /^error: .*train-images-idx3-ubyte\.gz: missing/);
});
