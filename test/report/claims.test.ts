import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profile } from '../../src/sweep/profiles.js';
import type { Experiment, Metrics } from '../../src/sweep/schema.js';
import { CLAIMS, evaluateClaims, spearman, type ClaimResult, type ProfiledSweep, type RunFacts, type SweepFacts } from '../../src/report/claims.js';
import { readReportData, sweepsFromStore, writeProfileData } from '../../src/report/summary.js';
import { experimentsForRow, paperLossGoal, TABLE1, table1Row } from '../../src/report/table1.js';
import { syntheticStore } from './fixture.js';

const experiment = (id: string, profileName: 'paper' | 'quick' | 'smoke' = 'paper'): Experiment => {
  const e = profile(profileName).find((p) => p.experiment.id === id)?.experiment;
  assert.ok(e, id);
  return e;
};

const metrics = (over: Partial<Metrics>): Metrics => ({ step: 0, time: 0, trainLoss: 0.001, trainAccuracy: 1, testLoss: 1, testAccuracy: 0.9, sharpness: 10, l1: 100, l2: 10, nuclear: null, distanceFromInit: { l1: 1, l2: 1 }, ...over });

/** A sweep shaped like the paper says: flat below eta_c = 0.1, S = 1.9/eta and a growing norm above, U-shaped test loss. */
function paperLike(e: Experiment, lossGoal = e.lossGoals[0], sGF = 20): SweepFacts {
  const etaC = 2 / sGF;
  const rates = [0.25, 0.5, 0.75, 0.9, 1.2, 1.6, 2, 2.5, 3, 3.5].map((f) => f * etaC);
  const runs: RunFacts[] = rates.map((lr) => {
    const eos = lr > etaC;
    return {
      lr,
      outcome: 'converged',
      steps: Math.round(3 / lr),
      maxSharpness: eos ? 2.05 / lr : sGF,
      final: metrics({ sharpness: eos ? 1.9 / lr : 0.99 * sGF, l1: eos ? 100 + 500 * (lr - etaC) : 100.5, testLoss: 1 + (Math.log(lr / (2 * etaC)) ** 2) / 4 }),
    };
  });
  runs.push({ lr: 5 * etaC, outcome: 'diverged', steps: 10, maxSharpness: null, final: null });
  return { experiment: e, lossGoal, s0: 12, sGF, criticalLr: etaC, fittedCriticalLrSharpness: 1.05 * etaC, fittedCriticalLrNorm: 0.95 * etaC, flowFinal: metrics({ sharpness: sGF, l1: 100 }), runs };
}

const byId = (results: ClaimResult[], id: string): ClaimResult => {
  const r = results.find((c) => c.id === id);
  assert.ok(r, id);
  return r;
};

test('spearman: monotone, reversed, ties', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Math.abs(spearman([1, 2, 3], [1, 1, 2]) - 0.866) < 1e-3);
});

test('every claim names the paper, a criterion and a short title; ids are unique', () => {
  assert.equal(new Set(CLAIMS.map((c) => c.id)).size, CLAIMS.length);
  for (const c of CLAIMS) assert.ok(c.section && c.criterion && c.title && c.statement, c.id);
});

test('a sweep with the paper phenomenon satisfies the regime claims', () => {
  const sweeps: ProfiledSweep[] = [{ profile: 'paper', sweep: paperLike(experiment('fcn-relu-mnist5k-mse')) }];
  const r = evaluateClaims(sweeps);
  for (const id of ['flow-aligned-matches-flow', 'eos-sharpness-tracks-2-over-eta', 'eos-norm-increases', 'transition-at-2-over-sgf', 'min-norm-never-best', 'iterations-inverse-lr', 'sharpness-reaches-2-over-eta', 'stable-limit-bound', 'table1-u-shape']) {
    assert.equal(byId(r, id).verdict, 'holds', `${id}: ${JSON.stringify(byId(r, id).evidence)}`);
    assert.deepEqual(byId(r, id).profiles, ['paper']);
  }
  // Claims about other configurations have no evidence here.
  for (const id of ['ce-sharpness-below-bounds', 'smaller-goal-larger-sgf', 'max-sharpness-at-init', 'init-x10-diverges-early']) assert.equal(byId(r, id).verdict, 'not run', id);
});

