/**
 * Figure registry: id -> the paper figure it reproduces, the notebook that
 * shows it, the profile experiments it needs and how to draw it from their
 * sweeps. `renderFigure` loads the sweeps through the cached API and returns
 * the finished Vega-Lite spec; `npm run figure` exports it.
 */
import { DataFileError, DataUnavailableError } from '../data/index.js';
import { profile, type ProfileEntry } from '../sweep/profiles.js';
import type { SweepSummary } from '../sweep/schema.js';
import { paperLossGoal, TABLE1, table1Row, type Table1Row } from '../sweep/table1.js';
import { classificationFigure } from './classification.js';
import { diagonalSweepFigure, figure4, PLANE_LEGEND, planeFigure, planeRates } from './diagonal.js';
import { layerNormFigure } from './layers.js';
import { modalitiesFigure } from './modalities.js';
import { measuresFigure } from './measures.js';
import { Unavailable, type SweepLoader } from './load.js';
import { fmt, topLevel, type Spec } from './spec.js';
import { columnLabel, panelGrid, sweepColumns, sweepRow, type Metric } from './sweep.js';
import { trajectoryFigure, trajectoryRates } from './trajectory.js';

export const NOTEBOOKS = ['01-regime-transition', '02-loss-thresholds', '03-initialization', '04-parameterization', '05-diagonal-net', '06-classification-toy'] as const;
export type NotebookId = (typeof NOTEBOOKS)[number];

/**
 * Experiments a figure needs: the first of `anyOf` the profile has, or every one of `allOf` it has (at least one).
 * An `optional` role may go without (its data set out of reach, not run, not in the profile): the figure is drawn
 * without it and says why.
 */
export type Use = ({ anyOf: string[] } | { allOf: string[] }) & { optional?: true };

/** Sweep summaries per role of `uses`, one summary per (experiment, loss goal). */
export type Sweeps = Record<string, SweepSummary[]>;

/** Why an optional role has no sweeps, per role. */
export type NotRun = Record<string, string>;

export interface Drawing {
  body: Spec;
  subtitle?: string | string[];
}

export interface FigureEntry {
  id: string;
  /** The figure of the paper it reproduces, e.g. "Figure 3 (left)". */
  paperFigure: string;
  title: string;
  notebook: NotebookId;
  uses: Record<string, Use>;
  /** `notRun` holds the optional roles left without sweeps (their list in `sweeps` is empty). */
  draw(sweeps: Sweeps, notRun: NotRun): Drawing;
}

/** One sweep per role; figures of one loss goal use the experiment's first. */
const first = (sweeps: Sweeps, role: string): SweepSummary => sweeps[role][0];

const label = (s: SweepSummary): string[] => columnLabel(s);

const oneSweep = (id: string, paperFigure: string, title: string, experiment: string, metrics: Metric[]): FigureEntry => ({
  id,
  paperFigure,
  title,
  notebook: '01-regime-transition',
  uses: { sweep: { anyOf: [experiment] } },
  draw: (s) => ({ body: sweepRow(first(s, 'sweep'), metrics), subtitle: label(first(s, 'sweep')) }),
});

const trajectories = (id: string, paperFigure: string, title: string, experiments: string[]): FigureEntry => ({
  id,
  paperFigure,
  title,
  notebook: '01-regime-transition',
  uses: { sweep: { anyOf: experiments } },
  draw: (s) => {
    const summary = first(s, 'sweep');
    return { body: trajectoryFigure(summary), subtitle: [...label(summary), `rates ${trajectoryRates(summary).map((lr) => fmt(lr)).join(', ')}`] };
  },
});

/** Columns of sweeps of several experiments (seeds, scales, widths), sharpness over ℓ1-norm. */
const experimentColumns = (sweeps: SweepSummary[]): Spec => sweepColumns(sweeps.map((s) => ({ summary: s, label: label(s) })), ['sharpness', 'l1']);

