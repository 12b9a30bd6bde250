/**
 * One benchmark workload on both implementations (run by bench/run.ts in its
 * own process, so peak RSS and the wasm heap belong to this workload alone).
 * The PyTorch reference runs as a server process (bench/torch_reference.py);
 * each figure is measured in alternating pairs, engine then PyTorch, so both
 * see the same machine load. Usage: node --import tsx bench/workload.ts
 * <workload.json>; prints one JSON line { backend, engine, torch }.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, initBackend } from '../src/backend/index.js';
import { disableNativeKernels } from '../src/backend/blas.js';
import { buildModel, type Model } from '../src/models/index.js';
import { forwardFlops } from '../src/models/flops.js';
import { makeObjective, type Objective } from '../src/objective/index.js';
import { float64MatVec, lanczos, sharpness, type LanczosResult } from '../src/sharpness/index.js';
import { median, medianMs, PYTHON, readF32, writeF32, writeRowsF32, type ArchitectureResult, type Checks, type Eigen, type EigenFigure, type EngineResult, type FlopYardstick, type Ratios, type TorchResult, type WorkloadFile } from './common.js';

const REFERENCE_MAX_ITER = 150;
/** Learning rate as a multiple of 1 / sharpness: 1.9 is just below the stability limit 2. */
const LR_TIMES_SHARPNESS = 1.9;
/** The GD step of an architecture workload (no sharpness there to set it by; the step's time does not depend on it). */
const ARCHITECTURE_LR = 0.01;
/** Pause when switching sides, so the other side's idle BLAS threads have stopped spinning. */
const SWITCH_PAUSE_MS = 150;

interface Timed<T> {
  ms: number;
  value: T;
}

