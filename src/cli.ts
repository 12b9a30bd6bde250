/**
 * eos: command line of the toolkit.
 *   train   one GD run (experiment, --lr, --goal)       flow    the gradient flow of an experiment
 *   sweep   flow + learning-rate grid of experiments    status  what is done, running, missing
 * Exit codes: 0 success, 1 failure while running, 2 bad usage, config or data, 3 `status`: work is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, parseBackend, type BackendRequest } from './backend/index.js';
import { writeFileAtomic } from './util/atomic.js';
import { planExperiment, type Task } from './sweep/plan.js';
import { findExperiment, parseProfile, profile, PROFILES } from './sweep/profiles.js';
import { flowSolutionFor, gdCommand, runFlow, runGdWhenFree, runSweep, runSweepsInParallel, stderrLog, SweepFailedError } from './sweep/runner.js';
import { Experiment, type SweepSummary } from './sweep/schema.js';
import { ResultStore } from './sweep/store.js';
import { buildProblem, checkDatasetSpec, fetchDataFor, startingFrom, type DataOptions } from './train/problem.js';
import { measureParameters } from './train/measure.js';
import { loadSafetensors, saveSafetensors } from './models/safetensors.js';
import type { Model } from './models/types.js';
import { UserError } from './util/errors.js';
import { parseDecimal } from './util/parse.js';
import { flowKey } from './sweep/store.js';
import { ZodError } from 'zod';

const HELP = `eos — reproduce "Conflicting Biases at the Edge of Stability"

usage: npm run eos -- <command> [options]

commands
  sweep    run the gradient flow and the learning-rate sweep of every experiment of a profile
  train    one gradient-descent run: --experiment ID (or --config FILE) --lr ETA [--goal EPS] [--init F] [--save F]
  measure  loss, accuracy, gradient norm and top-k Hessian eigenvalues (both ends) of --checkpoint F
  flow     the gradient flow of one experiment (s0, s_GF for every loss goal)
  status   what is done, running and missing for a profile
  list     the experiments of a profile

options
  --profile NAME      ${PROFILES.join(' | ')} (default: quick)
  --experiment ID     restrict to one experiment (repeatable for sweep/status)
  --config FILE       an experiment as JSON instead of a profile entry
  --lr ETA            learning rate (train)
  --goal EPS          loss goal (train; default: the experiment's first)
  --jobs N            sweep: experiments run in parallel (one process each), or one experiment's GD runs (default: ${cpus().length})
  --state-every N     save a resumable state every N GD steps (default 500)
  --checkpoint FILE   measure: a safetensors checkpoint (ours or PyTorch's state_dict, F32/F64/F16/BF16)
  --top K             measure: how many eigenvalues at each end of the spectrum (default 5)
  --init FILE         train: start GD from this safetensors checkpoint instead of the experiment's init
  --save FILE         train: write the final parameters as safetensors
  --torch-init        initial weights bit for bit as torch.manual_seed(seed) + default nn.Linear/nn.Conv2d init
  --slurm FILE        sweep: write a Slurm array job for the runs that are ready, instead of running
  --backend NAME      auto | wasm | tensorflow | cpu (env EOS_BACKEND)
  --data-dir DIR      datasets folder (env EOS_DATA_DIR); a missing dataset is downloaded into it
  --no-download       fail instead of downloading a missing dataset (mirror: env EOS_DATA_MIRROR=URL)
  --results DIR       results folder (env EOS_RESULTS_DIR, default ./results)
  --json              machine-readable output on stdout
  --debug             print stack traces of errors
  -h, --help          this help

exit codes: 0 ok, 1 run failed, 2 bad usage, config or data, 3 status: work missing`;

class UsageError extends UserError {}

/** Errors while reading the command line or the configuration are usage errors (exit code 2). */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ZodError || err instanceof UserError) throw err;
    throw new UsageError((err as Error).message);
  }
}

const OPTIONS = {
  profile: { type: 'string', default: 'quick' },
  experiment: { type: 'string', multiple: true },
  config: { type: 'string' },
  lr: { type: 'string' },
  goal: { type: 'string' },
  jobs: { type: 'string' },
  slurm: { type: 'string' },
  'state-every': { type: 'string' },
  checkpoint: { type: 'string' },
  top: { type: 'string' },
  init: { type: 'string' },
  save: { type: 'string' },
  'torch-init': { type: 'boolean', default: false },
  backend: { type: 'string' },
  'data-dir': { type: 'string' },
  results: { type: 'string' },
  'no-download': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = parseDecimal(value);
  if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  return x;
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  const x = positiveNumber(name, value);
  if (x !== undefined && !Number.isInteger(x)) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return x;
}

