/**
 * Running experiments: the gradient flow, single GD runs (cached, resumable)
 * and whole learning-rate sweeps, in process or as parallel worker processes
 * that execute the same per-run command line a Slurm array task would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../models/safetensors.js';
import { distance, parameterNorms } from '../sharpness/norms.js';
import { spectrumEnds } from '../sharpness/index.js';
import { gradientDescent, type GdState } from '../train/gd.js';
import { finalMeasures } from '../train/measure.js';
import { gradientFlow, type FlowSolution, type FlowState } from '../train/flow.js';
import { buildProblem, type DataOptions, type Problem } from './problem.js';
import { removeAtomic, writeFileAtomic } from '../util/atomic.js';
import { PAUSED_EXIT_CODE, RunPaused } from '../util/errors.js';
import { aboveFailure, initialSchedule, nextRates, scheduleOutcome, type RunOutcome } from './grid.js';
import { REPO_ROOT } from '../util/paths.js';
import { earlierAttempts, provenance, spentSoFar, startClock, type Spent } from './provenance.js';
import { SweepSummary, type Experiment, type FlowResult, type GdResult } from './schema.js';
import { canonicalJson, flowKey, gdKey, ResultStore } from './store.js';
import { runsLeft, summarizeSweep, sweepsFromStore } from './summary.js';

export type Log = (line: string) => void;

export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

/** Throttle progress lines so long runs report every few seconds, not every step. */
function throttled(log: Log, everyMs: number): Log {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      log(line);
    }
  };
}

