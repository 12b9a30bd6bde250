import assert from 'node:assert/strict';
import { test } from 'node:test';
import { show, VEGA_LITE_MIME, type DisplayBundle } from '../../src/notebooks/display.js';
import { rerenderCharts } from '../../src/notebooks/charts.js';
import { compactSvg, toSvg } from '../../src/figures/export.js';
import { FIGURE_SCRIPT } from '../../src/figures/html.js';
import type { Spec } from '../../src/figures/spec.js';
import { notebookOver, openNotebook, sweepTable } from '../../src/notebooks/index.js';
import { DataFileError } from '../../src/data/index.js';
import { storedLoader, type SweepLoader } from '../../src/figures/load.js';
import type { StoredSweeps } from '../../src/sweep/summary.js';
import { fakeLoader, syntheticSummary } from './fixtures.js';

const capture = () => {
  const shown: DisplayBundle[] = [];
  return { shown, display: (b: DisplayBundle) => shown.push(b) };
};

test('a figure is one bundle: the Vega-Lite spec as an object (no HTML, which JupyterLab would show instead), a compact SVG, the title', async () => {
  const { shown, display } = capture();
  await notebookOver('01-regime-transition', fakeLoader('smoke'), display).figure('fig3a');
  assert.equal(shown.length, 1);
  const data = shown[0].data;
  assert.deepEqual(Object.keys(data).sort(), [VEGA_LITE_MIME, 'image/svg+xml', 'text/plain']);
  assert.equal(typeof data[VEGA_LITE_MIME], 'object');
  assert.match(String(data['image/svg+xml']), /^<svg/);
  assert.equal(String(data['image/svg+xml']), compactSvg(await toSvg(data[VEGA_LITE_MIME] as Spec)));
  assert.match(String(data['text/plain']), /Figure 3/);
});

test('stored chart outputs are rebuilt from their specs alone, with the HTML rendering of the book; other outputs stay as they were', async () => {
  const { shown, display } = capture();
  await notebookOver('01-regime-transition', fakeLoader('smoke'), display).figure('fig3a');
  const text = { output_type: 'display_data', data: { 'text/markdown': 'a table' } };
  const nb = { cells: [{ outputs: [{ output_type: 'display_data', data: { [VEGA_LITE_MIME]: shown[0].data[VEGA_LITE_MIME], 'image/png': 'old' } }, text] }, {}] };
  assert.equal(await rerenderCharts(nb), 1);
  const { 'text/html': html, ...rest } = (nb.cells[0].outputs?.[0].data ?? {}) as Record<string, unknown>;
  assert.deepEqual(rest, shown[0].data, 'what the kernel showed, and no PNG');
  const spec = /<script type="application\/json" class="vega-spec">(.*?)<\/script>/.exec(String(html))?.[1] ?? '';
  assert.deepEqual(JSON.parse(spec), shown[0].data[VEGA_LITE_MIME], 'the HTML draws the same spec');
  assert.match(String(html), /<div class="vega-fallback"><p><em>An interactive chart/);
  assert.ok(String(html).endsWith(`<script src="../${FIGURE_SCRIPT}"></script>`));
  assert.deepEqual(nb.cells[0].outputs?.[1], text);
  await assert.rejects(rerenderCharts({ cells: [{ outputs: [{ output_type: 'display_data', data: { [VEGA_LITE_MIME]: '{}' } }] }] }), /holds string, not a spec object/);
});

test('a figure the profile cannot draw is explained, not failed', async () => {
  const { shown, display } = capture();
  await notebookOver('01-regime-transition', fakeLoader('smoke'), display).figure('fig13b');
  assert.match(String(shown[0].data['text/markdown']), /not drawn in this profile.*fcn-relu-mnist5k-ce/);
});

test('sweeps covers the notebook experiments of the profile and shows their table', async () => {
  const { shown, display } = capture();
  const nb = notebookOver('02-loss-thresholds', fakeLoader('smoke'), display);
  assert.deepEqual(nb.experiments, ['fcn-tanh-cifar5k-mse']);
  await nb.sweeps();
  const table = String(shown[0].data['text/markdown']);
  // One row per loss goal.
  assert.match(table, /\| fcn-tanh-cifar5k-mse \| 0\.3 \|/);
  assert.match(table, /\| fcn-tanh-cifar5k-mse \| 0\.2 \|/);
});

