/**
 * Generated parts of the book: everything that comes from data is written as
 * Markdown partials into `<project>/reports/_generated/` and pulled into the
 * chapters with Quarto's `{{< include >}}`; with them the figure scripts, and
 * each notebook as the page the pandoc book shows for it (Quarto renders the
 * notebook itself). Quarto runs this as its pre-render step; the pandoc path
 * runs it before reading the chapters. Missing inputs (no results, no executed
 * notebook, no benchmark yet) give a visible "not run" notice.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { profile, PROFILES, type ProfileEntry } from '../sweep/profiles.js';
import { gitRevision, packageVersion } from '../sweep/provenance.js';
import { REPO_ROOT } from '../util/paths.js';
import { FINDINGS_PATH } from '../theory/evidence.js';
import { Experiment } from '../sweep/schema.js';
import { CYCLE_WINDOW } from '../train/gd.js';
import { callout, duration, num, table, withoutTitle } from './markdown.js';
import { notebookToMarkdown, chapterId, titleFromSlug } from './notebook.js';
import { bestData, readReportData, type ExperimentData } from './summary.js';
import { checklistMarkdown, paperVerdicts, readVerdicts, reportedClaims, type PaperVerdict, type ReportedClaim } from './verdicts.js';
import { experimentsForRow, TABLE1 } from '../sweep/table1.js';
import { bestTable1, table1Entries } from './table1.js';
import { appendixFigures, appendixPartial } from './appendix.js';
import { scalingPartial } from './scaling.js';
import { committedLoader, storedLoader } from '../figures/load.js';
import { storedFromSummary } from './profileData.js';
import { FIGURE_SCRIPT } from '../figures/html.js';
import { accuracyByModel, PLAN_FILE, PlanFile } from '../sweep/cost.js';
import { runsLeft } from '../sweep/summary.js';

/** The book's own sources (chapters other than the notebooks, templates), relative to the project. */
export const BOOK_SOURCES = 'reports';
/** Generated partials, relative to the project. */
export const GENERATED = `${BOOK_SOURCES}/_generated`;
export const TEMPLATES = `${BOOK_SOURCES}/templates`;

/** The page prepare made of a notebook, for the pandoc book. */
export function notebookPage(projectDir: string, slug: string): string {
  return join(projectDir, GENERATED, `notebook-${slug}.md`);
}

export interface PrepareOptions {
  /** The Quarto project (the repository root, with _quarto.yml): partials go to its `reports/_generated/`. */
  projectDir: string;
  /** Committed summaries (reports/data). */
  dataDir: string;
  /** Executed notebooks. */
  notebooksDir: string;
  /** Benchmark table (reports/bench.md). */
  benchFile: string;
  /** Benchmark data (reports/bench.json): the benchmark chapter draws its scaling figure from it. */
  benchReport: string;
  /** Where paper text and numbers disagree (src/theory/FINDINGS.md). */
  findingsFile: string;
  /** Committed paper-setting results (data/results/paper): appendix I draws its figures from them. */
  paperResults: string;
}

/** Default inputs; EOS_REPORT_DATA names another summaries folder (it reaches Quarto's pre-render step too). */
export function defaultPrepareOptions(): PrepareOptions {
  return {
    projectDir: REPO_ROOT,
    dataDir: process.env.EOS_REPORT_DATA ?? join(REPO_ROOT, 'reports', 'data'),
    notebooksDir: join(REPO_ROOT, 'notebooks'),
    benchFile: join(REPO_ROOT, 'reports', 'bench.md'),
    benchReport: join(REPO_ROOT, 'reports', 'bench.json'),
    findingsFile: FINDINGS_PATH,
    paperResults: join(REPO_ROOT, 'data', 'results', 'paper'),
  };
}

type Verdict = 'holds' | 'does not hold' | 'cannot tell' | 'not run';

const verdictOf = (c: ReportedClaim): Verdict => (c.profile === null ? 'not run' : c.holds === null ? 'cannot tell' : c.holds ? 'holds' : 'does not hold');

/** Verdict labels; the symbols exist in DejaVu Sans, so the PDF shows them too. */
const VERDICT_MARK: Record<Verdict, string> = {
  holds: '✓ holds',
  'does not hold': '✗ does not hold',
  'cannot tell': '? cannot tell',
  'not run': '– not run',
};

