/**
 * The classification toy of appendix F: a linear classifier (w̃, b) trained by
 * GD with the logistic loss on x̃1 = 0 (label 0) and x̃2 on the unit sphere
 * (label 1), tested on the cluster g/||g||, g ~ N(mu, I). Theorem F.1: the
 * max-margin direction has b/||w̃|| = -1/2, the sharpness minimiser b = 0, and
 * the latter generalises better for small ||mu||. Panels versus eta: final
 * sharpness, the normalised bias |b|/||w̃|| of the GD solution, and its test
 * error against the expected errors of both classifiers.
 */
import type { GdResult, SweepSummary } from '../sweep/schema.js';
import { classifierGeneralizationError, dot, maxMarginClassifier, sharpnessMinimizingClassifier, type LinearClassifier, type ToyClassifier } from '../theory/index.js';
import { Rng } from '../util/random.js';
import { SERIES, seriesColour, type Spec } from './spec.js';
import { lrSelection, sweepPanel } from './sweep.js';

/** mu of a `two-point:<d>:<muNorm>[:<seed>]` experiment: ||mu|| along the first axis, as src/sweep/problem.ts builds it. */
export function clusterMean(summary: SweepSummary): Float64Array {
  const [kind, d, muNorm] = summary.experiment.dataset.split(':');
  if (kind !== 'two-point') throw new Error(`${summary.experiment.id} is not the two-point classification toy`);
  const mu = new Float64Array(Number(d));
  mu[0] = Number(muNorm);
  return mu;
}

/** |b| / ||w̃|| of a run's final classifier, from its per-layer norms (1/2 for max margin, 0 for minimal sharpness). */
export function normalisedBias(run: GdResult): number | null {
  const weight = run.perLayer?.find((b) => b.name === 'weight');
  const bias = run.perLayer?.find((b) => b.name === 'bias');
  return weight && bias && weight.l2 > 0 ? bias.l1 / weight.l2 : null;
}

export interface ReferenceError {
  classifier: ToyClassifier;
  label: string;
  error: number;
  standardError: number;
}

const LABELS: Record<ToyClassifier, string> = { maxMargin: 'max margin (Thm F.1 i)', minSharpness: 'min sharpness (Thm F.1 ii)' };

/** Expected test errors of the two classifiers of Theorem F.1 for the experiment's cluster (Monte Carlo, fixed seed). */
export function referenceErrors(summary: SweepSummary, samples = 20000): ReferenceError[] {
  const mu = clusterMean(summary);
  return (['maxMargin', 'minSharpness'] as const).map((classifier) => {
    const r = classifierGeneralizationError(classifier, mu, samples, new Rng(1));
    return { classifier, label: LABELS[classifier], error: r.monteCarlo, standardError: r.standardError };
  });
}

function labelledRules(name: string, values: Spec[]): Spec[] {
  const encoding: Spec = { y: { field: 'value', type: 'quantitative' }, color: seriesColour(SERIES.predicted), tooltip: [{ field: 'label', title: 'line' }, { field: 'value', type: 'quantitative', format: '.4~g' }] };
  return [
    { name, data: { values }, mark: { type: 'rule', strokeDash: [6, 3], clip: true }, encoding },
    { name: `${name}-labels`, data: { values }, mark: { type: 'text', align: 'left', dx: 3, dy: -6, x: 2, fontSize: 9, clip: true }, encoding: { ...encoding, text: { field: 'label' } } },
  ];
}

export function classificationFigure(summary: SweepSummary): Spec {
  const ids = ['sharpness', 'bias', 'error'];
  // The classifiers of Theorem F.1 for any unit x̃2: their |b| / ||w̃|| does not depend on it.
  const unit = Float64Array.of(1);
  const ratio = (c: LinearClassifier): number => Math.abs(c.b) / Math.sqrt(dot(c.wTilde, c.wTilde));
  const bias = labelledRules('bias-theory', [
    { value: ratio(maxMarginClassifier(unit)), label: LABELS.maxMargin },
    { value: ratio(sharpnessMinimizingClassifier(unit)), label: LABELS.minSharpness },
  ]);
  // Room above the max-margin line (1/2) for its label; a separating classifier has |b| < ||w̃||.
  const biasTop = Math.max(0.65, 1.1 * Math.max(...summary.runs.map((r) => (r.outcome === 'diverged' ? 0 : (normalisedBias(r) ?? 0)))));
  const errors = labelledRules('error-theory', referenceErrors(summary).map((r) => ({ value: r.error, label: `E[error], ${r.label}` })));
  return {
    params: [lrSelection(ids)],
    hconcat: [
      sweepPanel(summary, { id: ids[0], metric: 'sharpness', title: 'final sharpness' }),
      sweepPanel(summary, { id: ids[1], metric: { title: '|b| / ‖w̃‖', run: normalisedBias, flow: null }, title: 'direction of the classifier', extraLayers: bias, yDomain: [0, biasTop] }),
      sweepPanel(summary, { id: ids[2], metric: { title: 'test error', run: (r) => (r.final?.testAccuracy === null || r.final === null ? null : 1 - r.final.testAccuracy), flow: summary.flowFinal.testAccuracy === null ? null : 1 - summary.flowFinal.testAccuracy }, title: 'generalisation', extraLayers: errors }),
    ],
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}