/**
 * parseArgs takes a value starting with '-' for an option (`--lr -1`); join such values to
 * their option (`--lr=-1`) so that the value is checked and reported like any other.
 */
function attachDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const option = (OPTIONS as Record<string, { type: string }>)[name];
    if (option?.type === 'string' && i + 1 < argv.length && /^-[\d.]/.test(argv[i + 1])) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

function readConfig(path: string): Experiment {
  if (!existsSync(path)) throw new UsageError(`config file '${path}' does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  const experiment = Experiment.parse(raw);
  try {
    checkDatasetSpec(experiment.dataset);
  } catch (err) {
    throw new UsageError(`config file '${path}': ${(err as Error).message}`);
  }
  return experiment;
}

/** The experiments selected by the options, each with the CLI arguments that name it for a worker. */
function selectExperiments(v: Values): { experiment: Experiment; args: string[] }[] {
  return usage(() => selectExperimentsUnchecked(v));
}

function selectExperimentsUnchecked(v: Values): { experiment: Experiment; args: string[] }[] {
  const init = (e: Experiment): Experiment => {
    if (!v['torch-init']) return e;
    if (e.model.kind !== 'fcn' && e.model.kind !== 'cnn') throw new UsageError(`--torch-init: PyTorch's initialisation is defined for fcn and cnn models; ${e.id} is a ${e.model.kind} model`);
    return { ...e, init: 'torch' };
  };
  if (v.config) return [{ experiment: init(readConfig(v.config)), args: ['--config', v.config] }];
  const ids = v.experiment ?? [];
  const entries = ids.length > 0 ? ids.map((id) => findExperiment(v.profile, id)) : profile(v.profile);
  return entries.map((e) => ({ experiment: init(e.experiment), args: ['--profile', v.profile, '--experiment', e.experiment.id] }));
}

function oneExperiment(v: Values, command: string): Experiment {
  const selected = selectExperiments(v);
  if (selected.length !== 1) throw new UsageError(`${command} needs exactly one experiment: --experiment ID or --config FILE`);
  return selected[0].experiment;
}

/** Parameters from a safetensors file for `model`; a missing or unfit file is a usage error. */
function readCheckpoint(option: string, path: string, model: Model): Float32Array {
  if (!existsSync(path)) throw new UsageError(`--${option}: checkpoint file '${path}' does not exist`);
  return usage(() => loadSafetensors(path, model).theta);
}

function backendRequest(v: Values): BackendRequest | undefined {
  return v.backend ? usage(() => parseBackend(v.backend as string)) : undefined;
}

function dataOptions(v: Values): DataOptions {
  return { dataDir: v['data-dir'], download: v['no-download'] ? false : {} };
}

function commonArgs(v: Values): string[] {
  return [
    ...(v['no-download'] ? ['--no-download'] : []),
    ...(v['torch-init'] ? ['--torch-init'] : []),
    ...(v.backend ? ['--backend', v.backend] : []),
    ...(v['data-dir'] ? ['--data-dir', v['data-dir']] : []),
    ...(v.results ? ['--results', v.results] : []),
    ...(v['state-every'] ? ['--state-every', v['state-every']] : []),
  ];
}

function summarizeTasks(tasks: Task[]): Record<Task['state'], number> {
  const counts = { done: 0, diverged: 0, running: 0, missing: 0 };
  for (const t of tasks) counts[t.state]++;
  return counts;
}

