/**
 * `eos sweep --slurm` against a real Slurm (scripts/slurm/start.sh): wave after wave the array job runs,
 * each task runs exactly its command, and the results folder ends equal, bit for bit in everything computed,
 * to a local `eos sweep` of the same experiment. In CI (.ci/run starts Slurm) a missing Slurm fails the test;
 * elsewhere the test is skipped, saying how to start it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_DIR } from '../data/helpers.js';


// A diagonal net whose sweep takes several waves: the flow, the fine grid, extensions until a divergence, one refinement.
const CONFIG = {
  id: 'slurm-diagonal',
  dataset: 'diagonal:2:7',
  model: { kind: 'diagonal', alpha: 0.1 },
  loss: 'mse',
  lossGoals: [1e-3],
  record: { every: 5, sharpnessEvery: 5, sharpnessTol: 1e-4 },
  flow: { maxStep: 0.05 },
  grid: { fine: 2, coarse: 2, extendUntilDivergence: 1, refine: 1 },
  maxSteps: 5000,
};

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Slurm commands run from elsewhere than the repository: the wave script must not depend on where it is submitted.
function run(command: string, args: string[], cwd = tmpdir(), env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd, env: { ...env, EOS_DATA_DIR: DATA_DIR } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? `${r.error}` };
}

const eos = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], REPO_ROOT);

const slurmUp = run('sinfo', ['-h', '-o', '%a']).status === 0;
const skip = slurmUp || process.env.CI === 'true' ? false : 'Slurm is not running here: start it with `bash scripts/slurm/start.sh` (as root)';

/** How the log of a task names its run: `[id flow]` or `[id lr=0.1527]`. */
function runLabel(command: string): string {
  const lr = / --lr (\S+)/.exec(command)?.[1];
  return lr === undefined ? `[${CONFIG.id} flow]` : `[${CONFIG.id} lr=${Number(lr).toPrecision(4)}]`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submit a wave and wait for its array job to leave the queue (polling: `sbatch --wait` polls every ~10 s); returns the job id. */
async function submit(script: string): Promise<string> {
  // One CPU per task: two tasks at a time on a two-core test machine.
  const sbatch = run('sbatch', ['--parsable', '--cpus-per-task=1', script]);
  assert.equal(sbatch.status, 0, sbatch.stderr);
  const job = sbatch.stdout.trim();
  for (let waited = 0; run('squeue', ['-h', '-j', job]).stdout.trim() !== ''; waited += 200) {
    assert.ok(waited < 300_000, `job ${job} still queued after 5 minutes`);
    await sleep(200);
  }
  return job;
}

/** State and exit code of every task of a finished array job, from the controller (no accounting needed). */
function taskStates(job: string): Map<number, string> {
  const show = run('scontrol', ['show', 'job', '-o', job]);
  assert.equal(show.status, 0, show.stderr);
  const states = new Map<number, string>();
  for (const line of show.stdout.trim().split('\n')) {
    const field = (name: string) => new RegExp(`\\b${name}=(\\S+)`).exec(line)?.[1];
    states.set(Number(field('ArrayTaskId')), `${field('JobState')} ${field('ExitCode')}`);
  }
  return states;
}

function setup(): { root: string; config: string; script: string; wave: (results: string) => string[] } {
  const root = mkdtempSync(join(tmpdir(), 'eos-slurm-'));
  const config = join(root, 'experiment.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const script = join(root, 'wave.sh');
  const wave = (results: string): string[] => {
    const plan = eos(['sweep', '--config', config, '--results', join(root, results), '--slurm', script, '--json']);
    assert.equal(plan.status, 0, plan.stderr);
    return (JSON.parse(plan.stdout) as { tasks: string[] }).tasks;
  };
  return { root, config, script, wave };
}

/** Every file of a results folder: runs without their timing (and its hash), everything else (solutions, checkpoints) as bytes. */
function computed(dir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.json')) {
        // Timing (wall and CPU) differs between runs; so does the integrity hash, which covers it: the store verifies it on every read.
        const { provenance, integrity: _i, ...rest } = JSON.parse(readFileSync(path, 'utf8')) as { provenance: Record<string, unknown>; integrity?: string };
        const { startedAt: _s, wallSeconds: _w, cpuSeconds: _c, ...kept } = provenance;
        out.set(relative(dir, path), { ...rest, provenance: kept });
      } else out.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

test('eos sweep --slurm through a real Slurm, wave by wave, ends with the results of a local sweep, bit for bit', { skip }, async () => {
  assert.ok(slurmUp, 'Slurm is not running: CI starts it with scripts/slurm/start.sh (sinfo did not answer)');
  const { root, config, script, wave } = setup();
  const local = eos(['sweep', '--config', config, '--results', join(root, 'local'), '--jobs', '1']);
  assert.equal(local.status, 0, local.stderr);

  const waves: string[][] = [];
  for (;;) {
    const tasks = wave('slurm');
    if (tasks.length === 0) break;
    assert.ok(waves.length < 20, `no end after ${waves.length} waves`);
    waves.push(tasks);
    const job = await submit(script);
    const states = taskStates(job);
    assert.deepEqual([...states.keys()].sort((a, b) => a - b), tasks.map((_, i) => i + 1), 'one array task per command');
    for (const [i, command] of tasks.entries()) {
      assert.equal(states.get(i + 1), 'COMPLETED 0:0', `task ${i + 1}: ${command}`);
      // Task N ran command N: its log names that command's run.
      const log = readFileSync(join(root, `slurm-${job}_${i + 1}.out`), 'utf8');
      assert.ok(log.includes(runLabel(command)), `task ${i + 1} log:\n${log}`);
    }
  }
  assert.ok(waves[0].length === 1 && / flow /.test(waves[0][0]), 'the first wave is the flow');
  assert.ok(waves.length >= 3 && waves.slice(1).every((w) => w.every((t) => / train /.test(t))), 'then waves of GD runs');

  const reference = computed(join(root, 'local'));
  const got = computed(join(root, 'slurm'));
  assert.deepEqual([...got.keys()].sort(), [...reference.keys()].sort(), 'the same files');
  for (const [file, content] of reference) assert.deepEqual(got.get(file), content, file);
});

test('the same wave script is a Kubernetes Indexed Job: completion index i (0-based) runs command i + 1, from any directory', () => {
  const { root, script, wave } = setup();
  // No Slurm variables: the pod of an Indexed Job sets only JOB_COMPLETION_INDEX.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
  const pod = (index: number) => run('bash', [script], tmpdir(), { ...env, JOB_COMPLETION_INDEX: String(index) });
  assert.equal(wave('k8s').length, 1);
  const outside = pod(1);
  assert.equal(outside.status, 2, 'an index outside the wave is an error');
  assert.match(outside.stderr, /no task 2 \(1\.\.1\)/);
  const flow = pod(0);
  assert.equal(flow.status, 0, flow.stderr);
  const gd = wave('k8s');
  assert.ok(gd.length >= 2, gd.join('\n'));
  const second = pod(1);
  assert.equal(second.status, 0, second.stderr);
  assert.ok(second.stderr.includes(runLabel(gd[1])), second.stderr);
  assert.deepEqual(wave('k8s'), gd.filter((_, i) => i !== 1), 'only command 2 ran');
  assert.equal(run('bash', [script], root, env).status, 2, 'without an index the script refuses to guess');
});