/** The experiments of the paper profile: the catalogue every chapter refers to. */
function catalogue(): ProfileEntry[] {
  return profile('paper');
}

/** Notebook slugs in chapter order. */
function notebookSlugs(): string[] {
  return [...new Set(catalogue().map((e) => e.notebook))];
}

function experimentCell(id: string): string {
  return `\`${id}\``;
}

function runCounts(d: ExperimentData): { converged: number; diverged: number; total: number } {
  const runs = d.sweeps.flatMap((s) => s.runs);
  return { converged: runs.filter((r) => r.outcome === 'converged').length, diverged: runs.filter((r) => r.outcome === 'diverged').length, total: runs.length };
}

function statusText(d: ExperimentData | undefined): string {
  if (!d) return 'not run';
  return d.status === 'complete' ? `${d.profile}` : `${d.profile} (partial: ${runsLeft(d.tasks)} runs missing)`;
}

function experimentsTable(best: Map<string, ExperimentData>, entries: ProfileEntry[], caption?: { text: string; label?: string }): string {
  const rows = entries.map((e) => {
    const d = best.get(e.experiment.id);
    const sweeps = d?.sweeps ?? [];
    const counts = d ? runCounts(d) : null;
    return [
      experimentCell(e.experiment.id),
      `@${chapterId(e.notebook)}`,
      e.figures.join(', '),
      statusText(d),
      counts ? `${counts.converged} / ${counts.diverged} / ${counts.total}` : '–',
      d ? num(d.flow.s0) : '–',
      sweeps.length ? sweeps.map((s) => `${num(s.sGF)} (ε=${s.lossGoal})`).join('; ') : '–',
      sweeps.length ? sweeps.map((s) => num(s.criticalLr)).join('; ') : '–',
      d ? duration(d.compute.flowSeconds + d.compute.gdSeconds) : '–',
    ];
  });
  return table(['experiment', 'chapter', 'paper figures', 'data (profile)', 'runs conv. / div. / all', 's0', 's_GF', 'η_c = 2/s_GF', 'compute'], rows, caption);
}

/** `titles`: chapter title per notebook slug. */
function claimsChapter(checklist: string, all: ReportedClaim[], titles: ReadonlyMap<string, string>): string {
  // The report-only checks (paper-profile experiments no notebook shows) appear through the checklist.
  const claims = all.filter((c): c is ReportedClaim & { notebook: string } => c.notebook !== null);
  const notebooks = [...new Set(claims.map((c) => c.notebook))];
  const count = (list: ReportedClaim[], v: Verdict) => list.filter((c) => verdictOf(c) === v).length;
  const verdicts = Object.keys(VERDICT_MARK) as Verdict[];
  const overview = table(
    ['chapter', 'claims', ...verdicts.map((v) => VERDICT_MARK[v])],
    [
      ...notebooks.map((nb) => claims.filter((c) => c.notebook === nb)).map((list) => [`${titles.get(list[0].notebook) ?? list[0].notebook} (@${chapterId(list[0].notebook)})`, list.length, ...verdicts.map((v) => count(list, v))]),
      ['all', claims.length, ...verdicts.map((v) => count(claims, v))],
    ],
    { text: 'Verdicts on the paper\'s claims per chapter. *Cannot tell*: the data has too few rates in a regime, or the profile lacks an experiment; *not run*: no profile has data for the claim.', label: 'tbl-claims' },
  );
  const sections = notebooks.map((nb) => {
    const list = claims.filter((c) => c.notebook === nb);
    return [
      `### ${titles.get(nb) ?? nb} (@${chapterId(nb)})`,
      '',
      table(
        ['claim', 'paper', 'experiment', 'measured', 'verdict', 'profile'],
        list.map((c) => [c.claim, c.source, c.experiment.split(/, | or /).map(experimentCell).join(c.experiment.includes(' or ') ? ' or ' : ', '), c.measured, VERDICT_MARK[verdictOf(c)], c.profile ?? '–']),
        undefined,
        [24, 10, 14, 36, 10, 6],
      ),
    ].join('\n');
  });
  return ['## The paper\'s claims', '', checklist, '## Measured checks by chapter', '', 'The checks the claims above are judged on, with the notebooks\' tolerances.', '', overview, ...sections].join('\n\n');
}

