/** reports/bench.json (schema) and its markdown rendering reports/bench.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/util/paths.js';
import { dataMb } from '../src/figures/scaling.js';
import type { BackendInfo } from '../src/backend/index.js';
import { FLOPS_PER_FORWARD, type ArchitectureResult, type EigenFigure, type EngineResult, type FlopYardstick, type Ratios, type TimesResult, type TorchResult } from './common.js';
import type { MemoryReport } from './memory.js';
import { kernelTable, type KernelProfile } from './kernels.js';
import { profileTable, type ProfileTiming } from './profile.js';

export interface WorkloadReport {
  name: string;
  /** Part of workload W, to which the targets apply. */
  targeted: boolean;
  data: string;
  n: number;
  d: number;
  numParams: number;
  chunk: number;
  /** Pairs measured for the short (grad, HVP, GD step) figures, and runs of the no-BLAS figures. */
  repeats: [number, number];
  /** The GD trajectory whose sharpness estimates are timed (one pair per estimate). */
  trajectory: { steps: number; every: number };
  engine: EngineResult;
  torch: TorchResult;
  ratios: Ratios;
}

/** A times-and-memory measurement (`--models`, `--scaling`), each from its own run (date, git revision). */
export type TimesRow = ArchitectureResult & { name: string; date: string; gitRevision: string; data: string; n: number; d: number; numParams: number; chunk: number; torchChunk: number; repeats: number };

/** `npm run bench -- --models`: the architectures, times and memory only (kept across timing runs). */
export interface ArchitectureReport {
  threads: number;
  backend: BackendInfo;
  torch: Record<string, string>;
  workloads: TimesRow[];
}

/** One point of `--scaling`: FCN-ReLU with two hidden layers of `width` units on the first n MNIST images. */
export type ScalingRow = TimesRow & { width: number };

/** `npm run bench -- --scaling`: how the cost grows with the samples n and the width (kept across timing runs). */
export interface ScalingReport {
  /** The latest run's date and revision (each row has its own). */
  date: string;
  gitRevision: string;
  threads: number;
  backend: BackendInfo;
  torch: Record<string, string>;
  /** The width of the series over n and the n of the series over the width. */
  at: { n: number; width: number };
  rows: ScalingRow[];
}

export interface BenchReport {
  schema: typeof SCHEMA;
  provenance: {
    date: string;
    gitRevision: string;
    node: string;
    tfjs: string;
    cpu: string;
    cores: number;
    threads: number;
    quick: boolean;
    backend: BackendInfo | null;
    /** OPENBLAS_* variables the engine ran with (the PyTorch side reports its own under workloads[].torch.env). */
    blasEnv: Record<string, string>;
    torch: Record<string, string>;
  };
  workloads: WorkloadReport[];
  /** `npm run bench -- --memory` (kept across timing runs). */
  memory: MemoryReport | null;
  architectures: ArchitectureReport | null;
  scaling: ScalingReport | null;
  /** `npm run bench -- --kernels`: where an architecture's time goes, one row per workload (kept across timing runs). */
  kernels: KernelProfile[];
  /** `npm run bench -- --profile <name>`: end-to-end time of a profile, keyed by its name (kept across timing runs). */
  profiles: Record<string, ProfileTiming>;
}

export const TARGETS = { grad: 1.1, gdStep: 1.1, hvp: 1.2, sharpnessSpeedup: 3, sharpnessRelErr: 1e-3 } as const;

/** Where the committed report lives; `--report-dir` writes elsewhere (a quick check must not overwrite it). */
export const REPORT_DIR = join(REPO_ROOT, 'reports');
export const REPORT_JSON = 'bench.json';
const REPORT_MD = 'bench.md';

export const SCHEMA = 2;

/** The report in `dir`, or null; an older schema keeps only its profile timings (the other sections changed shape). */
export function readReport(dir = REPORT_DIR): BenchReport | null {
  const path = join(dir, REPORT_JSON);
  if (!existsSync(path)) return null;
  const report = JSON.parse(readFileSync(path, 'utf8')) as Omit<BenchReport, 'schema'> & { schema: number };
  return report.schema === SCHEMA
    ? { ...(report as BenchReport), architectures: (report as BenchReport).architectures ?? null, scaling: (report as BenchReport).scaling ?? null, kernels: (report as BenchReport).kernels ?? [] }
    : { ...report, schema: SCHEMA, workloads: [], memory: null, architectures: null, scaling: null, kernels: [] };
}

export function writeReport(report: BenchReport, dir = REPORT_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, REPORT_JSON), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, REPORT_MD), renderMarkdown(report));
}