function fmt(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? '-' : Number(x).toPrecision(digits);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}min`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

/** A run that another live process is computing right now. */
export class RunLockedError extends Error {
  constructor(
    readonly key: string,
    readonly owner: string,
  ) {
    super(`run ${key} is running in ${owner}`);
    this.name = 'RunLockedError';
  }
}

const LOCK_POLL_MS = 1000;

/** Resolves once no live process other than this one holds the lock of `key`. */
async function waitWhileLocked(store: ResultStore, key: string): Promise<void> {
  while (store.lock(key).held) await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
}

/**
 * `compute` under the lock of `key`; when another process holds it, wait for that process
 * and try again (its result is then cached, or, if it died, the run is ours).
 */
async function whenFree<T>(store: ResultStore, key: string, log: Log, what: string, compute: () => T): Promise<T> {
  for (;;) {
    try {
      return compute();
    } catch (err) {
      if (!(err instanceof RunLockedError)) throw err;
      log(`${what} is running in ${err.owner}; waiting for it`);
      await waitWhileLocked(store, key);
    }
  }
}

/** `compute` holding the lock of `key`; throws RunLockedError when another live process holds it. */
function locked<T>(store: ResultStore, key: string, compute: () => T): T {
  if (!store.acquire(key)) throw new RunLockedError(key, store.lock(key).owner);
  try {
    return compute();
  } finally {
    store.release(key);
  }
}

/**
 * The pause hook of a run on `store`: true while its PAUSE file exists (the run then saves its state
 * and throws RunPaused, whose message says how to continue).
 */
function pausedBy(store: ResultStore, log: Log, tag: string): () => boolean {
  return () => {
    if (!store.paused()) return false;
    log(`${tag} pausing: ${store.pauseFile} exists`);
    return true;
  };
}

/** "ETA <duration>" from the steps left and the wall time per step since `startStep` (this process's steps only). */
function etaClock(startStep: number): (step: number, stepsLeft: number | null) => string {
  const startWall = Date.now();
  return (step, stepsLeft) => `ETA ${stepsLeft === null ? '?' : duration((stepsLeft * (Date.now() - startWall)) / 1000 / Math.max(1, step - startStep))}`;
}

/** The experiment's gradient flow, cached; `stateEvery`: save a resumable state every this many RK4 steps. */
export async function runFlow(problem: Problem, store: ResultStore, log: Log = stderrLog, stateEvery?: number): Promise<FlowResult> {
  const e = problem.experiment;
  const key = flowKey(e);
  return whenFree(store, key, log, `[${e.id} flow]`, () => store.readFlow(key) ?? locked(store, key, () => store.readFlow(key) ?? computeFlow(problem, store, key, log, stateEvery)));
}

function computeFlow(problem: Problem, store: ResultStore, key: string, log: Log, stateEvery: number | undefined): FlowResult {
  const e = problem.experiment;
  const statePath = store.statePath(key);
  const resume = loadFlowState(statePath, problem.model.numParams, log);
  if (resume) log(`[${e.id} flow] resuming at step ${resume.step} (t=${fmt(resume.time)})`);
  const started = startClock();
  const earlier = earlierAttempts(resume, started);
  const hvps0 = problem.train.hvpCount - (resume?.hvps ?? 0);
  const progress = throttled(log, 5000);
  const eta = etaClock(resume?.step ?? 0);
  const out = gradientFlow(
    problem,
    problem.theta0,
    { lossGoals: e.lossGoals, ...e.flow, divergenceFactor: e.divergenceFactor, recordEvery: e.record.every },
    {
      resume,
      stateEvery,
      onState: (s) => saveFlowState(statePath, { ...s, hvps: problem.train.hvpCount - hvps0, spent: spentSoFar(started, earlier) }),
      onProgress: (p) => progress(`[${e.id} flow] step ${p.step} t=${fmt(p.time)} loss ${fmt(p.loss)} sharpness ${fmt(p.sharpness)} ${eta(p.step, p.stepsLeft)}`),
      pause: pausedBy(store, log, `[${e.id} flow]`),
    },
  );
  const sGF = out.solutions.map((s) => {
    const file = store.checkpointFile(key, `solution-${s.lossGoal}.safetensors`);
    saveSafetensors(file.path, problem.model, s.theta, { kind: 'gradient-flow solution', lossGoal: String(s.lossGoal), time: String(s.time) });
    return { lossGoal: s.lossGoal, sGF: s.sGF, time: s.time, step: s.step, solutionFile: file.recorded };
  });
  const result: FlowResult = {
    kind: 'flow',
    schemaVersion: 1,
    key,
    experiment: e,
    outcome: out.outcome,
    steps: out.steps,
    s0: out.s0,
    sGF,
    history: out.history,
    provenance: provenance(started, problem.train.hvpCount - hvps0, earlier),
  };
  store.write(result);
  removeAtomic(statePath);
  log(`[${e.id} flow] ${out.outcome} after ${out.steps} RK4 steps: s0=${fmt(out.s0)} ${sGF.map((s) => `sGF(${s.lossGoal})=${fmt(s.sGF)}`).join(' ')}`);
  return result;
}

interface SerializedState {
  step: number;
  theta: string;
  initialLoss: number;
  history: GdState['history'];
  maxSharpness: number | null;
  eigenvector: string | null;
  previousLoss: number;
  snapshot?: { step: number; loss: number; theta: string } | null;
  /** Checkpoints written so far, HVPs and clocks spent so far (absent in states saved before they were kept). */
  checkpoints?: GdResult['checkpoints'];
  hvps?: number;
  spent?: Spent;
}

/** What a resumed run continues from: the GD state and the run's own bookkeeping up to it. */
interface RunState extends GdState {
  checkpoints: GdResult['checkpoints'];
  hvps: number;
  spent?: Spent;
}

/** Resumable states are JSON with the arrays in base64 (exact bits). */
const toBase64 = (a: Float32Array | Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function fromBase64(b: string): ArrayBuffer {
  const buf = Buffer.from(b, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function parametersFromBase64(b: string, numParams: number): Float32Array {
  const theta = new Float32Array(fromBase64(b));
  if (theta.length !== numParams) throw new Error(`state has ${theta.length} parameters, expected ${numParams}`);
  return theta;
}

/** A saved state, or undefined (with a warning) when there is none or it cannot be read: the run then starts over. */
function readState<T>(path: string, log: Log, decode: (json: unknown) => T): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return decode(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    log(`warning: ignoring unreadable resume state ${path}: ${(err as Error).message}`);
    return undefined;
  }
}

function saveState(path: string, s: RunState): void {
  const data: SerializedState = {
    ...s,
    theta: toBase64(s.theta),
    eigenvector: s.eigenvector ? toBase64(s.eigenvector) : null,
    snapshot: s.snapshot ? { ...s.snapshot, theta: toBase64(s.snapshot.theta) } : null,
  };
  writeFileAtomic(path, JSON.stringify(data));
}

function loadState(path: string, numParams: number, log: Log): RunState | undefined {
  return readState(path, log, (json) => {
    const s = json as SerializedState;
    return {
      ...s,
      theta: parametersFromBase64(s.theta, numParams),
      eigenvector: s.eigenvector ? new Float64Array(fromBase64(s.eigenvector)) : null,
      snapshot: s.snapshot ? { ...s.snapshot, theta: parametersFromBase64(s.snapshot.theta, numParams) } : null,
      checkpoints: s.checkpoints ?? [],
      hvps: s.hvps ?? 0,
    };
  });
}

interface SerializedFlowState extends Omit<FlowState, 'theta' | 'solutions' | 'eigenvector'> {
  theta: string;
  solutions: (Omit<FlowSolution, 'theta'> & { theta: string })[];
  eigenvector: string | null;
  hvps: number;
  spent?: Spent;
}

/** A flow's state with its own bookkeeping: HVPs and clocks spent so far (spent: absent in states saved before it was kept). */
type FlowRunState = FlowState & { hvps: number; spent?: Spent };

function saveFlowState(path: string, s: FlowRunState): void {
  const data: SerializedFlowState = {
    ...s,
    theta: toBase64(s.theta),
    solutions: s.solutions.map((x) => ({ ...x, theta: toBase64(x.theta) })),
    eigenvector: s.eigenvector ? toBase64(s.eigenvector) : null,
  };
  writeFileAtomic(path, JSON.stringify(data));
}

function loadFlowState(path: string, numParams: number, log: Log): FlowRunState | undefined {
  return readState(path, log, (json) => {
    const s = json as SerializedFlowState;
    return {
      ...s,
      theta: parametersFromBase64(s.theta, numParams),
      solutions: s.solutions.map((x) => ({ ...x, theta: parametersFromBase64(x.theta, numParams) })),
      eigenvector: s.eigenvector ? new Float64Array(fromBase64(s.eigenvector)) : null,
    };
  });
}

export interface GdRunOptions {
  log?: Log;
  /** GF solution at the same loss goal, for the GD-vs-GF distance of appendix H.10. */
  flowSolution?: Float32Array;
  /** Save a resumable state every this many steps. */
  stateEvery?: number;
  /** Called with the final parameters (train --save). */
  onFinal?: (theta: Float32Array) => void;
}

/** One GD run, cached; throws RunLockedError when another live process is computing it. */
export function runGd(problem: Problem, store: ResultStore, lr: number, lossGoal: number, opts: GdRunOptions = {}): GdResult {
  const key = gdKey(problem.experiment, lr, lossGoal, problem.start);
  // Final parameters are not stored: when they are wanted, the run is computed again (GD is deterministic).
  const cached = () => (opts.onFinal ? null : store.readGd(key));
  return cached() ?? locked(store, key, () => cached() ?? computeGd(problem, store, key, lr, lossGoal, opts));
}

/** runGd, waiting for another process that computes the same run instead of failing. */
export function runGdWhenFree(problem: Problem, store: ResultStore, lr: number, lossGoal: number, opts: GdRunOptions = {}): Promise<GdResult> {
  return whenFree(store, gdKey(problem.experiment, lr, lossGoal, problem.start), opts.log ?? stderrLog, `[${problem.experiment.id} lr=${fmt(lr)}]`, () => runGd(problem, store, lr, lossGoal, opts));
}

function computeGd(problem: Problem, store: ResultStore, key: string, lr: number, lossGoal: number, opts: GdRunOptions): GdResult {
  const e = problem.experiment;
  const log = opts.log ?? stderrLog;
  const statePath = store.statePath(key);
  const resume = loadState(statePath, problem.model.numParams, log);
  if (resume) log(`[${e.id} lr=${fmt(lr)}] resuming at step ${resume.step}`);
  const started = startClock();
  const earlier = earlierAttempts(resume, started);
  // HVPs of this run = those of earlier attempts (saved with the state) + this process's.
  const hvps0 = problem.train.hvpCount - (resume?.hvps ?? 0);
  const checkpoints: GdResult['checkpoints'] = [...(resume?.checkpoints ?? [])];
  const progress = throttled(log, 5000);
  const eta = etaClock(resume?.step ?? 0);
  const out = gradientDescent(
    problem,
    problem.theta0,
    {
      lr,
      lossGoal,
      maxSteps: e.maxSteps,
      divergenceFactor: e.divergenceFactor,
      recordEvery: e.record.every,
      sharpnessEvery: e.record.sharpnessEvery,
      nuclearDuringTraining: e.record.nuclearDuringTraining,
    },
    {
      resume,
      stateEvery: opts.stateEvery,
      onState: (s) => saveState(statePath, { ...s, checkpoints: [...checkpoints], hvps: problem.train.hvpCount - hvps0, spent: spentSoFar(started, earlier) }),
      onCheckpoint: (lossBelow, step, theta) => {
        if (!e.checkpoints) return;
        const file = store.checkpointFile(key, `loss-below-${lossBelow}.safetensors`);
        saveSafetensors(file.path, problem.model, theta, { lr: String(lr), step: String(step), lossBelow: String(lossBelow) });
        checkpoints.push({ lossBelow, step, file: file.recorded });
      },
      pause: pausedBy(store, log, `[${e.id} lr=${fmt(lr)}]`),
      onProgress: (p) => progress(`[${e.id} lr=${fmt(lr)}] step ${p.step} loss ${fmt(p.loss)} sharpness ${fmt(p.sharpness)} (2/lr=${fmt(2 / lr)}) ${eta(p.step, p.stepsLeft)}`),
    },
  );
  opts.onFinal?.(out.theta);
  const result: GdResult = {
    kind: 'gd',
    schemaVersion: 1,
    key,
    experiment: e,
    lr,
    lossGoal,
    outcome: out.outcome,
    steps: out.steps,
    divergedAt: out.divergedAt,
    cyclePeriod: out.cyclePeriod,
    history: out.history,
    final: out.final,
    perLayer: out.final ? parameterNorms(problem.layout, out.theta).perLayer : null,
    maxSharpness: out.maxSharpness,
    finalSpectrum: out.final ? finalSpectrum(problem, out.theta) : null,
    stop: out.stop,
    measures: out.final && e.measures ? finalMeasures(problem, out.theta, e.measures) : undefined,
    distanceFromFlow: out.final && opts.flowSolution ? distance(out.theta, opts.flowSolution) : null,
    checkpoints,
    provenance: provenance(started, problem.train.hvpCount - hvps0, earlier),
  };
  store.write(result);
  removeAtomic(statePath);
  log(`[${e.id} lr=${fmt(lr)}] ${out.outcome} after ${out.steps} steps${out.cyclePeriod !== null ? ` (parameters repeat every ${out.cyclePeriod} steps)` : ''}${out.stop ? ` (${out.stop.kind} stop)` : ''}: final sharpness ${fmt(out.final?.sharpness)} l1 ${fmt(out.final?.l1)} (${duration((Date.now() - started.startedAt.getTime()) / 1000)})`);
  return result;
}

/** Both ends of the spectrum where a run stopped, at the experiment's sharpness tolerance. */
function finalSpectrum(problem: Problem, theta: Float32Array): NonNullable<GdResult['finalSpectrum']> {
  const ends = spectrumEnds(problem.train, theta, { k: 1, tol: problem.sharpnessTol, maxIter: 100, seed: 0 });
  const [largest, smallest] = [ends.largest[0], ends.smallest[0]];
  return { largest, smallest, maxAbs: Math.max(Math.abs(largest), Math.abs(smallest)), hvps: ends.hvps };
}

/**
 * The runs of an experiment that asks for final measures, each with them: a run finished without
 * them (or with other settings) is measured at its checkpoint at the loss goal, which holds its
 * final parameters, when that file is kept, and otherwise computed again (GD is deterministic) if it
 * took at most REMEASURE_MAX_SECONDS; a longer run is left without them, never recomputed unasked.
 * The measures are not part of the run key, so results finished before keep their keys.
 */
const REMEASURE_MAX_SECONDS = 120;

/** Whether a run carries the final measures its experiment asks for (a run without a final iterate needs none). */
const measured = (r: GdResult, spec: Experiment['measures']): boolean => !spec || !r.final || (r.measures !== undefined && canonicalJson(r.measures.spec) === canonicalJson(spec));

async function withMeasures(problem: Problem, store: ResultStore, runs: GdResult[], opts: GdRunOptions): Promise<GdResult[]> {
  const spec = problem.experiment.measures;
  if (!spec) return runs;
  const log = opts.log ?? stderrLog;
  const measure = (r: GdResult): GdResult => {
    // Another process may have measured it meanwhile.
    const current = store.readGd(r.key) ?? r;
    if (measured(current, spec)) return current;
    const checkpoint = current.checkpoints.find((c) => c.lossBelow === current.lossGoal && c.step === current.steps);
    const file = checkpoint && store.resolveRecorded(checkpoint.file);
    if (!file || !existsSync(file)) {
      // Finished work is not recomputed for a measurement unless the run was cheap.
      if (current.provenance.wallSeconds > REMEASURE_MAX_SECONDS) {
        log(`[${problem.experiment.id} lr=${fmt(r.lr)}] finished without the measures its experiment asks for, and its final parameters are not kept here: left unmeasured (a ${Math.round(current.provenance.wallSeconds)} s run; delete its record to compute it again)`);
        return current;
      }
      log(`[${problem.experiment.id} lr=${fmt(r.lr)}] finished without the measures its experiment asks for, and its final parameters are not kept: computing the run again`);
      return runGd(problem, store, r.lr, r.lossGoal, { ...opts, onFinal: () => {} });
    }
    return locked(store, r.key, () => {
      const updated: GdResult = { ...current, measures: finalMeasures(problem, loadSafetensors(file, problem.model).theta, spec) };
      store.write(updated);
      return updated;
    });
  };
  const out: GdResult[] = [];
  for (const r of runs) out.push(measured(r, spec) ? r : await whenFree(store, r.key, log, `[${problem.experiment.id} lr=${fmt(r.lr)}]`, () => measure(r)));
  return out;
}

export function flowSolutionFor(problem: Problem, store: ResultStore, flow: FlowResult, lossGoal: number): Float32Array | undefined {
  const s = flow.sGF.find((x) => x.lossGoal === lossGoal);
  const file = s && store.resolveRecorded(s.solutionFile);
  return file && existsSync(file) ? loadSafetensors(file, problem.model).theta : undefined;
}

export interface SweepOptions {
  store: ResultStore;
  /** Parallel worker processes for GD runs (1 = in this process; small problems always run in process). */
  jobs?: number;
  log?: Log;
  data?: DataOptions;
  /** CLI arguments that name this experiment for a worker, e.g. ['--profile', 'quick', '--experiment', id]. */
  workerArgs?: string[];
  /** Extra CLI arguments for workers (backend, data dir, results dir). */
  commonArgs?: string[];
  /** Save a resumable GD state every this many steps. */
  stateEvery?: number;
}

/** The command line of `eos <args>` in a child process. */
function cliCommand(args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), ...args];
}

/** The command line that runs one (experiment, learning rate, loss goal): used by workers and Slurm tasks alike. */
export function gdCommand(workerArgs: string[], commonArgs: string[], lr: number, lossGoal: number): string[] {
  return cliCommand(['train', ...workerArgs, ...commonArgs, '--lr', String(lr), '--goal', String(lossGoal)]);
}

/**
 * Several experiments at once, `jobs` at a time: each runs as its own `eos
 * sweep --jobs 1` process with its share of the cores and runs its GD runs in
 * process, so small experiments (a profile's smoke entries, the diagonal net)
 * keep every core busy without a worker start-up per run.
 */
export async function runSweepsInParallel(experimentArgs: string[][], commonArgs: string[], jobs: number, log: Log = stderrLog): Promise<SweepSummary[]> {
  const outputs: SweepSummary[][] = [];
  const failures: string[] = [];
  let paused: RunPaused | null = null;
  // One experiment failing does not stop the others (their results are kept), and the sweep
  // returns only once every worker has exited: none is left running behind it.
  await pool(
    experimentArgs.map((_, i) => i),
    jobs,
    async (i) => {
      try {
        const stdout = await worker(cliCommand(['sweep', ...experimentArgs[i], ...commonArgs, '--jobs', '1', '--json']), jobs);
        outputs[i] = SweepSummary.array().parse(JSON.parse(stdout));
      } catch (err) {
        if (err instanceof RunPaused) {
          paused = err;
          return;
        }
        failures.push((err as Error).message);
        log(`error: ${(err as Error).message}`);
      }
    },
  );
  if (failures.length > 0) throw new SweepFailedError(failures, outputs.flat());
  if (paused) throw paused;
  return outputs.flat();
}

/** Some experiments of a sweep failed; `completed` holds the summaries of the others. */
export class SweepFailedError extends Error {
  constructor(
    readonly failures: string[],
    readonly completed: SweepSummary[],
  ) {
    super(`${failures.length} experiment(s) of the sweep failed (see above); the others finished`);
    this.name = 'SweepFailedError';
  }
}

/**
 * Below this size (parameters x training samples) a GD run costs less than a
 * worker's start-up (~2 s: tsx, wasm, data), so the sweep runs it in process.
 */
const WORKER_MIN_SIZE = 1e8;

export async function runSweep(experiment: Experiment, opts: SweepOptions): Promise<SweepSummary[]> {
  const log = opts.log ?? stderrLog;
  // A sweep the store holds whole is read from it: no data set is loaded (a figure redrawn from committed results
  // needs none), nothing is trained.
  const stored = sweepsFromStore(experiment, opts.store);
  if (stored && runsLeft(stored.tasks) === 0 && stored.summaries.every((s) => s.runs.every((r) => measured(r, experiment.measures)))) {
    log(`[${experiment.id}] complete in ${opts.store.dir}: ${stored.summaries.map((s) => `eps=${s.lossGoal}: ${s.runs.length} rates`).join(', ')}`);
    return stored.summaries;
  }
  const problem = await buildProblem(experiment, opts.data);
  const jobs = problem.train.numParams * problem.train.numSamples < WORKER_MIN_SIZE ? 1 : Math.max(1, opts.jobs ?? 1);
  try {
    const flow = await runFlow(problem, opts.store, log, opts.stateEvery);
    const summaries: SweepSummary[] = [];
    for (const lossGoal of experiment.lossGoals) {
      const point = flow.sGF.find((s) => s.lossGoal === lossGoal);
      if (!point) {
        log(`[${experiment.id}] gradient flow never reached loss ${lossGoal} (${flow.outcome}); skipping GD sweep for this goal`);
        continue;
      }
      const flowSolution = flowSolutionFor(problem, opts.store, flow, lossGoal);
      const gdOpts = { log, flowSolution, stateEvery: opts.stateEvery };
      // null: another live process (a concurrent sweep) is computing this run right now.
      const attempt = async (lr: number): Promise<GdResult | null> => {
        const key = gdKey(experiment, lr, lossGoal);
        if (jobs === 1 || !opts.workerArgs) {
          try {
            return runGd(problem, opts.store, lr, lossGoal, gdOpts);
          } catch (err) {
            if (err instanceof RunLockedError) return null;
            throw err;
          }
        }
        if (opts.store.lock(key).held) return null;
        await worker(gdCommand(opts.workerArgs, opts.commonArgs ?? [], lr, lossGoal), jobs);
        const r = opts.store.readGd(key);
        if (!r) throw new Error(`worker for lr=${lr} finished without a result`);
        return r;
      };
      const results: GdResult[] = [];
      const outcomes = () => results.map(scheduleOutcome);
      for (let rates = initialSchedule(flow.s0, point.sGF, experiment.grid); rates.length > 0; rates = nextRates(outcomes(), flow.s0, point.sGF, experiment.grid)) {
        results.push(...(await runSharing(rates, jobs, attempt, (lr) => gdKey(experiment, lr, lossGoal), opts.store, log, outcomes)));
      }
      const summary = summarizeSweep(experiment, flow, point, await withMeasures(problem, opts.store, results, gdOpts));
      summaries.push(summary);
      const diverged = results.filter((r) => r.outcome === 'diverged').length;
      log(`[${experiment.id}] eps=${lossGoal}: ${results.length} rates, ${diverged} diverged; 2/sGF=${fmt(2 / point.sGF)} fitted (sharpness) ${fmt(summary.fittedCriticalLrSharpness)} (norm) ${fmt(summary.fittedCriticalLrNorm)}`);
    }
    return summaries;
  } finally {
    problem.dispose();
  }
}

/**
 * Runs `rates`, leaving those another process is computing (a concurrent sweep on the same
 * results folder) for last; then waits until one of them is released and tries again (its
 * result is then cached, or, if its owner died, the run is taken over).
 */
async function runSharing(rates: number[], jobs: number, attempt: (lr: number) => Promise<GdResult | null>, keyOf: (lr: number) => string, store: ResultStore, log: Log, earlier: () => RunOutcome[]): Promise<GdResult[]> {
  const done = new Map<number, GdResult>();
  // No rate above one that failed (in an earlier wave or this one) is run.
  const skip = (lr: number) => aboveFailure(lr, [...earlier(), ...[...done.values()].map(scheduleOutcome)]);
  for (let pending = rates; pending.length > 0; ) {
    const busy: number[] = [];
    await pool(pending, jobs, async (lr) => {
      if (skip(lr)) return;
      const r = await attempt(lr);
      if (r) done.set(lr, r);
      else busy.push(lr);
    });
    if (busy.length > 0) {
      log(`${busy.length} run(s) (lr ${busy.map((lr) => fmt(lr)).join(', ')}) are running in another process; waiting for them`);
      while (busy.every((lr) => store.lock(keyOf(lr)).held)) await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
    pending = busy;
  }
  return rates.flatMap((lr) => done.get(lr) ?? []);
}

async function pool<T>(items: T[], size: number, f: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(size, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await f(item);
    }),
  );
}

/** Worker processes alive now: ended with this process, however it ends, so none outlives the sweep. */
const liveWorkers = new Set<ChildProcess>();

function endWorkers(): void {
  for (const child of liveWorkers) child.kill('SIGTERM');
}

let cleanupInstalled = false;

/** On exit or a termination signal, terminate the workers (which, in turn, end theirs). */
function installWorkerCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', endWorkers);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      endWorkers();
      process.exit(128 + osConstants.signals[signal]);
    });
  }
}

const pausedMessage = (argv: string[]): string => `paused (${argv.slice(3).join(' ')}): its state is saved; remove the PAUSE file of the results folder and rerun to continue`;

/** Run a child process (its stderr passed through); resolves with its stdout. */
function worker(argv: string[], jobs: number): Promise<string> {
  installWorkerCleanup();
  return new Promise((resolvePromise, reject) => {
    // Each worker gets its share of the cores for BLAS.
    const threads = String(Math.max(1, Math.floor(Number(process.env.OPENBLAS_NUM_THREADS ?? 2) / jobs)));
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OPENBLAS_NUM_THREADS: threads } });
    liveWorkers.add(child);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', (err) => {
      liveWorkers.delete(child);
      reject(err);
    });
    child.on('close', (code) => {
      liveWorkers.delete(child);
      if (code === 0) resolvePromise(stdout);
      else if (code === PAUSED_EXIT_CODE) reject(new RunPaused(0, true, pausedMessage(argv)));
      else reject(new Error(`worker exited with code ${code}: ${argv.slice(3).join(' ')}`));
    });
  });
}
