/**
 * Profiles: which experiments each notebook needs, at three costs.
 *  - paper: the configurations of Table 1 at the paper's settings;
 *  - quick: every section and every Table 1 row at reduced cost (500 CIFAR-10 / 1000 MNIST training
 *    samples for the figures of the main text, 256 for the other rows; looser loss goals, fewer rates
 *    from 1/s_GF up, sparser sharpness) — the default of the README;
 *  - smoke: the whole pipeline on tiny subsets in a couple of minutes (CI).
 * Experiments are plain data; the paper's setting is written once and each
 * profile states only what it changes.
 */
import { Experiment, type ExperimentInput } from './schema.js';

export const PROFILES = ['smoke', 'quick', 'paper'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface ProfileEntry {
  experiment: Experiment;
  /** Notebook that shows it, e.g. `01-regime-transition`. */
  notebook: string;
  /** Paper figures it reproduces. */
  figures: string[];
  /** Its data set may be out of reach (no shared copy, no internet): a whole-profile sweep then leaves it out instead of failing. */
  optionalData?: true;
}

interface Base {
  notebook: string;
  figures: string[];
  optionalData?: true;
  experiment: ExperimentInput;
  /** Per-profile overrides; a profile missing here does not include the experiment. */
  quick?: Partial<ExperimentInput>;
  smoke?: Partial<ExperimentInput>;
}

const fcn = (activation: 'relu' | 'tanh', extra: object = {}) => ({ kind: 'fcn' as const, widths: [200, 200], activation, ...extra });

/** Datasets as experiment ids write them: `mnist-5k` -> `mnist5k`, `cifar10-5k` -> `cifar5k`. */
const short = (dataset: string): string => dataset.replace(/(10)?-5k$/, '5k');

const QUICK_GRID = { fine: 5, fineFirst: 2, fineMax: 3, coarse: 4, extendUntilDivergence: 3, refine: 1 };
const SMOKE_GRID = { fine: 2, coarse: 2, extendUntilDivergence: 1, refine: 0 };
const QUICK_RECORD = { every: 10, sharpnessEvery: 20 };
// Figure 13 draws sharpness along runs of ~100-300 steps, and the muP / NTK runs last 16-150 steps (their
// maximum sharpness, Figures 7 and 8, would otherwise be one of a few samples): sample densely there.
const TRAJECTORY_RECORD = { every: 5, sharpnessEvery: 5 };
const SMOKE_RECORD = { every: 5, sharpnessEvery: 10, sharpnessTol: 1e-2 };
// Rates just below divergence can oscillate for thousands of steps without converging: quick stops them (outcome max-steps).
const quickImage = (dataset: string, goals: number[]): Partial<ExperimentInput> => ({ dataset, lossGoals: goals, testLimit: 2000, grid: QUICK_GRID, record: QUICK_RECORD, maxSteps: 4000 });
// muP/NTK sharpness is 1e-3-1e-2: at the default cap of 1 on the RK4 step the muP-100 flow took 26 241 steps (48 CPU
// minutes). At cap 50, h s stays below 0.35, under the h s = alpha = 1 every flow takes at its sharpest; it took 525
// steps, s_GF agreed to 4e-7 and T_GF to 0.03% (the goal is crossed within one step), the solution to 1e-4 in l2.
const WIDE_FLOW = { maxStep: 50 };
// Figure 10's curvature measures at each final iterate (defaults of MeasuresSpec; not part of the run keys).
const FIGURE10_MEASURES = {};
// Smoke checks the pipeline: few probes and ascent steps.
const SMOKE_MEASURES = { traceSamples: 4, averageSamples: 4, worstSteps: 5, fisherTol: 1e-2 };
const smokeImage = (dataset: string): Partial<ExperimentInput> => ({ dataset, lossGoals: [0.2], testLimit: 200, grid: SMOKE_GRID, record: SMOKE_RECORD, maxSteps: 2000 });
// The other Table 1 rows at quick (appendix I in the book): 256 training images, three fine rates 1/s_GF .. 2/s_GF
// below the transition and three coarse ones above it (the least that shows a U or an extreme), sparse sharpness.
// Six extension rates: a cross-entropy row whose sharpness peaks at initialisation (s_GF = s0) has no coarse
// interval, and its EoS regime starts only above 2/s0.
const APPENDIX_GRID = { fine: 3, fineFirst: 2, fineMax: 2, coarse: 3, extendUntilDivergence: 6, refine: 0 };
// Loss goals at most this small: 256 images reach an MSE of 1e-2 in a few hundred steps, cross-entropy 1e-1.
const APPENDIX_GOAL_FLOOR = { mse: 1e-2, ce: 1e-1 } as const;
const appendixQuick = (dataset: string, loss: 'mse' | 'ce', goal: number, samples = 256): Partial<ExperimentInput> => ({
  dataset: `${dataset}:${samples}`,
  lossGoals: [Math.max(goal, APPENDIX_GOAL_FLOOR[loss])],
  testLimit: 1000,
  grid: APPENDIX_GRID,
  record: { every: 10, sharpnessEvery: 50 },
  maxSteps: 3000,
});

/** Table 1 rows 45-48 (appendix H.2): id, data set, model, the paper's goal, figures, quick's training images and (where the paper's goal is out of quick's reach) quick's goal. */
const HEAVY_ROWS: [string, string, ExperimentInput['model'], number, string[], number, number?][] = [
  ['cnn-bn-relu-cifar5k-ce', 'cifar10-5k', { kind: 'cnn', activation: 'relu', batchNorm: true }, 1e-2, ['5c', '33'], 64],
  // The ViT's sharpness passes 2000 along the flow (loss 0.29 at flow time 0.5): quick stops at loss 0.3.
  ['vit-relu-mnist5k-ce', 'mnist-5k', { kind: 'vit' }, 1e-1, ['1c', '34'], 64, 0.3],
  ['vit-relu-cifar5k-ce', 'cifar10-5k', { kind: 'vit', patchSize: 4, dim: 128, depth: 6, heads: 4 }, 1, ['35'], 32],
  // ResNet-20 keeps its batch-norm statistics in one chunk up to 15 images (src/models/resnet.ts); the exact
  // chunked path beyond re-runs the network once per batch-norm layer, ~25x slower here. Its sharpness passes 500
  // by flow time 0.2 (loss 0.56): quick stops at loss 0.5, where a GD run takes minutes, not an hour.
  ['resnet20-relu-cifar5k-ce', 'cifar10-5k', { kind: 'resnet' }, 1e-1, ['36'], 15, 0.5],
];

const BASES: Base[] = [
  {
    notebook: '01-regime-transition',
    figures: ['3a', '9', '11b', '12', '14a', '14b'],
    experiment: { id: 'fcn-relu-mnist5k-mse', dataset: 'mnist-5k', model: fcn('relu'), loss: 'mse', lossGoals: [1e-4] },
    quick: { ...quickImage('mnist-5k:1000', [5e-2]), record: TRAJECTORY_RECORD },
    smoke: smokeImage('mnist-5k:64'),
  },
  {
    notebook: '01-regime-transition',
    figures: ['1a', '3c', '9', '10', '11a', '12'],
    experiment: { id: 'fcn-relu-cifar5k-mse', dataset: 'cifar10-5k', model: fcn('relu'), loss: 'mse', lossGoals: [1e-4], measures: FIGURE10_MEASURES },
    quick: quickImage('cifar10-5k:500', [5e-2]),
    smoke: { ...smokeImage('cifar10-5k:64'), measures: SMOKE_MEASURES },
  },
  {
    notebook: '01-regime-transition',
    figures: ['3b', '10', '14c'],
    experiment: { id: 'fcn-relu-cifar5k-ce', dataset: 'cifar10-5k', model: fcn('relu'), loss: 'ce', lossGoals: [1e-2], measures: FIGURE10_MEASURES },
    quick: quickImage('cifar10-5k:500', [1e-1]),
    smoke: { ...smokeImage('cifar10-5k:64'), measures: SMOKE_MEASURES },
  },
  {
    notebook: '01-regime-transition',
    figures: ['13a'],
    experiment: { id: 'fcn-relu-mnist5k-mse-goal1e-2', dataset: 'mnist-5k', model: fcn('relu'), loss: 'mse', lossGoals: [1e-2], record: { every: 10, sharpnessEvery: 10 } },
    quick: { ...appendixQuick('mnist-5k', 'mse', 1e-2), record: TRAJECTORY_RECORD },
  },
  {
    notebook: '01-regime-transition',
    figures: ['13b'],
    experiment: { id: 'fcn-relu-mnist5k-ce', dataset: 'mnist-5k', model: fcn('relu'), loss: 'ce', lossGoals: [1e-2], record: { every: 10, sharpnessEvery: 10 } },
    quick: { ...quickImage('mnist-5k:1000', [1e-1]), record: TRAJECTORY_RECORD },
  },
  // Table 1 rows 4, 6, 10, 15, 35 and 36.
  ...(
    [
      ['01-regime-transition', '53', 'relu', 'mnist-5k', 'mse', 1e-1],
      ['01-regime-transition', '54', 'relu', 'mnist-5k', 'ce', 1e-1],
      ['01-regime-transition', '57,10', 'relu', 'cifar10-5k', 'mse', 1e-1],
      ['01-regime-transition', '58', 'relu', 'cifar10-5k', 'ce', 1e-1],
      ['02-loss-thresholds', '25', 'tanh', 'mnist-5k', 'mse', 1e-1],
      ['02-loss-thresholds', '26', 'tanh', 'mnist-5k', 'ce', 1e-2],
    ] as const
  ).map(
    ([notebook, figures, activation, dataset, loss, goal]): Base => ({
      notebook,
      figures: figures.split(','),
      // The tanh rows are the only tanh MNIST-5k experiments: their ids carry no goal.
      experiment: {
        id: `fcn-${activation}-${short(dataset)}-${loss}${activation === 'tanh' ? '' : `-goal${goal.toExponential(0)}`}`,
        dataset,
        model: fcn(activation),
        loss,
        lossGoals: [goal],
        ...(figures.split(',').includes('10') ? { measures: FIGURE10_MEASURES } : {}),
      },
      quick: appendixQuick(dataset, loss, goal),
    }),
  ),
  {
    notebook: '02-loss-thresholds',
    figures: ['2a', '2b', '2c'],
    experiment: { id: 'fcn-tanh-cifar5k-mse', dataset: 'cifar10-5k', model: fcn('tanh'), loss: 'mse', lossGoals: [1e-1, 1e-2, 1e-3] },
    quick: quickImage('cifar10-5k:500', [2e-1, 1e-1, 5e-2]),
    smoke: { ...smokeImage('cifar10-5k:64'), lossGoals: [0.3, 0.2] },
  },
  ...[43, 44, 45].map(
    (seed): Base => ({
      notebook: '03-initialization',
      figures: seed === 43 ? ['6a'] : seed === 44 ? ['6b'] : ['60'],
      experiment: { id: `fcn-relu-cifar5k-mse-seed${seed}`, dataset: 'cifar10-5k', model: fcn('relu'), loss: 'mse', seed, lossGoals: [1e-2] },
      quick: quickImage('cifar10-5k:500', [5e-2]),
      smoke: seed === 43 ? undefined : smokeImage('cifar10-5k:64'),
    }),
  ),
  {
    notebook: '03-initialization',
    figures: ['6c', '10'],
    experiment: { id: 'fcn-relu-cifar5k-mse-init5', dataset: 'cifar10-5k', model: fcn('relu', { initScale: 5 }), loss: 'mse', lossGoals: [1e-1], measures: FIGURE10_MEASURES },
    quick: quickImage('cifar10-5k:500', [1e-1]),
    smoke: { ...smokeImage('cifar10-5k:64'), lossGoals: [0.5], measures: SMOKE_MEASURES },
  },
  {
    notebook: '03-initialization',
    figures: ['63'],
    experiment: { id: 'fcn-relu-cifar5k-ce-init10', dataset: 'cifar10-5k', model: fcn('relu', { initScale: 10 }), loss: 'ce', lossGoals: [1e-2] },
    quick: quickImage('cifar10-5k:500', [1e-1]),
  },
  ...[100, 200, 400].map(
    (width): Base => ({
      notebook: '04-parameterization',
      figures: ['7'],
      experiment: { id: `fcn-relu-mnist5k-mse-mup${width}`, dataset: 'mnist-5k', model: fcn('relu', { widths: [width, width], parameterization: 'mup' }), loss: 'mse', lossGoals: [1e-1], flow: WIDE_FLOW },
      quick: { ...quickImage('mnist-5k:500', [1e-1]), record: TRAJECTORY_RECORD },
      smoke: width === 100 ? smokeImage('mnist-5k:64') : undefined,
    }),
  ),
  ...[200, 400, 600].map(
    (width): Base => ({
      notebook: '04-parameterization',
      figures: ['8'],
      experiment: { id: `fcn-relu-mnist5k-mse-ntk${width}`, dataset: 'mnist-5k', model: fcn('relu', { widths: [width, width], parameterization: 'ntk' }), loss: 'mse', lossGoals: [1e-1], flow: WIDE_FLOW },
      quick: { ...quickImage('mnist-5k:500', [1e-1]), record: TRAJECTORY_RECORD },
      smoke: width === 200 ? smokeImage('mnist-5k:64') : undefined,
    }),
  ),
  // The rest of Table 1 (appendix I).
  ...([['mnist-5k', 'mse', 1e-3, '51'], ['cifar10-5k', 'mse', 1e-3, '55']] as const).map(
    ([dataset, loss, goal, figure]): Base => ({
      notebook: '02-loss-thresholds',
      figures: [figure],
      experiment: { id: `fcn-relu-${short(dataset)}-${loss}-goal1e-3`, dataset, model: fcn('relu'), loss, lossGoals: [goal] },
      quick: appendixQuick(dataset, loss, goal),
    }),
  ),
  {
    notebook: '03-initialization',
    figures: ['62'],
    experiment: { id: 'fcn-relu-cifar5k-ce-init5', dataset: 'cifar10-5k', model: fcn('relu', { initScale: 5 }), loss: 'ce', lossGoals: [1e-2] },
    quick: appendixQuick('cifar10-5k', 'ce', 1e-2),
  },
  ...([['mnist', 'mse', 1e-2, ['1b', '22']], ['mnist', 'ce', 1e-2, ['23']], ['cifar10', 'ce', 1e-1, ['24']]] as const).map(
    ([dataset, loss, goal, figures]): Base => ({
      notebook: '01-regime-transition',
      figures: [...figures],
      experiment: { id: `fcn-relu-${short(dataset)}-${loss}`, dataset, model: fcn('relu'), loss, lossGoals: [goal] },
      // Four times the images of the 5k rows' quick settings: what these rows vary is the training-set size.
      quick: appendixQuick(dataset, loss, goal, 1024),
    }),
  ),
  ...(['mnist-5k', 'cifar10-5k'] as const).flatMap((dataset) =>
    [[400, 2], [600, 2], [2000, 2], [200, 4], [200, 6], [400, 4], [600, 6]].map(
      ([width, depth], i): Base => ({
        notebook: '04-parameterization',
        figures: [String((dataset === 'mnist-5k' ? 37 : 44) + i)],
        experiment: { id: `fcn-relu-${short(dataset)}-mse-${width}x${depth}`, dataset, model: fcn('relu', { widths: Array(depth).fill(width) }), loss: 'mse', lossGoals: [1e-2] },
        quick: appendixQuick(dataset, 'mse', 1e-2),
      }),
    ),
  ),
  {
    notebook: '02-loss-thresholds',
    figures: ['28'],
    experiment: { id: 'fcn-tanh-cifar5k-ce', dataset: 'cifar10-5k', model: fcn('tanh'), loss: 'ce', lossGoals: [1e-2] },
    quick: appendixQuick('cifar10-5k', 'ce', 1e-2),
  },
  ...([['mnist-5k', 'mse', 1e-1, ['5a', '29']], ['mnist-5k', 'ce', 1e-2, ['30']], ['mnist', 'mse', 1e-1, ['5b', '31']], ['mnist', 'ce', 1e-2, ['32']]] as const).map(
    ([dataset, loss, goal, figures]): Base => ({
      notebook: '01-regime-transition',
      figures: [...figures],
      experiment: { id: `cnn-relu-${short(dataset)}-${loss}`, dataset, model: { kind: 'cnn', channels: [32, 32], activation: 'relu' }, loss, lossGoals: [goal] },
      // Convolutions cost ~30x a 200x2 FCN per image here: half the images, four times that for full MNIST.
      quick: appendixQuick(dataset, loss, goal, dataset === 'mnist' ? 512 : 128),
    }),
  ),
  // Table 1 rows 45-48: batch norm, ViT and ResNet-20 (appendix H.2), cross-entropy on the first 5000 images.
  ...HEAVY_ROWS.map(
    ([id, dataset, model, goal, figures, quickSamples, quickGoal]): Base => ({
      notebook: '01-regime-transition',
      figures,
      experiment: { id, dataset, model, loss: 'ce', lossGoals: [goal] },
      // Per-image costs of these models here (one thread): CNN-BN 3 ms, ViT 1 ms (MNIST) and 11 ms (CIFAR-10), ResNet-20 25 ms
      // per gradient; evaluating a test image costs a third of that: 500 test images, evaluated every 50 steps.
      quick: { ...appendixQuick(dataset, 'ce', quickGoal ?? goal, quickSamples), testLimit: 500, record: { every: 50, sharpnessEvery: 50 } },
    }),
  ),
  {
    notebook: '05-diagonal-net',
    figures: ['4', '15', '16'],
    experiment: {
      id: 'diagonal-2d',
      dataset: 'diagonal:2:7',
      model: { kind: 'diagonal', alpha: 0.1 },
      loss: 'mse',
      lossGoals: [1e-6],
      record: { every: 1, sharpnessEvery: 1, sharpnessTol: 1e-6 },
      flow: { maxStep: 0.05, sharpnessEvery: 1 },
      grid: { fine: 12, coarse: 9, extendUntilDivergence: 12, refine: 3 },
      maxSteps: 200000,
    },
    // Near eta_max GD can oscillate without converging (FINDINGS 4.3): cap the steps, record sparser.
    quick: { grid: { fine: 12, coarse: 9, extendUntilDivergence: 8, refine: 2 }, maxSteps: 20000, record: { every: 10, sharpnessEvery: 10, sharpnessTol: 1e-6 } },
    smoke: { grid: { fine: 3, coarse: 3, extendUntilDivergence: 6, refine: 0 }, lossGoals: [1e-4] },
  },
  // Appendix H.14 (Figure 17): other data modalities. The paper gives no loss goals, training-set sizes or
  // (tabular) losses: classification with cross-entropy, regression with MSE on the standardised target.
  {
    notebook: '01-regime-transition',
    figures: ['17'],
    experiment: { id: 'fcn-relu-breastcancer-ce', dataset: 'breast-cancer', model: fcn('relu'), loss: 'ce', lossGoals: [1e-2] },
    // Cross-entropy flattens the net along the flow (s_GF = s_0) and GD ends far below 2/η: the EoS regime starts
    // well above 2/s_GF, so the quick sweep goes on up to 8 coarse steps further until a rate diverges.
    quick: { grid: { ...QUICK_GRID, extendUntilDivergence: 8 }, record: QUICK_RECORD, maxSteps: 4000 },
    smoke: { dataset: 'breast-cancer:64', lossGoals: [2e-2], grid: SMOKE_GRID, record: SMOKE_RECORD, maxSteps: 2000 },
  },
  {
    notebook: '01-regime-transition',
    figures: ['17'],
    optionalData: true,
    experiment: { id: 'fcn-relu-california-mse', dataset: 'california-housing', model: fcn('relu'), loss: 'mse', lossGoals: [1e-1] },
    quick: { dataset: 'california-housing:1000', testLimit: 2000, lossGoals: [1e-1], grid: QUICK_GRID, record: QUICK_RECORD, maxSteps: 4000 },
    smoke: { dataset: 'california-housing:64', testLimit: 200, lossGoals: [0.2], grid: SMOKE_GRID, record: SMOKE_RECORD, maxSteps: 2000 },
  },
  {
    notebook: '01-regime-transition',
    figures: ['17'],
    experiment: { id: 'transformer-reversal-ce', dataset: 'reversal:1000:0', model: { kind: 'transformer' }, loss: 'ce', lossGoals: [1e-2], testLimit: 1000 },
    // The transformer's sharpness grows fast along the flow (progressive sharpening) and its gradients are slow here:
    // 16 sequences and a loose goal (about half a minute per GD run on 2 busy cores), no rate below 3/(2 s_GF) in smoke.
    quick: { dataset: 'reversal:16:0', testLimit: 500, lossGoals: [1.8], grid: QUICK_GRID, record: QUICK_RECORD, maxSteps: 4000 },
    smoke: { dataset: 'reversal:16:0', testLimit: 64, lossGoals: [1.8], grid: { ...SMOKE_GRID, fineFirst: 3 }, record: SMOKE_RECORD, maxSteps: 2000 },
  },
  {
    notebook: '06-classification-toy',
    figures: ['F.1'],
    experiment: {
      id: 'logistic-two-point',
      dataset: 'two-point:5:0.5:1',
      model: { kind: 'logistic' },
      loss: 'ce',
      lossGoals: [1e-2],
      record: { every: 10, sharpnessEvery: 10, sharpnessTol: 1e-6 },
      maxSteps: 200000,
    },
    quick: {},
    smoke: { lossGoals: [1e-1], grid: SMOKE_GRID },
  },
];

export function parseProfile(name: string): ProfileName {
  if (!(PROFILES as readonly string[]).includes(name)) throw new Error(`unknown profile '${name}': choose one of ${PROFILES.join(', ')}`);
  return name as ProfileName;
}

export function profile(name: string): ProfileEntry[] {
  parseProfile(name);
  return BASES.flatMap((b) => {
    const override = name === 'paper' ? {} : b[name as 'quick' | 'smoke'];
    if (override === undefined) return [];
    const merged = { ...b.experiment, ...override, record: { ...(b.experiment.record ?? {}), ...(override.record ?? {}) } };
    return [{ experiment: Experiment.parse(merged), notebook: b.notebook, figures: b.figures, ...(b.optionalData ? { optionalData: b.optionalData } : {}) }];
  });
}

export function findExperiment(profileName: string, id: string): ProfileEntry {
  const entry = profile(profileName).find((e) => e.experiment.id === id);
  if (!entry) throw new Error(`no experiment '${id}' in profile '${profileName}'; see \`eos status --profile ${profileName}\``);
  return entry;
}
