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
 *   npm run bench -- --kernels    where an architecture's time goes instead (bench/kernels.ts): one gradient
 *                                 and one HVP profiled kernel by kernel, in this process; --only and
 *                                 --samples as for --models; rows replace those of the same workload
 *   npm run bench -- --scaling    how the cost grows instead: FCN-ReLU (two hidden layers, MSE) on the
 *                                 first n MNIST images, time per GD step and HVP and peak memory over
 *                                 n = 1000..60000 at width 200 and over widths 200..2000 at n = 5000;
 *                                 --scaling-n 200,400 and --scaling-widths 20,40 measure other points
 *                                 (the rows measured replace those of the same point, the others stay)
 *   npm run bench -- --profile smoke   end-to-end time of a profile's sweep instead (bench/profile.ts);
 *                                 --results <dir> keeps its results there (an empty folder)
 *   --only <text>                 workloads whose name contains <text> (printed, not written:
 *                                 the committed report always holds one complete run)
 *   --threads <n>                 BLAS / PyTorch threads (default: available cores)
 *   --data-dir <dir>              dataset directory (else EOS_DATA_DIR, else <repo>/data)
 *   --report-dir <dir>            read and write bench.json and bench.md there (default reports/)
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
import { loadDataset, oneHot, type DatasetName } from '../src/data/index.js';
import { buildModel, type Model } from '../src/models/index.js';
import { ModelSpec } from '../src/models/spec.js';
import { gitRevision } from '../src/sweep/provenance.js';
import { REPO_ROOT } from '../src/util/paths.js';
import { Rng } from '../src/util/random.js';
import { PYTHON, writeF32, type ArchitectureResult, type BenchModel, type ModelInput, type EngineResult, type Ratios, type TorchResult, type WorkloadFile } from './common.js';
import { mergeScaling, renderMarkdown, readReport, replaceRows, REPORT_DIR, SCHEMA, writeReport, type BenchReport, type ScalingRow, type TimesRow, type WorkloadReport } from './report.js';
import { runMemoryCheck } from './memory.js';
import { kernelTable, profileKernels, type KernelProfile } from './kernels.js';
import { initBackend } from '../src/backend/index.js';
import { timeProfile } from './profile.js';
import { parseProfile } from '../src/sweep/profiles.js';
import { RecordSpec } from '../src/train/schema.js';
import type { BackendInfo } from '../src/backend/index.js';
import type { LossName } from '../src/objective/index.js';

