/**
 * Side-by-side benchmark of the engine against a PyTorch reference on the same
 * data and initial parameters (`npm run bench`).
 *
 *   npm run bench                 full run: every workload, both implementations
 *   npm run bench -- --quick      fewer repeats
 *   npm run bench -- --memory     memory-growth check instead (bench/memory.ts)
 *   npm run bench -- --models     the architectures (CNN, CNN-BN, ViT, ResNet-20) instead: time per gradient,
 *                                 HVP and GD step and peak memory; --samples <n> measures on the first n
 *                                 images (the report says so); with --only, the rows measured replace
 *                                 their old ones and the others stay
 *   npm run bench -- --profile smoke   end-to-end time of a profile's sweep instead (bench/profile.ts);
 *                                 --results <dir> keeps its results there (an empty folder)
 *   --only <text>                 workloads whose name contains <text> (printed, not written:
 *                                 the committed report always holds one complete run)
 *   --threads <n>                 BLAS / PyTorch threads (default: available cores)
 *   --data-dir <dir>              dataset directory (else EOS_DATA_DIR, else <repo>/data)
 *
 * Each workload runs in a fresh process (bench/workload.ts) next to a fresh
 * PyTorch process (bench/torch_reference.py under /usr/bin/python3 or
 * $EOS_PYTHON), measuring in alternating pairs; peak memory is per workload.
 * Writes reports/bench.json and reports/bench.md and prints the tables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, oneHot } from '../src/data/index.js';
import { buildModel } from '../src/models/index.js';
import { ModelSpec } from '../src/models/spec.js';
import { gitRevision } from '../src/sweep/provenance.js';
import { REPO_ROOT } from '../src/util/paths.js';
import { Rng } from '../src/util/random.js';
import { PYTHON, writeF32, type ArchitectureResult, type BenchModel, type ModelInput, type EngineResult, type Ratios, type TorchResult, type WorkloadFile } from './common.js';
import { renderMarkdown, readReport, SCHEMA, writeReport, type ArchitectureReport, type BenchReport, type WorkloadReport } from './report.js';
import { runMemoryCheck } from './memory.js';
import { timeProfile } from './profile.js';
import { parseProfile } from '../src/sweep/profiles.js';
import { RecordSpec } from '../src/train/schema.js';
import type { BackendInfo } from '../src/backend/index.js';
import type { LossName } from '../src/objective/index.js';

interface WorkloadDef {
  name: string;
  dataset: 'mnist-5k' | 'cifar10-5k';
  model: ModelInput;
  loss: LossName;
  /** Workload W: the targets apply to it. */
  targeted: boolean;
  /** Seconds per HVP rather than milliseconds: always measured with the quick repeat counts, reference eigenvalue to residual 1e-4. */
  heavy?: boolean;
}

/**
 * The architectures of Table 1's last rows at the paper's sizes (`--models`): time per
 * gradient, HVP and GD step and peak memory against PyTorch, no eigenvalue figures.
 */
const ARCHITECTURES: WorkloadDef[] = [
  { name: 'cnn-relu mse mnist-5k', dataset: 'mnist-5k', model: { kind: 'cnn', channels: [32, 32], activation: 'relu' }, loss: 'mse', targeted: false },
  { name: 'cnn-relu ce mnist-5k', dataset: 'mnist-5k', model: { kind: 'cnn', channels: [32, 32], activation: 'relu' }, loss: 'ce', targeted: false },
  { name: 'cnn-bn-relu ce cifar10-5k', dataset: 'cifar10-5k', model: { kind: 'cnn', channels: [32, 32], activation: 'relu', batchNorm: true }, loss: 'ce', targeted: false },
  { name: 'vit ce mnist-5k', dataset: 'mnist-5k', model: { kind: 'vit' }, loss: 'ce', targeted: false },
  { name: 'vit ce cifar10-5k', dataset: 'cifar10-5k', model: { kind: 'vit', patchSize: 4, dim: 128, depth: 6, heads: 4 }, loss: 'ce', targeted: false },
  { name: 'resnet20 ce cifar10-5k', dataset: 'cifar10-5k', model: { kind: 'resnet' }, loss: 'ce', targeted: false },
];

const FCN = [200, 200];
/** The record settings of an experiment that sets none. */
const TRAINING_RECORD = RecordSpec.parse({});
const WORKLOADS: WorkloadDef[] = [
  ...(['relu', 'tanh'] as const).flatMap((activation) =>
    (['mse', 'ce'] as const).map((loss) => ({
      name: `W fcn-${activation} ${loss} mnist-5k`,
      dataset: 'mnist-5k' as const,
      model: { kind: 'fcn' as const, widths: FCN, activation },
      loss,
      targeted: true,
    })),
  ),
  { name: 'cnn-relu mse mnist-5k', dataset: 'mnist-5k', model: { kind: 'cnn', channels: [32, 32], activation: 'relu' }, loss: 'mse', targeted: false, heavy: true },
  { name: 'fcn-relu mse cifar10-5k', dataset: 'cifar10-5k', model: { kind: 'fcn', widths: FCN, activation: 'relu' }, loss: 'mse', targeted: false },
];

