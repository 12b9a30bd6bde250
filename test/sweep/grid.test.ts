import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coarseGrid, fineGrid, initialSchedule, nextRates } from '../../src/sweep/grid.js';
import { GridSpec } from '../../src/sweep/schema.js';

const close = (a: number[], b: number[]) => {
  assert.equal(a.length, b.length, `${a} vs ${b}`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12 * Math.abs(b[i]), `${i}: ${x} vs ${b[i]}`));
};

test('appendix G schedule: 12 fine rates k/(2 s_GF) up to 6/s_GF, 9 coarse rates on [6/s_GF, 2/s0]', () => {
  const grid = GridSpec.parse({});
  const sGF = 40;
  const s0 = 5;
  close(fineGrid(sGF, grid), Array.from({ length: 12 }, (_, i) => (i + 1) / 80));
  const { rates, step } = coarseGrid(s0, sGF, grid);
  close(rates, Array.from({ length: 9 }, (_, i) => 6 / 40 + (i * (2 / 5 - 6 / 40)) / 8));
  assert.ok(Math.abs(step - (0.4 - 0.15) / 8) < 1e-15);
  // 6/s_GF is both the last fine and the first coarse rate: it appears once.
  assert.equal(initialSchedule(s0, sGF, grid).length, 20);
});

test('fineFirst skips the smallest (most expensive) rates; fineMax caps the fine grid', () => {
  const grid = GridSpec.parse({ fine: 5, fineFirst: 2, fineMax: 3, coarse: 4 });
  close(fineGrid(10, grid), [0.1, 0.15, 0.2, 0.25, 0.3]);
  close(initialSchedule(1, 10, grid), [0.1, 0.15, 0.2, 0.25, 0.3, 0.3 + 1.7 / 3, 0.3 + 3.4 / 3, 2]);
  close(fineGrid(10, GridSpec.parse({ fine: 12, fineMax: 2 })), [0.05, 0.1, 0.15, 0.2]);
});

test('extension: the coarse step continues above 2/s0 until a divergence or the extension budget', () => {
  const grid = GridSpec.parse({ fine: 2, coarse: 3, extendUntilDivergence: 2 });
  const s0 = 1;
  const sGF = 10;
  const rates = initialSchedule(s0, sGF, grid);
  close(rates, [0.05, 0.1, 0.6, 1.3, 2]);
  const done = rates.map((lr) => ({ lr, failed: false }));
  close(nextRates(done, s0, sGF, grid), [2.7]);
  close(nextRates([...done, { lr: 2.7, failed: false }], s0, sGF, grid), [3.4]);
  assert.deepEqual(nextRates([...done, { lr: 2.7, failed: false }, { lr: 3.4, failed: false }], s0, sGF, grid), []);
});

test('refinement bisects between the last converged and the first failed rate down to step / 2^refine', () => {
  const grid = GridSpec.parse({ fine: 2, coarse: 3, refine: 2 });
  const runs = [0.05, 0.1, 0.6].map((lr) => ({ lr, failed: false }));
  const afterDivergence = [...runs, { lr: 1.3, failed: true }, { lr: 2, failed: true }];
  close(nextRates(afterDivergence, 1, 10, grid), [0.95]);
  const refined = [...afterDivergence, { lr: 0.95, failed: false }];
  close(nextRates(refined, 1, 10, grid), [1.125]);
  // gap 0.175 = step / 4: done.
  assert.deepEqual(nextRates([...refined, { lr: 1.125, failed: true }], 1, 10, grid), []);
  // Nothing converged below the divergence: nothing to bisect.
  assert.deepEqual(nextRates([{ lr: 0.05, failed: true }], 1, 10, grid), []);
});

test('s0 <= 0 (initialisation at a saddle): no coarse grid, the fine step continues until divergence', () => {
  const grid = GridSpec.parse({ fine: 4, fineMax: 2, extendUntilDivergence: 3 });
  const sGF = 10;
  close(initialSchedule(-0.5, sGF, grid), [0.05, 0.1, 0.15, 0.2]);
  const done = [0.05, 0.1, 0.15, 0.2].map((lr) => ({ lr, failed: false }));
  close(nextRates(done, -0.5, sGF, grid), [0.25]);
  close(nextRates([...done, { lr: 0.25, failed: true }], -0.5, sGF, grid), [0.225]);
});

test('explicit rates replace the schedule and are never extended', () => {
  const grid = GridSpec.parse({ rates: [0.3, 0.1, 0.3] });
  close(initialSchedule(1, 10, grid), [0.1, 0.3]);
  assert.deepEqual(nextRates([{ lr: 0.1, failed: false }], 1, 10, grid), []);
});
