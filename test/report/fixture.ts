/**
 * A small, fully synthetic report fixture: a result store whose runs follow the
 * paper's phenomenon (flow-aligned below eta_c = 2/s_GF, sharpness ~ 2/eta and a
 * growing norm above it, U-shaped test loss), two executed notebooks with
 * Vega-Lite, SVG, PNG and text outputs, and a copy of the book sources.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialSchedule, nextRates, scheduleOutcome } from '../../src/sweep/grid.js';
import { profile } from '../../src/sweep/profiles.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import type { Experiment, FlowResult, GdResult, Provenance } from '../../src/sweep/schema.js';
import type { Metrics } from '../../src/train/schema.js';
import { flowKey, gdKey, ResultStore } from '../../src/sweep/store.js';
import type { PrepareOptions } from '../../src/report/prepare.js';
import { writeProfileData } from '../../src/report/profileData.js';

/** Smoke-profile experiments the fixture has results for (one of them with two loss goals, one with a scaled init). */
export const FIXTURE_EXPERIMENTS = ['fcn-relu-mnist5k-mse', 'fcn-relu-cifar5k-ce', 'fcn-tanh-cifar5k-mse', 'fcn-relu-cifar5k-mse-init5', 'diagonal-2d'];

const provenance = (seconds: number, hvps: number): Provenance => ({
  packageVersion: '0.1.0',
  gitRevision: '0123456789abcdef0123456789abcdef01234567',
  backend: 'wasm',
  blas: true,
  tfjsVersion: '4.22.0',
  node: 'v20.0.0',
  startedAt: '2026-01-02T03:04:05.000Z',
  wallSeconds: seconds,
  hvps,
});

function metrics(step: number, time: number, over: Partial<Metrics>): Metrics {
  return { step, time, trainLoss: 1, trainAccuracy: 0.9, testLoss: 1, testAccuracy: 0.8, sharpness: null, l1: 100, l2: 10, nuclear: null, distanceFromInit: { l1: 5, l2: 1 }, ...over };
}

/** The synthetic law of the fixture: s_GF grows as the goal shrinks, unless the init is scaled (then s_GF = s0). */
function law(e: Experiment, lossGoal: number) {
  const s0 = e.model.initScale > 1 ? 40 : 10;
  const sGF = e.model.initScale > 1 ? s0 : 20 * (1 + 0.2 * Math.log10(1 / lossGoal));
  return { s0, sGF, etaC: 2 / sGF, divergesAbove: 2.6 / s0 };
}

function gdRun(e: Experiment, lr: number, lossGoal: number, historyLength: number): GdResult {
  const { sGF, etaC, divergesAbove } = law(e, lossGoal);
  const key = gdKey(e, lr, lossGoal);
  const base = { kind: 'gd' as const, schemaVersion: 1 as const, key, experiment: e, lr, lossGoal, checkpoints: [], provenance: provenance(3 + 10 * lr, 40) };
  if (lr > divergesAbove) {
    return { ...base, outcome: 'diverged', steps: 12, divergedAt: 12, history: [metrics(0, 0, { trainLoss: 1 })], final: null, perLayer: null, maxSharpness: null, distanceFromFlow: null };
  }
  const eos = lr > etaC;
  const sharpness = eos ? (0.95 * 2) / lr : 0.98 * sGF;
  const l1 = eos ? 100 + 300 * (lr - etaC) : 100 * (1 + 0.002 * Math.sin(lr * 1000));
  const testLoss = 0.5 + 0.2 * Math.log(lr / (1.5 * etaC)) ** 2;
  const steps = Math.round((eos ? 2 / etaC + 1 / lr : 3 / lr) * 0.1);
  const history = Array.from({ length: historyLength }, (_, k) => {
    const i = (30 * k) / historyLength;
    const step = Math.round((k * steps) / historyLength);
    const s = Math.min(sGF, 2 / lr) * (0.5 + 0.5 * Math.min(1, i / 15)) * (eos && i > 15 ? 1 + 0.03 * Math.sin(k) : 1);
    return metrics(step, step * lr, { trainLoss: Math.exp(-i / 6), sharpness: s, l1: 90 + ((l1 - 90) * i) / 30, testLoss });
  });
  const final = metrics(steps, steps * lr, { trainLoss: 0.9 * lossGoal, sharpness, l1, l2: l1 / 10, testLoss, nuclear: l1 / 3 });
  history.push(final);
  return {
    ...base,
    outcome: 'converged',
    steps,
    divergedAt: null,
    history,
    final,
    perLayer: [{ name: 'layers.0.weight', l1: l1 / 2, l2: 3, nuclear: 5 }],
    maxSharpness: eos ? 1.02 * (2 / lr) : sharpness,
    distanceFromFlow: { l1: 10 * lr, l2: lr },
  };
}