const MAIN_FIGURES: FigureEntry[] = [
  oneSweep('fig1a', 'Figure 1 (left)', 'regime transition: sharpness and ℓ2-norm, FCN-ReLU, CIFAR-10-5k, MSE', 'fcn-relu-cifar5k-mse', ['sharpness', 'l2']),
  oneSweep('fig1b', 'Figure 1 (middle)', 'regime transition: sharpness and ℓ2-norm, FCN-ReLU, MNIST, MSE', 'fcn-relu-mnist-mse', ['sharpness', 'l2']),
  oneSweep('fig1c', 'Figure 1 (right)', 'regime transition: sharpness and ℓ2-norm, ViT, MNIST-5k, CE', 'vit-relu-mnist5k-ce', ['sharpness', 'l2']),
  oneSweep('fig3a', 'Figure 3 (left)', 'sharpness, nuclear norm and test loss, FCN-ReLU, MNIST-5k, MSE', 'fcn-relu-mnist5k-mse', ['sharpness', 'nuclear', 'testLoss']),
  oneSweep('fig3b', 'Figure 3 (middle)', 'sharpness, nuclear norm and test loss, FCN-ReLU, CIFAR-10-5k, CE', 'fcn-relu-cifar5k-ce', ['sharpness', 'nuclear', 'testLoss']),
  oneSweep('fig3c', 'Figure 3 (right)', 'sharpness, nuclear norm and test loss, FCN-ReLU, CIFAR-10-5k, MSE', 'fcn-relu-cifar5k-mse', ['sharpness', 'nuclear', 'testLoss']),
  {
    id: 'fig9',
    paperFigure: 'Figure 9',
    title: 'ℓ1, nuclear and ℓ2 norms of the final solutions (top: CIFAR-10-5k, bottom: MNIST-5k; FCN-ReLU, MSE)',
    notebook: '01-regime-transition',
    uses: { cifar: { anyOf: ['fcn-relu-cifar5k-mse'] }, mnist: { anyOf: ['fcn-relu-mnist5k-mse'] } },
    draw: (s) => ({ body: panelGrid([first(s, 'cifar'), first(s, 'mnist')].map((summary) => (['l1', 'nuclear', 'l2'] as const).map((metric, k) => ({ summary, metric, title: k === 0 ? label(summary) : '' })))) }),
  },
  {
    id: 'fig10',
    paperFigure: 'Figure 10',
    title: 'sharpness measures of the final solutions (FCN-ReLU, CIFAR-10-5k)',
    notebook: '01-regime-transition',
    uses: {
      mse: { anyOf: ['fcn-relu-cifar5k-mse-goal1e-1', 'fcn-relu-cifar5k-mse'] },
      scaled: { anyOf: ['fcn-relu-cifar5k-mse-init5'] },
      ce: { anyOf: ['fcn-relu-cifar5k-ce'] },
    },
    draw: (s) => ({
      body: measuresFigure(
        (
          [
            ['mse', 'MSE, standard init'],
            ['scaled', 'MSE, init ×5'],
            ['ce', 'CE, standard init'],
          ] as const
        ).map(([role, name]) => ({ summary: first(s, role), label: [name, ...label(first(s, role))] })),
      ),
      subtitle: ['rows: top Hessian eigenvalue, Hessian trace, average- and worst-case adaptive sharpness (Kwon et al. 2021),', 'top eigenvalue and trace of the Fisher information (Gauss-Newton matrix); bars: ±2 standard errors'],
    }),
  },
  {
    id: 'fig11',
    paperFigure: 'Figure 11',
    title: 'ℓ1-distance of the GD solution from the GF solution ((a) CIFAR-10-5k, (b) MNIST-5k; FCN-ReLU, MSE)',
    notebook: '01-regime-transition',
    uses: { cifar: { anyOf: ['fcn-relu-cifar5k-mse'] }, mnist: { anyOf: ['fcn-relu-mnist5k-mse'] } },
    draw: (s) => ({ body: panelGrid([[first(s, 'cifar'), first(s, 'mnist')].map((summary, k) => ({ summary, metric: 'distanceFromFlow', title: [`(${'ab'[k]}) ${summary.experiment.id}`, label(summary)[1]] }))]) }),
  },
  {
    id: 'fig12',
    paperFigure: 'Figure 12',
    title: 'ℓ1-distance from initialisation (top) and ℓ1-norm (bottom) of the final solutions',
    notebook: '01-regime-transition',
    uses: { cifar: { anyOf: ['fcn-relu-cifar5k-mse'] }, mnist: { anyOf: ['fcn-relu-mnist5k-mse'] } },
    draw: (s) => {
      const summaries = [first(s, 'cifar'), first(s, 'mnist')];
      return { body: panelGrid((['distanceFromInit', 'l1'] as const).map((metric, m) => summaries.map((summary) => ({ summary, metric, title: m === 0 ? label(summary) : '' })))) };
    },
  },
  {
    id: 'fig17',
    paperFigure: 'Figure 17',
    title: 'other data modalities: breast cancer (CE), California housing (MSE), sequence reversal (transformer, CE)',
    notebook: '01-regime-transition',
    uses: {
      breastCancer: { anyOf: ['fcn-relu-breastcancer-ce'] },
      california: { anyOf: ['fcn-relu-california-mse'], optional: true },
      reversal: { anyOf: ['transformer-reversal-ce'] },
    },
    draw: (s, notRun) => ({ body: modalitiesFigure(['breastCancer', 'california', 'reversal'].map((role) => ({ name: FIGURE17_DATA[role], summary: s[role][0], notRun: notRun[role] }))) }),
  },
  {
    id: 'fig5',
    paperFigure: 'Figure 5',
    title: 'CNN configurations: (a) CNN-ReLU, MNIST-5k, MSE; (b) CNN-ReLU, MNIST, MSE; (c) CNN-ReLU BN, CIFAR-10-5k, CE',
    notebook: '01-regime-transition',
    uses: { a: { anyOf: ['cnn-relu-mnist5k-mse'] }, b: { anyOf: ['cnn-relu-mnist-mse'] }, c: { anyOf: ['cnn-bn-relu-cifar5k-ce'] } },
    draw: (s) => ({ body: experimentColumns([first(s, 'a'), first(s, 'b'), first(s, 'c')]) }),
  },
  trajectories('fig13a', 'Figure 13a', 'evolution during training in intrinsic time, MSE (FCN-ReLU, MNIST-5k)', ['fcn-relu-mnist5k-mse-goal1e-2', 'fcn-relu-mnist5k-mse']),
  trajectories('fig13b', 'Figure 13b', 'evolution during training in intrinsic time, CE (FCN-ReLU, MNIST-5k)', ['fcn-relu-mnist5k-ce']),
  {
    id: 'fig14',
    paperFigure: 'Figure 14',
    title: 'per-layer norms of the final solutions, minus their value at the smallest learning rate',
    notebook: '01-regime-transition',
    uses: { mnist: { anyOf: ['fcn-relu-mnist5k-mse'] }, cifar: { anyOf: ['fcn-relu-cifar5k-ce'] } },
    draw: (s) => ({
      body: layerNormFigure([
        { summary: first(s, 'mnist'), norm: 'l2', title: '(a) MNIST-5k, MSE, ℓ2' },
        { summary: first(s, 'mnist'), norm: 'l1', title: '(b) MNIST-5k, MSE, ℓ1' },
        { summary: first(s, 'cifar'), norm: 'l2', title: '(c) CIFAR-10-5k, CE, ℓ2' },
      ]),
    }),
  },
  {
    id: 'fig2',
    paperFigure: 'Figure 2',
    title: 'sharpness and ℓ1-norm for three loss thresholds ε, equal axis scales (FCN-tanh, CIFAR-10-5k, MSE)',
    notebook: '02-loss-thresholds',
    uses: { sweep: { anyOf: ['fcn-tanh-cifar5k-mse'] } },
    draw: (s) => {
      const byGoal = [...s.sweep].sort((a, b) => b.lossGoal - a.lossGoal);
      return { body: sweepColumns(byGoal.map((summary) => ({ summary, label: `ε = ${fmt(summary.lossGoal)}: η_c = ${fmt(summary.criticalLr)}` })), ['sharpness', 'l1'], { shareY: true }) };
    },
  },
  {
    id: 'fig6',
    paperFigure: 'Figure 6',
    title: 'initialisation seed 43, seed 44 and scale ×5 (FCN-ReLU, CIFAR-10-5k, MSE)',
    notebook: '03-initialization',
    uses: { seed43: { anyOf: ['fcn-relu-cifar5k-mse-seed43', 'fcn-relu-cifar5k-mse'] }, seed44: { anyOf: ['fcn-relu-cifar5k-mse-seed44'] }, scaled: { anyOf: ['fcn-relu-cifar5k-mse-init5'] } },
    draw: (s) => ({ body: experimentColumns([first(s, 'seed43'), first(s, 'seed44'), first(s, 'scaled')]) }),
  },
  {
    id: 'fig60',
    paperFigure: 'Figure 60',
    title: 'initialisation seed 45 (FCN-ReLU, CIFAR-10-5k, MSE)',
    notebook: '03-initialization',
    uses: { sweep: { anyOf: ['fcn-relu-cifar5k-mse-seed45'] } },
    draw: (s) => ({ body: sweepRow(first(s, 'sweep'), ['sharpness', 'l1', 'testLoss']), subtitle: label(first(s, 'sweep')) }),
  },
  {
    id: 'fig63',
    paperFigure: 'Figure 63',
    title: 'initialisation scale ×10 (FCN-ReLU, CIFAR-10-5k, CE)',
    notebook: '03-initialization',
    uses: { sweep: { anyOf: ['fcn-relu-cifar5k-ce-init10'] } },
    draw: (s) => ({ body: sweepRow(first(s, 'sweep'), ['sharpness', 'l1', 'testLoss']), subtitle: label(first(s, 'sweep')) }),
  },
  {
    id: 'fig7',
    paperFigure: 'Figure 7',
    title: 'μP parameterisation, widths 100, 200, 400 (FCN-ReLU, MNIST-5k, MSE)',
    notebook: '04-parameterization',
    uses: { widths: { allOf: ['fcn-relu-mnist5k-mse-mup100', 'fcn-relu-mnist5k-mse-mup200', 'fcn-relu-mnist5k-mse-mup400'] } },
    draw: (s) => ({ body: experimentColumns(s.widths) }),
  },
  {
    id: 'fig8',
    paperFigure: 'Figure 8',
    title: 'kernel (NTK) parameterisation, widths 200, 400, 600 (FCN-ReLU, MNIST-5k, MSE)',
    notebook: '04-parameterization',
    uses: { widths: { allOf: ['fcn-relu-mnist5k-mse-ntk200', 'fcn-relu-mnist5k-mse-ntk400', 'fcn-relu-mnist5k-mse-ntk600'] } },
    draw: (s) => ({ body: experimentColumns(s.widths) }),
  },
  {
    id: 'fig4',
    paperFigure: 'Figure 4 (b-f)',
    title: 'diagonal network: GD iterates for four learning rates and the generalisation error',
    notebook: '05-diagonal-net',
    uses: { sweep: { anyOf: ['diagonal-2d'] } },
    draw: (s) => ({ body: figure4(first(s, 'sweep')), subtitle: PLANE_LEGEND }),
  },
  {
    id: 'fig15',
    paperFigure: 'Figure 15',
    title: 'diagonal network: final sharpness, ℓ1-norm with the predicted line, generalisation error',
    notebook: '05-diagonal-net',
    uses: { sweep: { anyOf: ['diagonal-2d'] } },
    draw: (s) => ({ body: diagonalSweepFigure(first(s, 'sweep')), subtitle: [...label(first(s, 'sweep')), 'final values of float64 GD at the sweep\'s rates, the runs Figure 16 draws; generalisation error: the exact risk of Lemma E.1'] }),
  },
  {
    id: 'fig16',
    paperFigure: 'Figure 16',
    title: 'diagonal network: GD iterates for increasing learning rates',
    notebook: '05-diagonal-net',
    uses: { sweep: { anyOf: ['diagonal-2d'] } },
    draw: (s) => ({ body: planeFigure(first(s, 'sweep'), planeRates(first(s, 'sweep')), { cells: 24 }), subtitle: PLANE_LEGEND }),
  },
  {
    id: 'figF',
    paperFigure: 'Appendix F (Theorem F.1; no figure in the paper)',
    title: 'classification toy: sharpness, direction and test error of the GD classifier',
    notebook: '06-classification-toy',
    uses: { sweep: { anyOf: ['logistic-two-point'] } },
    draw: (s) => ({ body: classificationFigure(first(s, 'sweep')), subtitle: label(first(s, 'sweep')) }),
  },
];

