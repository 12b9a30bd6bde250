/**
 * The cost plan of a profile (`eos plan`): for each experiment, what is done,
 * what is left, and the predicted GD steps, Hessian-vector products, core-hours
 * and peak memory of what is left.
 *
 * Two measured ingredients:
 *  - a calibration per model and data set: seconds per gradient, per HVP and per
 *    evaluation on this machine, and the peak resident memory (cached in
 *    `<results>/plan/`);
 *  - a step-count model. GD at rate eta tracks the gradient flow, so a run to
 *    loss eps takes about T_GF(eps) / eta steps, T_GF the flow's time to eps;
 *    at the edge of stability it is slower by a stretch factor that grows with
 *    x = eta s_GF / 2. The stretch is read off finished runs (same experiment
 *    and goal first, else all finished runs), else max(1, x / 2). Runs at the
 *    edge of divergence (see `edgeRuns`) are not on that curve: they are
 *    predicted at the mean stretch of the finished edge runs and their
 *    predictions are judged apart.
 * T_GF and s_GF come from the experiment's flow, or, before it has run, from a
 * finished flow of the same data set, loss, goal, model kind and parameterization
 * (an analogue).
 * Every prediction is kept the first time it is made, so `eos plan` can later
 * say how good it was against the runs that finished; a changed model
 * (`PLAN_MODEL`) makes its own predictions and is judged on them apart.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { activeBackend } from '../backend/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { initialSchedule, scheduleOutcome } from './grid.js';
import type { Task } from './plan.js';
import { buildProblem } from './problem.js';
import { cpuSecondsSince } from './provenance.js';
import type { Experiment, FlowResult, GdResult } from './schema.js';
import { canonicalJson, configHash, type ResultStore } from './store.js';

export const Calibration = z.object({
  gradSeconds: z.number(),
  hvpSeconds: z.number(),
  /** One evaluation of the training and the test set (loss and accuracy). */
  evalSeconds: z.number(),
  peakRssMb: z.number(),
  /** OpenBLAS threads the calibration ran with. */
  threads: z.number().int().positive(),
  /**
   * CPU seconds per wall second while the calibration timed (all threads): a run's core-hours
   * are its hours times this (times `threads` for calibrations made before it was measured).
   */
  cpuPerWall: z.number().positive().optional(),
  /** machineSpeed() where the calibration was made; absent in older ones, which are made again. */
  machineGflops: z.number().positive().optional(),
  /** The Linux boot it was made in (`bootId()`; absent elsewhere and in older ones). */
  bootId: z.string().optional(),
  backend: z.string(),
});
export type Calibration = z.infer<typeof Calibration>;

/** Lanczos products per sharpness estimate when no finished run says otherwise (warm-started, tol 1e-3). */
const DEFAULT_HVPS_PER_ESTIMATE = 10;
/** RK4 evaluates four gradients per step. */
const GRADS_PER_FLOW_STEP = 4;

function threads(): number {
  return Math.max(1, Number(process.env.OPENBLAS_NUM_THREADS ?? Math.min(2, cpus().length)));
}

function calibrationKey(e: Experiment): string {
  const { dataset, model, loss, testLimit } = e;
  const { name: backend, blas } = activeBackend();
  // ReLU CNNs run natively with the addon since the calibrations before it were made (tfjs autodiff): never reuse those.
  const nativeCnn = blas && model.kind === 'cnn' && model.activation === 'relu' ? { objective: model.batchNorm ? 'native-cnn-bn' : 'native-cnn' } : {};
  return `calibration-${configHash({ dataset, model, loss, testLimit, backend, blas, threads: threads(), ...nativeCnn })}`;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timed(reps: number, f: () => void): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

function calibrationFile(e: Experiment, store: ResultStore): string {
  return join(store.dir, 'plan', `${calibrationKey(e)}.json`);
}

/**
 * This machine's speed: float32 matrix-product GFLOP per CPU second (512 x 512 through the active backend). CPU
 * time, not wall time, so that other work on the machine hardly moves it. Machines of the same name differ: two
 * of ours, both "AMD EPYC", measured about 300 and 190 GFLOP/s of sgemm.
 */
export function machineSpeed(): number {
  return tf.tidy(() => {
    const a = tf.randomNormal([512, 512], 0, 1, 'float32', 1);
    const product = () => tf.matMul(a, a).dataSync();
    product();
    const reps = 40;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) product();
    return (reps * 2 * 512 ** 3) / cpuSecondsSince(cpu0) / 1e9;
  });
}

/** A calibration is reused on a machine within this factor of the speed it was made at. */
const SAME_MACHINE = 1.3;

