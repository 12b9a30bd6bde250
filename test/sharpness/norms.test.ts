import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distance, parameterNorms } from '../../src/sharpness/norms.js';
import { layoutFrom } from '../../src/models/types.js';

test('l1, l2 and nuclear norms per layer and in total', () => {
  const layout = layoutFrom([
    { name: 'layers.0.weight', shape: [2, 2], role: 'weight' },
    { name: 'layers.0.bias', shape: [2], role: 'bias' },
  ]);
  // W = [[3, 0], [4, 0]] has singular values 5 and 0.
  const theta = Float32Array.from([3, 0, 4, 0, -1, 2]);
  const r = parameterNorms(layout, theta);
  assert.equal(r.l1, 10);
  assert.ok(Math.abs(r.l2 - Math.sqrt(30)) < 1e-12);
  assert.ok(Math.abs(r.nuclear - 5) < 1e-9);
  assert.deepEqual(r.perLayer.map((b) => b.nuclear === null), [false, true]);
  assert.deepEqual(distance([1, 2], [4, -2]), { l1: 7, l2: 5 });
});
