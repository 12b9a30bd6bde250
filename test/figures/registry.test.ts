import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { svgToPng, toSvg } from '../../src/figures/export.js';
import { classificationFigure, clusterMean, normalisedBias, referenceErrors } from '../../src/figures/classification.js';
import { FIGURES, findFigure, FURTHER_PROPERTIES, NOTEBOOKS, renderFigure, resolveUses } from '../../src/figures/registry.js';
import { Unavailable } from '../../src/figures/load.js';
import { topLevel, type Spec } from '../../src/figures/spec.js';
import { profile } from '../../src/sweep/profiles.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { fakeLoader } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, unitViews, values, view } from './helpers.js';

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

/** Appendix I.8's configurations as the paper lists them (Figures 64-71, again 72-79): experiment, paper loss goal. */
const FURTHER: [string, number][] = [
  ['fcn-relu-mnist5k-mse', 1e-4],
  ['fcn-relu-mnist5k-ce', 1e-2],
  ['fcn-relu-mnist-mse', 1e-2],
  ['fcn-relu-mnist-ce', 1e-2],
  ['fcn-relu-cifar5k-mse', 1e-4],
  ['fcn-relu-cifar5k-ce', 1e-2],
  ['fcn-tanh-cifar5k-mse', 1e-3],
  ['fcn-tanh-cifar5k-ce', 1e-2],
];

test('Figure 1 (right) and appendix I.8 (Figures 64-79) are in the registry with the configurations of the paper', () => {
  const paper = new Set(profile('paper').map((e) => e.experiment.id));
  const fig1c = findFigure('fig1c');
  assert.equal(fig1c.paperFigure, 'Figure 1 (right)');
  assert.deepEqual(resolveUses(fig1c, (id) => paper.has(id)).ids.sweep, ['vit-relu-mnist5k-ce']);
  assert.deepEqual(FURTHER_PROPERTIES.map((p) => [p.section, p.figures.map((f) => f.id)]), [
    ['I.8.1', ['fig64', 'fig65', 'fig66', 'fig67', 'fig68', 'fig69', 'fig70', 'fig71']],
    ['I.8.2', ['fig72', 'fig73', 'fig74', 'fig75', 'fig76', 'fig77', 'fig78', 'fig79']],
  ]);
  for (const [k, [experiment, goal]] of FURTHER.entries()) {
    for (const n of [64 + k, 72 + k]) {
      const f = findFigure(`fig${n}`);
      assert.equal(f.paperFigure, `Figure ${n}`);
      assert.deepEqual(resolveUses(f, (id) => paper.has(id)).ids.sweep, [experiment], f.id);
      assert.match(f.title, new RegExp(`train loss ${goal}$`), f.id);
      assert.equal(f.notebook, experiment.startsWith('fcn-tanh') ? '02-loss-thresholds' : '01-regime-transition', f.id);
    }
  }
});

test('`npm run figure -- --list` lists the new figures with their paper figure numbers', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/figures/cli.ts', '--list', '--profile', 'paper'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const lines = new Map(out.trim().split('\n').map((l) => [l.split(/\s+/)[0], l]));
  assert.match(lines.get('fig1c') ?? '', /Figure 1 \(right\) .* vit-relu-mnist5k-ce$/);
  for (const [k, [experiment]] of FURTHER.entries()) {
    for (const n of [64 + k, 72 + k]) assert.match(lines.get(`fig${n}`) ?? '', new RegExp(`^fig${n} +Figure ${n} .* ${experiment}$`));
  }
});

const panelTitles = (spec: Spec): string[] => unitViews(spec).filter((v) => String(v.name).endsWith('-final')).map((v) => String((v.encoding as { y: { title: string } }).y.title));

test('the I.8 figures draw the norms and the distance from GF, then the steps and the test accuracy, of the sweep at the paper goal', async () => {
  for (const name of ['paper', 'quick'] as const) {
    const loader = fakeLoader(name);
    const fig70 = await renderFigure(findFigure('fig70'), loader);
    assert.deepEqual(panelTitles(fig70), ['ℓ1-norm', 'nuclear norm', 'ℓ2-norm', 'ℓ1-distance from GF']);
    // fcn-tanh-cifar5k-mse has three goals; the fake loader gives the k-th an s_GF of 20 (1 + k/4): 1e-3 (quick: 5e-2) is the third.
    assert.equal(values(view(fig70, 'r0c0-critical'))[0].lr, 2 / 30, name);
    const fig78 = await renderFigure(findFigure('fig78'), loader);
    assert.deepEqual(panelTitles(fig78), ['GD steps to the loss goal', 'test accuracy']);
    assert.equal(values(view(fig78, 'r0c0-critical'))[0].lr, 2 / 30, name);
  }
});

test('an I.8 figure whose experiment the profile lacks is unavailable and names the experiment', async () => {
  // The quick profile has every Table 1 configuration; smoke only a few.
  for (const id of ['fig66', 'fig75']) {
    await assert.rejects(renderFigure(findFigure(id), fakeLoader('smoke')), (err: unknown) => err instanceof Unavailable && /fcn-relu-mnist-(mse|ce)/.test(err.message) && /not in profile 'smoke'/.test(err.message));
  }
  await assert.rejects(renderFigure(findFigure('fig1c'), fakeLoader('smoke')), (err: unknown) => err instanceof Unavailable && /vit-relu-mnist5k-ce/.test(err.message));
});
