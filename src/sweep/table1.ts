/**
 * Table 1 of the paper (appendix I): every configuration the authors ran, with
 * their U-shape verdict on the test loss, and the match between a row and the
 * experiments of our profiles (through the experiment's paper-profile setting,
 * since the quick and smoke profiles change goals and dataset sizes).
 */
import { profile } from './profiles.js';
import type { Experiment } from './schema.js';

/**
 * Test loss over the learning rate: `U` = optimum at intermediate rates (✓),
 * `extreme` = optimum at an end of the range, always the large-rate end (×);
 * `tentative` marks the bracketed, "somewhat inconclusive" entries; null = no mark.
 */
export interface Table1Row {
  /** 1-48, in the paper's order. */
  row: number;
  model: string;
  dataset: string;
  loss: 'MSE' | 'CE';
  seed: number;
  initScale: number;
  lossGoal: number;
  uShape: { shape: 'U' | 'extreme'; tentative: boolean } | null;
  figures: string;
}

const U = { shape: 'U', tentative: false } as const;
const X = { shape: 'extreme', tentative: false } as const;
const U_ = { shape: 'U', tentative: true } as const;
const X_ = { shape: 'extreme', tentative: true } as const;

type Raw = [string, string, 'MSE' | 'CE', number, number, number, Table1Row['uShape'], string];

