/**
 * Committed notebooks stay reviewable (CONTRIBUTING.md): charts are stored as
 * one-line Vega-Lite specs without SVG/PNG copies (scripts/notebooks.py), so a
 * re-executed notebook's diff is a few lines per chart, and each file is small.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const NOTEBOOKS = resolve(import.meta.dirname, '../../notebooks');
const MAX_KIB = 600;
const MAX_LINES = 1000;

test('stored notebooks: one line per chart spec, no static copies, small files', () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb'));
  assert.equal(files.length, 6);
  for (const f of files) {
    const path = join(NOTEBOOKS, f);
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const specLines = lines.filter((l) => l.includes('"application/vnd.vegalite.v5+json":'));
    for (const l of specLines) assert.match(l, /"application\/vnd\.vegalite\.v5\+json": \{.*\},?$/, `${f}: a chart spec spread over several lines`);
    assert.ok(!text.includes('"image/svg+xml"') && !text.includes('"image/png"'), `${f}: static chart copies stored`);
    assert.ok(statSync(path).size <= MAX_KIB * 1024, `${f}: ${Math.round(statSync(path).size / 1024)} KiB > ${MAX_KIB} KiB`);
    assert.ok(lines.length <= MAX_LINES, `${f}: ${lines.length} lines`);
    JSON.parse(text);
  }
});
