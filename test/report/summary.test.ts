import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gdKey } from '../../src/sweep/store.js';
import { profile } from '../../src/sweep/profiles.js';
import { trajectoryRates } from '../../src/figures/trajectory.js';
import { ResultStore } from '../../src/sweep/store.js';
import { bestData, downsample, readReportData, roundNumbers, trajectoryPoints, TRAJECTORY_POINTS, type ExperimentData } from '../../src/report/summary.js';
import { sweepsFromStore } from '../../src/sweep/summary.js';
import { writeProfileData } from '../../src/report/profileData.js';
import { FIXTURE_EXPERIMENTS, syntheticStore, writeSyntheticSweep } from './fixture.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

test('downsample keeps the ends and at most max points', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => i);
  const d = downsample(xs, 100);
  assert.equal(d.length, 100);
  assert.equal(d[0], 0);
  assert.equal(d[99], 999);
  assert.deepEqual(downsample([1, 2, 3], 100), [1, 2, 3]);
});

test('roundNumbers cuts non-integers to 6 significant digits and keeps integers, strings and nulls', () => {
  assert.deepEqual(roundNumbers({ a: 0.123456789, b: [12345678, 1.00000049], c: 'x', d: null }), { a: 0.123457, b: [12345678, 1], c: 'x', d: null });
});

test('writeProfileData condenses a finished synthetic sweep into small validated files', async () => {
  const store = syntheticStore(tmp('eos-report-results-'));
  const dataDir = tmp('eos-report-data-');
  const w = await writeProfileData('smoke', store, dataDir);
  assert.deepEqual(w.written.map((f) => f.split('/').pop()).sort(), [...FIXTURE_EXPERIMENTS.map((id) => `${id}.json`), 'claims.json', 'table1.json'].sort());
  assert.deepEqual(w.notRun.sort(), profile('smoke').map((e) => e.experiment.id).filter((id) => !FIXTURE_EXPERIMENTS.includes(id)).sort());
  for (const f of w.written) assert.ok(statSync(f).size < 200_000, `${f} is ${statSync(f).size} bytes`);

  const data = readReportData(dataDir);
  assert.equal(data.length, FIXTURE_EXPERIMENTS.length);
  const tanh = data.find((d) => d.experiment.id === 'fcn-tanh-cifar5k-mse') as ExperimentData;
  assert.equal(tanh.status, 'complete');
  assert.equal(tanh.profile, 'smoke');
  assert.deepEqual(tanh.sweeps.map((s) => s.lossGoal).sort(), [...tanh.experiment.lossGoals].sort());
  for (const s of tanh.sweeps) {
    assert.ok(s.runs.some((r) => r.outcome === 'diverged'), 'the schedule runs until divergence');
    assert.ok(Math.abs(s.criticalLr - 2 / s.sGF) < 1e-5 * s.criticalLr, "eta_c = 2/s_GF up to the 6 kept digits");
    assert.ok(s.trajectories.length >= 1 && s.trajectories.length <= 3);
    for (const t of s.trajectories) assert.ok(t.history.length <= TRAJECTORY_POINTS);
  }
  assert.ok(tanh.compute.gdSeconds > 0 && tanh.environments[0].backend === 'wasm');

  // The condensed sweep keeps every run, and the trajectories of the rates figure 13 draws.
  const full = sweepsFromStore(tanh.experiment, store);
  assert.ok(full);
  full.summaries.forEach((summary, i) => {
    assert.equal(summary.runs.length, tanh.sweeps[i].runs.length);
    assert.deepEqual(tanh.sweeps[i].trajectories.map((t) => t.lr), roundNumbers(trajectoryRates(summary)));
  });
});

test('a paper-profile experiment with three loss goals and long histories stays below 200 KB', async () => {
  const store = new ResultStore(tmp('eos-report-results-'));
  const tanh = profile('paper').find((e) => e.experiment.id === 'fcn-tanh-cifar5k-mse');
  assert.ok(tanh && tanh.experiment.lossGoals.length === 3);
  writeSyntheticSweep(store, tanh.experiment, 2000);
  const dataDir = tmp('eos-report-data-');
  const [file] = (await writeProfileData('paper', store, dataDir)).written;
  assert.ok(statSync(file).size < 200_000, `${statSync(file).size} bytes`);
  const [d] = readReportData(dataDir);
  assert.ok(d.sweeps.every((s) => s.trajectories.length === 3 && s.trajectories.every((t) => t.history.length === trajectoryPoints(d.experiment))));
});

test('a rerun removes stale summaries, keeps a complete one over a partial sweep, and reports missing runs as partial', async () => {
  const resultsDir = tmp('eos-report-results-');
  const store = syntheticStore(resultsDir);
  const dataDir = tmp('eos-report-data-');
  await writeProfileData('smoke', store, dataDir);
  writeFileSync(join(dataDir, 'smoke', 'gone-experiment.json'), '{}');
  const mnist = profile('smoke').find((e) => e.experiment.id === 'fcn-relu-mnist5k-mse');
  assert.ok(mnist);
  const full = sweepsFromStore(mnist.experiment, store);
  assert.ok(full);
  const victim = full.summaries[0].runs[1];
  rmSync(join(resultsDir, 'runs', `${gdKey(mnist.experiment, victim.lr, victim.lossGoal)}.json`));

  const w = await writeProfileData('smoke', store, dataDir);
  assert.deepEqual(w.removed.map((f) => f.split('/').pop()), ['gone-experiment.json']);
  assert.ok(!readdirSync(join(dataDir, 'smoke')).includes('gone-experiment.json'));
  // The complete summary stays: a sweep partial in the results folder does not replace it.
  const summary = join(dataDir, 'smoke', 'fcn-relu-mnist5k-mse.json');
  assert.deepEqual(w.kept, [summary]);
  assert.equal(readReportData(dataDir).find((x) => x.experiment.id === 'fcn-relu-mnist5k-mse')?.status, 'complete');
  // Without a complete summary to keep, the missing run shows as partial.
  rmSync(summary);
  await writeProfileData('smoke', store, dataDir);
  const d = readReportData(dataDir).find((x) => x.experiment.id === 'fcn-relu-mnist5k-mse');
  assert.equal(d?.status, 'partial');
  assert.ok((d?.tasks.missing ?? 0) >= 1);
});

test('readReportData rejects an invalid summary with a way to fix it', async () => {
  const dataDir = tmp('eos-report-data-');
  await writeProfileData('quick', syntheticStore(tmp('eos-report-results-')), dataDir);
  writeFileSync(join(dataDir, 'quick', 'broken.json'), JSON.stringify({ format: 1 }));
  assert.throws(() => readReportData(dataDir), /broken\.json is not a valid result summary .*npm run report -- data --profile quick/);
});

test('bestData prefers complete sweeps, then the paper profile, then quick, then smoke', () => {
  const d = (id: string, p: ExperimentData['profile'], status: ExperimentData['status'] = 'complete') => ({ profile: p, status, experiment: { id } }) as ExperimentData;
  const best = bestData([d('a', 'smoke'), d('a', 'quick'), d('b', 'smoke'), d('c', 'paper'), d('c', 'quick'), d('e', 'quick', 'partial'), d('e', 'smoke'), d('f', 'paper', 'partial'), d('f', 'quick', 'partial')]);
  assert.equal(best.get('a')?.profile, 'quick');
  assert.equal(best.get('b')?.profile, 'smoke');
  assert.equal(best.get('c')?.profile, 'paper');
  assert.equal(best.get('e')?.profile, 'smoke');
  assert.equal(best.get('f')?.profile, 'paper');
});