const FIGURE17_DATA: Record<string, string> = { breastCancer: 'breast cancer', california: 'California housing', reversal: 'sequence reversal' };

/** The appendix I figure of a row: the first of its figures numbered 18-79, else its first. */
function appendixFigure(r: Table1Row): string {
  const figures = r.figures.split(',');
  return figures.find((f) => Number(f) >= 18 && Number(f) <= 79) ?? figures[0];
}

/** The paper-profile experiment of a Table 1 row, if we have one. */
const rowExperiment = (r: Table1Row, paper: readonly ProfileEntry[]): ProfileEntry | undefined => paper.find((e) => e.experiment.lossGoals.some((g) => table1Row(e.experiment, g) === r));

/** The sweep of role `sweep` at a row's loss goal (the experiment may have several goals, e.g. Figure 2's). */
function rowSweep(s: Sweeps, r: Table1Row): SweepSummary {
  const summary = s.sweep.find((x) => paperLossGoal(x.experiment, x.lossGoal) === r.lossGoal);
  if (!summary) throw new Unavailable(`${s.sweep[0].experiment.id} has no sweep at the goal of row ${r.row}`);
  return summary;
}

/**
 * Appendix I, one figure per Table 1 row with an experiment: the fine grid (top)
 * and the coarse grid (bottom) of the row's loss goal, each with sharpness (2/η
 * curve, maximum during training, the flow's value), ℓ1-norm and test loss.
 */
