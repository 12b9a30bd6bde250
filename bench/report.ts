/** reports/bench.json (schema) and its markdown rendering reports/bench.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/util/paths.js';
import type { BackendInfo } from '../src/backend/index.js';
import type { EngineResult, Ratios, TorchResult } from './common.js';
import type { MemoryReport } from './memory.js';
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
  /** Pairs measured for the short (grad, HVP, GD step) and long (Lanczos, sharpness) figures. */
  repeats: [number, number];
  engine: EngineResult;
  torch: TorchResult;
  ratios: Ratios;
}

export interface BenchReport {
  schema: 1;
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
  /** `npm run bench -- --profile <name>`: end-to-end time of a profile, keyed by its name (kept across timing runs). */
  profiles: Record<string, ProfileTiming>;
}

export const TARGETS = { grad: 1.1, gdStep: 1.1, hvp: 1.2, sharpnessSpeedup: 3, sharpnessRelErr: 1e-3 } as const;

const JSON_PATH = join(REPO_ROOT, 'reports', 'bench.json');
const MD_PATH = join(REPO_ROOT, 'reports', 'bench.md');

function relErr(value: number, reference: number): number {
  return Math.abs(value - reference) / Math.abs(reference);
}

export function readReport(): BenchReport | null {
  return existsSync(JSON_PATH) ? (JSON.parse(readFileSync(JSON_PATH, 'utf8')) as BenchReport) : null;
}

