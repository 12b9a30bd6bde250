/**
 * Fault and bad-input trials of issue 19: each test reproduces one finding through the
 * command line (or the store) and fails without its fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { runGd } from '../../src/sweep/runner.js';
import { Experiment, GdResult } from '../../src/sweep/schema.js';
import { gdKey, ResultStore } from '../../src/sweep/store.js';
import { buildProblem } from '../../src/sweep/problem.js';
import { DATA_DIR } from '../data/helpers.js';
import { SMALL_MNIST } from './fixtures.js';

const CONFIG = { ...SMALL_MNIST, id: 'robust' };

function setup(config: object = CONFIG): { root: string; config: string; dir: (name: string) => string } {
  const root = mkdtempSync(join(tmpdir(), 'eos-robust-'));
  const path = join(root, 'experiment.json');
  writeFileSync(path, JSON.stringify(config));
  return { root, config: path, dir: (name) => join(root, name) };
}

const CLI = ['--import', 'tsx', 'src/cli.ts'];

function eos(args: string[], opts: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const [cmd, ...pre] = opts.prefix ?? [];
  const argv = [...CLI, ...args];
  return cmd
    ? spawnSync(cmd, [...pre, process.execPath, ...argv], { encoding: 'utf8', env: opts.env })
    : spawnSync(process.execPath, argv, { encoding: 'utf8', env: opts.env ?? { ...process.env, EOS_DATA_DIR: DATA_DIR } });
}

/** The CLI in the background; resolves with its exit code and output. */
function eosAsync(args: string[]): { done: Promise<{ status: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, EOS_DATA_DIR: DATA_DIR } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return { done: new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr }))) };
}