test('sweeps lists an optional-data experiment whose data is absent as not run here; other failures still fail', async () => {
  const { shown, display } = capture();
  const base = fakeLoader('smoke');
  const absent = new DataFileError('/data/tabular/cal_housing.tgz', 'missing', 'missing', 'Fix: point --data-dir at a copy');
  const loader: SweepLoader = { ...base, sweeps: (id) => (id === 'fcn-relu-california-mse' ? Promise.reject(absent) : base.sweeps(id)) };
  await notebookOver('01-regime-transition', loader, display).sweeps();
  const text = String(shown[0].data['text/markdown']);
  assert.match(text, /\| fcn-relu-breastcancer-ce \| 0\.02 \|/);
  assert.match(text, /\*fcn-relu-california-mse is not run here:\* \/data\/tabular\/cal_housing\.tgz: missing/);
  const broken: SweepLoader = { ...base, sweeps: (id) => (id === 'fcn-relu-mnist5k-mse' ? Promise.reject(absent) : base.sweeps(id)) };
  await assert.rejects(notebookOver('01-regime-transition', broken, display).sweeps(), DataFileError);
});

test('the sweep table counts converged and diverged rates', () => {
  const s = syntheticSummary();
  const row = sweepTable([s]).split('\n')[2].split('|').map((c) => c.trim());
  assert.deepEqual(row.slice(-5, -1), [String(s.runs.length), String(s.runs.length - 2), '2', '0']);
});

test('verdicts are shown as a table', async () => {
  const { shown, display } = capture();
  await notebookOver('06-classification-toy', fakeLoader('smoke'), display).verdicts();
  assert.match(String(shown[0].data['text/markdown']), /\| claim \| paper \|/);
});

test('outside a kernel there is nothing to display to; unknown notebooks are refused', () => {
  assert.throws(() => show({ data: {}, metadata: {} }), /tslab kernel/);
  assert.throws(() => openNotebook('07-nothing'), /unknown notebook/);
});

test('findings: notebooks 05 and 06 state where the paper disagrees, with live evidence and their FINDINGS.md sections', async () => {
  for (const [id, items, sections] of [
    ['05-diagonal-net', ['1.1', '3.1'], ['### 1. Diagonal network', '### 4. Gradient descent']],
    ['06-classification-toy', ['5.3', '5.4', '5.5'], ['### 5. Classification toy']],
  ] as const) {
    const { shown, display } = capture();
    await notebookOver(id, fakeLoader('smoke'), display).findings();
    const text = String(shown[0].data['text/markdown']);
    for (const item of items) assert.match(text, new RegExp(`\\| ${item.replace('.', '\\.')} \\|`), `${id}: evidence row ${item}`);
    for (const row of text.split('\n').filter((l) => /^\| \d/.test(l))) assert.equal(row.match(/(?<!\\)\|/g)?.length, 8, `seven cells: ${row}`);
    for (const heading of sections) assert.ok(text.includes(heading), `${id}: ${heading}`);
    assert.match(text, /\*\*paper disagrees\*\*/);
    assert.doesNotMatch(text, /(?<!\\)[[\]]/, 'brackets in the findings are escaped');
  }
  const { shown, display } = capture();
  await notebookOver('02-loss-thresholds', fakeLoader('smoke'), display).findings();
  assert.match(String(shown[0].data['text/markdown']), /no closed-form claims/);
});

test('a figure comes from the preferred (paper) results when they are complete, else from the notebook profile; the title says which', async () => {
  const paper = fakeLoader('paper');
  const sweeps = (missing: number) => async (id: string): Promise<StoredSweeps> => ({ flow: null as never, summaries: await paper.sweeps(id), tasks: { done: 5, diverged: 0, running: 0, missing } });
  const preferred = async (missing: number) => {
    const s = sweeps(missing);
    const cache = new Map<string, StoredSweeps>();
    for (const e of paper.entries) cache.set(e.experiment.id, await s(e.experiment.id));
    return storedLoader('paper', (id) => cache.get(id) ?? null, { complete: true });
  };
  const title = (b: DisplayBundle) => String(b.data['text/plain']);
  const complete = capture();
  await notebookOver('01-regime-transition', fakeLoader('quick'), complete.display, await preferred(0)).figure('fig3b');
  assert.match(title(complete.shown[0]), /\(paper profile\)/);
  const partial = capture();
  await notebookOver('01-regime-transition', fakeLoader('quick'), partial.display, await preferred(3)).figure('fig3b');
  assert.match(title(partial.shown[0]), /\(quick profile\)/);
  const none = capture();
  await notebookOver('01-regime-transition', fakeLoader('quick'), none.display, storedLoader('paper', () => null, { complete: true })).figure('fig3b');
  assert.match(title(none.shown[0]), /\(quick profile\)/);
});
