/**
 * The two-dimensional diagonal network of Section 3 (Figures 4, 15, 16).
 *  - Figure 15: final sharpness, l1-norm ||w∘w||_1 = ||w||_2^2 with the line
 *    predicted from the sharpness constraint, and generalisation error versus eta;
 *  - Figures 4 / 16: GD iterates in the (w1, w2) plane over a sharpness heat map,
 *    with the solution manifold M, the sharpness bound S_L = 2/eta and the KKT
 *    points of Lemma E.1.
 * The sweep gives the final values; the iterates, which the sweep does not
 * record, come from the theory module's float64 GD on the same data point and
 * initialisation, as do all closed forms.
 */
import { sampleDiagonalRegression } from '../data/synthetic.js';
import type { GdResult, SweepSummary } from '../sweep/schema.js';
import {
  bisectRoot,
  dot,
  endToEndL1Norm,
  gaussianModelRisk,
  gradientDescent,
  gradientFlow,
  gradientFlowLimit,
  kktPoints,
  manifoldSharpness,
  minimalL1Solution,
  minimalSharpnessSolution,
  predictedL1Norm,
  sharpness,
  singlePoint,
  type RegressionData,
  type Trajectory,
} from '../theory/index.js';
import { SERIES, seriesColour, type Spec } from './spec.js';
import { lrDomainMax, lrSelection, regime, sweepPanel, type CustomQuantity } from './sweep.js';
import { rateLabel } from './trajectory.js';

/** The training point and initialisation of a `diagonal` experiment. */
export interface DiagonalSetup {
  x: Float64Array;
  y: number;
  data: RegressionData;
  w0: Float64Array;
  lossGoal: number;
  maxSteps: number;
}

/** Rebuild the data point of a `diagonal:<d>:<seed>` experiment exactly as src/sweep/problem.ts draws it. */
export function diagonalSetup(summary: SweepSummary): DiagonalSetup {
  const e = summary.experiment;
  const [kind, d, seed] = e.dataset.split(':');
  if (kind !== 'diagonal' || e.model.kind !== 'diagonal') throw new Error(`${e.id} is not a diagonal-network experiment`);
  const point = sampleDiagonalRegression(Number(d), 1, Number(seed ?? 0), { conditionNonNegative: true });
  const x = Float64Array.from(point.X);
  const y = point.y[0];
  return { x, y, data: singlePoint(x, y), w0: new Float64Array(x.length).fill(e.model.alpha * e.model.initScale), lossGoal: summary.lossGoal, maxSteps: e.maxSteps };
}

/** ||w∘w||_1 = ||w||_2^2, the l1-norm the paper uses for this network (eq. (10)). */
export const endToEndL1 = (summary: SweepSummary): CustomQuantity => ({
  title: '‖w∘w‖₁',
  run: (r) => (r.final ? r.final.l2 ** 2 : null),
  flow: summary.flowFinal.l2 ** 2,
});

/** Generalisation error: the test loss, a Monte Carlo estimate of the risk of Lemma E.1. */
const generalisation = (summary: SweepSummary): CustomQuantity => ({ title: 'test loss (risk)', run: (r) => r.final?.testLoss ?? null, flow: summary.flowFinal.testLoss });

/**
 * The predicted GD limit at rate lr: the gradient-flow limit from w0 while its
 * sharpness is below 2/lr (flow-aligned), else the point of M in the first
 * quadrant with sharpness exactly 2/lr (predictedL1Norm's EoS point), null when
 * every point of M is sharper than 2/lr. Unlike the paper's alpha -> 0 limit,
 * the flow-aligned value is the limit from the actual initialisation alpha 1,
 * which for moderate alpha lies far from the minimal-l1 solution A_l1.
 */
export function predictedLimit(setup: DiagonalSetup, lr: number): Float64Array | null {
  const flowLimit = gradientFlowLimit(setup.x, setup.y, setup.w0[0]);
  if (lr * manifoldSharpness(flowLimit, setup.x) <= 2) return flowLimit;
  return predictedL1Norm(setup.x, setup.y, lr).point;
}