function claimsSummary(claims: readonly PaperVerdict[]): string {
  const words = ['holds', 'does not hold', 'not run'] as const;
  const parts = words.map((v) => [v, claims.filter((c) => c.verdict === v).length] as const).filter(([, n]) => n > 0);
  return `Of the paper's ${claims.length} claims in @sec-claims: ${parts.map(([v, n]) => `${n} ${VERDICT_MARK[v]}`).join(', ')}.`;
}

/** The defaults every experiment starts from (a minimal experiment filled in by the schema). */
function defaults(): Experiment {
  return Experiment.parse({ id: 'defaults', dataset: 'none', model: { kind: 'logistic' }, loss: 'mse', lossGoals: [1] });
}

function protocolTable(): string {
  const d = defaults();
  const rows: [string, string, string][] = [
    ['sharpness estimate', 'top Hessian eigenvalue (largest algebraic) by Lanczos on exact Hessian-vector products, float64 bookkeeping, full reorthogonalisation, warm-started from the previous top eigenvector', 'ARPACK/Lanczos in PyTorch (Cohen et al.)'],
    ['Lanczos tolerance', `relative Ritz residual ≤ ${d.record.sharpnessTol}`, 'not stated'],
    ['sharpness cadence (GD)', `every ${d.record.sharpnessEvery} steps and at the end`, 'every 10 epochs'],
    ['metrics cadence (GD)', `every ${d.record.every} steps (train/test loss and accuracy, ℓ1, ℓ2, distance from init), before the update`, 'every 10 epochs'],
    ['gradient flow', `classical RK4, step h = min(${d.flow.alpha}/S, ${d.flow.maxStep}); S refreshed every ${d.flow.sharpnessEvery} RK4 steps and at every loss-goal crossing; at most ${d.flow.maxSteps} steps`, 'RK4 (Runge–Kutta 4), step rule not stated'],
    ['fine grid', `${d.grid.fine} rates k/(2 s_GF), k = ${d.grid.fineFirst}…, up to ${d.grid.fineMax}/s_GF`, '12 rates on [1/(2 s_GF), 6/s_GF]'],
    ['coarse grid', `${d.grid.coarse} rates evenly on [${d.grid.fineMax}/s_GF, 2/s0], continued with the coarse step above 2/s0 until a run fails: diverges or stalls (at most ${d.grid.extendUntilDivergence} extra rates), then ${d.grid.refine} bisection levels between the last converged and the first failed rate`, '9 rates on [6/s_GF, 2/s0], continued until divergence, refined by hand'],
    ['divergence', `training loss non-finite or above ${d.divergenceFactor}× the initial loss`, 'not stated'],
    ['stopping', `training loss below the loss goal ε, or ${d.maxSteps} steps (reported as max-steps), or parameters that recur bit for bit within ${CYCLE_WINDOW} steps (reported as stalled: deterministic GD would repeat that cycle until the step cap)`, 'loss below ε (Table 1)'],
    ['checkpoints', 'parameters when the loss first drops below each power of ten, and the flow solution at each ε (safetensors)', 'same'],
  ];
  return table(['aspect', 'this reproduction (defaults of the paper profile)', 'paper / reference code'], rows, { text: 'Protocol of appendix G as implemented.', label: 'tbl-protocol' });
}

/** A model as the tables name it: kind and the sizes that set its cost. */
function modelDescription(m: Experiment['model']): string {
  switch (m.kind) {
    case 'fcn':
      return `FCN ${m.activation} ${m.widths.join('×')} (${m.parameterization}${m.initScale !== 1 ? `, init ×${m.initScale}` : ''})`;
    case 'cnn':
      return `CNN ${m.activation} ${m.channels.join('/')}${m.batchNorm ? ' BN' : ''}`;
    case 'resnet':
      return `ResNet, widths ${m.widths.join('/')}, ${m.blocks} blocks per stage`;
    case 'vit':
      return `ViT, patch ${m.patchSize}, dim ${m.dim}, depth ${m.depth}`;
    case 'diagonal':
      return `diagonal net, α = ${m.alpha}`;
    default:
      return m.kind;
  }
}

