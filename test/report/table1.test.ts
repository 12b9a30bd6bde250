import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profile } from '../../src/sweep/profiles.js';
import type { Experiment } from '../../src/sweep/schema.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { writeProfileData } from '../../src/report/profileData.js';
import { readReportData, roundNumbers } from '../../src/report/summary.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uShapeOf } from '../../src/figures/claims.js';
import { bestTable1, markOf, Table1File, table1Entries, type Table1Entry } from '../../src/report/table1.js';
import { experimentsForRow, paperLossGoal, TABLE1, table1Row, table1Rows } from '../../src/sweep/table1.js';
import { initialSchedule, nextRates } from '../../src/sweep/grid.js';
import { syntheticSummary } from '../figures/fixtures.js';
import { syntheticStore } from './fixture.js';

/** The rates a grid schedules while no run diverges. */
const scheduleWhileConverging = (s0: number, sGF: number, grid: Experiment['grid']): number[] => {
  const done: number[] = [];
  for (let rates = initialSchedule(s0, sGF, grid); rates.length > 0; rates = nextRates(done.map((lr) => ({ lr, failed: false })), s0, sGF, grid)) done.push(...rates);
  return done;
};

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

test('the paper profile covers every row of Table 1 at the paper settings', () => {
  const paper = profile('paper').map((p) => p.experiment);
  const uncovered = TABLE1.filter((r) => experimentsForRow(r).length === 0).map((r) => `${r.row} ${r.model}`);
  assert.deepEqual(uncovered, []);
  for (const e of paper.filter((x) => table1Rows(x).length > 0)) {
    assert.match(e.dataset, /^(mnist|cifar10)(-5k)?$/, `${e.id}: the full training set (or its first 5000), no subset`);
    assert.equal(e.testLimit, undefined, `${e.id}: the full test set`);
    assert.deepEqual({ every: e.record.every, sharpnessEvery: e.record.sharpnessEvery }, { every: 10, sharpnessEvery: 10 }, `${e.id}: sharpness and norms every 10 steps (appendix G)`);
    assert.deepEqual({ fine: e.grid.fine, fineFirst: e.grid.fineFirst, fineMax: e.grid.fineMax, coarse: e.grid.coarse, rates: e.grid.rates }, { fine: 12, fineFirst: 1, fineMax: 6, coarse: 9, rates: undefined }, `${e.id}: appendix G grid`);
  }
  // Rows are numbered in the paper's order; each row is reproduced by one experiment only.
  assert.deepEqual(TABLE1.map((r) => r.row), Array.from({ length: 48 }, (_, i) => i + 1));
  for (const r of TABLE1) assert.ok(experimentsForRow(r).length <= 1, `row ${r.row}: ${experimentsForRow(r)}`);
  assert.deepEqual(table1Rows(experiment('fcn-tanh-cifar5k-mse')), [39, 38, 37]);
  assert.deepEqual(table1Rows(experiment('fcn-relu-cifar5k-mse-600x6')), [34]);
  assert.deepEqual(['cnn-bn-relu-cifar5k-ce', 'vit-relu-mnist5k-ce', 'vit-relu-cifar5k-ce', 'resnet20-relu-cifar5k-ce'].map((id) => table1Rows(experiment(id))), [[45], [46], [47], [48]]);
});

test('the quick profile covers every row of Table 1 too, each with rates on both sides of 2/s_GF and a goal no tighter than the paper\'s', () => {
  const quick = new Map(profile('quick').map((p) => [p.experiment.id, p.experiment]));
  const uncovered = TABLE1.filter((r) => !experimentsForRow(r).some((id) => quick.has(id))).map((r) => r.row);
  assert.deepEqual(uncovered, []);
  for (const r of TABLE1) {
    const e = quick.get(experimentsForRow(r)[0]);
    assert.ok(e);
    const goal = e.lossGoals.find((g) => table1Row(e, g) === r);
    assert.ok(goal !== undefined && goal >= r.lossGoal, `row ${r.row}: quick goal ${goal} for the paper's ${r.lossGoal}`);
    assert.match(e.dataset, /:\d+$/, `row ${r.row}: a subset of the training set`);
    // Fine rates up to fineMax/s_GF >= 2/s_GF (below the transition where GD tracks the flow), coarse ones above it.
    assert.ok(e.grid.fineFirst <= 2 && e.grid.fineMax >= 2 && e.grid.coarse >= 2, `row ${r.row}: ${JSON.stringify(e.grid)}`);
    // At least three rates above 2/s_GF while nothing diverges, also when the sharpness peaks at initialisation.
    for (const sGF of [10, 20]) {
      const above = scheduleWhileConverging(10, sGF, e.grid).filter((lr) => lr > (2 / sGF) * (1 + 1e-9));
      assert.ok(above.length >= 3, `row ${r.row}, s_GF = ${sGF}, s0 = 10: rates above 2/s_GF ${above.join(', ')}`);
    }
  }
  // Full-dataset rows train on more images than their 5k counterparts.
  const size = (id: string) => Number(quick.get(id)?.dataset.split(':')[1]);
  assert.ok(size('fcn-relu-mnist-mse') > size('fcn-relu-mnist5k-mse-goal1e-2'));
  assert.ok(size('cnn-relu-mnist-mse') > size('cnn-relu-mnist5k-mse'));
});

