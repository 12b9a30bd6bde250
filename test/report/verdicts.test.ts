import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLAIMS } from '../../src/figures/claims.js';
import { readReportData, type ExperimentData } from '../../src/report/summary.js';
import { rejudgeProfile, writeProfileData } from '../../src/report/profileData.js';
import { checklistMarkdown, paperVerdicts, readVerdicts, reportedClaims, type ClaimsFile, type ReportedClaim } from '../../src/report/verdicts.js';
import { bestTable1, table1Entries } from '../../src/report/table1.js';
import { PAPER_CLAIMS } from '../../src/figures/paperClaims.js';
import { profile, PROFILES } from '../../src/sweep/profiles.js';
import type { Experiment } from '../../src/sweep/schema.js';
import { ResultStore } from '../../src/sweep/store.js';
import { FIXTURE_EXPERIMENTS, syntheticStore, writeSyntheticSweep } from './fixture.js';

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

test('the checklist: every paper claim gets holds / does not hold / not run, with a diagnosis or what would run it', async () => {
  const dataDir = tmp('eos-verdicts-data-');
  await writeProfileData('smoke', syntheticStore(tmp('eos-verdicts-results-')), dataDir);
  const data = readReportData(dataDir);
  const files = readVerdicts(dataDir);
  const rows = bestTable1(PROFILES.map((p) => table1Entries(p, new Map(data.filter((d) => d.profile === p).map((d) => [d.experiment.id, d])))));
  const verdicts = paperVerdicts(reportedClaims(files, data), files, rows);
  assert.deepEqual(verdicts.map((v) => v.id), PAPER_CLAIMS.map((c) => c.id));
  for (const v of verdicts) {
    assert.equal(v.verdict === 'does not hold', v.diagnosis !== null, `${v.id}: a diagnosis exactly when it does not hold`);
    assert.equal(v.verdict === 'not run', v.run !== null && v.run.length > 0, `${v.id}: what would run it exactly when not run`);
  }
  const byId = new Map(verdicts.map((v) => [v.id, v]));
  // Minimal norm never generalises best: decided over all of Table 1's rows, so it cannot hold while rows have not run.
  assert.equal(byId.get('c2-never-min-norm')?.verdict, 'not run');
  assert.match(byId.get('c2-never-min-norm')?.run ?? '', /Table 1 rows .*2, 3/);
  // Claims whose experiments no profile has are not run, naming the sweep that would run them.
  assert.equal(byId.get('h6-x10-diverges')?.verdict, 'not run');
  assert.match(byId.get('h6-x10-diverges')?.run ?? '', /--experiment fcn-relu-cifar5k-ce-init10/);
  // The synthetic sweeps follow the paper: the flow-aligned claim holds.
  assert.equal(byId.get('c1-below')?.verdict, 'not run', 'fcn-relu-cifar5k-mse is not in the fixture');
  assert.equal(byId.get('f-min-sharpness')?.verdict, 'holds', 'a closed-form claim needs no experiment');
  const md = checklistMarkdown(verdicts);
  assert.equal(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| claim') && !l.startsWith('| source') && /\| (✓ holds|✗ does not hold|– not run) \|/.test(l)).length, verdicts.length);
  assert.match(md, /^\| source \| claims \| ✓ holds \| ✗ does not hold \| – not run \|/);
});

test('a failing check is diagnosed: its own diagnosis first, else reduced settings when judged on a reduced profile', () => {
  const check = (id: string, holds: boolean | null, profile: ReportedClaim['profile'], diagnosis: ReportedClaim['diagnosis'] = null): ReportedClaim => ({ id, notebook: null, claim: '', source: '', experiment: 'x', measured: `m(${id})`, holds, diagnosis, profile });
  const all = CLAIMS.map((c) => check(c.id, true, 'quick'));
  const set = (id: string, c: ReportedClaim) => all.map((x) => (x.id === id ? c : x));
  const one = (claims: ReportedClaim[], id: string) => paperVerdicts(claims, [], bestTable1([])).find((v) => v.id === id);
  const stopped = set('edge-of-stability:fcn-relu-mnist5k-mse', check('edge-of-stability:fcn-relu-mnist5k-mse', false, 'quick', { cause: 'undersampled sharpness', evidence: 'every 20 steps' }));
  assert.deepEqual(one(stopped, 'h11-eos')?.diagnosis, { cause: 'undersampled sharpness', evidence: 'every 20 steps' });
  const reduced = set('kkt:diagonal-2d', check('kkt:diagonal-2d', false, 'quick'));
  assert.equal(one(reduced, 's3-kkt')?.diagnosis?.cause, 'reduced settings');
  const paper = set('kkt:diagonal-2d', check('kkt:diagonal-2d', false, 'paper'));
  assert.equal(one(paper, 's3-kkt')?.diagnosis?.cause, 'disagreement');
  // A negated check: width alone dissolves the norm trend, so a holding norm check makes the claim fail.
  const widthNorm = set('norm:fcn-relu-mnist5k-mse-400x2', check('norm:fcn-relu-mnist5k-mse-400x2', true, 'paper'));
  const widthOthers = widthNorm.map((c) => (c.id.startsWith('norm:fcn-relu-mnist5k-mse-') && c.id.endsWith('x2') && c.id !== 'norm:fcn-relu-mnist5k-mse-400x2' ? { ...c, holds: false } : c));
  assert.equal(one(widthOthers, 'h2-width-alone')?.verdict, 'does not hold');
  assert.equal(one(all.map((c) => (c.id.startsWith('norm:fcn-relu-mnist5k-mse-') && c.id.endsWith('x2') ? { ...c, holds: false } : c)), 'h2-width-alone')?.verdict, 'holds');
  // "Often": one CE experiment failing below 1/s_0 is enough.
  const ce = set('fails-below-inverse-s0:fcn-relu-cifar5k-ce', check('fails-below-inverse-s0:fcn-relu-cifar5k-ce', false, 'quick'));
  assert.equal(one(ce, 'h4-ce-fails')?.verdict, 'holds');
});

test('judging again from the committed summaries gives the verdicts judged on the full results', async () => {
  const dataDir = tmp('eos-verdicts-data-');
  await writeProfileData('smoke', syntheticStore(tmp('eos-verdicts-results-')), dataDir);
  const [fromResults] = readVerdicts(dataDir);
  const written = await rejudgeProfile('smoke', dataDir);
  assert.deepEqual(written.map((f) => f.split('/').pop()), ['claims.json', 'table1.json']);
  const [fromSummaries] = readVerdicts(dataDir);
  assert.equal(fromResults.judgedFrom, 'results');
  assert.equal(fromSummaries.judgedFrom, 'summaries');
  // Histories are downsampled in the summaries: only the check that reads whole histories may differ.
  const strip = (f: ClaimsFile) => f.verdicts.filter((v) => !v.id.startsWith('norm-monotone:')).map((v) => [v.id, v.holds, v.diagnosis?.cause ?? null]);
  assert.deepEqual(strip(fromSummaries), strip(fromResults));
  await assert.rejects(rejudgeProfile('quick', dataDir), /no committed summaries of profile 'quick'/);
});

test("a results folder without an experiment, or with its sweep still partial, keeps the committed complete summary (the claims and Table 1 read it); a summary of another configuration is removed", async () => {
  const dataDir = tmp('eos-verdicts-data-');
  await writeProfileData('smoke', syntheticStore(tmp('eos-verdicts-results-')), dataDir);
  const before = readReportData(dataDir);
  const claimsBefore = readVerdicts(dataDir)[0].verdicts;
  const table1 = join(dataDir, 'smoke', 'table1.json');
  const table1Before = readFileSync(table1, 'utf8');
  // A stale summary: an experiment of the profile, configured otherwise.
  const [first] = before;
  const stale = join(dataDir, 'smoke', 'fcn-relu-cifar5k-mse-seed44.json');
  writeFileSync(stale, JSON.stringify({ ...first, experiment: { ...first.experiment, id: 'fcn-relu-cifar5k-mse-seed44' } }));
  // Another machine's results folder holds one experiment only.
  const one = new ResultStore(tmp('eos-verdicts-one-'));
  writeSyntheticSweep(one, profile('smoke').find((p) => p.experiment.id === FIXTURE_EXPERIMENTS[0])?.experiment as Experiment);
  const w = await writeProfileData('smoke', one, dataDir);
  assert.deepEqual(w.written.filter((f) => !/(claims|table1|plan)\.json$/.test(f)).map((f) => f.split('/').pop()), [`${FIXTURE_EXPERIMENTS[0]}.json`]);
  assert.equal(w.kept.length, FIXTURE_EXPERIMENTS.length - 1);
  assert.deepEqual(w.removed, [stale]);
  assert.deepEqual(readReportData(dataDir).map((d) => d.experiment.id), before.map((d) => d.experiment.id));
  // Judged again from the kept summaries, whose numbers are rounded: the same verdicts (a measured text may differ in its last digit).
  assert.deepEqual(readVerdicts(dataDir)[0].verdicts.map((v) => [v.id, v.holds]), claimsBefore.map((v) => [v.id, v.holds]));
  assert.equal(readFileSync(table1, 'utf8'), table1Before);
  // A sweep still partial in a results folder does not replace a complete summary.
  const summary = join(dataDir, 'smoke', `${FIXTURE_EXPERIMENTS[0]}.json`);
  const complete = readFileSync(summary, 'utf8');
  const partial = new ResultStore(tmp('eos-verdicts-partial-'));
  writeSyntheticSweep(partial, profile('smoke').find((p) => p.experiment.id === FIXTURE_EXPERIMENTS[0])?.experiment as Experiment);
  const gd = partial.runs().filter((r) => r.kind === 'gd');
  rmSync(partial.runPath(gd[gd.length - 1].key));
  const p = await writeProfileData('smoke', partial, dataDir);
  assert.equal(p.kept.length, FIXTURE_EXPERIMENTS.length);
  assert.equal(readFileSync(summary, 'utf8'), complete);
});