/** This boot of this machine (Linux), or null where the kernel does not say. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * The cached calibration of an experiment's model and data on this backend and thread count, if any, made in this boot
 * of this machine (`boot`: bootId()) or on a machine of about this speed (`speed`: machineSpeed()). The boot comes
 * first: on our 2-vCPU machines the speed read 35 to 98 GFLOP/s within minutes while other runs shared the host's cores,
 * so by speed alone a busy machine took itself for another and calibrated everything again.
 */
export function cachedCalibration(e: Experiment, store: ResultStore, speed: number, boot: string | null = bootId()): Calibration | null {
  const file = calibrationFile(e, store);
  if (!existsSync(file)) return null;
  const cached = Calibration.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  // One made before CPU per wall second was measured is made again: predictions compare CPU time since.
  if (!cached.success || cached.data.cpuPerWall === undefined || cached.data.machineGflops === undefined) return null;
  if (boot !== null && cached.data.bootId === boot) return cached.data;
  const ratio = cached.data.machineGflops / speed;
  return ratio < SAME_MACHINE && ratio > 1 / SAME_MACHINE ? cached.data : null;
}

/** Cache a calibration of an experiment's model and data on this backend and thread count. */
export function saveCalibration(e: Experiment, store: ResultStore, calibration: Calibration): void {
  mkdirSync(join(store.dir, 'plan'), { recursive: true });
  writeFileAtomic(calibrationFile(e, store), JSON.stringify(calibration));
}

/**
 * Measure seconds per gradient, HVP and evaluation of an experiment's model and
 * data, and cache them. Run it in a fresh process (`eos calibrate`): the peak
 * resident memory is then that of this experiment alone.
 */
export async function calibrate(e: Experiment, store: ResultStore, dataDir?: string): Promise<Calibration> {
  const problem = await buildProblem(e, { dataDir });
  try {
    const theta = problem.theta0;
    const v = Float32Array.from(theta, (_, i) => Math.sin(i));
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const gradSeconds = timed(2, () => void problem.train.lossAndGrad(theta));
    const hessian = problem.train.hessianAt(theta);
    const hvpSeconds = timed(2, () => void hessian.apply(v));
    hessian.dispose();
    const evalSeconds = timed(1, () => {
      problem.train.evaluate(theta);
      problem.test?.evaluate(theta);
    });
    const cpuPerWall = cpuSecondsSince(cpu0) / ((performance.now() - wall0) / 1000);
    const boot = bootId();
    const calibration: Calibration = { gradSeconds, hvpSeconds, evalSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024, threads: threads(), cpuPerWall, machineGflops: machineSpeed(), ...(boot ? { bootId: boot } : {}), backend: activeBackend().name };
    saveCalibration(e, store, calibration);
    return calibration;
  } finally {
    problem.dispose();
  }
}

/** One finished GD run as the step-count model sees it. */
export interface Observation {
  experiment: string;
  lossGoal: number;
  /** eta s_GF / 2: below 1 the run stays flow-aligned. */
  x: number;
  /** steps * eta / T_GF(eps). */
  stretch: number;
  /** Products per sharpness estimate along the run, the final spectrum's left out where the record counts it apart. */
  hvpsPerEstimate: number;
  /** Products of the final spectrum (both ends, cold Lanczos), null where the record does not count them apart. */
  finalHvps: number | null;
}

export function observe(run: GdResult, flow: FlowResult): Observation | null {
  const point = flow.sGF.find((p) => p.lossGoal === run.lossGoal);
  if (run.outcome !== 'converged' || !point || point.time <= 0 || run.steps === 0) return null;
  const finalHvps = run.finalSpectrum?.hvps ?? null;
  return {
    experiment: run.experiment.id,
    lossGoal: run.lossGoal,
    x: (run.lr * point.sGF) / 2,
    stretch: (run.steps * run.lr) / point.time,
    hvpsPerEstimate: (run.provenance.hvps - (finalHvps ?? 0)) / sharpnessEstimates(run.experiment, run.steps),
    finalHvps,
  };
}

/** A run GD could not finish at its rate, as the schedule counts it (diverged or stalled). */
const failed = (r: GdResult): boolean => scheduleOutcome(r).failed;

/**
 * Runs at the edge of divergence: every failed run (diverged or stalled, as the schedule counts them), and the
 * highest converged rate of an experiment and goal once a rate above it failed. Between those two rates GD can
 * hover at the edge of stability for a long time before it converges or fails (row 14's rate 0.3786 ran 16478
 * steps, then diverged; its neighbours 0.35 and 0.4 diverged after 349 and 1446; row 25's 1.665 hovered, then
 * stalled after 8740), so the converged runs' stretch curve does not predict them.
 */
