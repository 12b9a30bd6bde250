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
import { initBackend } from '../src/backend/index.js';
import { disableNativeKernels } from '../src/backend/blas.js';
import { buildModel } from '../src/models/index.js';
import { makeObjective } from '../src/objective/index.js';
import { float64MatVec, lanczos, sharpness, type LanczosResult } from '../src/sharpness/index.js';
import { median, medianMs, PYTHON, readF32, writeF32, type EngineResult, type Ratios, type TorchResult, type WorkloadFile } from './common.js';

const REFERENCE_MAX_ITER = 150;
/** Learning rate as a multiple of 1 / sharpness: 1.9 is just below the stability limit 2. */
const LR_TIMES_SHARPNESS = 1.9;
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

  async request<T>(op: string): Promise<T> {
    this.proc.stdin.write(`${JSON.stringify({ op })}\n`);
    return (await this.next()) as T;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** `repeats` alternating pairs (after `warmup` pairs): engine call, pause, PyTorch call, pause. */
async function pairs<T, U extends { ms: number }>(
  ours: () => T,
  torch: TorchServer,
  op: string,
  repeats: number,
  warmup: number,
): Promise<{ ours: Timed<T>[]; torch: U[] }> {
  const out: { ours: Timed<T>[]; torch: U[] } = { ours: [], torch: [] };
  for (let i = 0; i < warmup + repeats; i++) {
    const a = timed(ours);
    await sleep(SWITCH_PAUSE_MS);
    const b = await torch.request<U>(op);
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

async function main(): Promise<void> {
  const path = process.argv[2];
  const w = JSON.parse(readFileSync(path, 'utf8')) as WorkloadFile;
  const backend = await initBackend('wasm');
  const { inputShape, ...spec } = w.model;
  const model = buildModel(spec, inputShape, w.k);
  const objective = makeObjective(model, { X: readF32(w.files.X), Y: readF32(w.files.Y), n: w.n, d: w.d, k: w.k }, w.loss, { chunkSize: w.chunk });
  const theta0 = readF32(w.files.theta0);
  const v = readF32(w.files.v);
  const q0 = readF32(w.files.lanczosStart);
  const tensorsBefore = tf.memory().numTensors;

  // Inputs of the PyTorch side that come from the engine: grad, H v, theta1, the warm start, lr.
  const { loss, grad } = objective.lossAndGrad(theta0);
  writeF32(w.files.engineGrad, grad);
  writeF32(w.files.engineHvp, objective.hvp(theta0, v));
  const cold = timed(() => sharpness(objective, theta0, { tol: w.tol, maxIter: w.maxIter, seed: 1 }));
  const lr = LR_TIMES_SHARPNESS / cold.value.eigenvalues[0];
  const theta1 = theta0.map((t, i) => t - lr * grad[i]);
  writeF32(w.files.theta1, theta1);
  const warmStart = Float32Array.from(cold.value.eigenvectors[0]);
  writeF32(w.files.warmStart, warmStart);
  const reference = sharpness(objective, theta1, { tol: w.referenceTol, maxIter: REFERENCE_MAX_ITER, seed: 2 });
  if (!reference.converged) throw new Error(`${w.name}: reference eigenvalue did not converge in ${REFERENCE_MAX_ITER} HVPs`);
  writeFileSync(path, JSON.stringify({ ...w, lr, engineLoss: loss }));

  const torch = new TorchServer(path, w.threads);
  try {
    await torch.ready();
    const checks = await torch.request<TorchResult['checks']>('checks');
    const g = await pairs(() => objective.lossAndGrad(theta0), torch, 'grad', w.repeats, 1);
    const h = await pairs(() => objective.hvp(theta0, v), torch, 'hvp', w.repeats, 1);
    const theta = theta0.slice();
    const gdStep = (): void => {
      const step = objective.lossAndGrad(theta).grad;
      for (let i = 0; i < theta.length; i++) theta[i] -= lr * step[i];
    };
    const s = await pairs(gdStep, torch, 'gdStep', w.repeats, 1);
    type Eig = { ms: number; eigenvalue: number; hvps: number };
    // Our 20-step Lanczos includes preparing the Hessian at theta1, as sharpness() does.
    const lanczos20 = (): LanczosResult => {
      const H1 = objective.hessianAt(theta1);
      try {
        return lanczos(float64MatVec(H1), w.numParams, { maxIter: w.lanczosSteps, tol: 0, init: q0 });
      } finally {
        H1.dispose();
      }
    };
    // The two eigenvalue figures alternate round by round, so the training-time estimate and
    // PyTorch's 20-step Lanczos are compared under the same load.
    const l: { ours: Timed<LanczosResult>[]; torch: Eig[] } = { ours: [], torch: [] };
    const ws: { ours: Timed<LanczosResult>[]; torch: Eig[] } = { ours: [], torch: [] };
    for (let i = 0; i < w.repeatsLong; i++) {
      const li = await pairs<LanczosResult, Eig>(lanczos20, torch, 'lanczos20', 1, 0);
      const wi = await pairs<LanczosResult, Eig>(() => sharpness(objective, theta1, { tol: w.tol, maxIter: w.maxIter, warmStart }), torch, 'sharpnessWarm', 1, 0);
      l.ours.push(...li.ours);
      l.torch.push(...li.torch);
      ws.ours.push(...wi.ours);
      ws.torch.push(...wi.torch);
    }
    const torchInfo = await torch.request<Pick<TorchResult, 'versions' | 'threads' | 'env' | 'peakRssMb'>>('info');

    const heapMb = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength / 2 ** 20;
    const tensorDelta = tf.memory().numTensors - tensorsBefore;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    let noBlas: EngineResult['noBlas'] = null;
    if (backend.blas) {
      disableNativeKernels();
      noBlas = { gradMs: medianMs(() => objective.lossAndGrad(theta0), w.repeatsLong), hvpMs: medianMs(() => objective.hvp(theta0, v), w.repeatsLong) };
    }
    objective.dispose();

    const lastOurs = <T>(xs: Timed<T>[]): T => xs[xs.length - 1].value;
    const lastTorch = (xs: Eig[]): Eig => ({ ...xs[xs.length - 1], ms: medianOf(xs) });
    const ourLanczos = lastOurs(l.ours);
    const ourWarm = lastOurs(ws.ours);
    const engine: EngineResult = {
      loss,
      lr,
      gradMs: medianOf(g.ours),
      hvpMs: medianOf(h.ours),
      gdStepMs: medianOf(s.ours),
      sharpness0: { eigenvalue: cold.value.eigenvalues[0], hvps: cold.value.matvecs, ms: cold.ms },
      referenceEigenvalue: reference.eigenvalues[0],
      lanczos20: { ms: medianOf(l.ours), eigenvalue: ourLanczos.eigenvalues[0], hvps: ourLanczos.matvecs },
      sharpnessWarm: { ms: medianOf(ws.ours), eigenvalue: ourWarm.eigenvalues[0], hvps: ourWarm.matvecs },
      peakRssMb,
      wasmHeapMb: heapMb,
      tensorDelta,
      noBlas,
    };
    const torchResult: TorchResult = {
      ...torchInfo,
      checks,
      gradMs: medianOf(g.torch),
      hvpMs: medianOf(h.torch),
      gdStepMs: medianOf(s.torch),
      lanczos20: lastTorch(l.torch),
      sharpnessWarm: lastTorch(ws.torch),
    };
    const ratios: Ratios = {
      grad: pairedRatio(g.ours, g.torch),
      gdStep: pairedRatio(s.ours, s.torch),
      hvp: pairedRatio(h.ours, h.torch),
      lanczos20: pairedRatio(l.ours, l.torch),
      sharpnessWarm: pairedRatio(ws.ours, ws.torch),
      sharpnessVsTorch20: pairedRatio(ws.ours, l.torch),
    };
    process.stdout.write(`${JSON.stringify({ backend, engine, torch: torchResult, ratios })}\n`);
  } finally {
    torch.close();
  }
}

await main();
