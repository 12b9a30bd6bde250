import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, View } from 'vega';
import { toVega } from '../../src/figures/export.js';
import { topLevel } from '../../src/figures/spec.js';
import { lrDomainMax, panelGrid, regime, sharedDomain, sharpnessDomain, sweepColumns, sweepPanel, sweepRow, runRows, LR_SELECTION } from '../../src/figures/sweep.js';
import { syntheticSummary, syntheticSharpness } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, unitViews, values, view } from './helpers.js';

const summary = syntheticSummary();
const panel = (metric: Parameters<typeof sweepPanel>[1]['metric']) => topLevel('t', panelGrid([[{ summary, metric }]]));

test('the 2/eta crosses sit at 2/lr for every sampled rate inside the panel', () => {
  const spec = panel('sharpness');
  const yMax = sharpnessDomain(summary)[1];
  const crosses = values(view(spec, 'r0c0-stability'));
  assert.deepEqual(crosses.map((c) => c.lr), summary.runs.filter((r) => 2 / r.lr <= yMax).map((r) => r.lr));
  assert.ok(crosses.length < summary.runs.length, 'the smallest rates have 2/eta above the panel');
  for (const c of crosses) assert.equal(c.value, 2 / (c.lr as number));
  for (const p of values(view(panel('sharpness'), 'r0c0-stability-line'))) assert.ok(Math.abs((p.value as number) - 2 / (p.lr as number)) < 1e-12);
});

test('eta_c is the dashed vertical at 2/s_GF, s_GF the horizontal, GF final value the dotted line', () => {
  const spec = panel('sharpness');
  const critical = view(spec, 'r0c0-critical');
  assert.equal(values(critical)[0].lr, 2 / summary.sGF);
  assert.ok(Array.isArray((critical.mark as { strokeDash?: unknown }).strokeDash));
  assert.equal(values(view(spec, 'r0c0-sGF'))[0].value, summary.sGF);
  assert.equal(values(view(spec, 'r0c0-flow'))[0].value, summary.flowFinal.sharpness);
  assert.equal(values(view(spec, 'r0c0-inverseS0'))[0].lr, 1 / summary.s0);
});

test('final values and max sharpness come from the converged runs; diverged rates are marked', () => {
  const spec = panel('sharpness');
  const finals = values(view(spec, 'r0c0-final'));
  const converged = summary.runs.filter((r) => r.outcome === 'converged');
  assert.deepEqual(finals.map((f) => f.lr), converged.map((r) => r.lr));
  for (const f of finals) assert.ok(Math.abs((f.value as number) - syntheticSharpness(f.lr as number, summary.sGF)) < 1e-12);
  assert.deepEqual(values(view(spec, 'r0c0-maxSharpness')).map((f) => f.maxSharpness), converged.map((r) => r.maxSharpness));
  assert.deepEqual(values(view(spec, 'r0c0-diverged')).map((d) => d.lr), summary.runs.filter((r) => r.outcome === 'diverged').map((r) => r.lr));
});

test('no 1/s_0 line when s_0 is negative or beyond the sampled rates', () => {
  for (const s0 of [-2, 0.01]) {
    const spec = topLevel('t', panelGrid([[{ summary: syntheticSummary({ s0 }), metric: 'sharpness' }]]));
    assert.ok(!unitViews(spec).some((v) => v.name === 'r0c0-inverseS0'), `s0 = ${s0}`);
  }
});

test('metric panels draw the recorded metric and its gradient-flow value', () => {
  const rows = runRows(summary);
  for (const metric of ['l1', 'l2', 'nuclear', 'testLoss', 'testAccuracy', 'distanceFromInit'] as const) {
    const spec = panel(metric);
    const finals = values(view(spec, 'r0c0-final'));
    assert.deepEqual(finals.map((f) => f.value), rows.filter((r) => r.outcome !== 'diverged').map((r) => r[metric]), metric);
    assert.ok(unitViews(spec).some((v) => v.name === 'r0c0-flow'), metric);
  }
  // There is no gradient-flow counterpart of the distance from the flow solution.
  assert.ok(!unitViews(panel('distanceFromFlow')).some((v) => v.name === 'r0c0-flow'));
});

test('a custom quantity is drawn from each run and the given flow value', () => {
  const spec = panel({ title: 'twice l1', run: (r) => 2 * (r.final?.l1 ?? NaN), flow: 7 });
  for (const f of values(view(spec, 'r0c0-final'))) assert.equal(f.value, 2 * (f.l1 as number));
  assert.equal(values(view(spec, 'r0c0-flow'))[0].value, 7);
});