export function writeReport(report: BenchReport): void {
  mkdirSync(join(REPO_ROOT, 'reports'), { recursive: true });
  writeFileSync(JSON_PATH, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(MD_PATH, renderMarkdown(report));
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (x: number): string => `${x.toFixed(2)}x`;
const sci = (x: number): string => x.toExponential(1);
const check = (ok: boolean): string => (ok ? 'yes' : '**no**');

function targetsTable(workloads: WorkloadReport[]): string[] {
  const rows = ['| workload | grad | GD step | HVP | sharpness speed-up vs PyTorch 20-step | sharpness rel. error | targets met |', '|---|---|---|---|---|---|---|'];
  for (const w of workloads) {
    const r = w.ratios;
    const err = relErr(w.engine.sharpnessWarm.eigenvalue, w.engine.referenceEigenvalue);
    const speedup = 1 / r.sharpnessVsTorch20;
    const met = r.grad <= TARGETS.grad && r.gdStep <= TARGETS.gdStep && r.hvp <= TARGETS.hvp && speedup >= TARGETS.sharpnessSpeedup && err <= TARGETS.sharpnessRelErr;
    rows.push(`| ${w.name} | ${ratio(r.grad)} | ${ratio(r.gdStep)} | ${ratio(r.hvp)} | ${speedup.toFixed(1)}x | ${sci(err)} | ${w.targeted ? check(met) : 'n/a'} |`);
  }
  return rows;
}

export function renderMarkdown(report: BenchReport): string {
  const p = report.provenance;
  const b = p.backend;
  const lines: string[] = ['# Engine vs PyTorch benchmark', ''];
  lines.push(
    `${p.date} · git ${p.gitRevision} · ${p.cpu}, ${p.cores} cores · ${p.threads} threads both sides · ${p.quick ? 'quick: 3 / 1 pairs' : '11 / 5 pairs (CNN 3 / 1)'} per short / long figure, medians after warm-up`,
    '',
    `Engine: tfjs ${p.tfjs} ${b ? `\`${b.name}\`` : ''}${b?.blas ? ` + ${b.blasLibrary} (${b.blasThreads} threads)` : ' without BLAS'} · Node ${p.node} · PyTorch ${p.torch.torch ?? '?'} (Python ${p.torch.python ?? '?'}), same OpenBLAS settings${Object.keys(p.blasEnv).length ? ` (${Object.entries(p.blasEnv).map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
    '',
  );
  if (report.workloads.length > 0) {
    lines.push(
      '## Ratios ours / PyTorch (same run, medians of back-to-back pairs)',
      '',
      `Targets on workload W (FCN 784-200-200-10, 5000 samples, full batch): grad and GD step <= ${TARGETS.grad}x, HVP <= ${TARGETS.hvp}x, training-time sharpness (warm-started Lanczos to ${TARGETS.sharpnessRelErr} relative) >= ${TARGETS.sharpnessSpeedup}x faster than PyTorch's 20-step Lanczos with relative error <= ${TARGETS.sharpnessRelErr}.`,
      '',
      ...targetsTable(report.workloads),
      '',
      '## Times (ms, medians)',
      '',
      '| workload | params | grad ours / PT | GD step ours / PT | HVP ours / PT | 20-step Lanczos ours / PT | warm sharpness ours / PT (HVPs) | no-BLAS grad / HVP |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const w of report.workloads) {
      const e = w.engine;
      const t = w.torch;
      const noBlas = e.noBlas ? `${ms(e.noBlas.gradMs)} / ${ms(e.noBlas.hvpMs)}` : 'n/a';
      lines.push(
        `| ${w.name} | ${w.numParams} | ${ms(e.gradMs)} / ${ms(t.gradMs)} | ${ms(e.gdStepMs)} / ${ms(t.gdStepMs)} | ${ms(e.hvpMs)} / ${ms(t.hvpMs)} | ${ms(e.lanczos20.ms)} / ${ms(t.lanczos20.ms)} | ${ms(e.sharpnessWarm.ms)} (${e.sharpnessWarm.hvps}) / ${ms(t.sharpnessWarm.ms)} (${t.sharpnessWarm.hvps}) | ${noBlas} |`,
      );
    }
    lines.push(
      '',
      '## Accuracy and memory',
      '',
      'Eigenvalue errors are relative to a converged Lanczos (Ritz residual 1e-6, CNN 1e-4) at theta1 = theta0 after one GD step with lr = 1.9 / sharpness(theta0); the warm start is the top eigenvector at theta0. Cross-checks: relative differences of PyTorch\'s loss, gradient, H v and GD step from the engine\'s.',
      '',
      '| workload | sharpness | err ours warm | err PT 20-step | err ours 20-step | grad / HVP / step diff | peak RSS ours / PT (MB) | wasm heap (MB) | leaked tensors |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const w of report.workloads) {
      const e = w.engine;
      const ref = e.referenceEigenvalue;
      const c = w.torch.checks;
      lines.push(
        `| ${w.name} | ${ref.toPrecision(6)} | ${sci(relErr(e.sharpnessWarm.eigenvalue, ref))} | ${sci(relErr(w.torch.lanczos20.eigenvalue, ref))} | ${sci(relErr(e.lanczos20.eigenvalue, ref))} | ${sci(c.gradRelDiff)} / ${sci(c.hvpRelDiff)} / ${sci(c.gdStepRelDiff)} | ${e.peakRssMb.toFixed(0)} / ${w.torch.peakRssMb.toFixed(0)} | ${e.wasmHeapMb.toFixed(0)} | ${e.tensorDelta} |`,
      );
    }
    lines.push('');
  }
  if (report.memory) {
    const m = report.memory;
    lines.push(
      '## Memory growth',
      '',
      `${m.date} · git ${m.gitRevision} · ${m.description}: ${m.steps} GD steps, sharpness every ${m.sharpnessEvery} steps (${m.hvps} HVPs) in ${(m.seconds / 60).toFixed(1)} min.`,
      '',
      `Live tensors ${m.tensors.min}..${m.tensors.max} after warm-up; RSS high-water ${m.rssMb.first.toFixed(1)} MB in the first and ${m.rssMb.last.toFixed(1)} MB in the last tenth of the run (max ${m.rssMb.max.toFixed(1)}); wasm heap ${m.wasmHeapMb.first.toFixed(0)} -> ${m.wasmHeapMb.last.toFixed(0)} MB. Flat: ${check(m.flat)}.`,
      '',
    );
  }
  lines.push(...profileTable(report.profiles));
  return `${lines.join('\n')}\n`;
}
