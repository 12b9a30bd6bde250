import assert from 'node:assert/strict';
import { test } from 'node:test';
import { show, VEGA_LITE_MIME, type DisplayBundle } from '../../src/notebooks/display.js';
import { notebookOver, openNotebook, sweepTable } from '../../src/notebooks/index.js';
import { DataFileError } from '../../src/data/index.js';
import { storedLoader, type SweepLoader } from '../../src/figures/load.js';
import type { StoredSweeps } from '../../src/sweep/summary.js';
import { fakeLoader, syntheticSummary } from './fixtures.js';

const capture = () => {
  const shown: DisplayBundle[] = [];
  return { shown, display: (b: DisplayBundle) => shown.push(b) };
};

test('a figure is one bundle: the Vega-Lite spec as an object, SVG and PNG fallbacks', async () => {
  const { shown, display } = capture();
  await notebookOver('01-regime-transition', fakeLoader('smoke'), display).figure('fig3a');
  assert.equal(shown.length, 1);
  const data = shown[0].data;
  assert.equal(typeof data[VEGA_LITE_MIME], 'object');
  assert.match(String(data['image/svg+xml']), /^<svg/);
  assert.deepEqual(Buffer.from(String(data['image/png']), 'base64').subarray(1, 4), Buffer.from('PNG'));
  assert.match(String(data['text/plain']), /Figure 3/);
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
    for (const row of text.split('\n').filter((l) => /^\| \d/.test(l))) assert.equal(row.match(/(?<!\\)\|/g)?.length, 7, `six cells: ${row}`);
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