const SETTING_FIELDS: { name: string; get: (e: Experiment) => string }[] = [
  { name: 'model', get: (e) => modelDescription(e.model) },
  { name: 'dataset', get: (e) => e.dataset },
  { name: 'loss goals', get: (e) => e.lossGoals.join(', ') },
  {
    name: 'grid',
    get: (e) => (e.grid.rates ? `rates ${e.grid.rates.join(', ')}` : `fine ${e.grid.fine} from ${e.grid.fineFirst}/(2 s_GF) to ${e.grid.fineMax}/s_GF, coarse ${e.grid.coarse}, +${e.grid.extendUntilDivergence}, refine ${e.grid.refine}`),
  },
  { name: 'record', get: (e) => `every ${e.record.every}, sharpness every ${e.record.sharpnessEvery}, tol ${e.record.sharpnessTol}` },
  { name: 'test set', get: (e) => (e.testLimit ? `first ${e.testLimit}` : 'full') },
  { name: 'max steps', get: (e) => String(e.maxSteps) },
  { name: 'flow', get: (e) => `max step ${e.flow.maxStep}, sharpness every ${e.flow.sharpnessEvery}` },
];

/** Each setting a reduced profile changes, grouped over the experiments that change it the same way. */
function profilesTable(): string {
  const paper = new Map(catalogue().map((e) => [e.experiment.id, e.experiment]));
  const rows: string[][] = [];
  for (const name of PROFILES.filter((p) => p !== 'paper')) {
    const reduced = new Map(profile(name).map((e) => [e.experiment.id, e.experiment]));
    const groups = new Map<string, { field: string; from: string; to: string; ids: string[] }>();
    for (const [id, base] of paper) {
      const r = reduced.get(id);
      if (!r) continue;
      for (const f of SETTING_FIELDS) {
        const [from, to] = [f.get(base), f.get(r)];
        if (from === to) continue;
        const key = JSON.stringify([f.name, from, to]);
        const g = groups.get(key) ?? { field: f.name, from, to, ids: [] };
        g.ids.push(id);
        groups.set(key, g);
      }
    }
    const members = (ids: string[]) => {
      if (ids.length <= reduced.size / 2) return ids.map(experimentCell).join(', ');
      const others = [...reduced.keys()].filter((id) => !ids.includes(id));
      return others.length ? `all but ${others.map(experimentCell).join(', ')}` : `all ${ids.length}`;
    };
    for (const g of groups.values()) rows.push([name, g.field, g.from, g.to, members(g.ids)]);
    const absent = [...paper.keys()].filter((id) => !reduced.has(id));
    if (absent.length) rows.push([name, 'not in this profile', '', '', absent.map(experimentCell).join(', ')]);
  }
  return table(['profile', 'setting', 'paper profile', 'reduced', 'experiments'], rows, { text: 'What the quick and smoke profiles change (read from `src/sweep/profiles.ts`).', label: 'tbl-profiles' }, [8, 10, 20, 20, 42]);
}

function paperSettingsTable(): string {
  const rows = catalogue().map((e) => {
    const x = e.experiment;
    return [experimentCell(x.id), modelDescription(x.model), x.dataset, x.loss.toUpperCase(), x.seed, x.lossGoals.join(', '), e.figures.join(', ')];
  });
  return table(['experiment', 'model', 'dataset', 'loss', 'seed', 'loss goals ε', 'paper figures'], rows, { text: 'Experiments of the paper profile.', label: 'tbl-experiments-paper' });
}

/** Per Table 1 row, the entry of the most faithful profile's data (what each profile's table1.json holds). */
function table1Best(data: ExperimentData[]): ReturnType<typeof bestTable1> {
  return bestTable1(PROFILES.map((p) => table1Entries(p, new Map(data.filter((d) => d.profile === p).map((d) => [d.experiment.id, d])))));
}