async function until(what: string, ready: () => boolean, timeoutMs = 120000): Promise<void> {
  for (let waited = 0; !ready(); waited += 50) {
    assert.ok(waited < timeoutMs, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A user error: the documented exit code and one line on stderr, no stack trace. */
function assertOneLine(r: { status: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.status, code, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

function listing(dir: string): string {
  const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [`${join(d, e.name)} ${statSync(join(d, e.name)).mtimeMs}`])) : []);
  return walk(dir).sort().join('\n');
}

test('finding 1: when one experiment of a parallel sweep fails, the sweep returns only after the others, and leaves no worker behind', async () => {
  const { root, dir } = setup();
  // MNIST is intact; CIFAR-10's first batch is damaged, so the CIFAR experiment fails at once.
  const data = join(root, 'data');
  const batches = 'cifar10/cifar-10-batches-bin';
  mkdirSync(join(data, batches), { recursive: true });
  symlinkSync(join(DATA_DIR, 'mnist'), join(data, 'mnist'));
  for (const f of readdirSync(join(DATA_DIR, batches))) {
    if (f === 'data_batch_1.bin') writeFileSync(join(data, batches, f), 'not a batch');
    else symlinkSync(join(DATA_DIR, batches, f), join(data, batches, f));
  }
  const args = ['--profile', 'smoke', '--experiment', 'fcn-relu-cifar5k-mse', '--experiment', 'fcn-relu-mnist5k-mse', '--results', dir('r'), '--data-dir', data];
  // Until the sweep process exits, not until its output closes: an orphaned worker would hold stderr open.
  const child = spawn(process.execPath, [...CLI, 'sweep', ...args, '--jobs', '2', '--json'], { env: { ...process.env, EOS_DATA_DIR: DATA_DIR } });
  const r = { status: null as number | null, stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (r.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (r.stderr += c.toString()));
  const stdoutEnded = new Promise((resolve) => child.stdout.on('end', resolve));
  r.status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  await stdoutEnded;
  assert.equal(r.status, 1, r.stderr);
  const before = listing(dir('r'));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(listing(dir('r')), before, 'nothing writes into the results folder after the sweep exited');
  assert.deepEqual(readdirSync(join(dir('r'), 'locks')), [], 'no run is left locked');
  const status = eos(['status', ...args, '--experiment', 'fcn-relu-mnist5k-mse'].filter((a, i, all) => !(a === 'fcn-relu-cifar5k-mse' || (a === '--experiment' && all[i + 1] === 'fcn-relu-cifar5k-mse'))));
  assert.equal(status.status, 0, `the other experiment finished: ${status.stdout}`);
  assert.match(r.stderr, /1 experiment\(s\) of the sweep failed/);
  assert.deepEqual((JSON.parse(r.stdout) as { experiment: { id: string } }[]).map((s) => s.experiment.id), ['fcn-relu-mnist5k-mse'], 'the finished experiment is still reported');
});

test('finding 2: two sweeps on the same results folder share the work and both finish', async () => {
  const { config, dir } = setup();
  const args = ['sweep', '--config', config, '--results', dir('r'), '--jobs', '1', '--json'];
  const first = eosAsync(args);
  const locks = join(dir('r'), 'locks');
  await until('the first sweep to lock a GD run', () => existsSync(locks) && readdirSync(locks).some((f) => f.startsWith('gd-')));
  const second = eosAsync(args);
  const [a, b] = await Promise.all([first.done, second.done]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.doesNotMatch(a.stderr + b.stderr, /already running/);
  const runs = (s: string) => (JSON.parse(s) as { runs: GdResult[] }[])[0].runs.map((x) => [x.lr, x.outcome, x.final?.sharpness]);
  assert.deepEqual(runs(b.stdout), runs(a.stdout));
  const status = eos(['status', '--config', config, '--results', dir('r')]);
  assert.equal(status.status, 0, status.stdout);
});

test('finding 3: a run resumed after kill -9 keeps the checkpoints and the HVP count of its first part', async () => {
  const { config, dir } = setup({ ...CONFIG, lossGoals: [0.01] });
  const args = (d: string) => ['train', '--config', config, '--lr', '0.3', '--results', d, '--state-every', '3', '--json'];
  const full = eos(args(dir('full')));
  assert.equal(full.status, 0, full.stderr);
  const reference = GdResult.parse(JSON.parse(full.stdout));
  assert.ok(reference.checkpoints.length >= 2, 'the run crosses 0.1 before its goal 0.01');

  const child = spawn(process.execPath, [...CLI, ...args(dir('killed'))], { stdio: 'ignore', env: { ...process.env, EOS_DATA_DIR: DATA_DIR } });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const checkpoints = join(dir('killed'), 'checkpoints');
  const state = join(dir('killed'), 'state');
  // Kill once a state has been saved after the first checkpoint.
  await until('a state saved after the first checkpoint', () => {
    const ck = existsSync(checkpoints) ? readdirSync(checkpoints, { recursive: true }).map(String).filter((f) => f.endsWith('.safetensors')) : [];
    const st = existsSync(state) ? readdirSync(state).filter((f) => f.endsWith('.json')) : [];
    return ck.length > 0 && st.length > 0 && statSync(join(state, st[0])).mtimeMs > statSync(join(checkpoints, ck[0])).mtimeMs;
  });
  child.kill('SIGKILL');
  await exited;
  const resumed = eos(args(dir('killed')));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at step \d+/);
  const r = GdResult.parse(JSON.parse(resumed.stdout));
  assert.deepEqual(r.checkpoints.map((c) => [c.lossBelow, c.step]), reference.checkpoints.map((c) => [c.lossBelow, c.step]));
  assert.equal(r.provenance.hvps, reference.provenance.hvps);
});

async function diagonalProblem() {
  await initBackend('wasm');
  return buildProblem(Experiment.parse({ id: 'integrity', dataset: 'diagonal:2:7', model: { kind: 'diagonal', alpha: 0.1 }, loss: 'mse', lossGoals: [1e-3], record: { every: 5, sharpnessEvery: 5 } }));
}

function quietly<T>(f: () => T): { value: T; warnings: string } {
  let warnings = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (warnings += String(chunk)).length > 0) as typeof process.stderr.write;
  try {
    return { value: f(), warnings };
  } finally {
    process.stderr.write = write;
  }
}

test('finding 4: a result edited into other valid JSON fails its integrity check and is set aside; older files without the field still read', async () => {
  const problem = await diagonalProblem();
  try {
    const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-integrity-')));
    const gd = runGd(problem, store, 0.1, 1e-3, { log: () => {} });
    const path = store.runPath(gd.key);
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...onDisk, outcome: 'diverged' }));
    const { value, warnings } = quietly(() => store.readGd(gd.key));
    assert.equal(value, null, 'the edited result is not used');
    assert.match(warnings, /integrity/);
    assert.ok(existsSync(`${path}.corrupt`));

    // Results written before the field existed have none, and are used as they are.
    const { integrity: _, ...older } = onDisk;
    writeFileSync(path, JSON.stringify(older));
    assert.equal(store.readGd(gd.key)?.outcome, gd.outcome);
  } finally {
    problem.dispose();
  }
});

test('finding 5: a lock naming an unrelated live process, or an empty lock, is stale; a live owner holds its lock', async () => {
  const { config, dir } = setup({ ...CONFIG, dataset: 'diagonal:2:7', model: { kind: 'diagonal', alpha: 0.1 }, lossGoals: [1e-3] });
  const key = gdKey(Experiment.parse(JSON.parse(readFileSync(config, 'utf8'))), 0.1, 1e-3);
  const store = new ResultStore(dir('r'));
  mkdirSync(join(store.dir, 'locks'), { recursive: true });
  for (const content of ['1', '', '{"pid": 1}']) {
    writeFileSync(store.lockPath(key), content);
    const r = eos(['train', '--config', config, '--lr', '0.1', '--results', store.dir]);
    assert.equal(r.status, 0, `lock '${content}' is stale: ${r.stderr}`);
    assert.equal(existsSync(store.lockPath(key)), false, 'the run released its lock');
    rmSync(store.runPath(key));
  }
  // Another eos process computing a run: its lock is respected while it lives.
  const other = spawn(process.execPath, [...CLI, 'train', '--config', setup().config, '--lr', '0.05', '--goal', '0.001', '--results', dir('other')], { stdio: 'ignore', env: { ...process.env, EOS_DATA_DIR: DATA_DIR } });
  const exited = new Promise((resolve) => other.on('exit', resolve));
  const locks = join(dir('other'), 'locks');
  await until('the other process to lock its run', () => existsSync(locks) && readdirSync(locks).some((f) => f.endsWith('.pid')));
  const theirs = new ResultStore(dir('other'));
  const held = (readdirSync(locks).find((f) => f.endsWith('.pid')) as string).slice(0, -'.pid'.length);
  assert.equal(theirs.acquire(held), false);
  other.kill('SIGKILL');
  await exited;
  assert.equal(theirs.acquire(held), true, 'the lock of a dead process is stale');
});

