/** Shared pieces of the benchmark: the workload file both sides read, float32 files, timing. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ParamBlock } from '../src/models/types.js';
import type { LossName } from '../src/objective/index.js';
import type { z } from 'zod';
import type { ModelSpec } from '../src/models/spec.js';

/** Python with PyTorch for the reference (Debian's python3-torch lives under /usr/bin/python3). */
export const PYTHON = process.env.EOS_PYTHON ?? '/usr/bin/python3';

/** Model spec for buildModel (src/models/spec.ts; python/torch_models.py builds the same nn.Module) plus the input shape. */
export type ModelInput = z.input<typeof ModelSpec>;
export type BenchModel = ModelInput & { inputShape: number[] };

/**
 * One workload as both implementations see it (bench/run.ts writes it, bench/workload.ts
 * adds lr and engineLoss, bench/torch_reference.py reads it). Paths name little-endian float32 files.
 */
export interface WorkloadFile {
  name: string;
  model: BenchModel;
  loss: LossName;
  n: number;
  d: number;
  k: number;
  /** Samples per forward pass (the engine's chunking; PyTorch uses the same unless torchChunk says otherwise). */
  chunk: number;
  /** PyTorch's samples per forward pass: the whole batch for batch norm, whose loss couples all samples (the engine's chunking is exact). */
  torchChunk: number;
  /** false for the architecture workloads (--models): times and memory only, no eigenvalue figures. */
  curvature: boolean;
  numParams: number;
  layout: ParamBlock[];
  threads: number;
  repeats: number;
  repeatsLong: number;
  /** Steps of the fixed-length Lanczos. */
  lanczosSteps: number;
  /** Relative Ritz-residual tolerance and iteration cap of the training-time sharpness estimate. */
  tol: number;
  maxIter: number;
  /** Relative Ritz residual of the reference eigenvalues (their error is about the square). */
  referenceTol: number;
  /**
   * Where the sharpness figures are measured: GD from theta0 at lr for `steps` steps with a
   * warm-started estimate every `every` steps, as training does it (one point per estimate).
   */
  trajectory: { steps: number; every: number };
  /** GD learning rate (1.9 / sharpness at theta0, i.e. near the edge of stability); set by the engine run. */
  lr?: number;
  /** Engine loss at theta0, for the cross-check. */
  engineLoss?: number;
  files: {
    X: string;
    Y: string;
    theta0: string;
    /** Probe vector of the timed HVP. */
    v: string;
    /** Start vector of the fixed-length Lanczos. */
    lanczosStart: string;
    /** Written by the engine run: theta0 after one GD step, grad and H v at theta0. */
    theta1: string;
    engineGrad: string;
    engineHvp: string;
    /** Written by the engine run: the trajectory points (points x numParams) and their warm starts (the previous estimate's top eigenvector). */
    trajectoryThetas: string;
    trajectoryWarmStarts: string;
  };
}

/** One eigenvalue computation at one trajectory point. */
export interface Eigen {
  ms: number;
  eigenvalue: number;
  hvps: number;
}

/** An eigenvalue method over the trajectory points: mean time per estimate, HVPs, worst relative error against the reference. */
export interface EigenFigure {
  ms: number;
  hvps: { mean: number; min: number; max: number };
  maxRelError: number;
}

/** Times of one implementation on one workload (medians) and its peak memory. */
export interface TimesResult {
  gradMs: number;
  hvpMs: number;
  gdStepMs: number;
  peakRssMb: number;
}

/** Measurements of one implementation on one workload (grad, HVP and GD step: medians). */
export interface SideResult extends TimesResult {
  /** Fixed 20-step Lanczos from one random start. */
  lanczos20: EigenFigure;
  /** The training-time estimate: warm-started Lanczos to Ritz residual tol * |value|. */
  sharpnessWarm: EigenFigure;
}

/**
 * The yardstick of an achieved FLOP rate, measured in the engine's process: the counted
 * matrix-product FLOPs of one forward pass per sample (src/models/flops.ts) and the
 * machine's sgemm rate (square sgemm through the engine's backend, same threads).
 */
export interface FlopYardstick {
  forwardFlopsPerSample: number;
  sgemmGflops: number;
}

/** Model FLOPs per figure as multiples of a forward pass: a gradient is a forward and a backward pass (3), an HVP forward-over-reverse twice that (6). */
export const FLOPS_PER_FORWARD = { grad: 3, hvp: 6 } as const;

export interface EngineResult extends SideResult {
  lr: number;
  /** Absent in rows measured before it was recorded. */
  flops?: FlopYardstick;
  loss: number;
  /** Sharpness at theta0 (cold start, training tolerance) whose eigenvector is the warm start. */
  sharpness0: { eigenvalue: number; hvps: number; ms: number };
  /** Converged top eigenvalue at each trajectory point (Ritz residual <= referenceTol, cold start), the accuracy reference. */
  referenceEigenvalues: number[];
  wasmHeapMb: number;
  /** Live tensors after the workload minus before it (0: no leak). */
  tensorDelta: number;
  /** Stock wasm matmul (no BLAS) in the same process; null when BLAS is not in use. */
  noBlas: { gradMs: number; hvpMs: number } | null;
}

/** The cross-checks of the PyTorch side: relative differences of its loss, gradient, H v and GD step from the engine's. */
export interface Checks {
  lossRelDiff: number;
  gradRelDiff: number;
  hvpRelDiff: number;
  gdStepRelDiff: number;
}

/** ours / PyTorch, medians over back-to-back pairs. */
export interface TimeRatios {
  grad: number;
  gdStep: number;
  hvp: number;
}

/** An architecture workload (--models) as bench/workload.ts reports it. */
export interface ArchitectureResult {
  engine: TimesResult & { loss: number; wasmHeapMb: number; tensorDelta: number; flops?: FlopYardstick };
  torch: TimesResult & { checks: Checks; versions: Record<string, string> };
  ratios: TimeRatios;
}

/** ours / PyTorch per figure: medians over back-to-back pairs; eigenvalue figures: total over the trajectory points. */
export interface Ratios extends TimeRatios {
  lanczos20: number;
  sharpnessWarm: number;
  /** Our warm-started training estimate over PyTorch's 20-step Lanczos (target <= 1/3). */
  sharpnessVsTorch20: number;
}

export interface TorchResult extends SideResult {
  versions: Record<string, string>;
  threads: number;
  env: Record<string, string | null>;
  checks: Checks;
}

export function writeF32(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Equal-length vectors as the rows of one float32 file. */
export function writeRowsF32(path: string, rows: Float32Array[]): void {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  writeF32(path, out);
}

export function readF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time in ms of `repeats` calls after `warmup` untimed calls. */
export function medianMs(fn: () => void, repeats: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