test('shared y domains cover every column of a row', () => {
  const other = syntheticSummary({ sGF: 40 });
  const [lo, hi] = sharedDomain([summary, other], 'l1');
  const all = [summary, other].flatMap((s) => runRows(s).map((r) => r.l1).filter((v): v is number => v !== null));
  assert.ok(lo <= Math.min(...all) && hi >= Math.max(...all));
  assert.deepEqual(sharedDomain([summary, other], 'sharpness')[0], 0);
});

test('sweep figures compile, carry tooltips and link the learning rate across all panels', () => {
  const other = syntheticSummary({ sGF: 40 });
  const figures = [
    topLevel('row', sweepRow(summary, ['sharpness', 'l1', 'testLoss'])),
    topLevel('columns', sweepColumns([{ summary, label: 'a' }, { summary: other, label: ['b', 'c'] }], ['sharpness', 'l1'], { shareY: true })),
  ];
  for (const spec of figures) {
    assertCompiles(spec);
    assertTooltips(spec);
    assertSelectionViews(spec);
    const param = (spec.params as { name: string; views: string[] }[])[0];
    assert.equal(param.name, LR_SELECTION);
    assert.equal(param.views.length, unitViews(spec).filter((v) => String(v.name).endsWith('-final')).length);
  }
});

test('the learning-rate axis spans every sampled rate', () => {
  assert.ok(lrDomainMax(summary) >= Math.max(...summary.runs.map((r) => r.lr)));
});

test('the legend lists only the series a figure draws', () => {
  const spec = topLevel('t', sweepRow(summary, ['l1']));
  const colour = (view(spec, 'r0c0-final').encoding as { color: { scale: { domain: string[] } } }).color;
  assert.ok(!colour.scale.domain.includes('2/η'));
  assert.ok(colour.scale.domain.includes('GD final value'));
});

test('a rate is flow-aligned below eta_c, EoS above it, and the sampled eta_c itself is neither', () => {
  assert.equal(regime(summary, 0.5 * summary.criticalLr), 'flow-aligned');
  assert.equal(regime(summary, (4 * 1) / (2 * summary.sGF)), 'critical');
  assert.equal(regime(summary, 1.01 * summary.criticalLr), 'EoS');
});

test('picking a rate in one panel highlights it in every panel', async () => {
  const vega = toVega(topLevel('t', sweepRow(summary, ['sharpness', 'l1', 'testLoss'])));
  const view = new View(parse(vega), { renderer: 'none' });
  await view.runAsync();
  const picked = (panel: string): number => {
    let n = 0;
    const walk = (item: { name?: string; items?: unknown[] }): void => {
      if (item.name === `${panel}_picked_marks`) n += item.items?.length ?? 0;
      for (const child of item.items ?? []) walk(child as typeof item);
    };
    walk((view.scenegraph() as unknown as { root: { items?: unknown[] } }).root);
    return n;
  };
  assert.deepEqual(['r0c0', 'r0c1', 'r0c2'].map(picked), [0, 0, 0], 'nothing is picked at first');
  // What a click on a final value of the second panel stores.
  view.data(`${LR_SELECTION}_store`, [{ unit: 'r0c1_final', fields: [{ type: 'E', field: 'lr' }], values: [summary.runs[2].lr] }]);
  await view.runAsync();
  assert.deepEqual(['r0c0', 'r0c1', 'r0c2'].map(picked), [1, 1, 1]);
  view.finalize();
});

/** A sweep whose converged runs take 30/η steps, with the second rate a transient stop, the fourth stopped at max steps and the fifth stalled. */
function convergenceSweep() {
  const s = syntheticSummary();
  const runs = s.runs.map((r, i) => {
    if (r.outcome === 'diverged') return r;
    if (i === 3) return { ...r, outcome: 'max-steps' as const, steps: 4000 };
    if (i === 4) return { ...r, outcome: 'stalled' as const, steps: 1234, cyclePeriod: 2 };
    return { ...r, steps: Math.round(30 / r.lr), stop: { kind: i === 1 ? ('transient' as const) : ('stable' as const), sharpnessRatio: 1, probeSteps: 0, maxLossAfter: 0 } };
  });
  return { ...s, runs };
}

