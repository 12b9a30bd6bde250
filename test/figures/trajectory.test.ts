import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerNormFigure, layerRows } from '../../src/figures/layers.js';
import { topLevel } from '../../src/figures/spec.js';
import { RATE_SELECTION, trajectoryFigure, trajectoryRates, trajectoryRows } from '../../src/figures/trajectory.js';
import { syntheticSummary } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, values, view } from './helpers.js';

const summary = syntheticSummary();

test('Figure 13 shows the last flow-aligned rate and the first and last converged EoS rates', () => {
  const converged = summary.runs.filter((r) => r.outcome === 'converged').map((r) => r.lr);
  const below = converged.filter((lr) => lr < summary.criticalLr);
  const above = converged.filter((lr) => lr >= summary.criticalLr);
  assert.deepEqual(trajectoryRates(summary), [below[below.length - 1], above[0], above[above.length - 1]]);
});

test('with fewer regimes the rates are filled up from the converged ones', () => {
  const onlyFlow = syntheticSummary({ rates: [0.1, 0.2, 0.3].map((k) => k / 20), divergeFrom: 1 });
  assert.deepEqual(trajectoryRates(onlyFlow), onlyFlow.runs.map((r) => r.lr));
});

test('trajectories run over intrinsic time eta * step', () => {
  for (const row of trajectoryRows(summary.runs.slice(0, 3))) assert.ok(Math.abs(row.time - row.lr * row.step) < 1e-12);
});

test('Figure 13 draws the 2/eta level of each rate and links the rates through the legend', () => {
  const rates = trajectoryRates(summary);
  const spec = topLevel('t', trajectoryFigure(summary, rates));
  assert.deepEqual(values(view(spec, 'traj-stability')).map((v) => v.value), rates.map((lr) => 2 / lr));
  assert.equal((spec.params as { name: string }[])[0].name, RATE_SELECTION);
  assertCompiles(spec);
  assertTooltips(spec);
  assertSelectionViews(spec);
});

test('Figure 14 subtracts each block norm at the smallest rate', () => {
  const rows = layerRows(summary, 'l2');
  const smallest = Math.min(...rows.map((r) => r.lr));
  for (const r of rows.filter((x) => x.lr === smallest)) assert.equal(r.value, 0);
  const weight = summary.runs.filter((r) => r.perLayer).map((r) => r.perLayer?.find((b) => b.name === 'weight')?.l2 ?? NaN);
  assert.deepEqual(rows.filter((r) => r.layer === 'weight').map((r) => r.value), weight.map((w) => w - weight[0]));
  const spec = topLevel('t', layerNormFigure([{ summary, norm: 'l2', title: 'a' }, { summary, norm: 'l1', title: 'b' }]));
  assertCompiles(spec);
  assertTooltips(spec);
  assertSelectionViews(spec);
});

test('the rate at eta_c itself is not taken as the first EoS rate', () => {
  const s = syntheticSummary({ rates: [0.5, 0.75, 1, 1.5, 3].map((k) => (k * 2) / 20), divergeFrom: 1 });
  assert.deepEqual(trajectoryRates(s), [0.075, 0.15, 0.3]);
});
