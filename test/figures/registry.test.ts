import assert from 'node:assert/strict';
import { test } from 'node:test';
import { svgToPng, toSvg } from '../../src/figures/export.js';
import { classificationFigure, clusterMean, normalisedBias, referenceErrors } from '../../src/figures/classification.js';
import { FIGURES, findFigure, NOTEBOOKS, renderFigure, resolveUses } from '../../src/figures/registry.js';
import { Unavailable } from '../../src/figures/load.js';
import { topLevel } from '../../src/figures/spec.js';
import { profile } from '../../src/sweep/profiles.js';
import { fakeLoader } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, values, view } from './helpers.js';

test('figure ids are unique and every figure names its notebook and existing paper experiments', () => {
  assert.equal(new Set(FIGURES.map((f) => f.id)).size, FIGURES.length);
  const paper = new Set(profile('paper').map((e) => e.experiment.id));
  for (const f of FIGURES) {
    assert.ok((NOTEBOOKS as readonly string[]).includes(f.notebook), f.id);
    for (const use of Object.values(f.uses)) for (const id of 'anyOf' in use ? use.anyOf : use.allOf) assert.ok(paper.has(id), `${f.id} uses unknown ${id}`);
    assert.deepEqual(resolveUses(f, (id) => paper.has(id)).missing, [], `${f.id} is not drawable from the paper profile`);
  }
  assert.throws(() => findFigure('fig99'), /unknown figure/);
});

test('anyOf takes the first experiment the profile has; allOf every one it has', () => {
  const fig13a = findFigure('fig13a');
  assert.deepEqual(resolveUses(fig13a, () => true).ids.sweep, ['fcn-relu-mnist5k-mse-goal1e-2']);
  assert.deepEqual(resolveUses(fig13a, (id) => id === 'fcn-relu-mnist5k-mse').ids.sweep, ['fcn-relu-mnist5k-mse']);
  const smoke = new Set(profile('smoke').map((e) => e.experiment.id));
  assert.deepEqual(resolveUses(findFigure('fig7'), (id) => smoke.has(id)).ids.widths, ['fcn-relu-mnist5k-mse-mup100']);
});

test('a figure whose experiments the profile lacks is unavailable, not drawn from something else', async () => {
  await assert.rejects(renderFigure(findFigure('fig13b'), fakeLoader('smoke')), Unavailable);
});

test('every figure renders to valid Vega-Lite with tooltips and a consistent selection, and exports to PNG', async () => {
  const loader = fakeLoader('paper');
  for (const f of FIGURES) {
    const spec = await renderFigure(f, loader);
    // resvg aborts the process on some clipped marks: exporting every figure guards against that.
    assert.deepEqual(svgToPng(await toSvg(spec), 1).subarray(1, 4), Buffer.from('PNG'));
    assert.match(String((spec.title as { text: string }).text), new RegExp(f.paperFigure.replace(/[()]/g, '.')));
    assertCompiles(spec);
    assertTooltips(spec);
    assertSelectionViews(spec);
  }
});

test('classification toy: cluster mean from the dataset spec, bias ratio from the per-layer norms, theory references', async () => {
  const [summary] = await fakeLoader('smoke').sweeps('logistic-two-point');
  const mu = clusterMean(summary);
  assert.equal(mu.length, 5);
  assert.equal(mu[0], 0.5);
  const run = summary.runs[0];
  assert.equal(normalisedBias(run), (run.perLayer?.[1].l1 ?? NaN) / (run.perLayer?.[0].l2 ?? NaN));
  const [maxMargin, minSharpness] = referenceErrors(summary, 4000);
  // Appendix F: for small ||mu|| the sharpness minimiser generalises better than max margin.
  assert.ok(minSharpness.error < maxMargin.error);
  const spec = topLevel('t', classificationFigure(summary));
  assert.deepEqual(values(view(spec, 'bias-theory')).map((v) => v.value), [0.5, 0]);
});