/** Writes the flow and every GD run the appendix-G schedule asks for, like a finished sweep; `historyLength` records per run. */
export function writeSyntheticSweep(store: ResultStore, e: Experiment, historyLength = 30): void {
  const goals = e.lossGoals.map((g) => ({ lossGoal: g, ...law(e, g) }));
  // The flow reaches the j-th loss goal at step 10 + j.
  const flowHistory = Array.from({ length: 40 }, (_, i) => {
    const reached = goals[i - 10];
    const sharpness = reached ? 0.98 * reached.sGF : goals[0].s0 + (goals[0].sGF - goals[0].s0) * Math.min(1, i / 10);
    return metrics(i, i * 0.1, { trainLoss: Math.exp(-i / 5), sharpness, l1: reached ? 100 : 90 + i });
  });
  const flow: FlowResult = {
    kind: 'flow',
    schemaVersion: 1,
    key: flowKey(e),
    experiment: e,
    outcome: 'converged',
    steps: 39,
    s0: goals[0].s0,
    sGF: goals.map((g, j) => ({ lossGoal: g.lossGoal, sGF: g.sGF, time: (10 + j) * 0.1, step: 10 + j, solutionFile: '/nonexistent' })),
    history: flowHistory,
    provenance: provenance(20, 300),
  };
  store.write(flow);
  for (const g of goals) {
    const done: GdResult[] = [];
    for (let rates = initialSchedule(g.s0, g.sGF, e.grid); rates.length > 0; ) {
      for (const lr of rates) {
        const r = gdRun(e, lr, g.lossGoal, historyLength);
        store.write(r);
        done.push(r);
      }
      rates = nextRates(done.map(scheduleOutcome), g.s0, g.sGF, e.grid);
    }
  }
}

export function syntheticStore(dir: string): ResultStore {
  const store = new ResultStore(dir);
  for (const entry of profile('smoke').filter((p) => FIXTURE_EXPERIMENTS.includes(p.experiment.id))) writeSyntheticSweep(store, entry.experiment);
  return store;
}

const lineChart = (title: string) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  width: 360,
  height: 200,
  data: { values: Array.from({ length: 12 }, (_, i) => ({ lr: 0.01 * (i + 1), sharpness: Math.min(20, 2 / (0.01 * (i + 1))) })) },
  mark: { type: 'line', point: true },
  encoding: { x: { field: 'lr', type: 'quantitative' }, y: { field: 'sharpness', type: 'quantitative' } },
});

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#4c78a8"/></svg>';
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const code = (source: string, outputs: unknown[]) => ({ cell_type: 'code', execution_count: 1, metadata: {}, source, outputs });
const md = (source: string) => ({ cell_type: 'markdown', metadata: {}, source });
const notebook = (cells: unknown[]) => ({ cells, metadata: { kernelspec: { name: 'tslab', language: 'typescript', display_name: 'TypeScript' } }, nbformat: 4, nbformat_minor: 5 });

