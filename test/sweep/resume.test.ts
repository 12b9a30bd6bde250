/**
 * Interrupted work loses nothing: a killed GD run resumes from its saved state
 * and ends bit-identical to an uninterrupted one; a killed sweep, rerun, ends
 * with the same results and no lost runs; a corrupted result file is detected
 * and recomputed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultStore } from '../../src/sweep/store.js';
import { FlowResult, GdResult } from '../../src/sweep/schema.js';
import { DATA_DIR } from '../data/helpers.js';
import { SMALL_MNIST } from './fixtures.js';

const CONFIG = SMALL_MNIST;

function setup(): { config: string; dir: (name: string) => string } {
  const root = mkdtempSync(join(tmpdir(), 'eos-resume-'));
  const config = join(root, 'experiment.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  return { config, dir: (name) => join(root, name) };
}

const CLI = ['--import', 'tsx', 'src/cli.ts'];

function eos(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args, '--data-dir', DATA_DIR], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start the CLI and SIGKILL it as soon as `ready()` holds. */
async function killWhen(args: string[], ready: () => boolean): Promise<void> {
  const child = spawn(process.execPath, [...CLI, ...args, '--data-dir', DATA_DIR], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let waited = 0; !ready(); waited += 50) {
    assert.ok(waited < 120000, 'the process never reached the point where it should be killed');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, null, 'killed before finishing');
}

function results(dir: string): Map<string, GdResult> {
  const runs = join(dir, 'runs');
  const out = new Map<string, GdResult>();
  for (const f of readdirSync(runs).filter((f) => f.startsWith('gd-') && f.endsWith('.json'))) {
    out.set(f, GdResult.parse(JSON.parse(readFileSync(join(runs, f), 'utf8'))));
  }
  return out;
}

/** Everything but provenance (wall time, start time) and the hash that covers it must be identical. */
function comparable(r: GdResult): unknown {
  const { provenance: _p, integrity: _i, checkpoints, ...rest } = r;
  return { ...rest, checkpoints: checkpoints.map((c) => ({ lossBelow: c.lossBelow, step: c.step })) };
}

/** A flow's --json answer without provenance, its hash and where its solution files went. */
function comparableFlow(stdout: string): unknown {
  const { provenance: _p, integrity: _i, sGF, ...rest } = FlowResult.parse(JSON.parse(stdout));
  return { ...rest, sGF: sGF.map(({ solutionFile: _f, ...s }) => s) };
}

test('a killed GD run resumes from its saved state and ends identical to an uninterrupted run', async () => {
  const { config, dir } = setup();
  const args = (d: string) => ['train', '--config', config, '--lr', '0.3', '--results', d, '--state-every', '3', '--json'];
  const full = eos(args(dir('full')));
  assert.equal(full.status, 0, full.stderr);

  const stateDir = join(dir('killed'), 'state');
  await killWhen(args(dir('killed')), () => existsSync(stateDir) && readdirSync(stateDir).some((f) => f.endsWith('.json')));
  const resumed = eos(args(dir('killed')));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at step \d+/);
  assert.deepEqual(comparable(GdResult.parse(JSON.parse(resumed.stdout))), comparable(GdResult.parse(JSON.parse(full.stdout))));
});

test('a killed gradient flow resumes from its saved state and ends identical to an uninterrupted flow', async () => {
  const { config, dir } = setup();
  // Two goals: the state after the first crossing carries that solution; the sharpness is refreshed every 5 RK4 steps.
  writeFileSync(config, JSON.stringify({ ...CONFIG, lossGoals: [0.3, 0.1] }));
  const args = (d: string) => ['flow', '--config', config, '--results', d, '--state-every', '2', '--json'];
  const full = eos(args(dir('full')));
  assert.equal(full.status, 0, full.stderr);
  const stateDir = join(dir('killed'), 'state');
  await killWhen(args(dir('killed')), () => existsSync(stateDir) && readdirSync(stateDir).some((f) => f.startsWith('flow-') && f.endsWith('.json')));
  const resumed = eos(args(dir('killed')));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /flow\] resuming at step \d+/);
  assert.deepEqual(comparableFlow(resumed.stdout), comparableFlow(full.stdout));
  const solutions = (d: string) => readdirSync(join(d, 'checkpoints'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.safetensors')).map((f) => readFileSync(join(d, 'checkpoints', f)));
  assert.deepEqual(solutions(dir('killed')), solutions(dir('full')), 'the flow solutions are the same bits');
  assert.deepEqual(readdirSync(stateDir), [], 'the state is removed once the flow is stored');
});

/** Start the CLI, create the results folder's PAUSE file once `ready()` holds, and wait for the exit: its code and stderr. */
async function pauseWhen(args: string[], pauseFile: string, ready: () => boolean): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args, '--data-dir', DATA_DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let waited = 0; !ready(); waited += 50) {
    assert.ok(waited < 120000, 'the process never reached the point where it should be paused');
    await new Promise((r) => setTimeout(r, 50));
  }
  writeFileSync(pauseFile, '');
  return { code: await exited, stderr };
}

