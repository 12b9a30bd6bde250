import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { test } from 'node:test';
import { compactSvg, exportFigure, fontFile, svgToPng, toSvg, toVega } from '../../src/figures/export.js';
import { FONT, forDisplay, topLevel, type Json, type Spec } from '../../src/figures/spec.js';
import { sweepRow } from '../../src/figures/sweep.js';
import { syntheticSummary } from './fixtures.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const spec = topLevel('export test', sweepRow(syntheticSummary(), ['sharpness', 'l1']));

test('every spec fixes the figure font', () => {
  assert.equal((spec.config as { font: string }).font, FONT);
  assert.ok(fontFile().endsWith('.ttf'));
});

test('SVG export draws the figure with the fixed font', async () => {
  const svg = await toSvg(spec);
  assert.match(svg, /^<svg/);
  assert.match(svg, /DejaVu Sans/);
  assert.match(svg, /learning rate η/);
});

test('SVG geometry is written to 1/100 px, text untouched', async () => {
  const svg = await toSvg(spec);
  const geometry = [...svg.matchAll(/ (?:d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g)].map((m) => m[1]).join(' ');
  assert.ok(geometry.length > 100, 'the figure has geometry');
  assert.doesNotMatch(geometry, /\.\d{3}/, 'no coordinate with more than 2 decimals');
  assert.match(svg, /learning rate η/);
});

test('the compact SVG draws the same pixels as the full one, in about two thirds of the bytes', async () => {
  const svg = await toSvg(spec);
  const compact = compactSvg(svg);
  assert.ok(compact.length < 0.8 * svg.length, `${compact.length} of ${svg.length} bytes`);
  assert.doesNotMatch(compact, / (aria-[\w-]+|role|class|pointer-events)="|rgb\(/);
  assert.match(compact, /learning rate η/);
  assert.equal(compactSvg(await toSvg(spec)), compact, 'the same figure drawn again gives the same text');
  assert.match(compact, / id="clip1"/);
  // resvg, an independent renderer, paints both: every pixel within 1/4 of the range (anti-aliased edges move by at most 0.05 px).
  const pixels = (s: string) => new Uint8Array(new Resvg(s, { font: { loadSystemFonts: false, fontDirs: [dirname(fontFile())], defaultFontFamily: FONT } }).render().pixels);
  const [a, b] = [pixels(svg), pixels(compact)];
  assert.equal(a.length, b.length);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 64) differ++;
  assert.ok(differ < a.length * 1e-3, `${differ} of ${a.length} channel values differ`);
});

test('forDisplay rounds inline data to 6 significant digits and leaves everything else as it was', () => {
  const s: Spec = { title: 'π', layer: [{ data: { values: [{ lr: 0.123456789012, label: 'a', n: 3 }] }, mark: { type: 'line', strokeWidth: 1.23456789 }, encoding: { x: { field: 'lr' }, y: { field: 'n' }, tooltip: [{ field: 'label' }] } }] };
  assert.deepEqual(forDisplay(s), { ...s, layer: [{ ...(s.layer as Spec[])[0], data: { values: [{ lr: 0.123457, label: 'a', n: 3 }] } }] });
});

test('forDisplay keeps the fields a view can read: its encodings, expressions, inherited encodings; not its siblings\' fields', () => {
  const row = { lr: 0.5, value: 2, l1: 3, sharpness: 4, stop: 'stable', unused: 5 };
  const spec: Spec = {
    hconcat: [
      {
        encoding: { x: { field: 'lr' } },
        layer: [
          { data: { values: [row] }, transform: [{ filter: "datum.stop === 'stable'" }], encoding: { y: { field: 'value' } }, mark: 'point' },
          { data: { values: [row] }, encoding: { y: { field: 'value' } }, mark: 'point' },
        ],
      },
      { data: { values: [row] }, encoding: { x: { field: 'lr' }, y: { field: 'l1' } }, mark: 'line' },
      { data: { values: [row] }, encoding: { x: { field: 'lr' }, y: { field: 'l1' }, tooltip: true }, mark: 'line' },
      { data: { values: [row] }, layer: [{ encoding: { y: { field: 'sharpness' } }, mark: 'line' }] },
    ],
  };
  const rows = (forDisplay(spec).hconcat as Spec[]).map((v) => (v.layer ? (v.data ? [v.data] : (v.layer as Spec[]).map((l) => l.data)) : [v.data]).map((d) => (d as { values: Json[] }).values[0]));
  assert.deepEqual(rows, [
    [{ lr: 0.5, value: 2, stop: 'stable' }, { lr: 0.5, value: 2 }],
    [{ lr: 0.5, l1: 3 }],
    [row],
    [{ sharpness: 4 }],
  ]);
});

test('PNG export has the PNG signature and the SVG size times the scale', async () => {
  const svg = await toSvg(spec);
  const png = svgToPng(svg, 2);
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const width = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
  assert.equal(png.readUInt32BE(16), Math.round(2 * width));
});

test('exportFigure writes non-empty SVG, PNG and Vega-Lite files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-fig-'));
  try {
    const paths = await exportFigure('t', spec, dir);
    assert.ok(readFileSync(paths.svg, 'utf8').length > 1000);
    assert.deepEqual(readFileSync(paths.png).subarray(0, 8), PNG_SIGNATURE);
    assert.deepEqual(JSON.parse(readFileSync(paths.spec, 'utf8')), spec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Vega-Lite warnings fail the export instead of drawing a wrong figure', () => {
  assert.throws(() => toVega({ mark: 'point', encoding: { x: { field: 'a', type: 'quantitative', scale: { type: 'log', zero: true } } }, data: { values: [{ a: 1 }] } }), /Vega-Lite/);
});
