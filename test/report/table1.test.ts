import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profile } from '../../src/sweep/profiles.js';
import type { Experiment } from '../../src/sweep/schema.js';
import { experimentsForRow, paperLossGoal, TABLE1, table1Row } from '../../src/report/table1.js';

const experiment = (id: string, profileName: 'paper' | 'quick' | 'smoke' = 'paper'): Experiment => {
  const e = profile(profileName).find((p) => p.experiment.id === id)?.experiment;
  assert.ok(e, id);
  return e;
};

test('Table 1 rows: matched through the paper-profile setting, also for reduced profiles', () => {
  assert.equal(TABLE1.length, 48);
  const mnist = table1Row(experiment('fcn-relu-mnist5k-mse'), 1e-4);
  assert.equal(mnist?.figures, '3a,13,9,11b,18,64,72');
  assert.deepEqual(mnist?.uShape, { shape: 'U', tentative: false });
  // quick trains fcn-relu-mnist5k-mse to 1e-2 on 1000 samples: it still stands for the 1e-4 row.
  const quick = experiment('fcn-relu-mnist5k-mse', 'quick');
  assert.equal(paperLossGoal(quick, quick.lossGoals[0]), 1e-4);
  assert.equal(table1Row(quick, quick.lossGoals[0]), mnist);
  const tanh = experiment('fcn-tanh-cifar5k-mse', 'quick');
  assert.deepEqual(tanh.lossGoals.map((g) => table1Row(tanh, g)?.figures), ['2a', '2b', '2c,27,70,78']);
  assert.equal(table1Row(experiment('fcn-relu-cifar5k-mse-init5'), 0.1)?.figures, '6c,61,10');
  assert.equal(table1Row(experiment('fcn-relu-mnist5k-mse-mup200'), 0.1), null, 'muP is not in Table 1');
  assert.equal(table1Row(experiment('diagonal-2d'), 1e-6), null);
  assert.deepEqual(experimentsForRow(TABLE1[8]), ['fcn-relu-cifar5k-mse-seed43']);
});