async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = usage(() => parseArgs({ args: attachDashValues(argv), options: OPTIONS, allowPositionals: true }));
  const command = positionals[0];
  if (v.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return v.help ? 0 : 2;
  }
  usage(() => parseProfile(v.profile));
  const store = new ResultStore(v.results);
  const out = (human: string, json: unknown) => process.stdout.write(v.json ? `${JSON.stringify(json)}\n` : `${human}\n`);

  switch (command) {
    case 'list': {
      const entries = profile(v.profile);
      out(entries.map((e) => `${e.experiment.id.padEnd(34)} ${e.notebook.padEnd(22)} figures ${e.figures.join(', ')}`).join('\n'), entries);
      return 0;
    }
    case 'status': {
      const rows = selectExperiments(v).map(({ experiment }) => ({ id: experiment.id, ...summarizeTasks(planExperiment(experiment, store)) }));
      const missing = rows.reduce((a, r) => a + r.missing + r.running, 0);
      out(
        [`${'experiment'.padEnd(34)} done diverged running missing`, ...rows.map((r) => `${r.id.padEnd(34)} ${String(r.done).padStart(4)} ${String(r.diverged).padStart(8)} ${String(r.running).padStart(7)} ${String(r.missing).padStart(7)}`)].join('\n'),
        rows,
      );
      return missing > 0 ? 3 : 0;
    }
    case 'measure': {
      const experiment = oneExperiment(v, command);
      if (!v.checkpoint) throw new UsageError('measure needs --checkpoint FILE (safetensors)');
      const k = positiveInteger('top', v.top) ?? 5;
      await initBackend(backendRequest(v));
      const problem = await buildProblem(experiment, dataOptions(v));
      try {
        const m = measureParameters(problem, readCheckpoint('checkpoint', v.checkpoint, problem.model), k);
        const list = (xs: number[]) => xs.map((x) => x.toPrecision(6)).join(' ');
        const split = (name: string, r: { loss: number; accuracy: number | null }) => `${name} loss ${r.loss.toPrecision(6)} accuracy ${r.accuracy === null ? '-' : r.accuracy.toPrecision(6)}`;
        out(
          [
            `${v.checkpoint} on ${experiment.id} (${problem.model.numParams} parameters)`,
            split('train', m.train),
            ...(m.test ? [split('test', m.test)] : []),
            `gradient norm ${m.gradientNorm.toPrecision(6)}`,
            `largest eigenvalues ${list(m.hessian.largest)}${m.hessian.converged.largest ? '' : ' (not converged)'}`,
            `smallest eigenvalues ${list(m.hessian.smallest)}${m.hessian.converged.smallest ? '' : ' (not converged)'}`,
          ].join('\n'),
          m,
        );
      } finally {
        problem.dispose();
      }
      return 0;
    }
    case 'flow':
    case 'train': {
      const experiment = oneExperiment(v, command);
      const lr = positiveNumber('lr', v.lr);
      const goal = positiveNumber('goal', v.goal) ?? experiment.lossGoals[0];
      const stateEvery = positiveInteger('state-every', v['state-every']);
      if (command === 'train' && lr === undefined) throw new UsageError('train needs --lr');
      if (command === 'flow' && (v.init || v.save)) throw new UsageError('--init and --save are options of train');
      store.checkWritable();
      await initBackend(backendRequest(v));
      const built = await buildProblem(experiment, dataOptions(v));
      try {
        const problem = v.init ? startingFrom(built, readCheckpoint('init', v.init, built.model)) : built;
        if (command === 'flow') {
          const r = await runFlow(problem, store);
          out(`s0 ${r.s0} ${r.sGF.map((s) => `sGF(${s.lossGoal}) ${s.sGF}`).join(' ')}`, r);
        } else {
          // The flow solution belongs to the experiment's own start: no distance to it from another one.
          const flow = v.init ? null : store.readFlow(flowKey(experiment));
          const save = v.save;
          const r = await runGdWhenFree(problem, store, lr as number, goal, {
            flowSolution: flow ? flowSolutionFor(problem, store, flow, goal) : undefined,
            stateEvery,
            onFinal: save ? (theta) => saveSafetensors(save, problem.model, theta, { experiment: experiment.id, lr: String(lr), lossGoal: String(goal) }) : undefined,
          });
          out(`${r.outcome} after ${r.steps} steps; final sharpness ${r.final?.sharpness ?? '-'}, l1 ${r.final?.l1 ?? '-'}${save ? `; parameters written to ${save}` : ''}`, r);
        }
      } finally {
        built.dispose();
      }
      return 0;
    }
    case 'sweep': {
      const selected = selectExperiments(v);
      if (v.slurm) return writeSlurm(v, selected, store, out);
      const jobs = positiveInteger('jobs', v.jobs) ?? cpus().length;
      const stateEvery = positiveInteger('state-every', v['state-every']);
      store.checkWritable();
      // Fetched once here, not by every worker at the same time.
      for (const spec of new Set(selected.map((s) => s.experiment.dataset))) await fetchDataFor(spec, dataOptions(v));
      const inProcess = async (): Promise<SweepSummary[]> => {
        await initBackend(backendRequest(v));
        const summaries: SweepSummary[] = [];
        for (const [i, { experiment, args }] of selected.entries()) {
          stderrLog(`== [${i + 1}/${selected.length}] ${experiment.id}`);
          summaries.push(...(await runSweep(experiment, { store, jobs, data: dataOptions(v), workerArgs: args, commonArgs: commonArgs(v), stateEvery })));
        }
        return summaries;
      };
      const report = (summaries: SweepSummary[]) => out(summaries.map((s) => `${s.experiment.id} eps=${s.lossGoal}: 2/sGF=${s.criticalLr.toPrecision(4)} runs=${s.runs.length}`).join('\n'), summaries);
      // Several experiments: one process each, `jobs` at a time; one experiment: its GD runs in parallel.
      try {
        report(selected.length > 1 && jobs > 1 ? await runSweepsInParallel(selected.map((s) => s.args), commonArgs(v), jobs) : await inProcess());
      } catch (err) {
        if (err instanceof SweepFailedError) report(err.completed);
        throw err;
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}' (see --help)`);
  }
}