test('U-shape rule: interior minimum = U, an end = extreme, a contrast within 1% bracketed; fewer than 3 converged rates: no mark', () => {
  // Synthetic test loss 0.5 + (lr - 3/s_GF)^2 with s_GF = 20: minimum at 0.15.
  const u = uShapeOf(syntheticSummary({ rates: [0.025, 0.05, 0.1, 0.15, 0.2, 0.4, 0.6], divergeFrom: 1 }));
  assert.deepEqual([u?.shape, u?.end, u?.tentative], ['U', null, false]);
  const low = uShapeOf(syntheticSummary({ rates: [0.15, 0.3, 0.45], divergeFrom: 1 }));
  assert.deepEqual([low?.shape, low?.end, low?.tentative], ['extreme', 'low', false]);
  const high = uShapeOf(syntheticSummary({ rates: [0.01, 0.05, 0.1], divergeFrom: 1 }));
  assert.deepEqual([high?.shape, high?.end], ['extreme', 'high']);
  const flat = uShapeOf(syntheticSummary({ rates: [0.1, 0.15, 0.2], divergeFrom: 1 }));
  assert.deepEqual([flat?.shape, flat?.tentative], ['U', true]);
  assert.equal(markOf(flat), '(✓)');
  assert.equal(uShapeOf(syntheticSummary({ rates: [0.1, 0.15, 0.2], divergeFrom: 0.2 })), null);
});

test('table1.json: one entry per row with status, runs, hours and our mark next to the paper mark, from the condensed data', async () => {
  const root = mkdtempSync(join(tmpdir(), 'eos-t1-'));
  await writeProfileData('smoke', syntheticStore(join(root, 'results')), join(root, 'data'));
  const file = Table1File.parse(JSON.parse(readFileSync(join(root, 'data', 'smoke', 'table1.json'), 'utf8')));
  // The book computes the same from the condensed summaries it reads.
  const data = readReportData(join(root, 'data'));
  assert.deepEqual(roundNumbers(table1Entries('smoke', new Map(data.map((d) => [d.experiment.id, d])))), file);
  assert.equal(file.rows.length, 48);
  const row1 = file.rows[0];
  assert.equal(row1.experiment, 'fcn-relu-mnist5k-mse');
  assert.equal(row1.status, 'done');
  assert.ok(row1.runs > 3 && row1.hours > 0);
  assert.equal(row1.paperMark, '✓');
  assert.ok(row1.ourMark !== null && row1.agrees === (row1.ourMark.includes('✓')));
  const notInSmoke = file.rows.find((r) => r.row === 21);
  assert.deepEqual([notInSmoke?.experiment, notInSmoke?.status, notInSmoke?.runs], [null, 'not run', 0]);
  assert.equal(file.rows[44].paperMark, null, 'row 45 (CNN-BN) has no mark in the paper');
});

test('bestTable1: per row the done entry of the most faithful profile, then partial, else not run', () => {
  const entry = (row: number, status: Table1Entry['status'], ourMark: string | null): Table1Entry => ({ row, setting: '', figures: '', paperMark: null, experiment: status === 'not run' ? null : 'e', status, runs: status === 'not run' ? 0 : 3, hours: 0, ourMark, measured: null, agrees: null });
  const file = (profileName: 'paper' | 'quick', f: (row: number) => Table1Entry): Table1File => ({ format: 1, profile: profileName, rows: TABLE1.map((r) => f(r.row)) });
  const paper = file('paper', (row) => entry(row, row === 1 ? 'done' : row === 2 ? 'partial' : 'not run', 'P'));
  const quick = file('quick', (row) => entry(row, row <= 3 ? 'done' : 'not run', 'Q'));
  const best = bestTable1([quick, paper]);
  assert.deepEqual(best.slice(0, 4).map((b) => [b.profile, b.entry.ourMark]), [['paper', 'P'], ['quick', 'Q'], ['quick', 'Q'], [null, 'P']]);
  assert.equal(best[3].entry.status, 'not run');
});