function table1Coverage(best: ReturnType<typeof bestTable1>): string {
  const rows = best.map(({ profile: p, entry: e }) => {
    const ids = experimentsForRow(TABLE1[e.row - 1]);
    const experiment = ids.length ? ids.map(experimentCell).join(', ') : 'no experiment yet';
    const agree = e.agrees === null ? '' : e.agrees ? 'same shape' : 'differs';
    return [e.row, e.setting, e.figures, e.paperMark ?? '', experiment, p ? `${p}: ${e.status}` : 'not run', e.runs || '', e.hours ? num(e.hours, 2) : '', e.ourMark ?? '', agree];
  });
  return table(['row', 'setting', 'figures', 'paper U-shape', 'experiment', 'data', 'runs', 'hours', 'our U-shape', ''], rows, { text: 'Table 1 of the paper row by row: the paper\'s U-shape mark, our experiment, the most faithful data we have for it (paper before quick, done before partial) and the U-shape measured there by the rule of @sec-methods.', label: 'tbl-table1' }, [3, 28, 10, 6, 22, 10, 4, 5, 6, 6]);
}

/** What the paper profile still costs, and how good the plan's earlier predictions were. */
function planPartial(dataDir: string): string {
  const file = join(dataDir, 'paper', PLAN_FILE);
  if (!existsSync(file)) return callout('note', 'No plan yet', '`npm run eos -- plan --profile paper --results data/results/paper` then `npm run report -- data --profile paper --results data/results/paper` put it here.');
  const plan = PlanFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const rows = plan.experiments.map((e) => [experimentCell(e.id), e.table1Rows.join(', '), e.done, e.left, e.predictable ? e.gdSteps : '?', e.predictable ? e.hvps : '?', e.predictable ? num(e.coreHoursLeft, 2) : '?', num(e.hoursDone, 2), num(e.peakRssMb), e.flowSource ?? 'no flow, no analogue']);
  const total = plan.experiments.reduce((a, e) => a + e.coreHoursLeft, 0);
  const unknown = plan.experiments.filter((e) => !e.predictable).length;
  const accuracy = plan.checks.length ? accuracyByModel(plan.checks).join(' ') : 'No run predicted beforehand has finished yet.';
  return [
    `Plan of ${plan.madeAt.slice(0, 10)} (\`npm run eos -- plan --profile paper\`): ${num(total, 3)} core-hours left on the machine that made it, ${unknown} experiments not predictable yet (no flow and no analogue). ${accuracy}`,
    '',
    table(['experiment', 'Table 1 rows', 'runs done', 'left', 'GD steps left', 'HVPs left', 'core-hours left', 'hours done', 'peak MB', 'T_GF from'], rows, { text: 'Cost plan of the paper profile: the calibrated cost per step and the step-count model of `src/sweep/cost.ts`.', label: 'tbl-plan' }),
  ].join('\n');
}

function benchPartial(file: string): string {
  if (!existsSync(file)) return callout('warning', 'Not run', 'The benchmark has not been run on this checkout: `npm run bench` writes `reports/bench.json` and `reports/bench.md`.');
  return withoutTitle(readFileSync(file, 'utf8'));
}

function findingsPartial(file: string): string {
  if (!existsSync(file)) return callout('note', 'Not written yet', '`src/theory/FINDINGS.md` (where the paper\'s text and its numbers disagree) does not exist yet.');
  // One level down: the findings are a section of the methods chapter.
  return withoutTitle(readFileSync(file, 'utf8')).replace(/^(#+)(\s)/gm, '#$1$2');
}

/** A notebook's chapter: the executed notebook, or a notice of what it will show. */
function notebookPartial(slug: string, notebooksDir: string, best: Map<string, ExperimentData>): { markdown: string; title: string } {
  const file = join(notebooksDir, `${slug}.ipynb`);
  const entries = catalogue().filter((e) => e.notebook === slug);
  if (existsSync(file)) {
    const chapter = notebookToMarkdown(JSON.parse(readFileSync(file, 'utf8')), slug);
    if (chapter.executed) return chapter;
    const [heading, ...rest] = chapter.markdown.split('\n');
    const notice = callout('warning', 'Not executed', `\`notebooks/${slug}.ipynb\` has no stored outputs: execute it headless to fill this chapter.`);
    return { title: chapter.title, markdown: [heading, '', notice, '', ...rest].join('\n') };
  }
  const title = titleFromSlug(slug);
  const notice = callout('warning', 'Not run', `The notebook \`notebooks/${slug}.ipynb\` does not exist yet, so this chapter has no figures. It will show these experiments:`);
  return { title, markdown: [`# ${title} {#${chapterId(slug)}}`, '', notice, '', experimentsTable(best, entries)].join('\n') };
}

interface Installed {
  name: string;
  version: string;
}

/** Installed package folder (packages' `exports` often hide their package.json from require.resolve). */
function packageDir(name: string): string {
  return join(REPO_ROOT, 'node_modules', name);
}

function installedVersions(names: string[]): Installed[] {
  return names.map((name) => {
    const file = join(packageDir(name), 'package.json');
    return { name, version: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'not installed' };
  });
}

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return 'not found';
  }
}