test('violations are detected and verdicts aggregate to mixed', () => {
  const good = paperLike(experiment('fcn-relu-mnist5k-mse'));
  // No edge of stability: the sharpness stays at s_GF whatever the rate, and the norm does not grow.
  const flat = paperLike(experiment('fcn-relu-cifar5k-mse'));
  flat.runs = flat.runs.map((r) => (r.final ? { ...r, final: { ...r.final, sharpness: flat.sGF, l1: 100 } } : r));
  const r = evaluateClaims([
    { profile: 'quick', sweep: good },
    { profile: 'quick', sweep: flat },
  ]);
  assert.equal(byId(r, 'eos-sharpness-tracks-2-over-eta').verdict, 'mixed');
  assert.equal(byId(r, 'eos-norm-increases').verdict, 'mixed');
  assert.equal(byId(r, 'stable-limit-bound').verdict, 'mixed');
  const failing = byId(r, 'eos-sharpness-tracks-2-over-eta').evidence.find((e) => e.experiment === 'fcn-relu-cifar5k-mse');
  assert.equal(failing?.verdict, 'does not hold');
  assert.match(failing?.measured ?? '', /median S·η\/2 = /);
});

test('too few runs give inconclusive evidence, not a verdict', () => {
  const s = paperLike(experiment('fcn-relu-mnist5k-mse'));
  s.runs = s.runs.filter((r) => r.lr < s.criticalLr);
  const r = evaluateClaims([{ profile: 'smoke', sweep: s }]);
  assert.equal(byId(r, 'eos-sharpness-tracks-2-over-eta').verdict, 'inconclusive');
  assert.equal(byId(r, 'flow-aligned-matches-flow').verdict, 'holds');
});

test('cross-goal, cross-entropy and scaled-initialization claims', () => {
  const tanh = experiment('fcn-tanh-cifar5k-mse');
  const goals = [...tanh.lossGoals].sort((a, b) => b - a);
  const increasing = goals.map((g, i) => ({ profile: 'paper' as const, sweep: paperLike(tanh, g, 20 + 5 * i) }));
  assert.equal(byId(evaluateClaims(increasing), 'smaller-goal-larger-sgf').verdict, 'holds');
  const decreasing = goals.map((g, i) => ({ profile: 'paper' as const, sweep: paperLike(tanh, g, 40 - 5 * i) }));
  assert.equal(byId(evaluateClaims(decreasing), 'smaller-goal-larger-sgf').verdict, 'does not hold');

  const ce = paperLike(experiment('fcn-relu-cifar5k-ce'));
  ce.runs = ce.runs.map((r) => (r.final && r.lr < ce.criticalLr ? { ...r, final: { ...r.final, sharpness: 0.7 * ce.sGF } } : r));
  assert.equal(byId(evaluateClaims([{ profile: 'paper', sweep: ce }]), 'ce-sharpness-below-bounds').verdict, 'holds');

  const x10 = paperLike(experiment('fcn-relu-cifar5k-ce-init10'), 1e-2, 12);
  assert.equal(byId(evaluateClaims([{ profile: 'paper', sweep: x10 }]), 'max-sharpness-at-init').verdict, 'holds');
  assert.equal(byId(evaluateClaims([{ profile: 'paper', sweep: x10 }]), 'init-x10-diverges-early').verdict, 'does not hold');
  x10.runs[2] = { ...x10.runs[2], outcome: 'diverged', final: null };
  assert.equal(byId(evaluateClaims([{ profile: 'paper', sweep: x10 }]), 'init-x10-diverges-early').verdict, 'holds');
});

test('full SweepSummary objects and committed summaries give the same verdicts', () => {
  const store = syntheticStore(mkdtempSync(join(tmpdir(), 'eos-claims-results-')));
  const dataDir = mkdtempSync(join(tmpdir(), 'eos-claims-data-'));
  writeProfileData('smoke', store, dataDir);
  const condensed: ProfiledSweep[] = readReportData(dataDir).flatMap((d) => d.sweeps.map((s) => ({ profile: d.profile, sweep: { ...s, experiment: d.experiment } })));
  const full: ProfiledSweep[] = profile('smoke').flatMap((entry) => (sweepsFromStore(entry.experiment, store)?.summaries ?? []).map((sweep) => ({ profile: 'smoke' as const, sweep })));
  const verdicts = (r: ClaimResult[]) => r.map((c) => [c.id, c.verdict, c.evidence.map((e) => e.verdict).join(',')]);
  assert.deepEqual(verdicts(evaluateClaims(condensed)), verdicts(evaluateClaims(full)));
  assert.equal(byId(evaluateClaims(condensed), 'stable-limit-bound').verdict, 'holds');
});

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