test('finding 7: a results folder that cannot be written is reported before any computation', () => {
  const { root, config } = setup({ ...CONFIG, dataset: 'diagonal:2:7', model: { kind: 'diagonal', alpha: 0.1 }, lossGoals: [1e-3] });
  const results = join(root, 'ro');
  mkdirSync(join(results, 'runs'), { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(config, 0o644);
  // root may write anywhere: run the command as nobody, for whom the folder is read-only.
  const asNobody = process.getuid?.() === 0;
  if (!asNobody) for (const d of [join(results, 'runs'), results]) chmodSync(d, 0o555);
  const started = Date.now();
  const r = eos(['flow', '--config', config, '--results', results], asNobody ? { prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], env: { ...process.env, HOME: tmpdir() } } : {});
  assertOneLine(r, 2, /results folder .*ro is not writable .*--results/);
  assert.ok(Date.now() - started < 20000);
});

test('finding 8: bad numbers and a bad dataset are usage errors (exit 2, one line)', () => {
  const { root, config } = setup();
  assertOneLine(eos(['train', '--config', config, '--lr', '-1']), 2, /--lr must be a positive number, got '-1'/);
  assertOneLine(eos(['train', '--config', config, '--lr', '0x10']), 2, /--lr must be a positive number, got '0x10'/);
  assertOneLine(eos(['train', '--config', config, '--lr']), 2, /--lr/);
  assertOneLine(eos(['sweep', '--config', config, '--jobs', '-3']), 2, /--jobs must be a positive number, got '-3'/);
  assertOneLine(eos(['sweep', '--config', config, '--jobs', '1.5']), 2, /--jobs must be a positive integer/);
  const bad = join(root, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...CONFIG, dataset: 'mnist-6k' }));
  assertOneLine(eos(['train', '--config', bad, '--lr', '0.1']), 2, /bad\.json.*bad dataset spec "mnist-6k"/);
});

function partialMnist(root: string): string {
  const data = join(root, 'data');
  mkdirSync(join(data, 'mnist'), { recursive: true });
  for (const f of ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) symlinkSync(join(DATA_DIR, 'mnist', f), join(data, 'mnist', f));
  return data;
}

test('finding 9: a missing data file is one line that names it and says --data-dir, not "delete the file"', () => {
  const { root, config } = setup();
  const missing = eos(['train', '--config', config, '--lr', '0.1', '--data-dir', partialMnist(root), '--no-download', '--results', join(root, 'r')]);
  assertOneLine(missing, 2, /train-labels-idx1-ubyte\.gz: missing.*--data-dir/);
  assert.doesNotMatch(missing.stderr, /delete|pass dataDir/);
});

test('finding 9: another file under a right name is a checksum mismatch (not "truncated"), one line', () => {
  const { root, config } = setup();
  const data = partialMnist(root);
  symlinkSync(join(DATA_DIR, 'mnist/t10k-labels-idx1-ubyte.gz'), join(data, 'mnist/train-labels-idx1-ubyte.gz'));
  const wrong = eos(['train', '--config', config, '--lr', '0.1', '--data-dir', data, '--results', join(root, 'r')]);
  assertOneLine(wrong, 2, /train-labels-idx1-ubyte\.gz: checksum mismatch.*--data-dir/);
  assert.doesNotMatch(wrong.stderr, /truncated/);
});

test('finding 10: status counts every good result of an experiment after one corrupted file', () => {
  const { config, dir } = setup();
  const sweep = eos(['sweep', '--config', config, '--results', dir('r'), '--jobs', '1', '--json']);
  assert.equal(sweep.status, 0, sweep.stderr);
  const runs = (JSON.parse(sweep.stdout) as { runs: GdResult[] }[])[0].runs;
  const store = new ResultStore(dir('r'));
  writeFileSync(store.runPath(runs[0].key), '{"kind": "gd"');
  const status = eos(['status', '--config', config, '--results', dir('r'), '--json']);
  assert.equal(status.status, 3);
  const [row] = JSON.parse(status.stdout) as { done: number; diverged: number; missing: number }[];
  assert.equal(row.done + row.diverged, 1 + runs.length - 1, `the flow and every GD run but the corrupted one: ${status.stdout}`);
  assert.equal(row.missing, 1);
});