function provenancePartial(best: Map<string, ExperimentData>): string {
  const data = [...best.values()];
  const software = table(
    ['component', 'version'],
    [
      ['eos-repro', `${packageVersion()} at ${gitRevision()}`],
      ['Node.js (report build)', process.version],
      ...installedVersions(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'vega', 'vega-lite', 'vega-embed', 'zod']).map((i) => [i.name, i.version]),
      ['pandoc', toolVersion('pandoc', ['--version'])],
      ['quarto', toolVersion('quarto', ['--version'])],
    ],
    { text: 'Software of this report build.', label: 'tbl-software' },
  );

  if (data.length === 0) {
    return ['## Software', '', software, '', '## Results', '', callout('warning', 'Not run', 'No committed result summaries: run a profile (`npm run eos -- sweep --profile quick`), then `npm run report -- data --profile quick`.')].join('\n');
  }

  const envs = new Map<string, { env: ExperimentData['environments'][number]; runs: number; experiments: Set<string> }>();
  for (const d of data) {
    for (const env of d.environments) {
      const { runs, ...rest } = env;
      const key = JSON.stringify(rest);
      const seen = envs.get(key) ?? { env, runs: 0, experiments: new Set<string>() };
      seen.runs += runs;
      seen.experiments.add(d.experiment.id);
      envs.set(key, seen);
    }
  }
  const environments = table(
    ['backend', 'BLAS', 'tfjs', 'Node.js', 'package', 'git revision', 'runs', 'experiments'],
    [...envs.values()].map(({ env, runs, experiments }) => [env.backend, env.blas ? 'OpenBLAS' : 'no', env.tfjsVersion, env.node, env.packageVersion, `\`${env.gitRevision.slice(0, 12)}${env.gitRevision.endsWith('-dirty') ? '-dirty' : ''}\``, runs, experiments.size]),
    { text: "Environments the committed results were computed in (from each run's provenance).", label: 'tbl-environments' },
  );

  const perExperiment = table(
    ['experiment', 'profile', 'gradient flow', 'GD runs', 'GD time', 'HVPs', 'computed'],
    data.map((d) => [experimentCell(d.experiment.id), d.profile, duration(d.compute.flowSeconds), runCounts(d).total, duration(d.compute.gdSeconds), d.compute.hvps, `${d.compute.firstStartedAt.slice(0, 10)} – ${d.compute.lastStartedAt.slice(0, 10)}`]),
    { text: 'Compute time per experiment (wall clock of each run, summed).', label: 'tbl-compute-experiments' },
  );

  const byFigure = new Map<string, { ids: string[]; seconds: number; missing: string[] }>();
  for (const e of catalogue()) {
    for (const fig of e.figures) {
      const slot = byFigure.get(fig) ?? { ids: [], seconds: 0, missing: [] };
      const d = best.get(e.experiment.id);
      if (d) {
        slot.ids.push(e.experiment.id);
        slot.seconds += d.compute.flowSeconds + d.compute.gdSeconds;
      } else {
        slot.missing.push(e.experiment.id);
      }
      byFigure.set(fig, slot);
    }
  }
  const figureKey = (f: string) => f.replace(/^(\d+)/, (n) => n.padStart(3, '0'));
  const perFigure = table(
    ['paper figure', 'experiments with data', 'compute', 'not run'],
    [...byFigure.entries()].sort(([a], [b]) => figureKey(a).localeCompare(figureKey(b))).map(([fig, s]) => [fig, s.ids.map(experimentCell).join(', ') || '–', s.ids.length ? duration(s.seconds) : '–', s.missing.map(experimentCell).join(', ') || '–']),
    { text: 'Compute time per paper figure (an experiment shared by several figures counts for each).', label: 'tbl-compute-figures' },
  );
  const total = data.reduce((a, d) => a + d.compute.flowSeconds + d.compute.gdSeconds, 0);
  return [
    '## Software',
    '',
    software,
    '',
    '## Backends and revisions of the results',
    '',
    environments,
    '',
    '## Compute',
    '',
    `All committed results together took ${duration(total)} of wall-clock time.`,
    '',
    perExperiment,
    '',
    perFigure,
  ].join('\n');
}

