import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLAIMS } from '../../src/figures/claims.js';
import { readReportData, type ExperimentData } from '../../src/report/summary.js';
import { writeProfileData } from '../../src/report/profileData.js';
import { readVerdicts, reportedClaims, type ClaimsFile } from '../../src/report/verdicts.js';
import { FIXTURE_EXPERIMENTS, syntheticStore } from './fixture.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

test('writing a profile judges every claim of src/figures/claims.ts on its results, without training', async () => {
  const dataDir = tmp('eos-verdicts-data-');
  const w = await writeProfileData('smoke', syntheticStore(tmp('eos-verdicts-results-')), dataDir);
  assert.ok(w.written.some((f) => f.endsWith('/smoke/claims.json')));
  const [file] = readVerdicts(dataDir);
  assert.equal(file.profile, 'smoke');
  assert.deepEqual(file.verdicts.map((v) => v.id), CLAIMS.map((c) => c.id));
  const byId = new Map(file.verdicts.map((v) => [v.id, v]));
  // The synthetic sweeps follow the paper: the regime claims on them hold.
  assert.equal(byId.get('flow-aligned:fcn-relu-mnist5k-mse')?.holds, true, byId.get('flow-aligned:fcn-relu-mnist5k-mse')?.measured);
  assert.equal(byId.get('loss-threshold:fcn-tanh-cifar5k-mse')?.holds, true, byId.get('loss-threshold:fcn-tanh-cifar5k-mse')?.measured);
  // An experiment of the profile without results is reported as not run, not trained.
  const seed44 = byId.get('flow-aligned:fcn-relu-cifar5k-mse-seed44');
  assert.equal(seed44?.holds, null);
  assert.match(seed44?.measured ?? '', /fcn-relu-cifar5k-mse-seed44 has not been run in profile 'smoke'/);
  assert.ok(!FIXTURE_EXPERIMENTS.includes('fcn-relu-cifar5k-mse-seed44'));
});

test('one reported verdict per claim: decided, complete and faithful profiles first; not run without data', async () => {
  const dataDir = tmp('eos-verdicts-data-');
  await writeProfileData('smoke', syntheticStore(tmp('eos-verdicts-results-')), dataDir);
  const data = readReportData(dataDir);
  const files = readVerdicts(dataDir);
  const smoke = files[0];
  const id = 'flow-aligned:fcn-relu-mnist5k-mse';
  const quickVerdict = { ...smoke.verdicts.find((v) => v.id === id)!, measured: 'from quick' };
  const quick: ClaimsFile = { format: 1, profile: 'quick', verdicts: [quickVerdict] };
  const quickData = (status: ExperimentData['status']) => [...data, { ...data.find((d) => d.experiment.id === 'fcn-relu-mnist5k-mse')!, profile: 'quick' as const, status }];

  const pick = (f: ClaimsFile[], d: ExperimentData[]) => reportedClaims(f, d).find((c) => c.id === id);
  assert.equal(pick([smoke, quick], quickData('complete'))?.profile, 'quick', 'quick is more faithful than smoke');
  assert.equal(pick([smoke, quick], quickData('partial'))?.profile, 'smoke', 'complete sweeps before partial ones');
  assert.equal(pick([smoke, { ...quick, verdicts: [{ ...quickVerdict, holds: null }] }], quickData('complete'))?.profile, 'smoke', 'a decided verdict before one that cannot tell');
  assert.equal(pick([smoke, quick], data)?.profile, 'smoke', 'a verdict needs the data of its profile');

  const reported = reportedClaims(files, data);
  assert.equal(reported.length, CLAIMS.length);
  const notRun = reported.find((c) => c.id === 'flow-aligned:fcn-relu-cifar5k-mse-seed44');
  assert.equal(notRun?.profile, null);
  assert.equal(notRun?.holds, null);
  assert.ok(reportedClaims([], []).every((c) => c.profile === null), 'no data: every claim is not run');
});

test('an invalid verdict file names the command that regenerates it', () => {
  const dataDir = tmp('eos-verdicts-data-');
  const dir = join(dataDir, 'quick');
  mkdirSync(dir);
  writeFileSync(join(dir, 'claims.json'), '{"format":1}');
  assert.throws(() => readVerdicts(dataDir), /claims\.json is not a valid verdict file; regenerate it with `npm run report -- data --profile quick`/);
});
