/**
 * Memory-growth check (`npm run bench -- --memory`): the engine's own GD loop
 * (src/train/gd.ts) for 10,000 steps with a warm-started sharpness estimate
 * every few steps on a small net, sampling live tensors, the wasm heap, and
 * RSS and the JS heap right after a full garbage collection (without it they
 * follow the collector's schedule, a sawtooth of ~100 MB, not what is live).
 * Flat means: the same tensor count and wasm heap size at every sample after
 * warm-up, and the RSS and JS-heap high-water marks of the last tenth of the
 * samples within SLACK_MB of those of the first tenth after warm-up.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { loadDataset, oneHot } from '../src/data/index.js';
import { buildModel } from '../src/models/index.js';
import { makeObjective } from '../src/objective/index.js';
import { sharpness } from '../src/sharpness/index.js';
import { gitRevision } from '../src/sweep/provenance.js';
import { gradientDescent } from '../src/train/gd.js';

export interface MemoryReport {
  date: string;
  gitRevision: string;
  description: string;
  steps: number;
  sharpnessEvery: number;
  hvps: number;
  seconds: number;
  blas: boolean;
  /** Samples every `sampleEvery` steps. */
  sampleEvery: number;
  samples: { step: number; tensors: number; rssMb: number; jsHeapMb: number; wasmHeapMb: number }[];
  tensors: { min: number; max: number };
  rssMb: { first: number; last: number; max: number };
  jsHeapMb: { first: number; last: number; max: number };
  wasmHeapMb: { first: number; last: number };
  flat: boolean;
}

const SLACK_MB = 20;
const SAMPLE_EVERY = 100;
const SHARPNESS_EVERY = 20;
/** Fraction of the run treated as warm-up (allocator and JIT settling). */
const WARMUP = 0.1;

/** A full garbage collection (the flag exposes gc to contexts created afterwards). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** High-water marks of the first and last tenth of the samples, and the overall maximum. */
function highWater(values: number[]): { first: number; last: number; max: number } {
  const window = Math.max(1, Math.floor(values.length / 10));
  return { first: Math.max(...values.slice(0, window)), last: Math.max(...values.slice(-window)), max: Math.max(...values) };
}

export async function runMemoryCheck(opts: { quick: boolean; dataDir: string | undefined }): Promise<MemoryReport> {
  const backend = await initBackend('wasm');
  const steps = opts.quick ? 1000 : 10000;
  const ds = await loadDataset('mnist-5k:1000', { dataDir: opts.dataDir, testLimit: 1 });
  const model = buildModel({ kind: 'fcn', widths: [32, 32], activation: 'tanh' }, [ds.train.d], ds.numClasses);
  const train = makeObjective(model, { X: ds.train.X, Y: oneHot(ds.train.labels, ds.numClasses), n: ds.train.n, d: ds.train.d, k: ds.numClasses }, 'mse');
  const theta0 = model.init(0);
  const lr = 1.9 / sharpness(train, theta0).eigenvalues[0];
  const heap = (): number => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength / 2 ** 20;
  const samples: MemoryReport['samples'] = [];
  const gc = collector();
  const hvpsBefore = train.hvpCount;
  const t0 = performance.now();
  process.stderr.write(`[memory] ${steps} GD steps, lr ${lr.toPrecision(3)}, sharpness every ${SHARPNESS_EVERY} steps\n`);
  gradientDescent(
    { train, test: null, layout: model.layout, theta0, sharpnessTol: 1e-3 },
    theta0,
    { lr, lossGoal: 0, maxSteps: steps, divergenceFactor: Infinity, recordEvery: SAMPLE_EVERY, sharpnessEvery: SHARPNESS_EVERY, nuclearDuringTraining: false },
    {
      onProgress: ({ step }) => {
        gc();
        const { rss, heapUsed } = process.memoryUsage();
        samples.push({ step, tensors: tf.memory().numTensors, rssMb: rss / 2 ** 20, jsHeapMb: heapUsed / 2 ** 20, wasmHeapMb: heap() });
        if (step % 1000 === 0) process.stderr.write(`[memory] step ${step}: ${samples[samples.length - 1].tensors} tensors, RSS ${samples[samples.length - 1].rssMb.toFixed(0)} MB\n`);
      },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const hvps = train.hvpCount - hvpsBefore;
  train.dispose();

  const settled = samples.filter((s) => s.step >= WARMUP * steps);
  const rssMb = highWater(settled.map((s) => s.rssMb));
  const jsHeapMb = highWater(settled.map((s) => s.jsHeapMb));
  const tensors = settled.map((s) => s.tensors);
  const heaps = settled.map((s) => s.wasmHeapMb);
  const report: MemoryReport = {
    date: new Date().toISOString(),
    gitRevision: gitRevision(),
    description: `fcn 784-32-32-10 tanh, MSE, mnist-5k:1000, lr = 1.9 / initial sharpness, backend ${backend.name}${backend.blas ? ' + BLAS' : ''}`,
    steps,
    sharpnessEvery: SHARPNESS_EVERY,
    hvps,
    seconds,
    blas: backend.blas,
    sampleEvery: SAMPLE_EVERY,
    samples,
    tensors: { min: Math.min(...tensors), max: Math.max(...tensors) },
    rssMb,
    jsHeapMb,
    wasmHeapMb: { first: heaps[0], last: heaps[heaps.length - 1] },
    flat: Math.min(...tensors) === Math.max(...tensors) && Math.min(...heaps) === Math.max(...heaps) && rssMb.last - rssMb.first <= SLACK_MB && jsHeapMb.last - jsHeapMb.first <= SLACK_MB,
  };
  return report;
}
