import assert from 'node:assert/strict';
import { test } from 'node:test';
import { svgToPng, toSvg } from '../../src/figures/export.js';
import { dataMb, linearReference, SCALING_SERIES, scalingFigure, type CostPoint } from '../../src/figures/scaling.js';
import { assertCompiles, assertTooltips, values, view } from './helpers.js';

/** Ours: 2 ms per 1000 samples per GD step, HVP twice that, 100 MB plus the data; PyTorch 1.5x the time, 300 MB flat. */
function point(n: number, width: number): CostPoint {
  const scale = (n / 1000) * (width / 200);
  return { n, d: 784, width, engine: { gdStepMs: 2 * scale, hvpMs: 4 * scale, peakRssMb: 100 + dataMb(n, 784) }, torch: { gdStepMs: 3 * scale, hvpMs: 6 * scale, peakRssMb: 300 } };
}

const AT = { n: 5000, width: 200 };
const POINTS = [point(20000, 200), point(1000, 200), point(5000, 200), point(60000, 200), point(5000, 600), point(5000, 2000), point(1000, 600)];
const ys = (rows: Record<string, unknown>[], series: string): number[] => rows.filter((r) => r.series === series).map((r) => Number(r.y));
const xs = (rows: Record<string, unknown>[], series: string): number[] => rows.filter((r) => r.series === series).map((r) => Number(r.x));

test('the slope-1 reference passes through the first point and grows in proportion to n', () => {
  const line = linearReference([
    { x: 1000, y: 7 },
    { x: 2000, y: 99 },
    { x: 8000, y: 1 },
  ]);
  assert.deepEqual(line, [
    { x: 1000, y: 7 },
    { x: 2000, y: 14 },
    { x: 8000, y: 56 },
  ]);
  assert.deepEqual(linearReference([]), []);
});

test('scaling figure: the series over n at the crossing width and over the width at the crossing n, in order, ours and PyTorch', async () => {
  const spec = scalingFigure(POINTS, AT);
  assertCompiles(spec);
  assertTooltips(spec);
  assert.deepEqual(svgToPng(await toSvg(spec), 1).subarray(1, 4), Buffer.from('PNG'));

  const step = values(view(spec, 'n-gdStepMs'));
  assert.deepEqual(xs(step, SCALING_SERIES.ours), [1000, 5000, 20000, 60000], 'width 600 and 2000 are not in the series over n');
  assert.deepEqual(ys(step, SCALING_SERIES.ours), [2, 10, 40, 120]);
  assert.deepEqual(ys(step, SCALING_SERIES.torch), [3, 15, 60, 180]);
  assert.deepEqual(ys(values(view(spec, 'n-hvpMs')), SCALING_SERIES.torch), [6, 30, 120, 360]);

  // The reference of slope 1 starts at our first point and doubles when n doubles.
  const reference = values(view(spec, 'n-hvpMs-reference'));
  assert.deepEqual(xs(reference, SCALING_SERIES.linear), [1000, 5000, 20000, 60000]);
  assert.deepEqual(ys(reference, SCALING_SERIES.linear), [4, 20, 80, 240]);

  // Memory over n: ours, PyTorch's, and the data set's own size for comparison.
  const memory = values(view(spec, 'n-peakRssMb'));
  assert.deepEqual(ys(memory, SCALING_SERIES.torch), [300, 300, 300, 300]);
  const data = ys(values(view(spec, 'n-peakRssMb-reference')), SCALING_SERIES.data);
  assert.ok(Math.abs(data[3] - 179.4) < 0.1, `60000 MNIST images are 179.4 MB, got ${data[3]}`);
  assert.deepEqual(ys(memory, SCALING_SERIES.ours), data.map((mb) => 100 + mb));

  // Over the width at n = 5000 (the n = 1000, width 600 point is in neither series), no reference line.
  const width = values(view(spec, 'width-gdStepMs'));
  assert.deepEqual(xs(width, SCALING_SERIES.ours), [200, 600, 2000]);
  assert.deepEqual(ys(width, SCALING_SERIES.ours), [10, 30, 100]);
  assert.throws(() => view(spec, 'width-gdStepMs-reference'));
});

test('scaling figure: a series without points is left out; no point at all is an error', () => {
  const onlyN = scalingFigure([point(1000, 200), point(2000, 200)], { n: 3000, width: 200 });
  assertCompiles(onlyN);
  assert.equal((onlyN.vconcat as unknown[]).length, 1);
  assert.throws(() => scalingFigure([point(1000, 600)], AT), /no scaling point/);
});