function timed<T>(fn: () => T): Timed<T> {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/** The PyTorch reference as a line-protocol server. */
class TorchServer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(workloadPath: string, threads: number) {
    const t = String(threads);
    this.proc = spawn(PYTHON, ['bench/torch_reference.py', workloadPath], {
      env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t },
    });
    this.proc.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  private async next(): Promise<Record<string, unknown>> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`PyTorch reference exited (code ${this.proc.exitCode}):\n${this.stderr}`);
    return JSON.parse(value) as Record<string, unknown>;
  }

  async ready(): Promise<void> {
    await this.next();
  }

  async request<T>(op: string, point?: number): Promise<T> {
    this.proc.stdin.write(`${JSON.stringify({ op, point })}\n`);
    return (await this.next()) as T;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** `repeats` alternating pairs (after `warmup` pairs): engine call, pause, PyTorch call (at trajectory `point`), pause. */
async function pairs<T, U extends { ms: number }>(
  ours: () => T,
  torch: TorchServer,
  op: string,
  repeats: number,
  warmup: number,
  point?: number,
): Promise<{ ours: Timed<T>[]; torch: U[] }> {
  const out: { ours: Timed<T>[]; torch: U[] } = { ours: [], torch: [] };
  for (let i = 0; i < warmup + repeats; i++) {
    const a = timed(ours);
    await sleep(SWITCH_PAUSE_MS);
    const b = await torch.request<U>(op, point);
    await sleep(SWITCH_PAUSE_MS);
    if (i >= warmup) {
      out.ours.push(a);
      out.torch.push(b);
    }
  }
  return out;
}

const medianOf = (xs: { ms: number }[]): number => median(xs.map((x) => x.ms));
/** Median over pairs of ours / PyTorch: each pair ran back to back, so slow drifts of the machine load cancel. */
const pairedRatio = (ours: { ms: number }[], torch: { ms: number }[]): number => median(ours.map((o, i) => o.ms / torch[i].ms));
/** Total time of ours over total of PyTorch's: the cost ratio over a trajectory whose points differ in HVP count. */
const totalRatio = (ours: { ms: number }[], torch: { ms: number }[]): number => ours.reduce((a, o) => a + o.ms, 0) / torch.reduce((a, t) => a + t.ms, 0);

const relErr = (value: number, reference: number): number => Math.abs(value - reference) / Math.abs(reference);

function eigenFigure(results: Eigen[], references: number[]): EigenFigure {
  const hvps = results.map((r) => r.hvps);
  return {
    ms: results.reduce((a, r) => a + r.ms, 0) / results.length,
    hvps: { mean: hvps.reduce((a, h) => a + h, 0) / hvps.length, min: Math.min(...hvps), max: Math.max(...hvps) },
    maxRelError: Math.max(...results.map((r, i) => relErr(r.eigenvalue, references[i]))),
  };
}

/** One full-batch GD step in place. */
function gdStep(objective: Objective, theta: Float32Array, lr: number): void {
  const { grad } = objective.lossAndGrad(theta);
  for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
}

const eigen = (r: Timed<LanczosResult>): Eigen => ({ ms: r.ms, eigenvalue: r.value.eigenvalues[0], hvps: r.value.matvecs });

/**
 * GD from theta0 with a warm-started sharpness estimate every `every` steps, as the training
 * loop does it: the points where the estimates are made and the warm start each one gets.
 */
function trajectory(objective: Objective, theta0: Float32Array, lr: number, start: Float64Array, w: WorkloadFile): { thetas: Float32Array[]; warmStarts: Float32Array[] } {
  const theta = theta0.slice();
  const thetas: Float32Array[] = [];
  const warmStarts: Float32Array[] = [];
  let warm = Float32Array.from(start);
  for (let step = 1; step <= w.trajectory.steps; step++) {
    gdStep(objective, theta, lr);
    if (step % w.trajectory.every !== 0) continue;
    thetas.push(theta.slice());
    warmStarts.push(warm);
    warm = Float32Array.from(sharpness(objective, theta, { tol: w.tol, maxIter: w.maxIter, warmStart: warm }).eigenvectors[0]);
  }
  return { thetas, warmStarts };
}

/** An architecture workload: grad, HVP and GD step pairs and peak memory, no eigenvalue figures (each HVP takes seconds to minutes). */
async function timesOnly(w: WorkloadFile, path: string, objective: Objective, at: { theta0: Float32Array; v: Float32Array; loss: number; tensorsBefore: number; flops: FlopYardstick }): Promise<void> {
  const theta1 = at.theta0.slice();
  gdStep(objective, theta1, ARCHITECTURE_LR);
  writeF32(w.files.theta1, theta1);
  writeRowsF32(w.files.trajectoryThetas, []);
  writeRowsF32(w.files.trajectoryWarmStarts, []);
  writeFileSync(path, JSON.stringify({ ...w, lr: ARCHITECTURE_LR, engineLoss: at.loss }));
  const torch = new TorchServer(path, w.threads);
  try {
    await torch.ready();
    const checks = await torch.request<Checks>('checks');
    const g = await pairs(() => objective.lossAndGrad(at.theta0), torch, 'grad', w.repeats, 1);
    const h = await pairs(() => objective.hvp(at.theta0, at.v), torch, 'hvp', w.repeats, 1);
    const theta = at.theta0.slice();
    const s = await pairs(() => gdStep(objective, theta, ARCHITECTURE_LR), torch, 'gdStep', w.repeats, 1);
    const info = await torch.request<{ versions: Record<string, string>; peakRssMb: number }>('info');
    const result: ArchitectureResult = {
      engine: {
        loss: at.loss,
        gradMs: medianOf(g.ours),
        hvpMs: medianOf(h.ours),
        gdStepMs: medianOf(s.ours),
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        wasmHeapMb: wasmHeapMb(),
        tensorDelta: tf.memory().numTensors - at.tensorsBefore,
        flops: at.flops,
      },
      torch: { gradMs: medianOf(g.torch), hvpMs: medianOf(h.torch), gdStepMs: medianOf(s.torch), peakRssMb: info.peakRssMb, checks, versions: info.versions },
      ratios: { grad: pairedRatio(g.ours, g.torch), gdStep: pairedRatio(s.ours, s.torch), hvp: pairedRatio(h.ours, h.torch) },
    };
    const samplesPerPass = objective.samplesPerPass;
    objective.dispose();
    process.stdout.write(`${JSON.stringify({ backend: activeBackend(), samplesPerPass, ...result })}\n`);
  } finally {
    torch.close();
  }
}

/** GFLOP/s of a square sgemm (n = 2048) through the engine's backend: the median of 5 after a warm-up, each read back as its sum (one float). */
function sgemmGflops(n = 2048): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const ms = medianMs(() => tf.tidy(() => tf.sum(tf.matMul(a, b)).dataSync()), 5);
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms * 1e6);
}