/** The rows of `previous` whose key was not measured now, then the measured ones: a run replaces only what it measured. */
export function replaceRows<T>(previous: readonly T[], measured: readonly T[], key: (row: T) => string): T[] {
  const now = new Set(measured.map(key));
  return [...previous.filter((r) => !now.has(key(r))), ...measured];
}

const scalingPoint = (r: ScalingRow): string => `${r.n} x ${r.width}`;

/** The scaling section after a run: its rows replace those of the same point (n, width), the others stay; ordered by width, then n. */
export function mergeScaling(previous: ScalingReport | null, run: Omit<ScalingReport, 'rows'> & { rows: ScalingRow[] }): ScalingReport {
  const rows = replaceRows(previous?.rows ?? [], run.rows, scalingPoint).sort((a, b) => a.width - b.width || a.n - b.n);
  return { ...run, rows };
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x: number): string => `${x.toFixed(2)}x`;
const sci = (x: number): string => x.toExponential(1);
const check = (ok: boolean): string => (ok ? 'yes' : '**no**');
const hvps = (f: EigenFigure): string => (f.hvps.min === f.hvps.max ? `${f.hvps.min}` : `${f.hvps.mean.toFixed(1)} (${f.hvps.min}-${f.hvps.max})`);

/** The achieved FLOP rate of a figure as a share of the sgemm rate: counted model FLOPs over n samples / time. */
function flopShare(y: FlopYardstick, n: number, figure: keyof typeof FLOPS_PER_FORWARD, msTaken: number): string {
  const gflops = (FLOPS_PER_FORWARD[figure] * y.forwardFlopsPerSample * n) / (msTaken * 1e6);
  return `${((100 * gflops) / y.sgemmGflops).toFixed(0)}%`;
}

/** Cells: grad and HVP FLOP rates ours / PyTorch as shares of the sgemm rate, and that rate ("n/a" for rows measured before they were recorded). */
function flopCells(n: number, e: TimesResult & { flops?: FlopYardstick }, t: TimesResult): string {
  const y = e.flops;
  if (!y) return 'n/a | n/a | n/a';
  return `${flopShare(y, n, 'grad', e.gradMs)} / ${flopShare(y, n, 'grad', t.gradMs)} | ${flopShare(y, n, 'hvp', e.hvpMs)} / ${flopShare(y, n, 'hvp', t.hvpMs)} | ${y.sgemmGflops.toFixed(0)}`;
}

const FLOP_HEADER = 'grad FLOP rate ours / PT | HVP FLOP rate ours / PT | sgemm GFLOP/s';
const FLOP_RULE = '---|---|---';
const FLOP_NOTE = `FLOP rates: counted matrix-product FLOPs (2 per multiply-add; a gradient ${FLOPS_PER_FORWARD.grad}, an HVP ${FLOPS_PER_FORWARD.hvp} forward passes; src/models/flops.ts) per second, as a share of the machine's sgemm rate (n = 2048, same threads, measured in the workload's process): how far each figure is from the physical limit.`;

function targetsTable(workloads: WorkloadReport[]): string[] {
  const rows = ['| workload | grad | GD step | HVP | sharpness speed-up vs PyTorch 20-step | sharpness rel. error (max) | targets met |', '|---|---|---|---|---|---|---|'];
  for (const w of workloads) {
    const r = w.ratios;
    const err = w.engine.sharpnessWarm.maxRelError;
    const speedup = 1 / r.sharpnessVsTorch20;
    const met = r.grad <= TARGETS.grad && r.gdStep <= TARGETS.gdStep && r.hvp <= TARGETS.hvp && speedup >= TARGETS.sharpnessSpeedup && err <= TARGETS.sharpnessRelErr;
    rows.push(`| ${w.name} | ${ratio(r.grad)} | ${ratio(r.gdStep)} | ${ratio(r.hvp)} | ${speedup.toFixed(1)}x | ${sci(err)} | ${w.targeted ? check(met) : 'n/a'} |`);
  }
  return rows;
}