/** The step of the only resumable state in a results folder. */
function savedStep(dir: string): number {
  const states = readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.json'));
  assert.equal(states.length, 1, `one saved state, found ${states.join(', ')}`);
  return (JSON.parse(readFileSync(join(dir, 'state', states[0]), 'utf8')) as { step: number }).step;
}

test('PAUSE: a run saves its state before its next step and exits 4; the rerun ends identical to an uninterrupted run', async () => {
  const { config, dir } = setup();
  const args = (d: string, every: string) => ['train', '--config', config, '--lr', '0.3', '--results', d, '--state-every', every, '--json'];
  const full = eos(args(dir('full'), '500'));
  assert.equal(full.status, 0, full.stderr);

  const store = new ResultStore(dir('paused'));
  // Paused after the first periodic state (every 2 steps): the pause saves a later one.
  const paused = await pauseWhen(args(dir('paused'), '2'), store.pauseFile, () => existsSync(join(dir('paused'), 'state')) && readdirSync(join(dir('paused'), 'state')).some((f) => f.endsWith('.json')));
  assert.equal(paused.code, 4, paused.stderr);
  assert.match(paused.stderr, /pausing: .*PAUSE exists/);
  assert.match(paused.stderr, /paused at step \d+, its state saved: remove the results folder's PAUSE file/);
  const step = savedStep(dir('paused'));
  assert.equal(Number(/paused at step (\d+)/.exec(paused.stderr)?.[1]), step, 'the state is that of the step it paused at');
  assert.deepEqual(readdirSync(join(dir('paused'), 'locks')), [], 'the run lock is released');

  // While PAUSE exists nothing runs: not even one step.
  const still = eos(args(dir('paused'), '2'));
  assert.equal(still.status, 4, still.stderr);
  assert.match(still.stderr, new RegExp(`paused at step ${step}, nothing computed since it started`));
  assert.equal(savedStep(dir('paused')), step);

  rmSync(store.pauseFile);
  const before = savedSpent(dir('paused'));
  assert.equal(before.attempts, 1, 'the attempt that found PAUSE at once computed nothing and saved nothing');
  const resumed = eos(args(dir('paused'), '500'));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming at step ${step}\\b`));
  const result = GdResult.parse(JSON.parse(resumed.stdout));
  assert.deepEqual(comparable(result), comparable(GdResult.parse(JSON.parse(full.stdout))));
  // The record's clocks count every attempt: the earlier ones' from the state, then this one's.
  const p = result.provenance;
  assert.equal(p.attempts, 2);
  assert.equal(p.startedAt, before.startedAt, 'started when the first attempt did');
  assert.ok(p.wallSeconds > before.wallSeconds && (p.cpuSeconds ?? 0) > before.cpuSeconds, `${JSON.stringify(p)} after ${JSON.stringify(before)}`);
  assert.equal(p.partialClock, undefined);
  assert.equal(GdResult.parse(JSON.parse(full.stdout)).provenance.attempts, 1);
});

/** The clocks kept with the only resumable state in a results folder. */
function savedSpent(dir: string): { startedAt: string; wallSeconds: number; cpuSeconds: number; attempts: number } {
  const [state] = readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.json'));
  return (JSON.parse(readFileSync(join(dir, 'state', state), 'utf8')) as { spent: ReturnType<typeof savedSpent> }).spent;
}

test('PAUSE: a gradient flow saves its state and exits 4; the rerun ends identical to an uninterrupted flow', async () => {
  const { config, dir } = setup();
  writeFileSync(config, JSON.stringify({ ...CONFIG, lossGoals: [0.3, 0.1] }));
  const args = (d: string) => ['flow', '--config', config, '--results', d, '--state-every', '2', '--json'];
  const full = eos(args(dir('full')));
  assert.equal(full.status, 0, full.stderr);
  const store = new ResultStore(dir('paused'));
  const paused = await pauseWhen(args(dir('paused')), store.pauseFile, () => existsSync(join(dir('paused'), 'state')) && readdirSync(join(dir('paused'), 'state')).some((f) => f.endsWith('.json')));
  assert.equal(paused.code, 4, paused.stderr);
  const step = savedStep(dir('paused'));
  rmSync(store.pauseFile);
  // A state saved before states kept their clocks: the record says its clock covers the last attempt only.
  const [stateFile] = readdirSync(join(dir('paused'), 'state')).map((f) => join(dir('paused'), 'state', f));
  const { spent: _spent, ...legacy } = JSON.parse(readFileSync(stateFile, 'utf8')) as { spent: unknown };
  writeFileSync(stateFile, JSON.stringify(legacy));
  const resumed = eos(args(dir('paused')));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`flow\\] resuming at step ${step} `));
  assert.deepEqual(comparableFlow(resumed.stdout), comparableFlow(full.stdout));
  const p = FlowResult.parse(JSON.parse(resumed.stdout)).provenance;
  assert.equal(p.partialClock, true);
  assert.equal(FlowResult.parse(JSON.parse(full.stdout)).provenance.partialClock, undefined);
});

test('a sweep killed midway and rerun finishes with identical results and no lost runs', async () => {
  const { config, dir } = setup();
  const sweep = (d: string) => ['sweep', '--config', config, '--results', d, '--jobs', '1'];
  const full = eos(sweep(dir('full')));
  assert.equal(full.status, 0, full.stderr);

  const runs = join(dir('killed'), 'runs');
  await killWhen(sweep(dir('killed')), () => existsSync(runs) && readdirSync(runs).filter((f) => f.startsWith('gd-')).length >= 2);
  const before = results(dir('killed'));
  const rerun = eos(sweep(dir('killed')));
  assert.equal(rerun.status, 0, rerun.stderr);
  const after = results(dir('killed'));
  const reference = results(dir('full'));
  assert.deepEqual([...after.keys()].sort(), [...reference.keys()].sort(), 'same runs as the uninterrupted sweep');
  for (const [key, r] of reference) assert.deepEqual(comparable(after.get(key) as GdResult), comparable(r), key);
  for (const [key, r] of before) assert.deepEqual(after.get(key)?.provenance, r.provenance, `${key} finished before the kill was reused, not rerun`);

  const status = eos(['status', '--config', config, '--results', dir('killed'), '--json']);
  assert.equal(status.status, 0, 'nothing missing');
});

test('a corrupted result file is detected, moved aside and recomputed', () => {
  const { config, dir } = setup();
  const args = ['train', '--config', config, '--lr', '0.2', '--results', dir('r'), '--json'];
  const first = eos(args);
  assert.equal(first.status, 0, first.stderr);
  const original = GdResult.parse(JSON.parse(first.stdout));
  const store = new ResultStore(dir('r'));
  const path = store.runPath(original.key);
  writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200));
  const second = eos(args);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /corrupted/);
  assert.ok(existsSync(`${path}.corrupt`));
  assert.deepEqual(comparable(GdResult.parse(JSON.parse(second.stdout))), comparable(original));
});

test('bad input: unknown config field and unknown backend are usage errors naming the problem', () => {
  const { dir } = setup();
  const bad = join(dir('.'), 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...CONFIG, lossGoal: 0.1 }));
  const r = eos(['train', '--config', bad, '--lr', '0.1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /lossGoal/);
  const { config } = setup();
  const b = eos(['train', '--config', config, '--lr', '0.1', '--backend', 'gpu']);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /unknown backend 'gpu'/);
});

test('the Slurm array job runs the same per-task commands: flow first, then one GD run per task', () => {
  const { config, dir } = setup();
  const script = join(dir('.'), 'sweep.sh');
  const plan = (): string[] => {
    const r = eos(['sweep', '--config', config, '--results', dir('r'), '--slurm', script, '--json']);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { tasks: string[] }).tasks;
  };
  const task = (id: number) => spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: String(id), EOS_DATA_DIR: DATA_DIR } });
  const first = plan();
  assert.equal(first.length, 1);
  assert.match(first[0], / flow /);
  assert.equal(task(1).status, 0);
  const second = plan();
  assert.ok(second.length >= 3 && second.every((t) => / train .* --lr /.test(t)), second.join('\n'));
  const run = task(1);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(plan().length, second.length - 1, 'the finished task is no longer planned');
});

test('several experiments sweep in parallel processes (--jobs 2) with the same results as one after the other', () => {
  const { dir } = setup();
  const sweep = (d: string, jobs: string) => ['sweep', '--profile', 'smoke', '--experiment', 'logistic-two-point', '--experiment', 'diagonal-2d', '--results', d, '--jobs', jobs, '--json'];
  const parallel = eos(sweep(dir('parallel'), '2'));
  assert.equal(parallel.status, 0, parallel.stderr);
  const serial = eos(sweep(dir('serial'), '1'));
  assert.equal(serial.status, 0, serial.stderr);
  const ids = (stdout: string) => (JSON.parse(stdout) as { experiment: { id: string } }[]).map((s) => s.experiment.id);
  assert.deepEqual(ids(parallel.stdout), ids(serial.stdout));
  assert.deepEqual(ids(parallel.stdout), ['logistic-two-point', 'diagonal-2d']);
  const reference = results(dir('serial'));
  const got = results(dir('parallel'));
  assert.deepEqual([...got.keys()].sort(), [...reference.keys()].sort(), 'same runs');
  for (const [key, r] of reference) assert.deepEqual(comparable(got.get(key) as GdResult), comparable(r), key);
});