/** Counted forward FLOPs per sample (on the first two samples) and the sgemm rate, in this process. */
async function flopYardstick(model: Model, theta: Float32Array, X: Float32Array, d: number): Promise<FlopYardstick> {
  const first = tf.tensor2d(X.subarray(0, 2 * d), [2, d]);
  const forwardFlopsPerSample = (await forwardFlops(model, theta, first)) / 2;
  first.dispose();
  return { forwardFlopsPerSample, sgemmGflops: sgemmGflops() };
}

const wasmHeapMb = (): number => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength / 2 ** 20;

async function main(): Promise<void> {
  const path = process.argv[2];
  const w = JSON.parse(readFileSync(path, 'utf8')) as WorkloadFile;
  const backend = await initBackend('wasm');
  const { inputShape, ...spec } = w.model;
  const model = buildModel(spec, inputShape, w.k);
  const X = readF32(w.files.X);
  const objective = makeObjective(model, { X, Y: readF32(w.files.Y), n: w.n, d: w.d, k: w.k }, w.loss, { chunkSize: w.chunk });
  const theta0 = readF32(w.files.theta0);
  const flops = await flopYardstick(model, theta0, X, w.d);
  const v = readF32(w.files.v);
  const q0 = readF32(w.files.lanczosStart);
  const tensorsBefore = tf.memory().numTensors;

  // Inputs of the PyTorch side that come from the engine: grad, H v, theta1, lr, the trajectory points and their warm starts.
  const { loss, grad } = objective.lossAndGrad(theta0);
  writeF32(w.files.engineGrad, grad);
  writeF32(w.files.engineHvp, objective.hvp(theta0, v));
  if (!w.curvature) {
    await timesOnly(w, path, objective, { theta0, v, loss, tensorsBefore, flops });
    return;
  }
  const cold = timed(() => sharpness(objective, theta0, { tol: w.tol, maxIter: w.maxIter, seed: 1 }));
  const lr = LR_TIMES_SHARPNESS / cold.value.eigenvalues[0];
  const theta1 = theta0.slice();
  gdStep(objective, theta1, lr);
  writeF32(w.files.theta1, theta1);
  const { thetas, warmStarts } = trajectory(objective, theta0, lr, cold.value.eigenvectors[0], w);
  writeRowsF32(w.files.trajectoryThetas, thetas);
  writeRowsF32(w.files.trajectoryWarmStarts, warmStarts);
  const references = thetas.map((theta, i) => {
    const r = sharpness(objective, theta, { tol: w.referenceTol, maxIter: REFERENCE_MAX_ITER, seed: 2 });
    if (!r.converged) throw new Error(`${w.name}: reference eigenvalue at trajectory point ${i} did not converge in ${REFERENCE_MAX_ITER} HVPs`);
    return r.eigenvalues[0];
  });
  writeFileSync(path, JSON.stringify({ ...w, lr, engineLoss: loss }));

  const torch = new TorchServer(path, w.threads);
  try {
    await torch.ready();
    const checks = await torch.request<TorchResult['checks']>('checks');
    const g = await pairs(() => objective.lossAndGrad(theta0), torch, 'grad', w.repeats, 1);
    const h = await pairs(() => objective.hvp(theta0, v), torch, 'hvp', w.repeats, 1);
    const theta = theta0.slice();
    const s = await pairs(() => gdStep(objective, theta, lr), torch, 'gdStep', w.repeats, 1);
    // Our 20-step Lanczos includes preparing the Hessian, as sharpness() does.
    const lanczos20 = (theta: Float32Array): LanczosResult => {
      const H = objective.hessianAt(theta);
      try {
        return lanczos(float64MatVec(H), w.numParams, { maxIter: w.lanczosSteps, tol: 0, init: q0 });
      } finally {
        H.dispose();
      }
    };
    // At each trajectory point the four eigenvalue figures alternate, so the training-time
    // estimate and PyTorch's 20-step Lanczos are compared under the same load.
    const l: { ours: Timed<LanczosResult>[]; torch: Eigen[] } = { ours: [], torch: [] };
    const ws: { ours: Timed<LanczosResult>[]; torch: Eigen[] } = { ours: [], torch: [] };
    for (const [i, theta] of thetas.entries()) {
      const li = await pairs<LanczosResult, Eigen>(() => lanczos20(theta), torch, 'lanczos20', 1, 0, i);
      const wi = await pairs<LanczosResult, Eigen>(() => sharpness(objective, theta, { tol: w.tol, maxIter: w.maxIter, warmStart: warmStarts[i] }), torch, 'sharpnessWarm', 1, 0, i);
      l.ours.push(...li.ours);
      l.torch.push(...li.torch);
      ws.ours.push(...wi.ours);
      ws.torch.push(...wi.torch);
    }
    const torchInfo = await torch.request<Pick<TorchResult, 'versions' | 'threads' | 'env' | 'peakRssMb'>>('info');

    const heapMb = wasmHeapMb();
    const tensorDelta = tf.memory().numTensors - tensorsBefore;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    let noBlas: EngineResult['noBlas'] = null;
    if (backend.blas) {
      disableNativeKernels();
      noBlas = { gradMs: medianMs(() => objective.lossAndGrad(theta0), w.repeatsLong), hvpMs: medianMs(() => objective.hvp(theta0, v), w.repeatsLong) };
    }
    objective.dispose();

    const engine: EngineResult = {
      loss,
      lr,
      gradMs: medianOf(g.ours),
      hvpMs: medianOf(h.ours),
      gdStepMs: medianOf(s.ours),
      sharpness0: { eigenvalue: cold.value.eigenvalues[0], hvps: cold.value.matvecs, ms: cold.ms },
      referenceEigenvalues: references,
      lanczos20: eigenFigure(l.ours.map(eigen), references),
      sharpnessWarm: eigenFigure(ws.ours.map(eigen), references),
      peakRssMb,
      wasmHeapMb: heapMb,
      tensorDelta,
      noBlas,
      flops,
    };
    const torchResult: TorchResult = {
      ...torchInfo,
      checks,
      gradMs: medianOf(g.torch),
      hvpMs: medianOf(h.torch),
      gdStepMs: medianOf(s.torch),
      lanczos20: eigenFigure(l.torch, references),
      sharpnessWarm: eigenFigure(ws.torch, references),
    };
    const ratios: Ratios = {
      grad: pairedRatio(g.ours, g.torch),
      gdStep: pairedRatio(s.ours, s.torch),
      hvp: pairedRatio(h.ours, h.torch),
      lanczos20: totalRatio(l.ours, l.torch),
      sharpnessWarm: totalRatio(ws.ours, ws.torch),
      sharpnessVsTorch20: totalRatio(ws.ours, l.torch),
    };
    process.stdout.write(`${JSON.stringify({ backend, engine, torch: torchResult, ratios })}\n`);
  } finally {
    torch.close();
  }
}

await main();
