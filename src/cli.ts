/**
 * eos: command line of the toolkit.
 *   train   one GD run (experiment, --lr, --goal)       flow    the gradient flow of an experiment
 *   sweep   flow + learning-rate grid of experiments    status  what is done, running, missing
 * Exit codes: 0 success, 1 failure while running, 2 bad usage, config or data, 3 `status`: work is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError, initBackend, parseBackend, type BackendRequest } from './backend/index.js';
import { writeFileAtomic } from './util/atomic.js';
import { REPO_ROOT } from './util/paths.js';
import { resolveDataDir } from './data/files.js';
import { planExperiment, type Task } from './sweep/plan.js';
import { findExperiment, parseProfile, profile, PROFILES } from './sweep/profiles.js';
import { flowSolutionFor, gdCommand, runFlow, runGdWhenFree, runSweep, runSweepsInParallel, stderrLog, SweepFailedError } from './sweep/runner.js';
import { Experiment, type SweepSummary } from './sweep/schema.js';
import { ResultStore } from './sweep/store.js';
import { buildProblem, checkDatasetSpec, fetchDataForAll, startingFrom, type DataOptions } from './sweep/problem.js';
import { cachedCalibration, calibrate, Calibration, checkPredictions, formatPlan, machineSpeed, observations, planCost, planFile, recordPredictions, savePlan } from './sweep/cost.js';
import { table1Rows } from './sweep/table1.js';
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
  plan     predicted GD steps, HVPs, core-hours and peak memory of what is left, per experiment
  calibrate  seconds per gradient, HVP and evaluation of one experiment on this machine (plan runs it)
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
  --state-every N     save a resumable state every N GD steps (default 500) or RK4 flow steps (default 200)
  --checkpoint FILE   measure: a safetensors checkpoint (ours or PyTorch's state_dict, F32/F64/F16/BF16)
  --top K             measure: how many eigenvalues at each end of the spectrum (default 5)
  --init FILE         train: start GD from this safetensors checkpoint instead of the experiment's init
  --save FILE         train: write the final parameters as safetensors
  --torch-init        initial weights bit for bit as torch.manual_seed(seed) + default nn.Linear/nn.Conv2d init
  --slurm FILE        sweep: write a Slurm array job for the runs that are ready, instead of running
  --backend NAME      auto | wasm | tensorflow | webgpu | cpu (env EOS_BACKEND)
  --data-dir DIR      datasets folder (env EOS_DATA_DIR); a missing dataset is downloaded into it
  --no-download       fail instead of downloading a missing dataset (mirror: env EOS_DATA_MIRROR=URL)
  --results DIR       results folder (env EOS_RESULTS_DIR, default ./results)
  --json              machine-readable output on stdout
  --debug             print stack traces of errors
  -h, --help          this help

pausing: \`touch <results>/PAUSE\` makes every run on that folder save its state before its next step and stop
(exit code 4); remove the file and rerun to continue

exit codes: 0 ok, 1 run failed, 2 bad usage, config or data, 3 status: work missing, 4 paused`;

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
/** A selected experiment; `optionalData` only when the whole profile is selected (see ProfileEntry). */
type Selected = { experiment: Experiment; args: string[]; optionalData?: true };

function selectExperiments(v: Values): Selected[] {
  return usage(() => selectExperimentsUnchecked(v));
}