/** Browser builds of Vega, Vega-Lite and vega-embed, served next to the pages (no CDN). */
const VEGA_SCRIPTS = ['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'];

/** The page script (figures.js) and the Vega builds it loads from its own folder. */
function copyFigureScripts(dir: string, templates: string): string[] {
  mkdirSync(dir, { recursive: true });
  const sources = [join(templates, 'figures.js'), ...VEGA_SCRIPTS.map((path) => join(packageDir(path.split('/')[0]), ...path.split('/').slice(1)))];
  return sources.map((source) => {
    const target = join(dir, basename(source));
    copyFileSync(source, target);
    return target;
  });
}

/**
 * Write every partial and the figure scripts into `<project>/reports/_generated/`;
 * returns the files. Stale partials are removed.
 */
export async function prepare(opts: PrepareOptions): Promise<string[]> {
  const dir = join(opts.projectDir, GENERATED);
  mkdirSync(dir, { recursive: true });
  const scripts = copyFigureScripts(join(opts.projectDir, dirname(FIGURE_SCRIPT)), join(opts.projectDir, TEMPLATES));
  const data = readReportData(opts.dataDir);
  const best = bestData(data);
  const verdictFiles = readVerdicts(opts.dataDir);
  const claims = reportedClaims(verdictFiles, data);
  const table1 = table1Best(data);
  const paper = paperVerdicts(claims, verdictFiles, table1);
  const chapters = new Map(notebookSlugs().map((slug) => [slug, notebookPartial(slug, opts.notebooksDir, best)]));
  // Appendix I draws each figure from the paper-setting results where its sweeps are complete, else from the
  // committed quick summaries (each figure's title names its profile).
  const quick = new Map(data.filter((d) => d.profile === 'quick').map((d) => [d.experiment.id, d]));
  const quickSummaries = storedLoader(
    'quick',
    (id) => {
      const d = quick.get(id);
      return d ? storedFromSummary(d) : null;
    },
    { complete: true },
  );
  const figures = await appendixFigures([committedLoader('paper', opts.paperResults), quickSummaries]);
  const partials: Record<string, string> = {
    'overview-experiments.md': experimentsTable(best, catalogue(), { text: 'Experiments, the profile their committed data comes from, and the critical learning rate they measure.', label: 'tbl-experiments' }),
    'overview-claims.md': claimsSummary(paper),
    'methods-protocol.md': protocolTable(),
    'methods-experiments.md': paperSettingsTable(),
    'methods-profiles.md': profilesTable(),
    'methods-table1.md': table1Coverage(table1),
    'appendix-i.md': appendixPartial(table1, figures, 'the committed paper-setting results (`data/results/paper`) or, until those are complete, the quick profile\'s committed summaries', posix.relative(BOOK_SOURCES, FIGURE_SCRIPT)),
    'benchmark-plan.md': planPartial(opts.dataDir),
    'methods-findings.md': findingsPartial(opts.findingsFile),
    'claims.md': claimsChapter(checklistMarkdown(paper), claims, new Map([...chapters].map(([slug, c]) => [slug, c.title]))),
    'bench.md': benchPartial(opts.benchFile),
    'benchmark-scaling.md': await scalingPartial(opts.benchReport, posix.relative(BOOK_SOURCES, FIGURE_SCRIPT)),
    'provenance.md': provenancePartial(best),
    ...Object.fromEntries([...chapters].map(([slug, c]) => [`notebook-${slug}.md`, c.markdown])),
  };
  for (const name of readdirSync(dir)) if (name.endsWith('.md') && !(name in partials)) rmSync(join(dir, name));
  const written = Object.entries(partials).map(([name, text]) => {
    const file = join(dir, name);
    writeFileAtomic(file, `${text.trim()}\n`);
    return file;
  });
  return [...written, ...scripts];
}