function appendixRow(r: Table1Row, paper: readonly ProfileEntry[]): FigureEntry[] {
  const entry = rowExperiment(r, paper);
  if (!entry) return [];
  return [
    {
      id: `row${r.row}`,
      paperFigure: `Figure ${appendixFigure(r)} (Table 1 row ${r.row})`,
      title: `${r.model}, ${r.dataset}, ${r.loss}, seed ${r.seed}${r.initScale === 1 ? '' : ` ×${r.initScale}`}, loss goal ${r.lossGoal}: fine grid (top), coarse grid (bottom)`,
      notebook: entry.notebook as NotebookId,
      uses: { sweep: { anyOf: [entry.experiment.id] } },
      draw: (s) => {
        const summary = rowSweep(s, r);
        const edge = (summary.experiment.grid.fineMax / summary.sGF) * (1 + 1e-9);
        const fine = { ...summary, runs: summary.runs.filter((x) => x.lr <= edge) };
        const coarse = { ...summary, runs: summary.runs.filter((x) => x.lr >= edge / (1 + 2e-9)) };
        const cells = (part: SweepSummary, name: string) => (['sharpness', 'l1', 'testLoss'] as const).map((metric, k) => ({ summary: part, metric, title: k === 0 ? [`${name} grid`, ...label(summary)] : '' }));
        return { body: panelGrid([cells(fine, 'fine'), cells(coarse, 'coarse')]) };
      },
    },
  ];
}