interface WorkloadDef {
  name: string;
  dataset: DatasetName;
  /** Measured on the first `samples` training examples (all of them without). */
  samples?: number;
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

/** `--scaling`: the samples n of the series over n, the widths of the series over the width. */
const SCALING = { n: [1000, 5000, 20000, 60000], widths: [200, 600, 2000] };
/** Where the two series cross: the paper's FCN (width 200) on its 5000-image subsets' size. */
const SCALING_AT = { n: 5000, width: 200 };

/** The listed value nearest to the paper's from below (the smallest listed one if none is below): a small --scaling-n or --scaling-widths stays small. */
function crossing(listed: readonly number[], paper: number): number {
  const below = listed.filter((x) => x <= paper);
  return below.length > 0 ? Math.max(...below) : Math.min(...listed);
}

/** The scaling workloads: FCN-ReLU of two `width` layers on the first n MNIST images, over n at one width and over the width at one n, each point once. */
function scalingWorkloads(n: readonly number[], widths: readonly number[]): { defs: (WorkloadDef & { width: number })[]; at: { n: number; width: number } } {
  const at = { n: crossing(n, SCALING_AT.n), width: crossing(widths, SCALING_AT.width) };
  const points = [...n.map((samples) => ({ samples, width: at.width })), ...widths.filter((w) => w !== at.width).map((width) => ({ samples: at.n, width }))];
  const defs = points.map(({ samples, width }) => ({
    name: `fcn-relu ${width}x2 mse mnist:${samples}`,
    dataset: 'mnist' as const,
    samples,
    width,
    model: { kind: 'fcn' as const, widths: [width, width], activation: 'relu' as const },
    loss: 'mse' as const,
    targeted: false,
  }));
  return { defs, at };
}

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

async function loadData(name: DatasetName, dataDir: string | undefined): Promise<Data> {
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

/** A workload's model: the parsed spec with defaults filled in (the PyTorch side builds its nn.Module from it) and ours. */
function benchModel(def: WorkloadDef, data: Data): { model: BenchModel; built: Model } {
  const model: BenchModel = { ...ModelSpec.parse(def.model), inputShape: def.model.kind === 'fcn' ? [data.d] : data.inputShape };
  const { inputShape, ...spec } = model;
  return { model, built: buildModel(spec, inputShape, data.k) };
}

/** The first `samples` of a data set (all of it without). */
function firstSamples(data: Data, samples: number | undefined): Data {
  if (samples === undefined || samples >= data.n) return data;
  return { ...data, X: data.X.slice(0, samples * data.d), Y: data.Y.slice(0, samples * data.k), n: samples, source: `${data.source} (first ${samples})` };
}

/**
 * Each workload in its own process against a PyTorch process. `timesOnly`
 * (--models, --scaling): times and memory only, no eigenvalue figures.
 */
async function runWorkloads(
  defs: WorkloadDef[],
  opts: RunOptions & { timesOnly: boolean },
): Promise<{ backend: BackendInfo; torch: TorchResult['versions']; workloads: WorkloadReport[]; timesOnly: TimesRow[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eos-bench-'));
  const selected = defs.filter((w) => !opts.only || w.name.includes(opts.only));
  if (selected.length === 0) throw new Error(`no workload matches --only ${opts.only}`);
  const datasets = new Map<string, Data>();
  const written = new Set<string>();
  const reports: WorkloadReport[] = [];
  const timesOnly: TimesRow[] = [];
  let backend: BackendInfo | null = null;
  let torchVersions: TorchResult['versions'] = {};
  try {
    for (const [i, def] of selected.entries()) {
      const full = datasets.get(def.dataset) ?? (await loadData(def.dataset, opts.dataDir));
      datasets.set(def.dataset, full);
      const data = firstSamples(full, def.samples);
      // One pair of files per data set and sample count, shared by the workloads on it.
      const files = { X: join(dir, `${def.dataset}-${data.n}-X.f32`), Y: join(dir, `${def.dataset}-${data.n}-Y.f32`) };
      if (!written.has(files.X)) {
        writeF32(files.X, data.X);
        writeF32(files.Y, data.Y);
        written.add(files.X);
      }
      const { model, built } = benchModel(def, data);
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
        curvature: !opts.timesOnly,
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
          ...files,
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
      if (opts.timesOnly) {
        const result = runChild(process.execPath, ['--import', 'tsx', 'bench/workload.ts', workloadPath], { OPENBLAS_NUM_THREADS: String(opts.threads) }, `workload ${def.name}`) as ArchitectureResult & { backend: BackendInfo; samplesPerPass: number };
        backend = result.backend;
        torchVersions = result.torch.versions;
        timesOnly.push({ name: def.name, date: new Date().toISOString(), gitRevision: gitRevision(), data: data.source, n: data.n, d: data.d, numParams: built.numParams, chunk: result.samplesPerPass, torchChunk: w.torchChunk, repeats: w.repeats, engine: result.engine, torch: result.torch, ratios: result.ratios });
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
  return { backend: backend as BackendInfo, torch: torchVersions, workloads: reports, timesOnly };
}

/** A comma-separated list of positive integers (undefined when the option is not given). */
function counts(option: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map(Number);
  if (list.length === 0 || !list.every((x) => Number.isInteger(x) && x > 0)) throw new Error(`${option} takes positive integers separated by commas, got ${text}`);
  return list;
}

function parseSamples(value: string | undefined): number | undefined {
  const samples = value === undefined ? undefined : Number(value);
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) throw new Error(`--samples must be a positive integer, got ${value}`);
  return samples;
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
      kernels: { type: 'boolean', default: false },
      samples: { type: 'string' },
      scaling: { type: 'boolean', default: false },
      'scaling-n': { type: 'string' },
      'scaling-widths': { type: 'string' },
      'report-dir': { type: 'string' },
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
  const reportDir = values['report-dir'] ?? REPORT_DIR;
  const previous = readReport(reportDir);

  if (values.profile) {
    const timing = timeProfile(parseProfile(values.profile), { dataDir, jobs: threads, resultsDir: values.results });
    const base = previous ?? emptyReport(threads, values.quick);
    const report: BenchReport = { ...base, profiles: { ...base.profiles, [timing.profile]: timing } };
    writeReport(report, reportDir);
    process.stdout.write(renderMarkdown(report));
    return;
  }

  if (values.memory) {
    const memory = await runMemoryCheck({ quick: values.quick, dataDir });
    const report: BenchReport = { ...(previous ?? emptyReport(threads, values.quick)), memory };
    writeReport(report, reportDir);
    process.stdout.write(renderMarkdown(report));
    if (!memory.flat) process.exitCode = 1;
    return;
  }

  if (values.kernels) {
    const samples = parseSamples(values.samples);
    const selected = ARCHITECTURES.filter((def) => !values.only || def.name.includes(values.only));
    if (selected.length === 0) throw new Error(`no workload matches --only ${values.only}`);
    await initBackend('wasm');
    const rows: KernelProfile[] = [];
    for (const def of selected) {
      const data = firstSamples(await loadData(def.dataset, dataDir), samples);
      const passes = await profileKernels(benchModel(def, data).built, data, def.loss);
      rows.push({ name: def.name, date: new Date().toISOString(), gitRevision: gitRevision(), data: data.source, ...passes });
    }
    const base = previous ?? emptyReport(threads, values.quick);
    const report: BenchReport = { ...base, kernels: replaceRows(base.kernels, rows, (r) => r.name) };
    writeReport(report, reportDir);
    process.stdout.write(kernelTable(rows).join('\n'));
    return;
  }

  if (!pythonOk()) throw new Error(`${PYTHON} cannot import torch: install python3-torch (Debian) or set EOS_PYTHON`);
  if (values.scaling) {
    const { defs, at } = scalingWorkloads(counts('--scaling-n', values['scaling-n']) ?? SCALING.n, counts('--scaling-widths', values['scaling-widths']) ?? SCALING.widths);
    const run = await runWorkloads(defs, { quick: true, only: values.only, threads, dataDir, timesOnly: true });
    const widths = new Map(defs.map((def) => [def.name, def.width]));
    const rows: ScalingRow[] = run.timesOnly.map((r) => ({ ...r, width: widths.get(r.name) as number }));
    const base = previous ?? emptyReport(threads, values.quick);
    const scaling = mergeScaling(base.scaling, { date: new Date().toISOString(), gitRevision: gitRevision(), threads, backend: run.backend, torch: run.torch, at, rows });
    const report: BenchReport = { ...base, scaling };
    writeReport(report, reportDir);
    process.stdout.write(renderMarkdown(report));
    return;
  }
  if (values.models) {
    const samples = parseSamples(values.samples);
    const run = await runWorkloads(
      ARCHITECTURES.map((def) => ({ ...def, samples })),
      { quick: true, only: values.only, threads, dataDir, timesOnly: true },
    );
    const base = previous ?? emptyReport(threads, values.quick);
    // Rows measured now replace those of the same name; the others stay (an architecture can take hours).
    const merged = replaceRows(base.architectures?.workloads ?? [], run.timesOnly, (w) => w.name);
    const workloads = ARCHITECTURES.flatMap((def) => merged.filter((w) => w.name === def.name));
    const report: BenchReport = { ...base, architectures: { threads, backend: run.backend, torch: run.torch, workloads } };
    writeReport(report, reportDir);
    process.stdout.write(renderMarkdown(report));
    return;
  }
  const { backend, torch, workloads } = await runWorkloads(WORKLOADS, { quick: values.quick, only: values.only, threads, dataDir, timesOnly: false });
  const report: BenchReport = {
    ...emptyReport(threads, values.quick),
    provenance: { ...emptyReport(threads, values.quick).provenance, backend, torch },
    workloads,
    memory: previous?.memory ?? null,
    architectures: previous?.architectures ?? null,
    scaling: previous?.scaling ?? null,
    kernels: previous?.kernels ?? [],
    profiles: previous?.profiles ?? {},
  };
  if (!values.only) writeReport(report, reportDir);
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
    scaling: null,
    kernels: [],
    profiles: {},
  };
}

await main();