/** Transcribed from Table 1; the CNN-ReLU BN row has no U-shape mark in the paper. */
const RAW: Raw[] = [
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-4, U, '3a,13,9,11b,18,64,72'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-3, U, '51'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U, '52'],
  ['FCN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-1, U, '53'],
  ['FCN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-2, U, '19,65,73'],
  ['FCN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-1, U, '54'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-4, X, '1a,3c,9,11a,20,68,76'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-3, X, '55'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '6a,56'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-1, X_, '57,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 44, 1, 1e-2, X, '6b,59'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 45, 1, 1e-2, X, '60'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'MSE', 43, 5, 1e-1, X, '6c,61,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, U, '3b,21,69,77,10'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-1, U, '58'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 5, 1e-2, X, '62'],
  ['FCN-ReLU', 'CIFAR-10-5k', 'CE', 43, 10, 1e-2, X, '63'],
  ['FCN-ReLU', 'MNIST', 'MSE', 43, 1, 1e-2, U, '1b,22,66,74'],
  ['FCN-ReLU', 'MNIST', 'CE', 43, 1, 1e-2, U_, '23,67,75'],
  ['FCN-ReLU', 'CIFAR-10', 'CE', 43, 1, 1e-1, X, '24'],
  ['FCN-ReLU 400×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '37'],
  ['FCN-ReLU 600×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X_, '38'],
  ['FCN-ReLU 2000×2', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '39'],
  ['FCN-ReLU 200×4', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X_, '40'],
  ['FCN-ReLU 200×6', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U_, '41'],
  ['FCN-ReLU 400×4', 'MNIST-5k', 'MSE', 43, 1, 1e-2, X, '42'],
  ['FCN-ReLU 600×6', 'MNIST-5k', 'MSE', 43, 1, 1e-2, U_, '43'],
  ['FCN-ReLU 400×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '44'],
  ['FCN-ReLU 600×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '45'],
  ['FCN-ReLU 2000×2', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '46'],
  ['FCN-ReLU 200×4', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '47'],
  ['FCN-ReLU 200×6', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '48'],
  ['FCN-ReLU 400×4', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '49'],
  ['FCN-ReLU 600×6', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, U, '50'],
  ['FCN-tanh', 'MNIST-5k', 'MSE', 43, 1, 1e-1, X, '25'],
  ['FCN-tanh', 'MNIST-5k', 'CE', 43, 1, 1e-2, U_, '26'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-3, X, '2c,27,70,78'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-2, X, '2b'],
  ['FCN-tanh', 'CIFAR-10-5k', 'MSE', 43, 1, 1e-1, X_, '2a'],
  ['FCN-tanh', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, U, '28,71,79'],
  ['CNN-ReLU', 'MNIST-5k', 'MSE', 43, 1, 1e-1, U, '5a,29'],
  ['CNN-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-2, U, '30'],
  ['CNN-ReLU', 'MNIST', 'MSE', 43, 1, 1e-1, X_, '5b,31'],
  ['CNN-ReLU', 'MNIST', 'CE', 43, 1, 1e-2, U, '32'],
  ['CNN-ReLU BN', 'CIFAR-10-5k', 'CE', 43, 1, 1e-2, null, '5c,33'],
  ['ViT-ReLU', 'MNIST-5k', 'CE', 43, 1, 1e-1, U_, '1c,34'],
  ['ViT-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1, U_, '35'],
  ['ResNet20-ReLU', 'CIFAR-10-5k', 'CE', 43, 1, 1e-1, X_, '36'],
];

export const TABLE1: readonly Table1Row[] = RAW.map(([model, dataset, loss, seed, initScale, lossGoal, uShape, figures], i) => ({ row: i + 1, model, dataset, loss, seed, initScale, lossGoal, uShape, figures }));

const DATASETS: Record<string, string> = { 'mnist-5k': 'MNIST-5k', 'cifar10-5k': 'CIFAR-10-5k', mnist: 'MNIST', cifar10: 'CIFAR-10' };

/** Table 1's model label of an experiment (null for models Table 1 does not list, e.g. muP / kernel FCNs, the toy models). */
function modelLabel(e: Experiment): string | null {
  const m = e.model;
  if (m.kind === 'fcn') {
    if (m.parameterization !== 'standard') return null;
    const base = `FCN-${m.activation === 'relu' ? 'ReLU' : 'tanh'}`;
    const standardShape = m.widths.length === 2 && m.widths.every((w) => w === 200);
    return standardShape ? base : m.widths.every((w) => w === m.widths[0]) ? `${base} ${m.widths[0]}×${m.widths.length}` : null;
  }
  if (m.kind === 'cnn') return m.activation === 'relu' ? `CNN-ReLU${m.batchNorm ? ' BN' : ''}` : null;
  // The ViT's MLP blocks and ResNet-20 use ReLU (appendix H.2).
  if (m.kind === 'vit') return 'ViT-ReLU';
  if (m.kind === 'resnet') return 'ResNet20-ReLU';
  return null;
}

let paperEntries: ReturnType<typeof profile> | null = null;

/** The setting an experiment id stands for: its paper-profile configuration. */
function paperExperiment(id: string): Experiment | null {
  paperEntries ??= profile('paper');
  return paperEntries.find((p) => p.experiment.id === id)?.experiment ?? null;
}

/** The paper's loss goal that a goal of a (possibly reduced) profile stands for: same position in the goal list. */
export function paperLossGoal(e: Experiment, lossGoal: number): number | null {
  const paper = paperExperiment(e.id);
  const i = e.lossGoals.indexOf(lossGoal);
  return paper && i >= 0 && i < paper.lossGoals.length ? paper.lossGoals[i] : null;
}

/** The Table 1 row a sweep (experiment, loss goal) reproduces, if any. */
export function table1Row(e: Experiment, lossGoal: number): Table1Row | null {
  const paper = paperExperiment(e.id);
  const goal = paperLossGoal(e, lossGoal);
  if (!paper || goal === null) return null;
  const model = modelLabel(paper);
  const dataset = DATASETS[paper.dataset.split(':')[0]];
  const loss = paper.loss === 'mse' ? 'MSE' : 'CE';
  return TABLE1.find((r) => r.model === model && r.dataset === dataset && r.loss === loss && r.seed === paper.seed && r.initScale === paper.model.initScale && r.lossGoal === goal) ?? null;
}

/** Experiment ids (of the paper profile) that reproduce a row. */
export function experimentsForRow(row: Table1Row): string[] {
  paperEntries ??= profile('paper');
  return paperEntries
    .filter((p) => p.experiment.lossGoals.some((g) => table1Row(p.experiment, g) === row))
    .map((p) => p.experiment.id);
}

/** The Table 1 rows (numbers) an experiment of the paper profile reproduces, one per loss goal it matches. */
export function table1Rows(e: Experiment): number[] {
  return e.lossGoals.flatMap((g) => table1Row(e, g)?.row ?? []);
}