/** A subsection of appendix I.8: the same panels for eight Table 1 configurations, one figure each. */
export interface FurtherProperty {
  section: string;
  /** The subsection's heading in the paper. */
  heading: string;
  figures: FigureEntry[];
}

/**
 * Appendix I.8, one row of panels over the learning rate per configuration:
 * I.8.1 the ℓ1, nuclear and ℓ2 norms of the final solutions (as Figure 9) and
 * their ℓ1-distance from the GF solution (as Figure 11); I.8.2 the GD steps to
 * the loss goal (appendix H.8) and the test accuracy. Figures `first` to
 * `first + 7`, each of the Table 1 row that lists it.
 */
function furtherProperty(section: string, heading: string, first: number, metrics: Metric[], paper: readonly ProfileEntry[]): FurtherProperty {
  const figures = Array.from({ length: 8 }, (_, k) => first + k).flatMap((n): FigureEntry[] => {
    const r = TABLE1.find((row) => row.figures.split(',').map(Number).includes(n));
    const entry = r && rowExperiment(r, paper);
    if (!r || !entry) return [];
    return [
      {
        id: `fig${n}`,
        paperFigure: `Figure ${n}`,
        title: `${heading}: ${r.model}, ${r.dataset}, ${r.loss}, train loss ${r.lossGoal}`,
        notebook: entry.notebook as NotebookId,
        uses: { sweep: { anyOf: [entry.experiment.id] } },
        draw: (s) => {
          const summary = rowSweep(s, r);
          return { body: sweepRow(summary, metrics), subtitle: label(summary) };
        },
      },
    ];
  });
  return { section, heading, figures };
}

