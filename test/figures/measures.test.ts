import assert from 'node:assert/strict';
import { test } from 'node:test';
import { svgToPng, toSvg } from '../../src/figures/export.js';
import { Unavailable } from '../../src/figures/load.js';
import { measuresFigure } from '../../src/figures/measures.js';
import { findFigure, renderFigure } from '../../src/figures/registry.js';
import { fakeLoader, fcnExperiment, syntheticSharpness, syntheticSummary } from './fixtures.js';
import { assertCompiles, assertTooltips, values, view } from './helpers.js';

test('Figure 10: six measures per setting, the final values and their ±2 standard errors as recorded', async () => {
  const spec = await renderFigure(findFigure('fig10'), fakeLoader('smoke'));
  assertCompiles(spec);
  assertTooltips(spec);
  assert.deepEqual(svgToPng(await toSvg(spec), 1).subarray(1, 4), Buffer.from('PNG'));
  const [summary] = await fakeLoader('smoke').sweeps('fcn-relu-cifar5k-ce');
  const finished = summary.runs.filter((r) => r.outcome !== 'diverged');
  // Column 2 is CE; row 0 the top eigenvalue, then trace, average, worst, Fisher top, Fisher trace.
  assert.deepEqual(values(view(spec, 'r0c2-final')).map((p) => p.value), finished.map((r) => r.final?.sharpness));
  const trace = values(view(spec, 'r1c2-final')).map((p) => p.value);
  assert.deepEqual(trace, finished.map((r) => 40 * syntheticSharpness(r.lr, summary.sGF)));
  const bars = values(view(spec, 'r1c2-error'));
  assert.equal(bars.length, trace.length);
  bars.forEach((b, i) => {
    const t = Number(trace[i]);
    assert.ok(Math.abs(Number(b.value) - 0.9 * t) < 1e-9 * t && Math.abs(Number(b.high) - 1.1 * t) < 1e-9 * t, `error bar ${i}`);
  });
  assert.deepEqual(values(view(spec, 'r5c2-final')).map((p) => p.value), finished.map((r) => 38 * syntheticSharpness(r.lr, summary.sGF)));
  assert.deepEqual(values(view(spec, 'r3c2-firstOrder')).map((p) => p.value), finished.map((r) => 5e-5 * syntheticSharpness(r.lr, summary.sGF)));
  // The critical rate is marked in every panel.
  for (let r = 0; r < 6; r++) assert.equal(values(view(spec, `r${r}c2-critical`))[0].lr, summary.criticalLr);
});

test('Figure 10 is unavailable from sweeps without measures', () => {
  const plain = syntheticSummary({ experiment: fcnExperiment() });
  assert.throws(() => measuresFigure([{ summary: plain, label: 'x' }]), Unavailable);
});