function writeSlurm(v: Values, selected: { experiment: Experiment; args: string[] }[], store: ResultStore, out: (h: string, j: unknown) => void): number {
  const lines: string[] = [];
  for (const { experiment, args } of selected) {
    for (const t of planExperiment(experiment, store)) {
      if (t.state !== 'missing') continue;
      const argv = t.kind === 'flow'
        ? [process.execPath, '--import', 'tsx', 'src/cli.ts', 'flow', ...args, ...commonArgs(v)]
        : gdCommand(args, commonArgs(v), t.lr as number, t.lossGoal as number);
      lines.push(argv.map((a) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '));
    }
  }
  const path = v.slurm as string;
  if (lines.length === 0) {
    out(`nothing to submit: every run is done or running (${path} not written)`, { script: null, tasks: [] });
    return 0;
  }
  const tasksFile = `${path}.tasks`;
  writeFileAtomic(tasksFile, `${lines.join('\n')}\n`);
  writeFileAtomic(
    path,
    `#!/bin/bash\n#SBATCH --job-name=eos-repro\n#SBATCH --array=1-${lines.length}\n#SBATCH --cpus-per-task=2\n` +
      `# Each task runs one line of ${tasksFile}; all write into the same results folder.\n` +
      `# Flow tasks must finish before their GD runs are planned: rerun \`eos sweep --slurm\` after each wave.\n` +
      `cd ${process.cwd()}\nexport OPENBLAS_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-2}\n` +
      `eval "$(sed -n "\${SLURM_ARRAY_TASK_ID}p" ${tasksFile})"\n`,
  );
  out(`wrote ${path} with ${lines.length} tasks (${tasksFile})`, { script: path, tasks: lines });
  return 0;
}

/** Exit only after stdout has drained: a large --json answer on a pipe is otherwise cut off. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

/** Exit code and one-line message of an error: user errors are reported without a stack trace. */
function describe(err: unknown): { code: number; message: string; user: boolean } {
  if (err instanceof ZodError) return { code: 2, message: `invalid config: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, user: true };
  if (err instanceof UserError) return { code: err.exitCode, message: err.message, user: true };
  if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return { code: 2, message: `${(err as Error).message} (see --help)`, user: true };
  if (err instanceof SweepFailedError) return { code: 1, message: err.message, user: true };
  return { code: 1, message: err instanceof Error ? err.message : String(err), user: false };
}

const debug = process.argv.includes('--debug');

main(process.argv.slice(2)).then(
  exitAfterFlush,
  (err: unknown) => {
    const { code, message, user } = describe(err);
    const hint = user || debug ? '' : ' (--debug shows the stack trace)';
    process.stderr.write(`error: ${message}${hint}\n${debug && err instanceof Error && err.stack ? `${err.stack}\n` : ''}`);
    exitAfterFlush(code);
  },
);