function selectExperimentsUnchecked(v: Values): Selected[] {
  const init = (e: Experiment): Experiment => {
    if (!v['torch-init']) return e;
    if (e.model.kind !== 'fcn' && e.model.kind !== 'cnn') throw new UsageError(`--torch-init: PyTorch's initialisation is defined for fcn and cnn models; ${e.id} is a ${e.model.kind} model`);
    return { ...e, init: 'torch' };
  };
  if (v.config) return [{ experiment: init(readConfig(v.config)), args: ['--config', v.config] }];
  const ids = v.experiment ?? [];
  const entries = ids.length > 0 ? ids.map((id) => findExperiment(v.profile, id)) : profile(v.profile);
  return entries.map((e) => ({
    experiment: init(e.experiment),
    args: ['--profile', v.profile, '--experiment', e.experiment.id],
    ...(ids.length === 0 && e.optionalData ? { optionalData: e.optionalData } : {}),
  }));
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
      const entries = profile(v.profile).map((e) => ({ ...e, table1Rows: table1Rows(e.experiment) }));
      const rows = (r: number[]) => (r.length ? `Table 1 row ${r.join(', ')}` : '').padEnd(20);
      out(entries.map((e) => `${e.experiment.id.padEnd(34)} ${e.notebook.padEnd(22)} ${rows(e.table1Rows)} figures ${e.figures.join(', ')}`).join('\n'), entries);
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
    case 'plan': {
      await initBackend(backendRequest(v));
      const context = observations(store);
      const speed = machineSpeed();
      const plans = [];
      const failed: string[] = [];
      // Nothing is downloaded here; an optional-data experiment whose data is absent is left out, saying so.
      const chosen = selectExperiments(v);
      const reachable = await fetchDataForAll(chosen.filter((s) => s.optionalData), { dataDir: v['data-dir'], download: false }, stderrLog);
      for (const { experiment, args } of chosen.filter((s) => !s.optionalData || reachable.includes(s))) {
        let calibration = cachedCalibration(experiment, store, speed);
        if (!calibration) {
          stderrLog(`calibrating ${experiment.id}`);
          try {
            calibration = Calibration.parse(JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'calibrate', ...args, ...commonArgs(v), '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: CALIBRATION_TIMEOUT_MS })));
          } catch (err) {
            // The child printed why (e.g. the wasm heap's 4 GB), or took longer than a calibration may; the plan goes on without it.
            const timedOut = (err as { signal?: string }).signal === 'SIGTERM';
            failed.push(`${experiment.id} (${timedOut ? `over ${CALIBRATION_TIMEOUT_MS / 60_000} min wall: a busy machine? Run \`eos calibrate --experiment ${experiment.id}\`, then plan again` : 'the calibration failed: see its error above'})`);
            continue;
          }
        }
        plans.push(planCost(experiment, planExperiment(experiment, store), calibration, context, table1Rows(experiment)));
      }
      recordPredictions(store, plans);
      // Cheapest first: the order to run them in; the unpredictable last.
      plans.sort((a, b) => (a.predictable ? a.coreHoursLeft : Infinity) - (b.predictable ? b.coreHoursLeft : Infinity));
      const checks = checkPredictions(store, [...context.gd, ...context.flows]);
      savePlan(store, planFile(plans, checks));
      out(formatPlan(plans, checks) + (failed.length ? `\ncalibration failed, not planned: ${failed.join(', ')}` : ''), { plans, checks, failed });
      return failed.length ? 1 : 0;
    }
    case 'calibrate': {
      const selected = selectExperiments(v);
      if (selected.length !== 1) throw new UsageError('calibrate needs exactly one experiment: --experiment ID or --config FILE');
      await initBackend(backendRequest(v));
      const c = await calibrate(selected[0].experiment, store, v['data-dir']);
      out(`gradient ${c.gradSeconds.toFixed(4)} s, HVP ${c.hvpSeconds.toFixed(4)} s, evaluation ${c.evalSeconds.toFixed(4)} s, peak ${c.peakRssMb.toFixed(0)} MB (${c.threads} threads, ${c.backend})`, c);
      return 0;
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
          const r = await runFlow(problem, store, stderrLog, stateEvery);
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
      const chosen = selectExperiments(v);
      if (v.slurm) return writeSlurm(v, store, out);
      const jobs = positiveInteger('jobs', v.jobs) ?? cpus().length;
      const stateEvery = positiveInteger('state-every', v['state-every']);
      store.checkWritable();
      // Fetched once here, not by every worker at the same time.
      const selected = await fetchDataForAll(chosen, dataOptions(v), stderrLog);
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

/**
 * One wave of a sweep as a Slurm array job: the runs that are ready now (flows, and GD runs whose flow and
 * earlier rates are done); rerun after it finishes for the next wave. The script is self-contained, so it
 * runs from any directory on any node of a shared file system: absolute paths, the results and data folders
 * and the backend explicit, its commands inline (sbatch copies a script when it is submitted, so writing the
 * next wave cannot change a queued one). Index contract, shared with a Kubernetes Indexed Job: task N of 1..n
 * runs command N; Slurm's SLURM_ARRAY_TASK_ID counts from 1, Kubernetes' JOB_COMPLETION_INDEX from 0.
 */
function writeSlurm(v: Values, store: ResultStore, out: (h: string, j: unknown) => void): number {
  const absolute: Values = {
    ...v,
    config: v.config === undefined ? undefined : resolve(v.config),
    results: store.dir,
    'data-dir': resolveDataDir(v['data-dir']),
    backend: v.backend ?? process.env.EOS_BACKEND,
  };
  const common = commonArgs(absolute);
  const commands: { kind: Task['kind']; argv: string[] }[] = [];
  for (const { experiment, args } of selectExperiments(absolute)) {
    for (const t of planExperiment(experiment, store)) {
      if (t.state !== 'missing') continue;
      const argv = t.kind === 'flow' ? [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), 'flow', ...args, ...common] : gdCommand(args, common, t.lr as number, t.lossGoal as number);
      commands.push({ kind: t.kind, argv });
    }
  }
  const path = resolve(v.slurm as string);
  if (commands.length === 0) {
    out(`nothing to submit: every run is done or running (${path} not written)`, { script: null, tasks: [] });
    return 0;
  }
  const quote = (a: string) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const lines = commands.map((c) => c.argv.map(quote).join(' '));
  const n = commands.length;
  const flows = commands.filter((c) => c.kind === 'flow').length;
  const wave = `${n} tasks (${flows} flows, ${n - flows} GD runs)`;
  writeFileAtomic(
    path,
    `#!/bin/bash\n#SBATCH --job-name=eos-repro\n#SBATCH --array=1-${n}\n#SBATCH --cpus-per-task=2\n#SBATCH --output=${quote(join(dirname(path), 'slurm-%A_%a.out'))}\n` +
      `# One wave of eos sweep: ${wave}, into ${store.dir}.\n` +
      `# GD runs need their flow, extension and refinement rates need finished runs: when this job has finished,\n` +
      `# rerun \`eos sweep ... --slurm ${path}\` for the next wave; it writes nothing once every run is done.\n` +
      `# Task N of 1..${n} runs command N: Slurm sets SLURM_ARRAY_TASK_ID (1..${n}), a Kubernetes Indexed Job JOB_COMPLETION_INDEX (0..${n - 1}).\n` +
      `set -euo pipefail\n` +
      `if [ -n "\${SLURM_ARRAY_TASK_ID:-}" ]; then task=$SLURM_ARRAY_TASK_ID\n` +
      `elif [ -n "\${JOB_COMPLETION_INDEX:-}" ]; then task=$((JOB_COMPLETION_INDEX + 1))\n` +
      `else echo "eos wave: set SLURM_ARRAY_TASK_ID (1..${n}) or JOB_COMPLETION_INDEX (0..${n - 1})" >&2; exit 2; fi\n` +
      // tsx resolves from the repository root.
      `cd ${quote(REPO_ROOT)}\nexport OPENBLAS_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-2}\n` +
      `case "$task" in\n${lines.map((l, i) => `  ${i + 1}) exec ${l} ;;\n`).join('')}` +
      `  *) echo "eos wave: no task $task (1..${n})" >&2; exit 2 ;;\nesac\n`,
  );
  out(`wrote ${path}: ${wave}; submit it with \`sbatch ${path}\`, and when it has finished rerun this command for the next wave`, { script: path, tasks: lines });
  return 0;
}

/** A calibration is a few gradients and HVPs: one that takes longer than this is a model this machine cannot run. */
const CALIBRATION_TIMEOUT_MS = 10 * 60 * 1000;

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
  if (err instanceof BackendUnavailableError) return { code: 2, message: err.message, user: true };
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