const PAPER = profile('paper');

export const FURTHER_PROPERTIES: readonly FurtherProperty[] = [
  furtherProperty('I.8.1', 'alternative norms and distance from GF solution', 64, ['l1', 'nuclear', 'l2', 'distanceFromFlow'], PAPER),
  furtherProperty('I.8.2', 'convergence speed and test accuracy', 72, ['steps', 'testAccuracy'], PAPER),
];

export const FIGURES: FigureEntry[] = [...MAIN_FIGURES, ...TABLE1.flatMap((r) => appendixRow(r, PAPER)), ...FURTHER_PROPERTIES.flatMap((p) => p.figures)];

export function findFigure(id: string): FigureEntry {
  const entry = FIGURES.find((f) => f.id === id);
  if (!entry) throw new Error(`unknown figure '${id}'; \`npm run figure -- --list\` lists them`);
  return entry;
}

/** The experiment ids a figure (or claim) uses in a profile (role -> ids), and the roles the profile cannot serve. */
export function resolveUses(entry: { uses: Record<string, Use> }, has: (id: string) => boolean): { ids: Record<string, string[]>; missing: string[] } {
  const ids: Record<string, string[]> = {};
  const missing: string[] = [];
  for (const [role, use] of Object.entries(entry.uses)) {
    const present = 'anyOf' in use ? use.anyOf.filter(has).slice(0, 1) : use.allOf.filter(has);
    if (present.length === 0) missing.push('anyOf' in use ? use.anyOf.join(' or ') : use.allOf.join(', '));
    ids[role] = present;
  }
  return { ids, missing };
}

/** The sweeps of every role of `uses`, from the loader's cache. */
export async function loadUses(what: string, uses: Record<string, Use>, loader: SweepLoader): Promise<Sweeps> {
  const { ids, missing } = resolveUses({ uses }, (id) => loader.has(id));
  if (missing.length > 0) throw new Unavailable(`${what} needs ${missing.join('; ')}, not in profile '${loader.profile}'`);
  const sweeps: Sweeps = {};
  for (const [role, list] of Object.entries(ids)) {
    sweeps[role] = [];
    for (const id of list) sweeps[role].push(...(await loader.sweeps(id)));
    // A loss goal the gradient flow never reached has no sweep.
    if (sweeps[role].length === 0) throw new Unavailable(`${what}: the gradient flow of ${list.join(', ')} never reached its loss goal`);
  }
  return sweeps;
}

/** Errors that mean an experiment has no results here: not run, not in the profile, its data set absent. */
export function notHere(err: unknown): boolean {
  return err instanceof Unavailable || err instanceof DataUnavailableError || (err instanceof DataFileError && err.problem === 'missing');
}

/** The sweeps of a figure: every required role, and each optional role it can have (else why not). */
async function loadFigureUses(entry: FigureEntry, loader: SweepLoader): Promise<{ sweeps: Sweeps; notRun: NotRun }> {
  const roles = Object.entries(entry.uses);
  const sweeps = await loadUses(entry.id, Object.fromEntries(roles.filter(([, use]) => !use.optional)), loader);
  const notRun: NotRun = {};
  for (const [role, use] of roles.filter(([, u]) => u.optional)) {
    try {
      Object.assign(sweeps, await loadUses(entry.id, { [role]: use }, loader));
    } catch (err) {
      if (!notHere(err)) throw err;
      sweeps[role] = [];
      notRun[role] = (err as Error).message;
    }
  }
  return { sweeps, notRun };
}

/** The finished spec of a figure, from the loader's (cached) sweeps. */
export async function renderFigure(entry: FigureEntry, loader: SweepLoader): Promise<Spec> {
  const { sweeps, notRun } = await loadFigureUses(entry, loader);
  const { body, subtitle } = entry.draw(sweeps, notRun);
  // Each figure says which profile's results it draws (the book mixes paper and quick).
  return topLevel(`${entry.paperFigure}: ${entry.title} (${loader.profile} profile)`, body, subtitle);
}