export const FIXTURE_NOTEBOOKS: Record<string, unknown> = {
  '01-regime-transition': notebook([
    md('# The regime transition\n\nFinal sharpness over the learning rate, see @fig-sharpness and the data in @tbl-experiments.'),
    code('//| label: fig-sharpness\n//| fig-cap: "Final sharpness against the learning rate."\nconst spec = sharpnessFigure(data);\ndisplay.raw("application/vnd.vegalite.v5+json", spec);', [
      { output_type: 'display_data', metadata: {}, data: { 'application/vnd.vegalite.v5+json': lineChart('sharpness') } },
      { output_type: 'display_data', metadata: {}, data: { 'image/svg+xml': SVG } },
    ]),
    md('## Norms\n\nThe norm grows above η_c (@fig-norm).'),
    code('//| label: fig-norm\n//| fig-cap: Final l1 norm.\n//| echo: false\nshow(normFigure(data));', [
      { output_type: 'display_data', metadata: {}, data: { 'application/vnd.vegalite.v5+json': lineChart('norm'), 'image/svg+xml': SVG, 'text/plain': '<VegaLite 5 object>' } },
    ]),
    code('console.log("summary: 12 rates, 2 diverged")', [{ output_type: 'stream', name: 'stdout', text: ['summary: 12 rates,', ' 2 diverged\n'] }]),
    code('# An unlabelled chart\nshow(trajectory(data))', [{ output_type: 'display_data', metadata: {}, data: { 'application/vnd.vegalite.v5+json': lineChart('trajectory') } }]),
  ]),
  '05-diagonal-net': notebook([
    md('Intro text before any heading.\n\n# Section that is not the title\n\nMore text.'),
    code('//| label: fig-diag\n//| fig-cap: A static PNG figure.\nshowPng()', [{ output_type: 'display_data', metadata: {}, data: { 'image/png': PNG, 'text/plain': 'png' } }]),
  ]),
};

export const FIXTURE_BENCH = '# Engine vs PyTorch benchmark\n\nfixture run\n\n## Ratios\n\n| workload | grad |\n|---|---|\n| W | 0.9x |\n';

export interface Fixture extends PrepareOptions {
  root: string;
  outDir: string;
}

/** The fixture with its synthetic results condensed into its data folder. */
export async function makeFixtureWithData(): Promise<Fixture> {
  const f = makeFixture();
  await writeProfileData('smoke', syntheticStore(join(f.root, 'results')), f.dataDir);
  // Committed paper-setting results for one Table 1 row (row 4), condensed like the others; appendix I draws its figure from them.
  const paper = new ResultStore(f.paperResults);
  writeSyntheticSweep(paper, profile('paper').find((p) => p.experiment.id === PAPER_FIXTURE_EXPERIMENT)?.experiment as Experiment);
  await writeProfileData('paper', paper, f.dataDir);
  return f;
}

/** The experiment of Table 1's row 4, with committed (synthetic) paper-setting results in the fixture. */
export const PAPER_FIXTURE_EXPERIMENT = 'fcn-relu-mnist5k-mse-goal1e-1';

/** The book sources of the repository (_quarto.yml, index.qmd, the chapters and templates under reports/) copied into the project folder `dir`, so a test build never writes into the repository. */
export function copyBookSources(dir: string): string {
  mkdirSync(join(dir, 'reports'), { recursive: true });
  for (const name of ['_quarto.yml', 'index.qmd']) cpSync(join(REPO_ROOT, name), join(dir, name));
  const sources = join(REPO_ROOT, 'reports');
  for (const name of readdirSync(sources)) {
    if (name.endsWith('.qmd') || name === 'templates') cpSync(join(sources, name), join(dir, 'reports', name), { recursive: true });
  }
  return dir;
}

/** A fresh project (copied book sources) with synthetic data, notebooks and benchmark. */
export function makeFixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'eos-report-fixture-'));
  const projectDir = copyBookSources(join(root, 'book'));
  const notebooksDir = join(root, 'notebooks');
  mkdirSync(notebooksDir);
  for (const [slug, nb] of Object.entries(FIXTURE_NOTEBOOKS)) writeFileSync(join(notebooksDir, `${slug}.ipynb`), JSON.stringify(nb));
  const benchFile = join(root, 'bench.md');
  writeFileSync(benchFile, FIXTURE_BENCH);
  const dataDir = join(root, 'data');
  // No benchmark data: the chapter says the scaling figure is not measured yet.
  return { root, projectDir, dataDir, notebooksDir, benchFile, benchReport: join(root, 'bench.json'), findingsFile: join(root, 'FINDINGS.md'), paperResults: join(root, 'paper-results'), outDir: join(root, '_site') };
}