function architectureTable(a: ArchitectureReport): string[] {
  const rows = [
    '## Architectures (times and memory)',
    '',
    `\`npm run bench -- --models\` · ${a.threads} threads both sides · medians of ${a.workloads[0]?.repeats ?? 0} pairs after one warm-up pair. PyTorch evaluates batch-norm models on the whole batch (their loss couples all samples); the engine runs CNN-BN natively on the whole batch too (native/src/cnn.c) and chunks the others exactly (full-batch statistics, src/objective/batchnorm.ts). Targets (issue 20): grad <= ${TARGETS.grad}x, HVP <= ${TARGETS.hvp}x, peak memory <= 1.5x. ${FLOP_NOTE}`,
    '',
    `| workload | date · git | data | params | chunk ours / PT | grad ours / PT (ms) | HVP ours / PT (ms) | GD step ours / PT (ms) | grad | HVP | GD step | peak RSS ours / PT (MB) | memory | grad / HVP diff | ${FLOP_HEADER} |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${FLOP_RULE}|`,
  ];
  for (const w of a.workloads) {
    const e = w.engine;
    const t = w.torch;
    rows.push(
      `| ${w.name} | ${w.date.slice(0, 10)} · ${w.gitRevision.slice(0, 7)} | ${w.data} | ${w.numParams} | ${w.chunk} / ${w.torchChunk} | ${ms(e.gradMs)} / ${ms(t.gradMs)} | ${ms(e.hvpMs)} / ${ms(t.hvpMs)} | ${ms(e.gdStepMs)} / ${ms(t.gdStepMs)} | ${ratio(w.ratios.grad)} | ${ratio(w.ratios.hvp)} | ${ratio(w.ratios.gdStep)} | ${e.peakRssMb.toFixed(0)} / ${t.peakRssMb.toFixed(0)} | ${ratio(e.peakRssMb / t.peakRssMb)} | ${sci(t.checks.gradRelDiff)} / ${sci(t.checks.hvpRelDiff)} | ${flopCells(w.n, e, t)} |`,
    );
  }
  return [...rows, ''];
}

