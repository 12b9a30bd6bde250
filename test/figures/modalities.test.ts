import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataFileError } from '../../src/data/index.js';
import { svgToPng, toSvg } from '../../src/figures/export.js';
import { wrapText } from '../../src/figures/modalities.js';
import { findFigure, renderFigure } from '../../src/figures/registry.js';
import type { SweepLoader } from '../../src/figures/load.js';
import { fakeLoader, syntheticL1 } from './fixtures.js';
import { assertCompiles, assertSelectionViews, assertTooltips, unitViews, values, view } from './helpers.js';

/** The fake loader, with California housing's archive missing from the data folder. */
function withoutCalifornia(loader: SweepLoader): SweepLoader {
  return {
    ...loader,
    sweeps: (id) => (id === 'fcn-relu-california-mse' ? Promise.reject(new DataFileError('/data/tabular/cal_housing.tgz', 'missing', 'missing', 'Fix: point --data-dir at a copy')) : loader.sweeps(id)),
  };
}

test('Figure 17: sharpness, ℓ1-norm and test loss for the three data sets', async () => {
  const spec = await renderFigure(findFigure('fig17'), fakeLoader('smoke'));
  assert.match(String((spec.title as { text: string }).text), /^Figure 17: .* \(smoke profile\)$/);
  // Three columns of three panels; row 2 is the ℓ1-norm of each sweep (synthetic: 100 below eta_c, then linear).
  const l1 = values(view(spec, 'r1c1-final'));
  for (const p of l1) assert.equal(p.value, syntheticL1(Number(p.lr), 20));
  assert.ok(view(spec, 'r2c2-final'));
  assertCompiles(spec);
  assertTooltips(spec);
  assertSelectionViews(spec);
});

test('Figure 17 without California housing data: its column says "not run here" and why; the rest is drawn', async () => {
  const spec = await renderFigure(findFigure('fig17'), withoutCalifornia(fakeLoader('smoke')));
  const notes = unitViews(spec).filter((v) => (v.mark as { type: string }).type === 'text');
  assert.equal(notes.length, 3);
  const text = values(notes[0]).map((v) => v.text);
  assert.equal(text[0], 'not run here:');
  assert.match(text.slice(1).join(' '), /^\/data\/tabular\/cal_housing\.tgz: missing\. Fix: point --data-dir at a copy$/);
  assert.ok(view(spec, 'r0c0-final') && view(spec, 'r0c2-final'));
  assert.throws(() => view(spec, 'r0c1-final'));
  assertCompiles(spec);
  assertSelectionViews(spec);
  assert.deepEqual(svgToPng(await toSvg(spec), 1).subarray(1, 4), Buffer.from('PNG'));
  // Other errors still fail the figure.
  const broken: SweepLoader = { ...fakeLoader('smoke'), sweeps: () => Promise.reject(new Error('disk on fire')) };
  await assert.rejects(renderFigure(findFigure('fig17'), broken), /disk on fire/);
});

test('wrapText breaks at spaces within the width; a longer word is cut in pieces of the width', () => {
  assert.deepEqual(wrapText('aa bb cc  dd', 5), ['aa bb', 'cc dd']);
  assert.deepEqual(wrapText('a verylongword b', 4), ['a', 'very', 'long', 'word', 'b']);
  assert.deepEqual(wrapText('', 4), []);
});