export function edgeRuns(gd: readonly GdResult[]): Set<string> {
  const groups = new Map<string, GdResult[]>();
  for (const r of gd) {
    const group = `${r.experiment.id} ${r.lossGoal}`;
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  const edge = new Set<string>();
  for (const runs of groups.values()) {
    const failures = runs.filter(failed);
    for (const r of failures) edge.add(r.key);
    const top = runs.filter((r) => r.outcome === 'converged').reduce<GdResult | null>((a, r) => (a === null || r.lr > a.lr ? r : a), null);
    if (top && failures.some((d) => d.lr > top.lr)) edge.add(top.key);
  }
  return edge;
}

/** A rate still to run lies at the edge when it is above every converged rate of its experiment and goal and below a failed one. */
function atEdge(lr: number, runs: readonly GdResult[]): boolean {
  return runs.some((r) => failed(r) && r.lr > lr) && runs.every((r) => r.outcome !== 'converged' || r.lr < lr);
}

/** An observed quantity at x: linear in log x between the nearest observations, constant beyond them (some needed). */
function interpolateAt(x: number, observations: readonly Observation[], y: (o: Observation) => number): number {
  const pts = [...observations].sort((a, b) => a.x - b.x);
  if (x <= pts[0].x) return y(pts[0]);
  if (x >= pts[pts.length - 1].x) return y(pts[pts.length - 1]);
  const i = pts.findIndex((p) => p.x >= x);
  const [a, b] = [pts[i - 1], pts[i]];
  const span = Math.log(b.x) - Math.log(a.x);
  const w = span > 1e-9 ? (Math.log(x) - Math.log(a.x)) / span : 1;
  return y(a) + w * (y(b) - y(a));
}

/** Stretch at x, interpolated between the observations; the prior without any. */
export function stretchAt(x: number, observations: readonly Observation[]): number {
  return observations.length === 0 ? Math.max(1, x / 2) : interpolateAt(x, observations, (o) => o.stretch);
}

/**
 * Lanczos products per sharpness estimate at x, interpolated between the observations; the default without any.
 * They depend on the regime: in the flow-aligned one the sharpness moves slowly and a warm start converges in a few
 * products (about 3 for row 24), at the edge of stability it oscillates and each estimate takes four times as many.
 */
export function hvpsPerEstimateAt(x: number, observations: readonly Observation[]): number {
  return observations.length === 0 ? DEFAULT_HVPS_PER_ESTIMATE : interpolateAt(x, observations, (o) => o.hvpsPerEstimate);
}

/** Sharpness estimates of a GD run of `steps` steps: every `sharpnessEvery` steps from step 0, and the final sharpness. */
function sharpnessEstimates(e: Experiment, steps: number): number {
  return e.record.sharpnessEvery > 0 ? Math.floor(steps / e.record.sharpnessEvery) + 2 : 2;
}

/**
 * Products of a run's final spectrum: the median of the experiment's own runs that count them apart, else of every
 * run's, else 0 (older records count them among the estimates, and so does the per-estimate figure read off them).
 * Two cold Lanczos runs to tolerance: about 70 products on the muP net, most of a 35-step run.
 */
export function finalHvpsOf(own: readonly Observation[], all: readonly Observation[]): number {
  const counted = (obs: readonly Observation[]) => obs.flatMap((o) => (o.finalHvps === null ? [] : [o.finalHvps]));
  const mine = counted(own);
  const every = counted(all);
  return mine.length ? median(mine) : every.length ? median(every) : 0;
}

/** Seconds of one GD step: a gradient, evaluations every `every` steps, a sharpness estimate every `sharpnessEvery` steps. */
export function secondsPerGdStep(e: Experiment, c: Calibration, hvpsPerEstimate: number): number {
  const sharpness = e.record.sharpnessEvery > 0 ? (hvpsPerEstimate * c.hvpSeconds) / e.record.sharpnessEvery : 0;
  return c.gradSeconds + c.evalSeconds / e.record.every + sharpness;
}

/** Flow steps to time T: h = min(1/lambda, maxStep) with lambda growing from s0 to s_GF (taken as linear in t). */
export function flowSteps(e: Experiment, s0: number, sGF: number, time: number): number {
  const rate = (s: number) => Math.max(s / e.flow.alpha, 1 / e.flow.maxStep);
  return Math.ceil((time * (rate(Math.max(s0, 0)) + rate(sGF))) / 2);
}

export interface RunPrediction {
  key: string;
  kind: 'flow' | 'gd';
  /** A GD rate at the edge of divergence, predicted at the mean stretch of the finished edge runs. */
  edge: boolean;
  lr: number | null;
  lossGoal: number | null;
  steps: number;
  hvps: number;
  seconds: number;
}

export interface ExperimentPlan {
  id: string;
  table1Rows: number[];
  /** Where T_GF and s_GF come from: the experiment's own flow, an analogue's, or nowhere (null). */
  flowSource: string | null;
  done: number;
  diverged: number;
  left: number;
  /**
   * Predictions for the runs that are left: the planned ones, or before the flow
   * the flow and the initial schedule. Rates that extension and refinement add
   * after a wave are not known yet and not counted.
   */
  predicted: RunPrediction[];
  /** False when neither the experiment's flow nor an analogue exists: nothing can be predicted yet. */
  predictable: boolean;
  /** Core-hours of what is left: wall hours times the threads each run uses. */
  coreHoursLeft: number;
  /** Wall hours of the finished runs (their recorded wall time). */
  hoursDone: number;
  peakRssMb: number;
  calibration: Calibration;
}

interface FlowPoint {
  s0: number;
  sGF: number;
  time: number;
  source: string;
}

/**
 * T_GF, s_GF and s0 for a goal: the experiment's flow, else a finished flow of
 * the same data, loss, model kind, parameterization and goal, preferring the same
 * model, then the same activation and initialisation scale. The parameterization
 * must match: the muP-100 net's flow reached loss 0.1 at time 26 241 (sharpness
 * 0.006), the standard net's at 17 (sharpness 10): priced from the standard
 * net's, the muP flow was predicted at 15 CPU seconds and took 2 885.
 */
function flowPoint(e: Experiment, lossGoal: number, own: FlowResult | null, flows: readonly FlowResult[]): FlowPoint | null {
  const at = (f: FlowResult, source: string): FlowPoint | null => {
    const p = f.sGF.find((q) => q.lossGoal === lossGoal);
    return p ? { s0: f.s0, sGF: p.sGF, time: p.time, source } : null;
  };
  if (own) return at(own, 'flow');
  const field = (x: Experiment, name: string) => (x.model as Record<string, unknown>)[name];
  const analogues = flows.filter((f) => f.experiment.dataset === e.dataset && f.experiment.loss === e.loss && f.experiment.model.kind === e.model.kind && field(f.experiment, 'parameterization') === field(e, 'parameterization') && f.sGF.some((q) => q.lossGoal === lossGoal));
  const distance = (x: Experiment) => (canonicalJson(x.model) === canonicalJson(e.model) ? 0 : 2) + (field(x, 'activation') === field(e, 'activation') && x.model.initScale === e.model.initScale ? 0 : 1);
  analogues.sort((a, b) => distance(a.experiment) - distance(b.experiment));
  return analogues.length ? at(analogues[0], `analogue ${analogues[0].experiment.id}`) : null;
}

export function planCost(e: Experiment, tasks: Task[], calibration: Calibration, context: Finished, table1Rows: number[]): ExperimentPlan {
  // Every finished result was read once by `observations`: the plan looks them up instead of reading them again.
  const byKey = new Map<string, GdResult | FlowResult>([...context.gd, ...context.flows].map((r) => [r.key, r]));
  const ownFlow = tasks[0].state === 'done' ? ((byKey.get(tasks[0].key) as FlowResult | undefined) ?? null) : null;
  const mine = context.observations.filter((o) => o.experiment === e.id);
  // The flow's estimates follow a slowly moving sharpness, as in the flow-aligned regime.
  const flowHvpsPerEstimate = hvpsPerEstimateAt(0, mine.length ? mine : context.observations);
  const predicted: RunPrediction[] = [];
  let hoursDone = 0;
  let source: string | null = null;
  for (const t of tasks) if (t.state === 'done' || t.state === 'diverged') hoursDone += (byKey.get(t.key)?.provenance.wallSeconds ?? 0) / 3600;
  const left = tasks.filter((t) => t.state === 'missing' || t.state === 'running');
  for (const lossGoal of e.lossGoals) {
    const point = flowPoint(e, lossGoal, ownFlow, context.flows);
    if (!point) continue;
    source ??= point.source;
    // Before the flow has run, its GD tasks are not planned yet: predict the whole initial schedule.
    const rates = ownFlow ? left.filter((t) => t.kind === 'gd' && t.lossGoal === lossGoal).map((t) => ({ key: t.key, lr: t.lr as number })) : initialSchedule(point.s0, point.sGF, e.grid).map((lr) => ({ key: `gd(${lr})`, lr }));
    const goalObs = mine.filter((o) => o.lossGoal === lossGoal);
    const goalRuns = context.gd.filter((r) => r.experiment.id === e.id && r.lossGoal === lossGoal);
    const [ownLow, ownHigh] = goalObs.length >= 2 ? [Math.min(...goalObs.map((o) => o.x)), Math.max(...goalObs.map((o) => o.x))] : [Infinity, -Infinity];
    const finalHvps = finalHvpsOf(goalObs, context.observations);
    for (const { key, lr } of rates) {
      const x = (lr * point.sGF) / 2;
      // The mean, not the median, of the edge runs: their stretch is heavy-tailed and the plan budgets a total.
      const edge = atEdge(lr, goalRuns) && context.edgeStretches.length > 0;
      const near = goalObs.length >= 2 ? goalObs : context.observations;
      const stretch = edge ? mean(context.edgeStretches) : stretchAt(x, near);
      const steps = Math.min(e.maxSteps, Math.ceil((point.time / lr) * stretch));
      const estimates = sharpnessEstimates(e, steps);
      // The experiment's own runs where they bracket x; beyond them, every experiment's (flow-aligned runs alone
      // would carry their few products per estimate over to the edge of stability).
      const hvpsPerEstimate = hvpsPerEstimateAt(x, x >= ownLow && x <= ownHigh ? goalObs : context.observations);
      predicted.push({ key, kind: 'gd', edge, lr, lossGoal, steps, hvps: Math.round(estimates * hvpsPerEstimate + finalHvps), seconds: steps * secondsPerGdStep(e, calibration, hvpsPerEstimate) + finalHvps * calibration.hvpSeconds });
    }
  }
  if (!ownFlow) {
    const points = e.lossGoals.map((g) => flowPoint(e, g, null, context.flows)).filter((p): p is FlowPoint => p !== null);
    if (points.length === e.lossGoals.length) {
      const last = points.reduce((a, b) => (b.time > a.time ? b : a));
      const steps = flowSteps(e, last.s0, Math.max(...points.map((p) => p.sGF)), last.time);
      const estimates = Math.floor(steps / e.flow.sharpnessEvery) + 1;
      const seconds = steps * GRADS_PER_FLOW_STEP * calibration.gradSeconds + estimates * flowHvpsPerEstimate * calibration.hvpSeconds + (steps / e.record.every) * calibration.evalSeconds;
      predicted.push({ key: tasks[0].key, kind: 'flow', edge: false, lr: null, lossGoal: null, steps, hvps: Math.round(estimates * flowHvpsPerEstimate), seconds });
    }
  }
  const seconds = predicted.reduce((a, p) => a + p.seconds, 0);
  return {
    id: e.id,
    table1Rows,
    flowSource: source,
    done: tasks.filter((t) => t.state === 'done').length,
    diverged: tasks.filter((t) => t.state === 'diverged').length,
    left: left.length,
    predicted,
    predictable: ownFlow !== null || predicted.some((p) => p.kind === 'flow'),
    coreHoursLeft: (seconds / 3600) * (calibration.cpuPerWall ?? calibration.threads),
    hoursDone,
    peakRssMb: calibration.peakRssMb,
    calibration,
  };
}

/** Everything finished in a results folder, and what the step-count model learns from it. */
export interface Finished {
  flows: FlowResult[];
  gd: GdResult[];
  /** The converged runs: the stretch curve. */
  observations: Observation[];
  /** steps * eta / T_GF(eps) of every finished run at the edge of divergence (`edgeRuns`). */
  edgeStretches: number[];
}

export function observations(store: ResultStore): Finished {
  const runs = store.runs();
  const flows = runs.filter((r): r is FlowResult => r.kind === 'flow');
  const gd = runs.filter((r): r is GdResult => r.kind === 'gd');
  const byExperiment = new Map(flows.map((f) => [f.experiment.id, f]));
  const edge = edgeRuns(gd);
  // The stretch curve is of the runs inside: an edge run's hover would stretch its neighbours' predictions.
  const obs = gd.flatMap((r) => {
    const f = byExperiment.get(r.experiment.id);
    return f && !edge.has(r.key) ? (observe(r, f) ?? []) : [];
  });
  const edgeStretches = gd.flatMap((r) => {
    const point = edge.has(r.key) ? byExperiment.get(r.experiment.id)?.sGF.find((q) => q.lossGoal === r.lossGoal) : undefined;
    return point && point.time > 0 ? [(r.steps * r.lr) / point.time] : [];
  });
  return { flows, observations: obs, gd, edgeStretches };
}

/**
 * The step-count and time model's version, kept with each prediction. Raise it when a change to the model changes what
 * it predicts: its predictions are then judged apart from the older model's, which stay as a record.
 * 1: up to 2026-12-07 18:55 (before the stretch curve left out the edge runs); 2: up to 2026-12-08 03:30 (before an
 * analogue flow had to share the parameterization); 3: up to 2026-12-08 04:00 (before the final spectrum's products
 * were a cost of their own); 4: since.
 */
export const PLAN_MODEL = 4;

/** Per run: predicted wall seconds at the calibration's speed, CPU seconds (when the calibration measured CPU per wall second), steps; model: PLAN_MODEL (absent: 1). */
const Predictions = z.record(z.string(), z.object({ seconds: z.number(), cpuSeconds: z.number().optional(), steps: z.number(), madeAt: z.string(), model: z.number().int().optional() }));

/**
 * Keep each run's first prediction (a later plan has seen more runs and would flatter itself), unless an older model
 * made it: the current model then makes its own first prediction for a run that has not begun. A run that has begun
 * (running, or paused with its state saved) keeps the older model's: a prediction made after the start is not judged.
 */
const begun = (store: ResultStore, key: string): boolean => store.lock(key).held || existsSync(store.statePath(key));

export function recordPredictions(store: ResultStore, plans: readonly ExperimentPlan[]): void {
  const file = join(store.dir, 'plan', 'predictions.json');
  const parsed = existsSync(file) ? Predictions.safeParse(JSON.parse(readFileSync(file, 'utf8'))) : null;
  const kept = parsed?.success ? parsed.data : {};
  const now = new Date().toISOString();
  for (const p of plans) {
    for (const r of p.predicted) {
      const old = kept[r.key];
      if (r.key.startsWith('gd(') || (old && ((old.model ?? 1) === PLAN_MODEL || begun(store, r.key)))) continue;
      kept[r.key] = { seconds: r.seconds, ...(p.calibration.cpuPerWall !== undefined ? { cpuSeconds: r.seconds * p.calibration.cpuPerWall } : {}), steps: r.steps, madeAt: now, model: PLAN_MODEL };
    }
  }
  mkdirSync(join(store.dir, 'plan'), { recursive: true });
  writeFileAtomic(file, JSON.stringify(kept));
}

export interface PredictionCheck {
  key: string;
  experiment: string;
  /** CPU seconds where both the prediction and the run have them (machine load hardly changes them), else wall seconds. */
  clock: 'cpu' | 'wall';
  predictedSeconds: number;
  actualSeconds: number;
  predictedSteps: number;
  actualSteps: number;
  /** A run at the edge of divergence (`edgeRuns`): judged apart from the others. */
  edge: boolean;
  /** The PLAN_MODEL that made the prediction. */
  model: number;
}

/**
 * Finished runs that were predicted before they ran: predicted against actual. A run whose clock covers only its last
 * attempt (`partialClock`) is left out: neither its cost nor when it started is known.
 */
export function checkPredictions(store: ResultStore, finished: readonly (GdResult | FlowResult)[]): PredictionCheck[] {
  const file = join(store.dir, 'plan', 'predictions.json');
  if (!existsSync(file)) return [];
  const parsed = Predictions.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return [];
  const edge = edgeRuns(finished.filter((r): r is GdResult => r.kind === 'gd'));
  return finished.flatMap((r) => {
    const p = parsed.data[r.key];
    if (!p || r.provenance.partialClock || new Date(p.madeAt) > new Date(r.provenance.startedAt)) return [];
    const cpu = p.cpuSeconds !== undefined && r.provenance.cpuSeconds !== undefined ? { predicted: p.cpuSeconds, actual: r.provenance.cpuSeconds } : null;
    return [
      {
        key: r.key,
        experiment: r.experiment.id,
        clock: cpu ? ('cpu' as const) : ('wall' as const),
        predictedSeconds: cpu ? cpu.predicted : p.seconds,
        actualSeconds: cpu ? cpu.actual : r.provenance.wallSeconds,
        predictedSteps: p.steps,
        actualSteps: r.steps,
        edge: edge.has(r.key),
        model: p.model ?? 1,
      },
    ];
  });
}

/**
 * One check per experiment: the sums of its runs' predicted and actual steps and seconds. Seconds are summed only where
 * all its runs have the same clock (`single`); an experiment that mixes CPU and wall clocks is judged in steps only.
 */
function perExperiment(checks: readonly PredictionCheck[]): { all: PredictionCheck[]; single: PredictionCheck[] } {
  const sums = new Map<string, PredictionCheck & { mixed: boolean }>();
  for (const c of checks) {
    const s = sums.get(c.experiment);
    sums.set(
      c.experiment,
      s
        ? { ...s, predictedSeconds: s.predictedSeconds + c.predictedSeconds, actualSeconds: s.actualSeconds + c.actualSeconds, predictedSteps: s.predictedSteps + c.predictedSteps, actualSteps: s.actualSteps + c.actualSteps, edge: s.edge || c.edge, mixed: s.mixed || s.clock !== c.clock }
        : { ...c, key: c.experiment, mixed: false },
    );
  }
  const all = [...sums.values()];
  return { all, single: all.filter((c) => !c.mixed) };
}

/**
 * Predicted against actual steps and time of the checked runs, in one line: the runs at the edge of divergence apart,
 * then each experiment as a whole.
 */
export function predictionAccuracy(checks: readonly PredictionCheck[]): string {
  const describe = (what: string, ratios: number[]) =>
    `predicted/actual ${what} median ${median(ratios).toFixed(2)}, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}, ${ratios.filter((r) => r >= 0.5 && r <= 2).length} of ${ratios.length} within a factor of 2`;
  // Steps test the step-count model. Wall time also depends on how loaded the machine was while the run ran, CPU time
  // hardly does: the two are reported apart (older records have wall time only).
  const judged = (set: readonly PredictionCheck[], timed = set) => {
    const time = (clock: PredictionCheck['clock'], what: string) => {
      const ratios = timed.filter((c) => c.clock === clock).map((c) => c.predictedSeconds / c.actualSeconds);
      return ratios.length ? [describe(what, ratios)] : [];
    };
    return [describe('steps', set.map((c) => c.predictedSteps / c.actualSteps)), ...time('cpu', 'CPU time'), ...time('wall', 'wall time (runs recorded before CPU time was)')].join('; ');
  };
  const inside = checks.filter((c) => !c.edge);
  const edge = checks.filter((c) => c.edge);
  const parts = inside.length ? [judged(inside)] : [];
  if (edge.length) parts.push(`the ${edge.length} runs at the edge of divergence (between the highest rate that converged and the lowest that failed, where GD can hover for long before it converges, diverges or stalls), judged apart: ${judged(edge)}`);
  const experiments = perExperiment(checks);
  parts.push(`per experiment, its checked runs summed (edge runs included: the cost a plan is made for; time only where all its runs have one clock), ${judged(experiments.all, experiments.single)}`);
  return parts.join('; ');
}

/** How good the current model's predictions were, then the earlier models' (kept as a record), one sentence each. */
export function accuracyByModel(checks: readonly PredictionCheck[]): string[] {
  const current = checks.filter((c) => c.model === PLAN_MODEL);
  const earlier = [...new Set(checks.map((c) => c.model).filter((m) => m !== PLAN_MODEL))].sort((a, b) => b - a);
  return [
    current.length
      ? `The current plan model's predictions (model ${PLAN_MODEL}), made before the run, against the ${current.length} runs that finished since: ${predictionAccuracy(current)}.`
      : `No run predicted by the current plan model (model ${PLAN_MODEL}) has finished yet.`,
    ...earlier.map((m) => {
      const mine = checks.filter((c) => c.model === m);
      return `Model ${m}'s predictions, against ${mine.length} finished runs: ${predictionAccuracy(mine)}.`;
    }),
  ];
}

const hours = (h: number): string => (h >= 10 ? h.toFixed(0) : h >= 0.1 ? h.toFixed(1) : h.toFixed(2));

/** The plan as a table: one line per experiment, the total, and how good earlier predictions were. */
export function formatPlan(plans: readonly ExperimentPlan[], checks: readonly PredictionCheck[]): string {
  const head = `${'experiment'.padEnd(32)} ${'rows'.padEnd(8)} ${'done'.padStart(4)} ${'left'.padStart(4)} ${'GD steps'.padStart(9)} ${'HVPs'.padStart(8)} ${'core-h'.padStart(7)} ${'peak MB'.padStart(7)}  T_GF from`;
  const lines = plans.map((p) => {
    const steps = p.predicted.reduce((a, r) => a + (r.kind === 'gd' ? r.steps : 0), 0);
    const hvps = p.predicted.reduce((a, r) => a + r.hvps, 0);
    const cost = p.predictable ? `${String(steps).padStart(9)} ${String(hvps).padStart(8)} ${hours(p.coreHoursLeft).padStart(7)}` : `${'?'.padStart(9)} ${'?'.padStart(8)} ${'?'.padStart(7)}`;
    return `${p.id.padEnd(32)} ${p.table1Rows.join(',').padEnd(8)} ${String(p.done + p.diverged).padStart(4)} ${String(p.left).padStart(4)} ${cost} ${p.peakRssMb.toFixed(0).padStart(7)}  ${p.flowSource ?? 'no flow yet, no analogue: run `eos flow` first'}`;
  });
  const total = plans.reduce((a, p) => a + p.coreHoursLeft, 0);
  const done = plans.reduce((a, p) => a + p.hoursDone, 0);
  const unknown = plans.filter((p) => !p.predictable).length;
  const edge = plans.reduce((a, p) => a + p.predicted.filter((r) => r.edge).length, 0);
  const edgeNote = edge ? `, ${edge} runs at the edge of divergence counted at the mean stretch of the finished ones` : '';
  const out = [head, ...lines, `total: ${hours(total)} core-hours left (${unknown} experiments not predictable yet, extension rates not counted${edgeNote}); ${hours(done)} wall-hours done`];
  if (checks.length > 0) out.push(...accuracyByModel(checks));
  return out.join('\n');
}

/** The latest plan of a results folder, condensed: what the book shows (`<results>/plan/plan.json`). */
export const PlanFile = z.object({
  format: z.literal(1),
  madeAt: z.string(),
  experiments: z.array(
    z.object({
      id: z.string(),
      table1Rows: z.array(z.number().int()),
      done: z.number().int(),
      left: z.number().int(),
      predictable: z.boolean(),
      gdSteps: z.number(),
      hvps: z.number(),
      coreHoursLeft: z.number(),
      hoursDone: z.number(),
      peakRssMb: z.number(),
      flowSource: z.string().nullable(),
    }),
  ),
  checks: z.array(
    z.object({
      key: z.string(),
      experiment: z.string(),
      /** Absent in plans written before CPU time was recorded: wall. */
      clock: z.enum(['cpu', 'wall']).default('wall'),
      predictedSeconds: z.number(),
      actualSeconds: z.number(),
      predictedSteps: z.number(),
      actualSteps: z.number(),
      /** Absent in plans written before edge runs were judged apart: false. */
      edge: z.boolean().default(false),
      /** Absent in plans written before predictions kept their model: 1. */
      model: z.number().int().default(1),
    }),
  ),
});
export type PlanFile = z.infer<typeof PlanFile>;

export const PLAN_FILE = 'plan.json';

export function planFile(plans: readonly ExperimentPlan[], checks: readonly PredictionCheck[]): PlanFile {
  return {
    format: 1,
    madeAt: new Date().toISOString(),
    experiments: plans.map((p) => ({
      id: p.id,
      table1Rows: p.table1Rows,
      done: p.done + p.diverged,
      left: p.left,
      predictable: p.predictable,
      gdSteps: p.predicted.reduce((a, r) => a + (r.kind === 'gd' ? r.steps : 0), 0),
      hvps: p.predicted.reduce((a, r) => a + r.hvps, 0),
      coreHoursLeft: p.coreHoursLeft,
      hoursDone: p.hoursDone,
      peakRssMb: p.peakRssMb,
      flowSource: p.flowSource,
    })),
    checks: [...checks],
  };
}

/**
 * Write the plan next to the predictions, where `npm run report -- data` picks it up. A plan of some experiments
 * (`--experiment`) replaces theirs and keeps the others' last plan, in cheapest-first order.
 */
export function savePlan(store: ResultStore, plan: PlanFile): void {
  const planned = new Set(plan.experiments.map((e) => e.id));
  const kept = (readPlan(store)?.experiments ?? []).filter((e) => !planned.has(e.id));
  const cost = (e: PlanFile['experiments'][number]) => (e.predictable ? e.coreHoursLeft : Infinity);
  const merged: PlanFile = { ...plan, experiments: [...plan.experiments, ...kept].sort((a, b) => cost(a) - cost(b)) };
  mkdirSync(join(store.dir, 'plan'), { recursive: true });
  writeFileAtomic(join(store.dir, 'plan', PLAN_FILE), `${JSON.stringify(merged)}\n`);
}

/** The saved plan of a results folder, if any (validated). */
export function readPlan(store: ResultStore): PlanFile | null {
  const file = join(store.dir, 'plan', PLAN_FILE);
  if (!existsSync(file)) return null;
  const parsed = PlanFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a valid plan; rerun \`npm run eos -- plan\``);
  return parsed.data;
}