test('the steps panel draws the steps to the goal of converged runs only, log-log; diverged, max-steps and stalled rates are marked apart', () => {
  const s = convergenceSweep();
  const spec = topLevel('t', sweepRow(s, ['steps']));
  const finals = values(view(spec, 'r0c0-final'));
  const converged = s.runs.filter((r) => r.outcome === 'converged');
  assert.deepEqual(finals.map((f) => [f.lr, f.value]), converged.map((r) => [r.lr, r.steps]));
  assert.ok(!finals.some((f) => f.value === 4000), 'the step cap is not a time to the goal');
  assert.deepEqual(finals.filter((f) => f.stop === 'transient').map((f) => f.lr), [s.runs[1].lr], 'the transient stop keeps its triangle');
  assert.deepEqual(values(view(spec, 'r0c0-maxSteps')).map((r) => r.lr), [s.runs[3].lr]);
  assert.deepEqual(values(view(spec, 'r0c0-stalled')).map((r) => r.lr), [s.runs[4].lr]);
  assert.ok(!finals.some((f) => f.value === 1234), 'a stall is not a time to the goal');
  assert.deepEqual(values(view(spec, 'r0c0-diverged')).map((r) => r.lr), s.runs.filter((r) => r.outcome === 'diverged').map((r) => r.lr));
  const encoding = view(spec, 'r0c0-final').encoding as { x: { scale: { type: string } }; y: { scale: { type: string } } };
  assert.deepEqual([encoding.x.scale.type, encoding.y.scale.type], ['log', 'log']);
  assert.equal(values(view(spec, 'r0c0-critical'))[0].lr, s.criticalLr);
  assert.ok(!unitViews(spec).some((v) => v.name === 'r0c0-flow'), 'gradient flow has no GD step count');
  assertCompiles(spec);
  assertTooltips(spec);
});

test('value panels draw converged and max-steps runs; a stalled run is marked at its rate, off the value axis', () => {
  const s = convergenceSweep();
  const stalled = s.runs[4];
  const runs = s.runs.map((r) => (r === stalled ? { ...r, final: r.final && { ...r.final, l1: 1e6 } } : r));
  const spec = topLevel('t', sweepRow({ ...s, runs }, ['sharpness', 'l1']));
  for (const panel of ['r0c0', 'r0c1']) {
    const finals = values(view(spec, `${panel}-final`)).map((f) => f.lr);
    assert.ok(finals.includes(s.runs[3].lr), `${panel}: the max-steps run keeps its final value`);
    assert.ok(!finals.includes(stalled.lr), `${panel}: the stalled run has no value`);
    assert.deepEqual(values(view(spec, `${panel}-stalled`)).map((r) => r.lr), [stalled.lr]);
  }
  assert.ok(!values(view(spec, 'r0c0-maxSharpness')).some((r) => r.lr === stalled.lr), 'nor a maximum sharpness');
  assertCompiles(spec);
});

test('the 1/η line has slope -1 in log-log through the smallest properly converged rate, across the panel', () => {
  const s = convergenceSweep();
  const line = values(view(topLevel('t', sweepRow(s, ['steps'])), 'r0c0-inverseRate')).map((p) => [p.lr as number, p.value as number]);
  assert.equal(line.length, 2);
  const [[lr1, v1], [lr2, v2]] = line;
  assert.ok(Math.abs(Math.log(v2 / v1) / Math.log(lr2 / lr1) + 1) < 1e-12, 'slope -1');
  // The smallest rate converged properly; the transient stop of the second is not the anchor.
  const anchor = s.runs[0];
  assert.ok(Math.abs(v1 * lr1 - anchor.steps * anchor.lr) < 1e-9);
  assert.ok(lr1 <= anchor.lr && lr2 >= Math.max(...s.runs.map((r) => r.lr)));
  // A transient stop met the goal mid-catapult, off the 1/η line.
  const transientFirst = { ...s, runs: s.runs.map((r, i) => (i === 0 ? { ...r, steps: 7, stop: { kind: 'transient' as const, sharpnessRatio: 1.2, probeSteps: 0, maxLossAfter: 0 } } : r)) };
  const [[a, va]] = values(view(topLevel('t', sweepRow(transientFirst, ['steps'])), 'r0c0-inverseRate')).map((p) => [p.lr as number, p.value as number]);
  assert.ok(Math.abs(va * a - s.runs[2].steps * s.runs[2].lr) < 1e-9, 'anchored at the next stable stop');
  const none = { ...s, runs: s.runs.filter((r) => r.outcome !== 'converged') };
  assert.deepEqual(values(view(topLevel('t', sweepRow(none, ['steps'])), 'r0c0-inverseRate')), []);
});