function scalingTable(s: ScalingReport): string[] {
  return [
    '## How cost grows (samples n, width)',
    '',
    `\`npm run bench -- --scaling\` · FCN-ReLU, two hidden layers, MSE, the first n MNIST training images · ${s.threads} threads both sides · medians of ${s.rows[0]?.repeats ?? 0} pairs after one warm-up pair · series over n at width ${s.at.width}, over the width at n = ${s.at.n}. ${FLOP_NOTE}`,
    '',
    `| n | width | date · git | params | chunk ours / PT | GD step ours / PT (ms) | HVP ours / PT (ms) | GD step | HVP | peak RSS ours / PT (MB) | data (MB) | ${FLOP_HEADER} |`,
    `|---|---|---|---|---|---|---|---|---|---|---|${FLOP_RULE}|`,
    ...s.rows.map((r) => {
      const e = r.engine;
      const t = r.torch;
      return `| ${r.n} | ${r.width} | ${r.date.slice(0, 10)} · ${r.gitRevision.slice(0, 7)} | ${r.numParams} | ${r.chunk} / ${r.torchChunk} | ${ms(e.gdStepMs)} / ${ms(t.gdStepMs)} | ${ms(e.hvpMs)} / ${ms(t.hvpMs)} | ${ratio(r.ratios.gdStep)} | ${ratio(r.ratios.hvp)} | ${e.peakRssMb.toFixed(0)} / ${t.peakRssMb.toFixed(0)} | ${dataMb(r.n, r.d).toFixed(0)} | ${flopCells(r.n, e, t)} |`;
    }),
    '',
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const p = report.provenance;
  const b = p.backend;
  const lines: string[] = ['# Engine vs PyTorch benchmark', ''];
  lines.push(
    `${p.date} · git ${p.gitRevision} · ${p.cpu}, ${p.cores} cores · ${p.threads} threads both sides · grad, HVP, GD step: medians of ${[...new Set(report.workloads.map((w) => w.repeats[0]))].join(' or ')} pairs after warm-up · eigenvalue figures: one pair per estimate along a GD trajectory`,
    '',
    `Engine: tfjs ${p.tfjs} ${b ? `\`${b.name}\`` : ''}${b?.blas ? ` + ${b.blasLibrary} (${b.blasThreads} threads)` : ' without BLAS'} · Node ${p.node} · PyTorch ${p.torch.torch ?? '?'} (Python ${p.torch.python ?? '?'}), same OpenBLAS settings${Object.keys(p.blasEnv).length ? ` (${Object.entries(p.blasEnv).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
    '',
  );
  if (report.workloads.length > 0) {
    lines.push(
      '## Ratios ours / PyTorch (same run, back-to-back pairs)',
      '',
      `Targets on workload W (FCN 784-200-200-10, 5000 samples, full batch): grad and GD step <= ${TARGETS.grad}x, HVP <= ${TARGETS.hvp}x, training-time sharpness (warm-started Lanczos to Ritz residual ${TARGETS.sharpnessRelErr} relative) >= ${TARGETS.sharpnessSpeedup}x faster than PyTorch's 20-step Lanczos with relative error <= ${TARGETS.sharpnessRelErr}.`,
      '',
      `The sharpness figures are measured as training makes them: GD from theta0 at lr = 1.9 / sharpness(theta0) (just below the stability limit) with an estimate every ${report.workloads[0].trajectory.every} steps, each warm-started from the previous one's top eigenvector. At every estimate our estimate, PyTorch's warm-started Lanczos (same rule, same start) and both 20-step Lanczos run back to back; speed-ups are total times over the trajectory, errors the worst over its estimates.`,
      '',
      ...targetsTable(report.workloads),
      '',
      '## Times (ms; grad, HVP, GD step: medians; eigenvalue figures: mean per estimate)',
      '',
      FLOP_NOTE,
      '',
      `| workload | params | grad ours / PT | GD step ours / PT | HVP ours / PT | 20-step Lanczos ours / PT | training-time sharpness ours / PT | HVPs per estimate, mean (range) | estimates | no-BLAS grad / HVP | ${FLOP_HEADER} |`,
      `|---|---|---|---|---|---|---|---|---|---|${FLOP_RULE}|`,
    );
    for (const w of report.workloads) {
      const e = w.engine;
      const t = w.torch;
      const noBlas = e.noBlas ? `${ms(e.noBlas.gradMs)} / ${ms(e.noBlas.hvpMs)}` : 'n/a';
      lines.push(
        `| ${w.name} | ${w.numParams} | ${ms(e.gradMs)} / ${ms(t.gradMs)} | ${ms(e.gdStepMs)} / ${ms(t.gdStepMs)} | ${ms(e.hvpMs)} / ${ms(t.hvpMs)} | ${ms(e.lanczos20.ms)} / ${ms(t.lanczos20.ms)} | ${ms(e.sharpnessWarm.ms)} / ${ms(t.sharpnessWarm.ms)} | ${hvps(e.sharpnessWarm)} / ${hvps(t.sharpnessWarm)} | ${e.referenceEigenvalues.length} | ${noBlas} | ${flopCells(w.n, e, t)} |`,
      );
    }
    lines.push(
      '',
      '## Accuracy and memory',
      '',
      'Eigenvalue errors: the worst over the trajectory\'s estimates, each relative to a converged cold-started Lanczos at the same point (Ritz residual 1e-6, CNN 1e-4). Cross-checks: relative differences of PyTorch\'s loss, gradient, H v and GD step from the engine\'s.',
      '',
      '| workload | sharpness along the trajectory | err ours training-time | err PT warm | err PT 20-step | err ours 20-step | grad / HVP / step diff | peak RSS ours / PT (MB) | wasm heap (MB) | leaked tensors |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const w of report.workloads) {
      const e = w.engine;
      const refs = e.referenceEigenvalues;
      const c = w.torch.checks;
      lines.push(
        `| ${w.name} | ${refs[0].toPrecision(4)} .. ${refs[refs.length - 1].toPrecision(4)} | ${sci(e.sharpnessWarm.maxRelError)} | ${sci(w.torch.sharpnessWarm.maxRelError)} | ${sci(w.torch.lanczos20.maxRelError)} | ${sci(e.lanczos20.maxRelError)} | ${sci(c.gradRelDiff)} / ${sci(c.hvpRelDiff)} / ${sci(c.gdStepRelDiff)} | ${e.peakRssMb.toFixed(0)} / ${w.torch.peakRssMb.toFixed(0)} | ${e.wasmHeapMb.toFixed(0)} | ${e.tensorDelta} |`,
      );
    }
    lines.push('');
  }
  if (report.architectures) lines.push(...architectureTable(report.architectures));
  lines.push(...kernelTable(report.kernels));
  if (report.scaling) lines.push(...scalingTable(report.scaling));
  if (report.memory) {
    const m = report.memory;
    lines.push(
      '## Memory growth',
      '',
      `${m.date} · git ${m.gitRevision} · ${m.description}: ${m.steps} GD steps, sharpness every ${m.sharpnessEvery} steps (${m.hvps} HVPs) in ${(m.seconds / 60).toFixed(1)} min.`,
      '',
      `Sampled every ${m.sampleEvery} steps after a full garbage collection. Live tensors ${m.tensors.min}..${m.tensors.max} after warm-up; high-water marks in the first and last tenth of the run: RSS ${m.rssMb.first.toFixed(1)} and ${m.rssMb.last.toFixed(1)} MB (max ${m.rssMb.max.toFixed(1)}), JS heap ${m.jsHeapMb.first.toFixed(1)} and ${m.jsHeapMb.last.toFixed(1)} MB; wasm heap ${m.wasmHeapMb.first.toFixed(0)} -> ${m.wasmHeapMb.last.toFixed(0)} MB. Flat: ${check(m.flat)}.`,
      '',
    );
  }
  lines.push(...profileTable(report.profiles));
  return `${lines.join('\n')}\n`;
}
