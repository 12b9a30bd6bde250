import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CLAIMS,
  judgeClaims,
  judgeDistanceFromFlow,
  judgeEdgeOfStability,
  judgeFlowAligned,
  judgeLayerNorms,
  judgeNormIncrease,
  judgeSharpnessDecrease,
  judgeTransition,
  judgeShape,
  judgeNormsAgree,
  judgeDistanceFromInit,
  judgeSharpnessTrend,
  judgeNormMonotone,
  judgeNormDecrease,
  judgeOffBound,
  stopDiagnosis,
  judgeFlowAlignedDistance,
  judgeDistanceOutgrowsNorm,
  judgeSharpnessDrops,
  judgeBelowFlowSharpness,
  judgeDivergesBelowInverseS0,
  judgeIterations,
  spearman,
  verdictTable,
} from '../../src/figures/claims.js';
import { NOTEBOOKS } from '../../src/figures/registry.js';
import { profile } from '../../src/sweep/profiles.js';
import type { SweepSummary } from '../../src/sweep/schema.js';
import { fakeLoader, profileExperiment, syntheticSummary } from './fixtures.js';

const good = syntheticSummary();

/** A copy of `s` with every final metric changed by f(run). */
function withFinal(s: SweepSummary, f: (lr: number, m: NonNullable<SweepSummary['runs'][number]['final']>) => Partial<NonNullable<SweepSummary['runs'][number]['final']>>): SweepSummary {
  return { ...s, runs: s.runs.map((r) => (r.final ? { ...r, final: { ...r.final, ...f(r.lr, r.final) } } : r)) };
}

test('Spearman correlation: +1, -1 for monotone data, average ranks for ties', () => {
  assert.equal(spearman([1, 2, 3, 4], [1, 4, 9, 16]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [1, 1, 2, 2]) - 0.894) < 1e-3);
  assert.ok(Number.isNaN(spearman([1, 2], [1, 2])));
});

test('the regime claims hold on a sweep that has the paper behaviour', () => {
  for (const judge of [judgeFlowAligned, judgeSharpnessDecrease, judgeNormIncrease, judgeTransition, judgeShape('U'), judgeEdgeOfStability, judgeDistanceFromFlow, judgeNormsAgree, judgeDistanceFromInit, judgeSharpnessTrend, judgeNormMonotone]) {
    const v = judge(good);
    assert.equal(v.holds, true, `${judge.name}: ${v.measured}`);
  }
});

test('the regime claims fail when the data contradict them', () => {
  const flatNorm = withFinal(good, () => ({ l1: 100 }));
  assert.equal(judgeNormIncrease(flatNorm).holds, false);
  const risingSharpness = withFinal(good, (lr) => ({ sharpness: lr < good.criticalLr ? good.sGF : 0.5 * good.sGF + lr }));
  assert.equal(judgeSharpnessDecrease(risingSharpness).holds, false);
  const aboveBound = withFinal(good, (lr) => ({ sharpness: lr < good.criticalLr ? good.sGF : 1.5 * (2 / lr) }));
  assert.equal(judgeSharpnessDecrease(aboveBound).holds, false, 'final sharpness above 2/eta');
  const driftingFlow = withFinal(good, (lr) => ({ sharpness: lr < good.criticalLr ? 0.5 * good.sGF : 0.9 * (2 / lr) }));
  assert.equal(judgeFlowAligned(driftingFlow).holds, false);
  const smallBest = withFinal(good, (lr) => ({ testLoss: lr }));
  assert.equal(judgeShape('U')(smallBest).holds, false);
  assert.equal(judgeShape('extreme')(smallBest).holds, true);
  assert.equal(judgeTransition({ ...good, fittedCriticalLrSharpness: 5 * good.criticalLr }).holds, false);
});

test('a sweep without rates in a regime cannot tell', () => {
  const onlyFlow = syntheticSummary({ rates: [0.2, 0.4, 0.6].map((k) => (k * 2) / 20), divergeFrom: 1 });
  assert.equal(judgeSharpnessDecrease(onlyFlow).holds, null);
  assert.equal(judgeNormIncrease(onlyFlow).holds, null);
  assert.equal(judgeTransition({ ...onlyFlow, fittedCriticalLrSharpness: null, fittedCriticalLrNorm: null }).holds, null);
});

