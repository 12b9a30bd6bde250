/**
 * Where the engine's time goes in one gradient and one HVP of an architecture
 * (`npm run bench -- --kernels --only vit --samples 500`): tf.profile's kernel
 * times summed per kernel, the number of kernel dispatches, and the share of the
 * wall time that no kernel accounts for (dispatch, the autodiff tape and tensor
 * bookkeeping in JavaScript). A model that runs natively (fully connected nets,
 * ReLU CNNs) dispatches few tfjs kernels: its rows show the native call as
 * unaccounted time. Measured in this process after one warm-up of each pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../src/models/index.js';
import { makeObjective, type LossName, type SupervisedData } from '../src/objective/index.js';

export interface KernelTime {
  kernel: string;
  ms: number;
}

export interface PassProfile {
  wallMs: number;
  /** Sum of the kernels' own times. */
  kernelMs: number;
  dispatches: number;
  /** The kernels with the most time, most first. */
  top: KernelTime[];
}

export interface KernelProfile {
  name: string;
  date: string;
  gitRevision: string;
  data: string;
  gradient: PassProfile;
  hvp: PassProfile;
}

/** Per-kernel totals of a profiled pass, the `top` largest first. */
export function summarizeKernels(kernels: readonly { name: string; kernelTimeMs: number }[], wallMs: number, top = 6): PassProfile {
  const byKernel = new Map<string, number>();
  for (const k of kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + k.kernelTimeMs);
  const sorted = [...byKernel].map(([kernel, ms]) => ({ kernel, ms })).sort((a, b) => b.ms - a.ms);
  return { wallMs, kernelMs: sorted.reduce((a, k) => a + k.ms, 0), dispatches: kernels.length, top: sorted.slice(0, top) };
}

async function profiled(pass: () => void): Promise<PassProfile> {
  pass();
  const t0 = performance.now();
  const info = await tf.profile(pass);
  const wallMs = performance.now() - t0;
  // tfjs reports a kernel's time as a number, or as an error object where the backend cannot time it.
  return summarizeKernels(info.kernels.map((k) => ({ name: k.name, kernelTimeMs: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 })), wallMs);
}

/** One gradient and one HVP of the model's objective on `data`, profiled kernel by kernel. */
export async function profileKernels(model: Model, data: SupervisedData, loss: LossName): Promise<{ gradient: PassProfile; hvp: PassProfile }> {
  const objective = makeObjective(model, data, loss);
  try {
    const theta = model.init(0);
    const v = Float32Array.from(theta, (_, i) => Math.sin(i));
    const gradient = await profiled(() => void objective.lossAndGrad(theta));
    const hessian = objective.hessianAt(theta);
    try {
      return { gradient, hvp: await profiled(() => void hessian.apply(v)) };
    } finally {
      hessian.dispose();
    }
  } finally {
    objective.dispose();
  }
}

const share = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(0)}%`;

/** The section of bench.md: one row per workload and pass. */
export function kernelTable(rows: readonly KernelProfile[]): string[] {
  if (rows.length === 0) return [];
  const row = (r: KernelProfile, what: string, p: PassProfile) =>
    `| ${r.name} | ${r.date.slice(0, 10)} · ${r.gitRevision.slice(0, 7)} | ${r.data} | ${what} | ${p.wallMs.toFixed(0)} | ${p.dispatches} | ${share(p.wallMs - p.kernelMs, p.wallMs)} | ${p.top.map((k) => `${k.kernel} ${share(k.ms, p.kernelMs)}`).join(', ')} |`;
  return [
    '## Where the time goes (tfjs kernels)',
    '',
    '`npm run bench -- --kernels --only <workload> [--samples n]` · one gradient and one HVP after a warm-up of each, profiled by `tf.profile` in one process: the kernel dispatches, the share of the wall time no kernel accounts for (dispatch, the autodiff tape, tensor bookkeeping), and the kernels with the most time as shares of the kernels\' total. Natively computed models show their native call as unaccounted time.',
    '',
    '| workload | date · git | data | pass | wall (ms) | dispatches | outside kernels | kernels by time |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.flatMap((r) => [row(r, 'gradient', r.gradient), row(r, 'HVP', r.hvp)]),
    '',
  ];
}
