/**
 * Committed notebooks stay reviewable and bounded (CONTRIBUTING.md): each chart
 * output carries its Vega-Lite spec, an HTML rendering (vega-embed, scripts from
 * the book, no CDN) and a compact SVG, because Quarto renders the notebooks as
 * the book's chapters and does not render the Vega-Lite type; no PNG. Each of
 * them is one line (scripts/notebooks.py), so a re-executed notebook's diff is
 * a few lines per chart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { FIGURE_SCRIPT } from '../../src/figures/html.js';

const NOTEBOOKS = resolve(import.meta.dirname, '../../notebooks');
/** Measured when the renderings were added: 05-diagonal-net 1904 KiB, the six together 4.4 MiB. */
const MAX_KIB = 2560;
const MAX_TOTAL_KIB = 6144;
const MAX_LINES = 1000;
const VEGA_LITE = 'application/vnd.vegalite.v5+json';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}

test('stored notebooks: every chart as one-line spec, HTML and SVG, no PNG, bounded files', () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb'));
  assert.equal(files.length, 6);
  let total = 0;
  for (const f of files) {
    const path = join(NOTEBOOKS, f);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const specLines = lines.filter((l) => l.includes(`"${VEGA_LITE}":`));
    for (const l of specLines) assert.match(l, /"application\/vnd\.vegalite\.v5\+json": \{.*\},?$/, `${f}: a chart spec spread over several lines`);
    const nb = JSON.parse(text) as { cells: { outputs?: Output[] }[] };
    const charts = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.[VEGA_LITE] !== undefined);
    assert.equal(charts.length, specLines.length);
    for (const [i, { data }] of charts.entries()) {
      const where = `${f}, chart ${i + 1}`;
      const html = (data?.['text/html'] ?? []) as string[];
      const svg = (data?.['image/svg+xml'] ?? []) as string[];
      assert.equal(html.length, 1, `${where}: one-line HTML rendering`);
      assert.match(html[0], /^<div class="vega-figure" data-vega-mode="vega-lite"><script type="application\/json" class="vega-spec">\{/, where);
      assert.ok(html[0].endsWith(`<script src="../${FIGURE_SCRIPT}"></script>`), `${where}: the page script from the book, not a CDN`);
      assert.equal(svg.length, 1, `${where}: one-line SVG`);
      assert.match(svg[0], /^<svg [^>]*viewBox=/, where);
      assert.doesNotMatch(svg[0], / aria-label=/, `${where}: SVG compacted`);
      assert.equal(data?.['image/png'], undefined, `${where}: no PNG copy`);
    }
    const kib = statSync(path).size / 1024;
    total += kib;
    assert.ok(kib <= MAX_KIB, `${f}: ${Math.round(kib)} KiB > ${MAX_KIB} KiB`);
    assert.ok(lines.length <= MAX_LINES, `${f}: ${lines.length} lines`);
  }
  assert.ok(total <= MAX_TOTAL_KIB, `the six notebooks: ${Math.round(total)} KiB > ${MAX_TOTAL_KIB} KiB`);
});

test('npm run notebooks -- NAME --cells I,J reruns only those cells; the others keep their stored outputs', () => {
  const out = mkdtempSync(join(tmpdir(), 'eos-cells-'));
  try {
    const name = '06-classification-toy';
    const run = (cells: string) =>
      spawnSync('/usr/bin/python3', ['scripts/notebooks.py', name, '--cells', cells, '--output-dir', out], {
        cwd: resolve(NOTEBOOKS, '..'),
        env: { ...process.env, EOS_PROFILE: 'smoke', EOS_RESULTS_DIR: join(out, 'results') },
        encoding: 'utf8',
      });
    const tooFar = run('2,99');
    assert.notEqual(tooFar.status, 0);
    assert.match(tooFar.stderr, /has 12 cells; --cells names 99/);
    // The setup cell and the findings cell: neither runs a sweep.
    const done = run('2,11');
    assert.equal(done.status, 0, done.stderr);
    const cellsOf = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { cells: { outputs?: Output[] }[] }).cells;
    // What a cell showed: each chart's spec (its HTML and SVG are rebuilt from it on writing), the other outputs whole.
    const shown = (outputs: Output[] = []) => outputs.map((o) => (o.data?.[VEGA_LITE] !== undefined ? o.data[VEGA_LITE] : o));
    const stored = cellsOf(join(NOTEBOOKS, `${name}.ipynb`));
    const rerun = cellsOf(join(out, `${name}.ipynb`));
    for (const i of [4, 7, 9]) assert.deepEqual(shown(rerun[i].outputs), shown(stored[i].outputs), `cell ${i} kept its outputs`);
    // The profile the setup cell prints is the rerun's, not the stored notebook's (quick).
    assert.match(JSON.stringify(rerun[2].outputs), /smoke/);
    assert.ok((rerun[11].outputs ?? []).length > 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