test('per-layer norms: holds only if every weight matrix grows', () => {
  assert.equal(judgeLayerNorms(good).holds, true);
  const shrinking = { ...good, runs: good.runs.map((r) => ({ ...r, perLayer: r.perLayer?.map((b) => ({ ...b, l2: b.l2 / r.lr ** 2 })) ?? null })) };
  assert.equal(judgeLayerNorms(shrinking).holds, false);
});

test('every notebook has claims, and each names experiments of the paper profile', () => {
  const paper = new Set(profile('paper').map((e) => e.experiment.id));
  for (const nb of NOTEBOOKS) assert.ok(CLAIMS.some((c) => c.notebook === nb), nb);
  for (const c of CLAIMS) for (const u of Object.values(c.uses)) for (const id of 'anyOf' in u ? u.anyOf : u.allOf) assert.ok(paper.has(id), `${c.id}: ${id}`);
  assert.equal(new Set(CLAIMS.map((c) => c.id)).size, CLAIMS.length);
});

test('judging a notebook gives one verdict per claim; experiments missing from the profile cannot tell', async () => {
  const verdicts = await judgeClaims('03-initialization', fakeLoader('smoke'));
  assert.equal(verdicts.length, CLAIMS.filter((c) => c.notebook === '03-initialization').length);
  const init10 = verdicts.find((v) => v.experiment === 'fcn-relu-cifar5k-ce-init10');
  assert.equal(init10?.holds, null);
  assert.match(init10?.measured ?? '', /not in profile 'smoke'/);
  const table = verdictTable(verdicts);
  assert.match(table, /^\| claim \| paper \| experiment \| measured \| verdict \|/);
  assert.equal(table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| claim')).length, verdicts.length);
});

test('every notebook can be judged on synthetic sweeps of the paper profile', async () => {
  for (const nb of NOTEBOOKS) {
    const verdicts = await judgeClaims(nb, fakeLoader('paper'));
    for (const v of verdicts) assert.ok(v.measured.length > 0, `${nb}: ${v.claim}`);
  }
});

test('checks that the paper behaviour fails: norm decreasing, off the 2/η curve', () => {
  assert.equal(judgeNormDecrease(good).holds, false);
  assert.equal(judgeNormDecrease(withFinal(good, (lr) => ({ l1: 1000 / lr }))).holds, true);
  assert.equal(judgeOffBound(good).holds, false, 'the synthetic EoS sharpness is 0.9 × 2/η, on the curve');
  assert.equal(judgeOffBound(withFinal(good, (lr) => ({ sharpness: 0.3 * (2 / lr) }))).holds, true);
  const bumpy = { ...good, runs: good.runs.map((r) => ({ ...r, history: r.history.map((m, k) => ({ ...m, l1: m.l1 * (k % 2 ? 0.9 : 1) })) })) };
  assert.equal(judgeNormMonotone(bumpy).holds, false);
});

test('a failure is traced to the stopping rule when runs stopped above 2/η', () => {
  assert.equal(stopDiagnosis({ sweep: [good] }), null, 'the synthetic runs stop at 0.9 × 2/η');
  const transient = withFinal(good, (lr) => ({ sharpness: lr < good.criticalLr ? good.sGF : 1.5 * (2 / lr) }));
  const d = stopDiagnosis({ sweep: [transient] });
  assert.equal(d?.cause, 'stopping rule');
  assert.match(d?.evidence ?? '', /stopped transient.*1\.50 × 2\/η/);
  // judgeClaims attaches it to a failing claim whose judge gave no diagnosis.
  assert.equal(judgeSharpnessDecrease(transient).holds, false);
});

test('checks on distances, CE sharpness, divergence and step counts, against hand-computed values of the synthetic sweep', () => {
  // η_c = 0.1; converged 0.025 ... 0.4 (3 below, 5 above), distance from GF 3η, ℓ1 100 + 50 (η - η_c)+.
  const d = judgeFlowAlignedDistance(good);
  assert.equal(d.holds, false);
  assert.match(d.measured, /ratio 0\.06/, '0.075 / 1.2');
  assert.equal(judgeDistanceOutgrowsNorm(good).holds, false, 'distance range 1.125 < ℓ1 range 15');
  assert.equal(judgeDistanceOutgrowsNorm({ ...good, runs: good.runs.map((r) => ({ ...r, distanceFromFlow: r.distanceFromFlow && { ...r.distanceFromFlow, l1: 100 * r.lr } })) }).holds, true, 'range 37.5 > 15');
  assert.match(judgeSharpnessDrops(good).measured, /median 0\.86/, 'final 0.9 × 2/η over max 1.05 × 2/η');
  assert.equal(judgeSharpnessDrops(good).holds, false);
  assert.equal(judgeBelowFlowSharpness(good).holds, false, 'flow-aligned final sharpness is s_GF itself');
  assert.equal(judgeBelowFlowSharpness(withFinal(good, () => ({ sharpness: 0.8 * good.sGF }))).holds, true);
  assert.equal(judgeDivergesBelowInverseS0(good).holds, false, 'first failure 0.5 > 1/s_0 = 0.125');
  assert.equal(judgeDivergesBelowInverseS0({ ...good, s0: 1 }).holds, true, '0.5 < 1/s_0 = 1');
  const steps = (f: (lr: number) => number) => ({ ...good, runs: good.runs.map((r) => ({ ...r, steps: f(r.lr) })) });
  assert.equal(judgeIterations(good).holds, false, 'constant steps: slope 0');
  assert.match(judgeIterations(steps((lr) => 10 / lr)).measured, /-1\.00 flow-aligned .* -1\.00 EoS/);
  assert.equal(judgeIterations(steps((lr) => 10 / lr)).holds, false, 'no slower acceleration at EoS');
  assert.equal(judgeIterations(steps((lr) => 10 / Math.min(lr, 0.1))).holds, true);
});

test('diagonal net: a check failing on the float32 sweep but holding on the float64 replay is diagnosed as numerical precision', () => {
  const diag = syntheticSummary({ experiment: profileExperiment('diagonal-2d'), sGF: 4 });
  const entry = (id: string) => {
    const c = CLAIMS.find((x) => x.id === id);
    assert.ok(c, id);
    return c;
  };
  // Float32 finals above the stability bound; the float64 replay of the same rates stops below it
  // (at these rates: the replay at η = 0.625 meets the goal mid-catapult, S·η/2 = 2.2, a stopping-rule case).
  const stable = syntheticSummary({ experiment: profileExperiment('diagonal-2d'), sGF: 4, rates: [0.05, 0.125, 0.25, 0.375], divergeFrom: 1 });
  const above = withFinal(stable, (lr) => ({ sharpness: 1.5 * (2 / lr) }));
  const v = entry('stable-limits:diagonal-2d').judge({ sweep: [above] });
  assert.equal(v.holds, false);
  assert.equal(v.diagnosis?.cause, 'numerical precision', v.diagnosis?.evidence);
  assert.match(v.diagnosis?.evidence ?? '', /float64 replay/);
  // KKT: "often" is a majority of the EoS rates, judged on the replay.
  const kkt = entry('kkt:diagonal-2d').judge({ sweep: [diag] });
  assert.match(kkt.measured, /^(\d+) of (\d+) EoS rates within 5\.0%/);
  const [, close, total] = kkt.measured.match(/^(\d+) of (\d+)/) ?? [];
  assert.equal(kkt.holds, 2 * Number(close) > Number(total));
  // Proposition 3.2 on the experiment's data point: the minimisers differ, R(A_l1) < R(A_S).
  const m = entry('minimisers:diagonal-2d').judge({ sweep: [diag] });
  const [rl1, rs] = [...m.measured.matchAll(/risk ([\d.e+-]+)/g)].map((x) => Number(x[1]));
  assert.ok(rl1 < rs, m.measured);
});
