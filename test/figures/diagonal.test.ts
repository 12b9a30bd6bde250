import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagonalPredictions, diagonalSetup, diagonalSweepFigure, figure4, figure4Rates, planeFigure, planeRates, predictedLimit, simulate, thinPath } from '../../src/figures/diagonal.js';
import { topLevel } from '../../src/figures/spec.js';
import { endToEndL1Norm, gaussianModelRisk, gradientFlowLimit, kktPoints, manifoldSharpness, predictedL1Norm, residual, sharpness } from '../../src/theory/index.js';
import { profileExperiment, syntheticSummary, syntheticTestLoss } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, unitViews, values, view } from './helpers.js';

const experiment = profileExperiment('diagonal-2d');
const summary = syntheticSummary({ experiment, sGF: 4 });
const setup = diagonalSetup(summary);

test('the data point is the positive draw of the experiment and GD starts at alpha * 1', () => {
  assert.equal(setup.x.length, 2);
  assert.ok(setup.x.every((v) => v > 0));
  assert.ok(setup.y > 0);
  assert.ok(setup.w0.every((v) => v === (experiment.model.kind === 'diagonal' ? experiment.model.alpha : NaN)));
});

test('the predicted limit is the GF limit while stable, then the point of M with sharpness exactly 2/eta', () => {
  const flow = gradientFlowLimit(setup.x, setup.y, setup.w0[0]);
  const onset = 2 / manifoldSharpness(flow, setup.x);
  assert.deepEqual(predictedLimit(setup, 0.9 * onset), flow);
  const lr = (onset + predictedL1Norm(setup.x, setup.y, 1).etaMax) / 2;
  const w = predictedLimit(setup, lr);
  assert.ok(w);
  assert.ok(Math.abs(lr * manifoldSharpness(w, setup.x) - 2) < 1e-9);
  assert.ok(Math.abs(residual(w, setup.x, setup.y)) < 1e-9);
  // Beyond 2 / min_M S_L no point of M is stable.
  assert.equal(predictedLimit(setup, 1.01 * predictedL1Norm(setup.x, setup.y, 1).etaMax), null);
});

test('Figure 15 draws the predicted l1-norm and risk next to the measured values', () => {
  const spec = topLevel('t', diagonalSweepFigure(summary));
  for (const p of values(view(spec, 'l1-theory'))) {
    const w = predictedLimit(setup, p.lr as number);
    assert.ok(w);
    assert.equal(p.value, endToEndL1Norm(w));
  }
  const risk = values(view(spec, 'risk-theory'));
  assert.equal(risk.length, diagonalPredictions(setup, Math.max(...summary.runs.map((r) => r.lr)) * 1.04).length);
  for (const p of risk) assert.equal(p.value, gaussianModelRisk(predictedLimit(setup, p.lr as number) as Float64Array));
  // The l1 panel shows ||w∘w||_1 = ||w||_2^2 of the final iterates.
  for (const f of values(view(spec, 'l1-final'))) assert.ok(Math.abs((f.value as number) - (f.l2 as number) ** 2) < 1e-9);
  assertCompiles(spec);
  assertTooltips(spec);
  assertSelectionViews(spec);
});

test('a path oscillating across the plane is capped, keeping its alternation', () => {
  const iterates = Array.from({ length: 10001 }, (_, k) => Float64Array.of(k % 2, 0));
  const kept = thinPath(iterates, 0.1, 100);
  assert.ok(kept.length <= 101);
  assert.equal(kept[kept.length - 1], iterates[iterates.length - 1]);
  assert.ok(kept.slice(0, -1).every((w, k) => k === 0 || w[0] !== kept[k - 1][0]), 'consecutive kept points alternate sides');
});

test('thinning keeps the ends and points at least the spacing apart', () => {
  const run = simulate(setup, 0.2);
  const kept = thinPath(run.iterates, 0.05);
  assert.equal(kept[0], run.iterates[0]);
  assert.equal(kept[kept.length - 1], run.iterates[run.iterates.length - 1]);
  for (let k = 1; k < kept.length - 1; k++) assert.ok(Math.hypot(kept[k][0] - kept[k - 1][0], kept[k][1] - kept[k - 1][1]) >= 0.05);
});

test('plane panels: the bound curve has sharpness 2/eta, the KKT points are those of Lemma E.1', () => {
  const rates = planeRates(summary, 3);
  const spec = topLevel('t', planeFigure(summary, rates, { cells: 8 }));
  const curves = unitViews(spec).filter((v) => Array.isArray((v.data as { values?: unknown }).values));
  const what = (v: (typeof curves)[number]): unknown => values(v)[0]?.what;
  const bounds = curves.filter((v) => what(v) === 'S_L = 2/η');
  assert.equal(bounds.length, rates.length);
  bounds.forEach((b, k) => {
    for (const p of values(b).filter((_, i) => i % 45 === 0)) {
      const s = sharpness([p.w1 as number, p.w2 as number], setup.data);
      assert.ok(Math.abs(s * rates[k] - 2) < 1e-6, `sharpness ${s} at rate ${rates[k]}`);
    }
  });
  const kkt = curves.filter((v) => (v.mark as { shape?: string }).shape === 'square');
  assert.equal(kkt.length, rates.length);
  kkt.forEach((v, k) => assert.deepEqual(values(v).map((p) => [p.w1, p.w2]), kktPoints(setup.x, setup.y, rates[k]).map((p) => [p.w[0], p.w[1]])));
  assertCompiles(spec);
  assertTooltips(spec);
});

test('Figure 4 picks flow-aligned, first EoS, best-generalising and largest converged rates', () => {
  const converged = summary.runs.filter((r) => r.outcome === 'converged').map((r) => r.lr);
  const above = converged.filter((lr) => lr >= summary.criticalLr);
  const best = [...above].sort((a, b) => syntheticTestLoss(a, 4) - syntheticTestLoss(b, 4))[0];
  assert.deepEqual(figure4Rates(summary), [...new Set([converged.filter((lr) => lr < summary.criticalLr).pop(), above[0], best, above[above.length - 1]])].sort((a, b) => (a as number) - (b as number)));
  const spec = topLevel('t', figure4(summary));
  assertCompiles(spec);
  assertSelectionViews(spec);
});

test('Figures 15 and 16 draw the same float64 GD at each rate: the end of a Figure 16 path is the Figure 15 point', () => {
  const rates = planeRates(summary, 3);
  const plane = topLevel('t', planeFigure(summary, rates, { cells: 8 }));
  const paths = unitViews(plane).filter((v) => Array.isArray((v.data as { values?: unknown }).values) && values(v)[0]?.what === 'GD iterates');
  assert.equal(paths.length, rates.length);
  const sweep = topLevel('t', diagonalSweepFigure(summary));
  const l1 = values(view(sweep, 'l1-final'));
  const sharp = values(view(sweep, 'sharpness-final'));
  paths.forEach((p, k) => {
    const last = values(p).reduce((a, b) => ((b.order as number) > (a.order as number) ? b : a));
    const w = [last.w1 as number, last.w2 as number];
    // The path ends where float64 GD (`simulate`) ends.
    assert.deepEqual(w, Array.from(simulate(setup, rates[k]).final));
    const point = l1.find((q) => q.lr === rates[k]);
    assert.ok(point, `Figure 15 has rate ${rates[k]}`);
    assert.ok(Math.abs((point.value as number) - (w[0] ** 2 + w[1] ** 2)) < 1e-12, `‖w∘w‖₁ at ${rates[k]}`);
    assert.equal(sharp.find((q) => q.lr === rates[k])?.value, sharpness(w, setup.data));
  });
});