function lastJsonLine(stdout: string, what: string): unknown {
  const line = stdout.trim().split('\n').pop();
  if (!line) throw new Error(`${what} printed nothing`);
  return JSON.parse(line);
}

function runChild(command: string, args: string[], env: Record<string, string>, what: string): unknown {
  const r = spawnSync(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  return lastJsonLine(r.stdout, what);
}

interface Data {
  X: Float32Array;
  Y: Float32Array;
  n: number;
  d: number;
  k: number;
  inputShape: number[];
  source: string;
}

async function loadData(name: WorkloadDef['dataset'], dataDir: string | undefined): Promise<Data> {
  const ds = await loadDataset(name, { dataDir, testLimit: 1 });
  return { X: ds.train.X, Y: oneHot(ds.train.labels, ds.numClasses), n: ds.train.n, d: ds.train.d, k: ds.numClasses, inputShape: ds.inputShape, source: ds.name };
}

function randomVector(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  new Rng(seed).fillNormal(v, 1);
  return v;
}

interface RunOptions {
  quick: boolean;
  only: string | undefined;
  threads: number;
  dataDir: string | undefined;
}

/** The first `samples` of a data set (all of it without). */
function firstSamples(data: Data, samples: number | undefined): Data {
  if (samples === undefined || samples >= data.n) return data;
  return { ...data, X: data.X.slice(0, samples * data.d), Y: data.Y.slice(0, samples * data.k), n: samples, source: `${data.source} (first ${samples})` };
}

/**
 * Each workload in its own process against a PyTorch process. Architecture
 * workloads (`samples` set or not) measure times and memory only.
 */
async function runWorkloads(
  defs: WorkloadDef[],
  opts: RunOptions & { architectures?: { samples: number | undefined } },
): Promise<{ backend: BackendInfo; torch: TorchResult['versions']; workloads: WorkloadReport[]; architectures: ArchitectureReport['workloads'] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eos-bench-'));
  const selected = defs.filter((w) => !opts.only || w.name.includes(opts.only));
  if (selected.length === 0) throw new Error(`no workload matches --only ${opts.only}`);
  const datasets = new Map<string, Data>();
  const reports: WorkloadReport[] = [];
  const architectures: ArchitectureReport['workloads'] = [];
  let backend: BackendInfo | null = null;
  let torchVersions: TorchResult['versions'] = {};
  try {
    for (const [i, def] of selected.entries()) {
      let data = datasets.get(def.dataset);
      if (!data) {
        data = firstSamples(await loadData(def.dataset, opts.dataDir), opts.architectures?.samples);
        datasets.set(def.dataset, data);
        writeF32(join(dir, `${def.dataset}-X.f32`), data.X);
        writeF32(join(dir, `${def.dataset}-Y.f32`), data.Y);
      }
      // The parsed spec, defaults filled in: the PyTorch side builds its nn.Module from it.
      const model: BenchModel = { ...ModelSpec.parse(def.model), inputShape: def.model.kind === 'fcn' ? [data.d] : data.inputShape };
      const { inputShape, ...spec } = model;
      const built = buildModel(spec, inputShape, data.k);
      const file = (name: string): string => join(dir, `${i}-${name}.f32`);
      const w: WorkloadFile = {
        name: def.name,
        model,
        loss: def.loss,
        n: data.n,
        d: data.d,
        k: data.k,
        chunk: Math.min(built.maxChunk, data.n),
        torchChunk: built.batchStatistics ? data.n : Math.min(built.maxChunk, data.n),
        curvature: !opts.architectures,
        numParams: built.numParams,
        layout: [...built.layout],
        threads: opts.threads,
        repeats: opts.quick || def.heavy ? 3 : 21,
        repeatsLong: opts.quick || def.heavy ? 1 : 5,
        lanczosSteps: 20,
        tol: TRAINING_RECORD.sharpnessTol,
        maxIter: 100,
        referenceTol: def.heavy ? 1e-4 : 1e-6,
        // At the engine's default cadence: an estimate every record.sharpnessEvery steps, warm-started from the last.
        trajectory: { steps: (def.heavy ? 1 : opts.quick ? 3 : 10) * TRAINING_RECORD.sharpnessEvery, every: TRAINING_RECORD.sharpnessEvery },
        files: {
          X: join(dir, `${def.dataset}-X.f32`),
          Y: join(dir, `${def.dataset}-Y.f32`),
          theta0: file('theta0'),
          v: file('v'),
          lanczosStart: file('q0'),
          theta1: file('theta1'),
          engineGrad: file('grad'),
          engineHvp: file('hvp'),
          trajectoryThetas: file('trajectory-thetas'),
          trajectoryWarmStarts: file('trajectory-warm'),
        },
      };
      writeF32(w.files.theta0, built.init(0));
      writeF32(w.files.v, randomVector(built.numParams, 1));
      writeF32(w.files.lanczosStart, randomVector(built.numParams, 2));
      const workloadPath = join(dir, `${i}-workload.json`);
      writeFileSync(workloadPath, JSON.stringify(w));

      process.stderr.write(`[bench] ${def.name}\n`);
      if (opts.architectures) {
        const result = runChild(process.execPath, ['--import', 'tsx', 'bench/workload.ts', workloadPath], { OPENBLAS_NUM_THREADS: String(opts.threads) }, `workload ${def.name}`) as ArchitectureResult & { backend: BackendInfo };
        backend = result.backend;
        torchVersions = result.torch.versions;
        architectures.push({ name: def.name, date: new Date().toISOString(), gitRevision: gitRevision(), data: data.source, n: data.n, numParams: built.numParams, chunk: w.chunk, torchChunk: w.torchChunk, repeats: w.repeats, engine: result.engine, torch: result.torch, ratios: result.ratios });
        continue;
      }
      const result = runChild(process.execPath, ['--import', 'tsx', 'bench/workload.ts', workloadPath], { OPENBLAS_NUM_THREADS: String(opts.threads) }, `workload ${def.name}`) as {
        backend: BackendInfo;
        engine: EngineResult;
        torch: TorchResult;
        ratios: Ratios;
      };
      backend = result.backend;
      torchVersions = result.torch.versions;
      reports.push({
        name: def.name,
        targeted: def.targeted,
        data: data.source,
        n: data.n,
        d: data.d,
        numParams: built.numParams,
        chunk: w.chunk,
        repeats: [w.repeats, w.repeatsLong],
        trajectory: w.trajectory,
        engine: result.engine,
        torch: result.torch,
        ratios: result.ratios,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { backend: backend as BackendInfo, torch: torchVersions, workloads: reports, architectures };
}

function pythonOk(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
      models: { type: 'boolean', default: false },
      samples: { type: 'string' },
      profile: { type: 'string' },
      results: { type: 'string' },
      only: { type: 'string' },
      threads: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const threads = values.threads ? Number(values.threads) : availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${values.threads}`);
  const dataDir = values['data-dir'];
  const previous = readReport();

  if (values.profile) {
    const timing = timeProfile(parseProfile(values.profile), { dataDir, jobs: threads, resultsDir: values.results });
    const base = previous ?? emptyReport(threads, values.quick);
    const report: BenchReport = { ...base, profiles: { ...base.profiles, [timing.profile]: timing } };
    writeReport(report);
    process.stdout.write(renderMarkdown(report));
    return;
  }

  if (values.memory) {
    const memory = await runMemoryCheck({ quick: values.quick, dataDir });
    const report: BenchReport = { ...(previous ?? emptyReport(threads, values.quick)), memory };
    writeReport(report);
    process.stdout.write(renderMarkdown(report));
    if (!memory.flat) process.exitCode = 1;
    return;
  }

  if (!pythonOk()) throw new Error(`${PYTHON} cannot import torch: install python3-torch (Debian) or set EOS_PYTHON`);
  if (values.models) {
    const samples = values.samples === undefined ? undefined : Number(values.samples);
    if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) throw new Error(`--samples must be a positive integer, got ${values.samples}`);
    const run = await runWorkloads(ARCHITECTURES, { quick: true, only: values.only, threads, dataDir, architectures: { samples } });
    const base = previous ?? emptyReport(threads, values.quick);
    // Rows measured now replace those of the same name; the others stay (an architecture can take hours).
    const measured = new Set(run.architectures.map((w) => w.name));
    const kept = (base.architectures?.workloads ?? []).filter((w) => !measured.has(w.name));
    const workloads = ARCHITECTURES.flatMap((def) => [...run.architectures, ...kept].filter((w) => w.name === def.name));
    const report: BenchReport = { ...base, architectures: { threads, backend: run.backend, torch: run.torch, workloads } };
    writeReport(report);
    process.stdout.write(renderMarkdown(report));
    return;
  }
  const { backend, torch, workloads } = await runWorkloads(WORKLOADS, { quick: values.quick, only: values.only, threads, dataDir });
  const report: BenchReport = {
    ...emptyReport(threads, values.quick),
    provenance: { ...emptyReport(threads, values.quick).provenance, backend, torch },
    workloads,
    memory: previous?.memory ?? null,
    architectures: previous?.architectures ?? null,
    profiles: previous?.profiles ?? {},
  };
  if (!values.only) writeReport(report);
  process.stdout.write(renderMarkdown(report));
}

function emptyReport(threads: number, quick: boolean): BenchReport {
  return {
    schema: SCHEMA,
    provenance: {
      date: new Date().toISOString(),
      gitRevision: gitRevision(),
      node: process.version,
      tfjs: tf.version.tfjs,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      threads,
      quick,
      backend: null,
      blasEnv: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('OPENBLAS_') && e[1] !== undefined)),
      torch: {},
    },
    workloads: [],
    memory: null,
    architectures: null,
    profiles: {},
  };
}

await main();