/** The predicted ||w∘w||_1 and risk (Lemma E.1) of the predicted limit (Figure 15b and c), on a dense grid of rates. */
export function diagonalPredictions(setup: DiagonalSetup, lrMax: number, n = 200): { lr: number; l1: number; risk: number }[] {
  return Array.from({ length: n }, (_, i) => (lrMax * (i + 1)) / n).flatMap((lr) => {
    const w = predictedLimit(setup, lr);
    return w ? [{ lr, l1: endToEndL1Norm(w), risk: gaussianModelRisk(w) }] : [];
  });
}

function theoryLine(name: string, values: Spec[]): Spec {
  return {
    name,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: { x: { field: 'lr', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, color: seriesColour(SERIES.predicted), tooltip: [{ field: 'lr', type: 'quantitative', title: 'η', format: '.4~g' }, { field: 'value', type: 'quantitative', title: 'theory', format: '.4~g' }] },
  };
}

/** Figure 15 (from the float64 replay): final sharpness, ||w∘w||_1 with the predicted line, generalisation error (exact risk) with the predicted limit's risk. */
export function diagonalSweepFigure(sweep: SweepSummary): Spec {
  const summary = replayedSweep(sweep);
  const setup = diagonalSetup(summary);
  const predictions = diagonalPredictions(setup, lrDomainMax(summary));
  const ids = ['sharpness', 'l1', 'risk'];
  return {
    params: [lrSelection(ids)],
    hconcat: [
      sweepPanel(summary, { id: ids[0], metric: 'sharpness', title: '(a) final sharpness' }),
      sweepPanel(summary, { id: ids[1], metric: endToEndL1(summary), title: '(b) ℓ1-norm', extraLayers: [theoryLine('l1-theory', predictions.map((p) => ({ lr: p.lr, value: p.l1 })))] }),
      sweepPanel(summary, { id: ids[2], metric: generalisation(summary), title: '(c) generalisation error', extraLayers: [theoryLine('risk-theory', predictions.map((p) => ({ lr: p.lr, value: p.risk })))] }),
    ],
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}

/**
 * Keep iterates that moved at least `spacing` from the last kept one (plus the
 * last): the path's shape, oscillations included, in few points. A run that
 * keeps oscillating across the plane (no convergence within its steps) is then
 * subsampled to at most `maxPoints`, with an odd stride so that period-2
 * oscillations still alternate.
 */
export function thinPath(iterates: readonly Float64Array[], spacing: number, maxPoints = 300): readonly Float64Array[] {
  if (iterates.length === 0) return [];
  const kept = [iterates[0]];
  for (const w of iterates.slice(1)) {
    const last = kept[kept.length - 1];
    if (Math.hypot(w[0] - last[0], w[1] - last[1]) >= spacing) kept.push(w);
  }
  const end = iterates[iterates.length - 1];
  if (kept[kept.length - 1] !== end) kept.push(end);
  if (kept.length <= maxPoints) return kept;
  const stride = 2 * Math.ceil((kept.length / maxPoints - 1) / 2) + 1;
  const sampled = kept.filter((_, k) => k % stride === 0);
  if (sampled[sampled.length - 1] !== end) sampled.push(end);
  return sampled;
}

/** The point t·u on the ray u where the sharpness reaches `level` (it grows monotonically along rays from 0 when x >= 0). */
function rayCrossing(data: RegressionData, u: [number, number], level: number): number {
  const f = (t: number): number => sharpness([t * u[0], t * u[1]], data) - level;
  if (f(0) >= 0) return 0;
  let hi = 1;
  while (f(hi) < 0) hi *= 2;
  return bisectRoot(f, 0, hi);
}

export interface PlaneWindow {
  lo: number;
  hi: number;
}

/** Square window holding the manifold's first-quadrant arc and every GD path (clipped to a few manifold radii). */
export function planeWindow(setup: DiagonalSetup, paths: readonly (readonly Float64Array[])[]): PlaneWindow {
  const radius = Math.sqrt(setup.y / Math.min(...setup.x));
  let lo = 0;
  let hi = radius;
  for (const path of paths) {
    for (const w of path) {
      for (const c of w) {
        if (!(Math.abs(c) <= 2 * radius)) continue;
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
    }
  }
  const pad = 0.05 * (hi - lo);
  return { lo: lo - pad, hi: hi + pad };
}

/** The data of one (w1, w2)-plane panel. */
export interface PlaneData {
  lr: number;
  outcome: Trajectory['outcome'];
  steps: number;
  path: Spec[];
  bound: Spec[];
  kkt: Spec[];
}

export function simulate(setup: DiagonalSetup, lr: number): Trajectory {
  return gradientDescent(setup.w0, setup.data, { eta: lr, lossGoal: setup.lossGoal, maxSteps: setup.maxSteps });
}

const OUTCOME: Record<Trajectory['outcome'], GdResult['outcome']> = { converged: 'converged', diverged: 'diverged', maxSteps: 'max-steps' };

/**
 * The sweep with every run's outcome and final values recomputed by the
 * float64 replay (`simulate`) at its rate: final sharpness, ‖w‖₁, ‖w‖₂ and,
 * as the test loss, the exact risk of Lemma E.1. Figures 4, 15 and 16 all
 * draw this replay, so one rate shows the same point in each; the float32
 * sweep can stop elsewhere near the stability bound (the claims compare the
 * two: `numerical precision`).
 */
export function replayedSweep(summary: SweepSummary): SweepSummary {
  const setup = diagonalSetup(summary);
  const runs = summary.runs.map((r): GdResult => {
    const run = simulate(setup, r.lr);
    const w = run.final;
    const base = r.final ?? summary.flowFinal;
    const l1 = w.reduce((a, x) => a + Math.abs(x), 0);
    const final = run.outcome === 'diverged' ? null : { ...base, step: run.steps, time: run.steps * r.lr, trainLoss: run.finalLoss, sharpness: sharpness(w, setup.data), l1, l2: Math.sqrt(dot(w, w)), testLoss: gaussianModelRisk(w) };
    return { ...r, outcome: OUTCOME[run.outcome], steps: run.steps, divergedAt: run.outcome === 'diverged' ? run.steps : null, final, stop: null };
  });
  return { ...summary, runs };
}

function planeData(setup: DiagonalSetup, lr: number, run: Trajectory, window: PlaneWindow): PlaneData {
  const spacing = (window.hi - window.lo) / 250;
  const stepOf = new Map(run.iterates.map((w, k) => [w, run.recordedSteps[k]]));
  // A diverging path is cut where it leaves the window (resvg aborts on clipped marks with no visible part).
  const inside = (w: Float64Array): boolean => w.every((c) => c >= window.lo && c <= window.hi);
  const leaves = run.iterates.findIndex((w) => !inside(w));
  const shown = leaves < 0 ? run.iterates : run.iterates.slice(0, leaves);
  const path = thinPath(shown, spacing).map((w, k) => ({ order: k, step: stepOf.get(w) ?? null, w1: w[0], w2: w[1], what: PLANE.path.label }));
  // Every 3 degrees: a smooth curve at panel size, a third of the notebook's bytes of every degree.
  const bound = Array.from({ length: 121 }, (_, k) => {
    const angle = (2 * Math.PI * k) / 120;
    const t = rayCrossing(setup.data, [Math.cos(angle), Math.sin(angle)], 2 / lr);
    return { order: k, w1: t * Math.cos(angle), w2: t * Math.sin(angle), what: PLANE.bound.label };
  });
  const kkt = kktPoints(setup.x, setup.y, lr).map((p) => ({ w1: p.w[0], w2: p.w[1], what: PLANE.kkt.label, risk: p.risk, sharpness: p.sharpness, constraintActive: p.constraintActive ? 'yes' : 'no' }));
  return { lr, outcome: run.outcome, steps: run.steps, path, bound, kkt };
}

/** Sharpness on a grid over the window, clamped at 0 (near w = 0 the top eigenvalue is negative). */
function heatMap(setup: DiagonalSetup, window: PlaneWindow, cells: number): Spec[] {
  const h = (window.hi - window.lo) / cells;
  return Array.from({ length: cells * cells }, (_, k) => {
    const i = k % cells;
    const j = Math.floor(k / cells);
    const w1 = window.lo + (i + 0.5) * h;
    const w2 = window.lo + (j + 0.5) * h;
    return { w1: w1 - h / 2, w1end: w1 + h / 2, w2: w2 - h / 2, w2end: w2 + h / 2, sharpness: Math.max(0, sharpness([w1, w2], setup.data)) };
  });
}

/** Points of M = {x1 w1^2 + x2 w2^2 = y} (an ellipse), in drawing order. */
function manifold(setup: DiagonalSetup): Spec[] {
  const [a, b] = [Math.sqrt(setup.y / setup.x[0]), Math.sqrt(setup.y / setup.x[1])];
  return Array.from({ length: 361 }, (_, k) => ({ order: k, w1: a * Math.cos((2 * Math.PI * k) / 360), w2: b * Math.sin((2 * Math.PI * k) / 360), what: PLANE.manifold.label }));
}

/** Colours of the plane's curves and points (named in the figure's subtitle: one legend for the heat map is enough). */
const PLANE = {
  path: { colour: '#222222', label: 'GD iterates' },
  flow: { colour: '#777777', label: 'GF trajectory' },
  manifold: { colour: '#e6ab02', label: 'solution manifold M' },
  bound: { colour: '#08306b', label: 'S_L = 2/η' },
  kkt: { colour: '#7b3294', label: 'KKT point (Lemma E.1)' },
  minima: { colour: '#d95f02', label: 'minimal ℓ1-norm / sharpness on M' },
} as const;

/** Subtitle lines naming the colours of the plane figures. */
export const PLANE_LEGEND = [
  'black: GD iterates; grey dashed: GF trajectory; yellow: solution manifold M; dark blue: sharpness bound S_L = 2/η;',
  'purple squares: KKT points of Lemma E.1; orange diamonds: minimal ℓ1-norm and minimal sharpness on M (Prop. 3.2);',
  'background: sharpness, white (low) to blue (high)',
];

/**
 * Panels of GD iterates in the (w1, w2) plane, one per learning rate, over a
 * shared sharpness heat map, with the GF trajectory, M, the bound S_L = 2/eta,
 * the KKT points of Lemma E.1 and the minimal-l1 and minimal-sharpness points
 * of Proposition 3.2 (colours: PLANE_LEGEND).
 */
export function planeFigure(summary: SweepSummary, rates: number[], opts: { columns?: number; cells?: number; size?: number } = {}): Spec {
  const setup = diagonalSetup(summary);
  const runs = rates.map((lr) => simulate(setup, lr));
  const flow = gradientFlow(setup.w0, setup.data, { lossGoal: setup.lossGoal, maxSteps: setup.maxSteps, maxStepSize: 0.05 });
  const window = planeWindow(setup, runs.map((r) => [...r.iterates]));
  const spacing = (window.hi - window.lo) / 250;
  const panels = rates.map((lr, k) => planeData(setup, lr, runs[k], window));
  const size = opts.size ?? 210;
  const axis = (field: 'w1' | 'w2'): Spec => ({ field, type: 'quantitative', title: field === 'w1' ? 'w₁' : 'w₂', scale: { domain: [window.lo, window.hi], nice: false } });
  const xy = { x: axis('w1'), y: axis('w2') };
  const tip: Spec[] = [{ field: 'what', title: 'what' }, { field: 'w1', type: 'quantitative', format: '.4~g' }, { field: 'w2', type: 'quantitative', format: '.4~g' }];
  const curve = (data: Spec, part: keyof typeof PLANE, mark: Spec, extraTip: Spec[] = []): Spec => ({
    data,
    mark: { color: PLANE[part].colour, clip: true, ...mark },
    encoding: { ...xy, ...(mark.type === 'line' ? { order: { field: 'order' } } : {}), tooltip: [...tip, ...extraTip] },
  });
  // Twice the sharpness of the minimal-l1 solution, the sharpest point of M in the first quadrant.
  const heatTop = 2 * manifoldSharpness(minimalL1Solution(setup.x, setup.y), setup.x);
  const view = (p: PlaneData): Spec => ({
    title: { text: `${rateLabel(p.lr)} (${regime(summary, p.lr)})`, subtitle: `${p.outcome} after ${p.steps} steps`, fontSize: 11 },
    width: size,
    height: size,
    layer: [
      {
        data: { name: 'heat' },
        mark: { type: 'rect', aria: false },
        encoding: {
          x: xy.x,
          x2: { field: 'w1end' },
          y: xy.y,
          y2: { field: 'w2end' },
          // White (low) to blue (high), as in the paper.
          color: { field: 'sharpness', type: 'quantitative', title: 'sharpness S_L', scale: { range: ['#ffffff', '#2166ac'], interpolate: 'rgb', domain: [0, heatTop], clamp: true } },
          tooltip: [{ field: 'sharpness', type: 'quantitative', format: '.4~g', title: 'S_L' }],
        },
      },
      curve({ name: 'manifold' }, 'manifold', { type: 'line', strokeWidth: 2.5 }),
      curve({ values: p.bound }, 'bound', { type: 'line', strokeWidth: 1.5 }),
      curve({ name: 'flow' }, 'flow', { type: 'line', strokeDash: [4, 3], strokeWidth: 1.5 }),
      curve({ values: p.path }, 'path', { type: 'line', point: { size: 6, color: PLANE.path.colour }, strokeWidth: 0.8 }, [{ field: 'step', type: 'quantitative' }]),
      // The minima of Proposition 3.2 are KKT points too: their larger diamonds stay visible behind the squares.
      curve({ name: 'minima' }, 'minima', { type: 'point', filled: true, size: 160, shape: 'diamond' }),
      curve({ values: p.kkt }, 'kkt', { type: 'point', filled: true, size: 50, shape: 'square' }, [{ field: 'risk', type: 'quantitative', format: '.4~g' }, { field: 'sharpness', type: 'quantitative', format: '.4~g' }, { field: 'constraintActive', title: 'S_L = 2/η active' }]),
    ],
  });
  const columns = opts.columns ?? 4;
  const rows: Spec[] = [];
  for (let k = 0; k < panels.length; k += columns) rows.push({ hconcat: panels.slice(k, k + columns).map(view) });
  const point = (w: Float64Array, what: string): Spec => ({ w1: w[0], w2: w[1], what });
  return {
    datasets: {
      heat: heatMap(setup, window, opts.cells ?? 24),
      manifold: manifold(setup),
      flow: thinPath(flow.iterates, spacing).map((w, k) => ({ order: k, ...point(w, PLANE.flow.label) })),
      minima: [point(minimalL1Solution(setup.x, setup.y), 'A_ℓ1: minimal ℓ1-norm on M, eq. (6)'), point(minimalSharpnessSolution(setup.x, setup.y), 'A_S: minimal sharpness on M, eq. (7)')],
    },
    vconcat: rows,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}

/** The rates of Figure 16: up to `count` of the sweep's rates, evenly spread, those whose float64 replay diverges excluded. */
export function planeRates(sweep: SweepSummary, count = 12): number[] {
  const lrs = replayedSweep(sweep).runs.filter((r) => r.outcome !== 'diverged').map((r) => r.lr).sort((a, b) => a - b);
  if (lrs.length <= count) return lrs;
  return Array.from({ length: count }, (_, k) => lrs[Math.round((k * (lrs.length - 1)) / (count - 1))]);
}

/**
 * The four rates of Figure 4: flow-aligned (the largest converged rate below
 * eta_c), then in the EoS regime the smallest rate, the rate of lowest test
 * loss ("carefully tuned") and the largest converged rate.
 */
export function figure4Rates(summary: SweepSummary): number[] {
  const converged = summary.runs.filter((r) => r.outcome === 'converged' && r.final).sort((a, b) => a.lr - b.lr);
  const below = converged.filter((r) => regime(summary, r.lr) === 'flow-aligned');
  const above = converged.filter((r) => regime(summary, r.lr) === 'EoS');
  const best = [...above].sort((a, b) => (a.final?.testLoss ?? Infinity) - (b.final?.testLoss ?? Infinity))[0];
  const picked = [below[below.length - 1], above[0], best, above[above.length - 1]].filter((r) => r !== undefined).map((r) => r.lr);
  return [...new Set(picked)].sort((a, b) => a - b);
}

/** Figure 4: (b, c, e, f) iterates for four rates and (d) the generalisation error versus eta. */
export function figure4(sweep: SweepSummary): Spec {
  const summary = replayedSweep(sweep);
  const setup = diagonalSetup(summary);
  const predictions = diagonalPredictions(setup, lrDomainMax(summary));
  const plane = planeFigure(summary, figure4Rates(summary), { columns: 4, cells: 24, size: 200 });
  const risk = sweepPanel(summary, {
    id: 'risk',
    metric: generalisation(summary),
    title: '(d) generalisation error',
    extraLayers: [theoryLine('risk-theory', predictions.map((p) => ({ lr: p.lr, value: p.risk })))],
  });
  // datasets live at the top level; the heat map and the sweep series need separate colour scales.
  const { datasets, ...planes } = plane;
  return { datasets, params: [lrSelection(['risk'])], vconcat: [planes, risk], resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } } };
}

