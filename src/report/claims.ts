/**
 * The paper's claims, each checked against measured sweeps. A claim names where
 * the paper makes it, which experiments can test it and an explicit numerical
 * criterion; every applicable sweep gives one piece of evidence, and the claim's
 * verdict aggregates them. Inputs are structural subsets of SweepSummary, so the
 * same functions accept full SweepSummary objects (results/) and the committed
 * condensed summaries (reports/data/).
 */
import type { ProfileName } from '../sweep/profiles.js';
import type { Experiment, GdResult, SweepSummary } from '../sweep/schema.js';
import { table1Row } from './table1.js';

export type RunFacts = Pick<GdResult, 'lr' | 'outcome' | 'steps' | 'final' | 'maxSharpness'>;
export type SweepFacts = Pick<SweepSummary, 'experiment' | 'lossGoal' | 's0' | 'sGF' | 'criticalLr' | 'fittedCriticalLrSharpness' | 'fittedCriticalLrNorm' | 'flowFinal'> & {
  runs: RunFacts[];
};
export interface ProfiledSweep {
  profile: ProfileName;
  sweep: SweepFacts;
}

export type EvidenceVerdict = 'holds' | 'does not hold' | 'inconclusive';
export type Verdict = EvidenceVerdict | 'mixed' | 'not run';

export interface Evidence {
  experiment: string;
  lossGoals: number[];
  profile: ProfileName;
  verdict: EvidenceVerdict;
  measured: string;
}

export interface ClaimResult {
  id: string;
  title: string;
  /** Where the paper makes the claim. */
  section: string;
  statement: string;
  criterion: string;
  verdict: Verdict;
  evidence: Evidence[];
  /** Profiles the evidence comes from. */
  profiles: ProfileName[];
}

interface Check {
  verdict: EvidenceVerdict;
  measured: string;
}

interface Claim {
  id: string;
  /** Short name (headings, tables). */
  title: string;
  section: string;
  statement: string;
  criterion: string;
  applies(e: Experiment): boolean;
  /** One check per sweep (null: this sweep is no evidence) ... */
  check?: (sweep: SweepFacts) => Check | null;
  /** ... or one check over all loss goals of an experiment. */
  perExperiment?: (sweeps: SweepFacts[]) => Check | null;
}

/*
 * Tolerances. The runs stop at a loss goal, not at a stationary point, and the
 * sharpness is a Lanczos estimate recorded every few steps, so every comparison
 * with 2/eta or with the flow allows a margin; rates within 10% of eta_c are
 * left out of regime-specific checks because the transition has a width.
 */
const REGIME_MARGIN = 0.1;
const FLOW_SHARPNESS_TOL = 0.15;
const FLOW_NORM_TOL = 0.05;
const EOS_RATIO_BAND: [number, number] = [0.75, 1.1];
const STABILITY_SLACK = 1.1;
const REACH_FRACTION = 0.9;
const CRITICAL_BAND: [number, number] = [2 / 3, 3 / 2];
const MIN_RANK_CORRELATION = 0.5;
const STEPS_SPREAD = 1.5;
const TEST_LOSS_MARGIN = 0.01;

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x.toPrecision(digits)).toString());
const inconclusive = (why: string): Check => ({ verdict: 'inconclusive', measured: why });
const verdictOf = (ok: boolean): EvidenceVerdict => (ok ? 'holds' : 'does not hold');

/** Spearman rank correlation (average ranks for ties). */
export function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const r = new Array<number>(v.length);
    for (let s = 0; s < order.length; ) {
      let e = s;
      while (e + 1 < order.length && order[e + 1].value === order[s].value) e++;
      for (let k = s; k <= e; k++) r[order[k].i] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

type Converged = RunFacts & { final: NonNullable<RunFacts['final']> };
const converged = (s: SweepFacts): Converged[] => s.runs.filter((r): r is Converged => r.outcome === 'converged' && r.final !== null).sort((a, b) => a.lr - b.lr);
const flowAligned = (s: SweepFacts) => converged(s).filter((r) => r.lr <= (1 - REGIME_MARGIN) * s.criticalLr);
const eos = (s: SweepFacts) => converged(s).filter((r) => r.lr >= (1 + REGIME_MARGIN) * s.criticalLr);
const sharpnessOf = (r: Converged) => r.final.sharpness ?? NaN;

const isFcn = (e: Experiment, ...parameterizations: string[]) => e.model.kind === 'fcn' && parameterizations.includes(e.model.parameterization);
const isStandardNet = (e: Experiment) => (isFcn(e, 'standard') || e.model.kind === 'cnn') && e.model.initScale === 1;
const hasTestLoss = (s: SweepFacts) => converged(s).every((r) => r.final.testLoss !== null);

export const CLAIMS: readonly Claim[] = [
  {
    id: 'flow-aligned-matches-flow',
    title: 'Flow-aligned regime matches the flow',
    section: 'Sec. 2, Fig. 1–3',
    statement: 'Below η_c = 2/s_GF (flow-aligned regime) GD ends with the sharpness and ℓ1-norm of the gradient-flow solution (MSE).',
    criterion: `every converged run with η ≤ ${1 - REGIME_MARGIN}·η_c: |S/S_GF − 1| ≤ ${FLOW_SHARPNESS_TOL} and |ℓ1/ℓ1_GF − 1| ≤ ${FLOW_NORM_TOL}, with S_GF, ℓ1_GF of the flow where it reaches the loss goal`,
    applies: (e) => e.loss === 'mse' && e.model.initScale === 1,
    check(s) {
      const runs = flowAligned(s);
      if (runs.length === 0) return inconclusive('no converged run below η_c');
      const sFlow = s.flowFinal.sharpness ?? s.sGF;
      const dS = Math.max(...runs.map((r) => Math.abs(sharpnessOf(r) / sFlow - 1)));
      const dN = Math.max(...runs.map((r) => Math.abs(r.final.l1 / s.flowFinal.l1 - 1)));
      return { verdict: verdictOf(dS <= FLOW_SHARPNESS_TOL && dN <= FLOW_NORM_TOL), measured: `${runs.length} runs: max |S/S_GF − 1| = ${fmt(dS, 2)}, max |ℓ1/ℓ1_GF − 1| = ${fmt(dN, 2)}` };
    },
  },
  {
    id: 'eos-sharpness-tracks-2-over-eta',
    title: 'EoS sharpness follows 2/η',
    section: 'Sec. 2.2, Fig. 1, 2, 15',
    statement: 'Above η_c (EoS regime) the final sharpness decreases with η, following 2/η (MSE).',
    criterion: `converged runs with η ≥ ${1 + REGIME_MARGIN}·η_c (at least 2): median S·η/2 in [${EOS_RATIO_BAND.join(', ')}] and rank correlation ρ(S, η) ≤ −${MIN_RANK_CORRELATION}`,
    applies: (e) => e.loss === 'mse' && e.model.initScale === 1 && (isFcn(e, 'standard', 'mup') || e.model.kind === 'cnn' || e.model.kind === 'diagonal'),
    check(s) {
      const runs = eos(s);
      if (runs.length < 2) return inconclusive(`${runs.length} converged run(s) above η_c`);
      const ratio = median(runs.map((r) => (sharpnessOf(r) * r.lr) / 2));
      const rho = spearman(runs.map((r) => r.lr), runs.map(sharpnessOf));
      return {
        verdict: verdictOf(ratio >= EOS_RATIO_BAND[0] && ratio <= EOS_RATIO_BAND[1] && rho <= -MIN_RANK_CORRELATION),
        measured: `${runs.length} runs: median S·η/2 = ${fmt(ratio)}, ρ(S, η) = ${fmt(rho, 2)}`,
      };
    },
  },
  {
    id: 'ce-sharpness-below-bounds',
    title: 'Cross-entropy sharpness stays below the bounds',
    section: 'App. H.4',
    statement: 'With cross-entropy the final sharpness stays below s_GF in the flow-aligned regime and below 2/η, decreasing with η, in the EoS regime.',
    criterion: `every converged run with η ≤ ${1 - REGIME_MARGIN}·η_c has S < s_GF; every converged run with η ≥ ${1 + REGIME_MARGIN}·η_c has S ≤ 2/η, and there ρ(S, η) ≤ −${MIN_RANK_CORRELATION} (at least 2 runs)`,
    applies: (e) => e.loss === 'ce' && isStandardNet(e),
    check(s) {
      const below = flowAligned(s);
      const above = eos(s);
      if (below.length === 0 && above.length < 2) return inconclusive('too few converged runs on either side of η_c');
      const belowOk = below.every((r) => sharpnessOf(r) < s.sGF);
      const aboveRatio = above.length ? Math.max(...above.map((r) => (sharpnessOf(r) * r.lr) / 2)) : NaN;
      const rho = above.length >= 2 ? spearman(above.map((r) => r.lr), above.map(sharpnessOf)) : NaN;
      const aboveOk = above.length < 2 || (aboveRatio <= 1 && rho <= -MIN_RANK_CORRELATION);
      return {
        verdict: verdictOf(belowOk && aboveOk),
        measured: `below η_c: max S/s_GF = ${below.length ? fmt(Math.max(...below.map((r) => sharpnessOf(r) / s.sGF))) : '–'} (${below.length} runs); above: max S·η/2 = ${fmt(aboveRatio)}, ρ(S, η) = ${fmt(rho, 2)} (${above.length} runs)`,
      };
    },
  },
  {
    id: 'eos-norm-increases',
    title: 'The ℓ1-norm grows with η above η_c',
    section: 'Sec. 2.2, Fig. 1–3, App. H.7',
    statement: 'Above η_c the ℓ1-norm of the final parameters increases with η.',
    criterion: `converged runs with η ≥ η_c (at least 3): ρ(ℓ1, η) ≥ ${MIN_RANK_CORRELATION} and ℓ1 at the largest converged η above ℓ1 of the gradient-flow solution`,
    applies: (e) => e.model.initScale < 10 && e.model.kind !== 'logistic',
    check(s) {
      const runs = converged(s).filter((r) => r.lr >= s.criticalLr);
      if (runs.length < 3) return inconclusive(`${runs.length} converged run(s) above η_c`);
      const rho = spearman(runs.map((r) => r.lr), runs.map((r) => r.final.l1));
      const top = runs[runs.length - 1].final.l1;
      return { verdict: verdictOf(rho >= MIN_RANK_CORRELATION && top > s.flowFinal.l1), measured: `${runs.length} runs: ρ(ℓ1, η) = ${fmt(rho, 2)}, ℓ1 at largest η / ℓ1_GF = ${fmt(top / s.flowFinal.l1)}` };
    },
  },
  {
    id: 'transition-at-2-over-sgf',
    title: 'The transition is at 2/s_GF',
    section: 'Sec. 2, Fig. 1, 2',
    statement: 'The regime transition happens at η_c ≈ 2/s_GF.',
    criterion: `the transition fitted to the final sharpness (MSE) or to the final ℓ1-norm (CE) lies within [${fmt(CRITICAL_BAND[0])}, ${CRITICAL_BAND[1]}]·2/s_GF`,
    applies: (e) => isStandardNet(e) || e.model.kind === 'diagonal',
    check(s) {
      const fitted = s.experiment.loss === 'mse' ? s.fittedCriticalLrSharpness : s.fittedCriticalLrNorm;
      const detail = `fitted from sharpness ${fmt(s.fittedCriticalLrSharpness)}, from ℓ1 ${fmt(s.fittedCriticalLrNorm)}; 2/s_GF = ${fmt(s.criticalLr)}`;
      if (fitted === null) return inconclusive(`no transition fitted (${detail})`);
      const ratio = fitted / s.criticalLr;
      return { verdict: verdictOf(ratio >= CRITICAL_BAND[0] && ratio <= CRITICAL_BAND[1]), measured: `ratio ${fmt(ratio)}: ${detail}` };
    },
  },
  {
    id: 'smaller-goal-larger-sgf',
    title: 'Smaller loss goals give a sharper flow',
    section: 'Sec. 2, Fig. 2, App. H.5',
    statement: 'A smaller loss goal ε gives a larger s_GF^ε and so a smaller η_c.',
    criterion: 's_GF is non-increasing in ε across the loss goals of one experiment',
    applies: (e) => e.lossGoals.length > 1,
    perExperiment(sweeps) {
      if (sweeps.length < 2) return null;
      const byGoal = [...sweeps].sort((a, b) => a.lossGoal - b.lossGoal);
      const ok = byGoal.every((s, i) => i === 0 || s.sGF <= byGoal[i - 1].sGF * (1 + 1e-3));
      return { verdict: verdictOf(ok), measured: byGoal.map((s) => `s_GF(${s.lossGoal}) = ${fmt(s.sGF)}`).join(', ') };
    },
  },
  {
    id: 'min-norm-never-best',
    title: 'Minimal norm never generalizes best',
    section: 'Sec. 2.2, Fig. 3',
    statement: 'The minimal-norm solution (smallest η) never generalizes best; the test loss improves towards larger η.',
    criterion: `among at least 3 converged runs, the test loss at the smallest η exceeds the best test loss by more than ${TEST_LOSS_MARGIN * 100}%`,
    applies: (e) => e.model.initScale === 1,
    check(s) {
      const runs = converged(s);
      if (runs.length < 3 || !hasTestLoss(s)) return inconclusive(`${runs.length} converged run(s) with a test loss`);
      const best = runs.reduce((a, b) => ((b.final.testLoss as number) < (a.final.testLoss as number) ? b : a));
      const first = runs[0].final.testLoss as number;
      const bestLoss = best.final.testLoss as number;
      return {
        verdict: verdictOf(first > (1 + TEST_LOSS_MARGIN) * bestLoss),
        measured: `best test loss ${fmt(bestLoss)} at η = ${fmt(best.lr)} (${fmt(best.lr / s.criticalLr, 2)}·η_c); at the smallest η ${fmt(first)}`,
      };
    },
  },
  {
    id: 'table1-u-shape',
    title: 'Test-loss shape as in Table 1',
    section: 'Table 1 (U-shape column), Sec. 2.2',
    statement: "The test loss over η has the shape Table 1 reports: minimal at intermediate rates (✓) or at the large-rate end (×).",
    criterion: `measured shape is U when the best test loss lies strictly inside the converged range and both ends are more than ${TEST_LOSS_MARGIN * 100}% worse, else extreme; compared with the row's mark (bracketed marks are the paper's tentative ones)`,
    applies: (e) => e.lossGoals.some((g) => table1Row(e, g)?.uShape),
    check(s) {
      const row = table1Row(s.experiment, s.lossGoal);
      const runs = converged(s);
      if (!row?.uShape) return null;
      if (runs.length < 3 || !hasTestLoss(s)) return inconclusive(`${runs.length} converged run(s) with a test loss`);
      const losses = runs.map((r) => r.final.testLoss as number);
      const min = Math.min(...losses);
      const at = losses.indexOf(min);
      const shape = at > 0 && at < losses.length - 1 && losses[0] > (1 + TEST_LOSS_MARGIN) * min && losses[losses.length - 1] > (1 + TEST_LOSS_MARGIN) * min ? 'U' : 'extreme';
      const mark = `${row.uShape.tentative ? '(' : ''}${row.uShape.shape === 'U' ? '✓' : '×'}${row.uShape.tentative ? ')' : ''}`;
      return { verdict: verdictOf(shape === row.uShape.shape), measured: `measured ${shape} (best at η = ${fmt(runs[at].lr)} of ${fmt(runs[0].lr)}…${fmt(runs[runs.length - 1].lr)}); Table 1: ${mark} (goal ${row.lossGoal})` };
    },
  },
  {
    id: 'iterations-inverse-lr',
    title: 'Iterations fall like 1/η',
    section: 'App. H.8',
    statement: 'In the flow-aligned regime the number of iterations to the loss goal falls like 1/η.',
    criterion: `converged runs with η ≤ ${1 - REGIME_MARGIN}·η_c (at least 2): max/min of steps·η ≤ ${STEPS_SPREAD}`,
    applies: (e) => isStandardNet(e),
    check(s) {
      const runs = flowAligned(s);
      if (runs.length < 2) return inconclusive(`${runs.length} converged run(s) below η_c`);
      const t = runs.map((r) => r.steps * r.lr);
      const spread = Math.max(...t) / Math.min(...t);
      return { verdict: verdictOf(spread <= STEPS_SPREAD), measured: `${runs.length} runs: steps·η from ${fmt(Math.min(...t))} to ${fmt(Math.max(...t))} (ratio ${fmt(spread)})` };
    },
  },
  {
    id: 'sharpness-reaches-2-over-eta',
    title: 'Sharpness reaches 2/η during training',
    section: 'Sec. 1, App. H.11, Fig. 13',
    statement: 'For η above η_c the sharpness rises during training until it reaches 2/η (progressive sharpening, then EoS).',
    criterion: `every converged run with η ≥ ${1 + REGIME_MARGIN}·η_c has a maximal recorded sharpness ≥ ${REACH_FRACTION}·2/η`,
    applies: (e) => isStandardNet(e) || e.model.kind === 'diagonal',
    check(s) {
      const runs = eos(s).filter((r) => r.maxSharpness !== null);
      if (runs.length === 0) return inconclusive('no converged run above η_c');
      const worst = Math.min(...runs.map((r) => ((r.maxSharpness as number) * r.lr) / 2));
      return { verdict: verdictOf(worst >= REACH_FRACTION), measured: `${runs.length} runs: min over runs of max S·η/2 = ${fmt(worst)}` };
    },
  },
  {
    id: 'stable-limit-bound',
    title: 'Converged sharpness is at most 2/η',
    section: 'Sec. 1, Thm. B.2',
    statement: 'GD with step η only converges to points with sharpness at most 2/η.',
    criterion: `every converged run ends with S ≤ ${STABILITY_SLACK}·2/η (slack: runs stop at the loss goal, not at a stationary point)`,
    applies: () => true,
    check(s) {
      const runs = converged(s);
      if (runs.length === 0) return inconclusive('no converged run');
      const worst = Math.max(...runs.map((r) => (sharpnessOf(r) * r.lr) / 2));
      return { verdict: verdictOf(worst <= STABILITY_SLACK), measured: `${runs.length} runs: max S·η/2 = ${fmt(worst)}` };
    },
  },
  {
    id: 'max-sharpness-at-init',
    title: 'Large initializations are sharpest at the start',
    section: 'App. H.6, H.7',
    statement: 'With a scaled initialization (×5, ×10) or the kernel parameterization the largest sharpness along the flow is at initialization.',
    criterion: 's_GF ≤ 1.01·s0',
    applies: (e) => e.model.initScale > 1 || isFcn(e, 'ntk'),
    check: (s) => ({ verdict: verdictOf(s.sGF <= 1.01 * s.s0), measured: `s0 = ${fmt(s.s0)}, s_GF = ${fmt(s.sGF)}` }),
  },
  {
    id: 'init-x10-diverges-early',
    title: '×10 initialization diverges below η_c',
    section: 'App. H.6',
    statement: 'With a ×10 initialization GD already diverges at learning rates below η_c.',
    criterion: 'the smallest diverged η is below 2/s_GF',
    applies: (e) => e.model.initScale >= 10,
    check(s) {
      const diverged = s.runs.filter((r) => r.outcome === 'diverged').map((r) => r.lr);
      if (diverged.length === 0) return { verdict: 'does not hold', measured: `no run diverged (largest η ${fmt(Math.max(...s.runs.map((r) => r.lr)))}, η_c ${fmt(s.criticalLr)})` };
      const first = Math.min(...diverged);
      return { verdict: verdictOf(first < s.criticalLr), measured: `smallest diverged η = ${fmt(first)} = ${fmt(first / s.criticalLr, 2)}·η_c` };
    },
  },
];

function aggregate(evidence: Evidence[]): Verdict {
  const decided = evidence.filter((e) => e.verdict !== 'inconclusive');
  if (decided.length === 0) return evidence.length ? 'inconclusive' : 'not run';
  const holds = decided.filter((e) => e.verdict === 'holds').length;
  return holds === decided.length ? 'holds' : holds === 0 ? 'does not hold' : 'mixed';
}

/** Verdicts of every claim on the given sweeps (one profile per experiment is expected; see bestData). */
export function evaluateClaims(sweeps: ProfiledSweep[]): ClaimResult[] {
  const byExperiment = new Map<string, ProfiledSweep[]>();
  for (const s of sweeps) {
    const key = `${s.profile}/${s.sweep.experiment.id}`;
    byExperiment.set(key, [...(byExperiment.get(key) ?? []), s]);
  }
  return CLAIMS.map((claim) => {
    const evidence: Evidence[] = [];
    for (const group of byExperiment.values()) {
      const { experiment } = group[0].sweep;
      if (!claim.applies(experiment)) continue;
      const profileName = group[0].profile;
      const c = claim.perExperiment?.(group.map((g) => g.sweep));
      if (c) evidence.push({ experiment: experiment.id, lossGoals: group.map((g) => g.sweep.lossGoal), profile: profileName, ...c });
      const check = claim.check;
      if (!check) continue;
      for (const { sweep } of group) {
        const one = check(sweep);
        if (one) evidence.push({ experiment: experiment.id, lossGoals: [sweep.lossGoal], profile: profileName, ...one });
      }
    }
    evidence.sort((a, b) => a.experiment.localeCompare(b.experiment) || a.lossGoals[0] - b.lossGoals[0]);
    return {
      id: claim.id,
      title: claim.title,
      section: claim.section,
      statement: claim.statement,
      criterion: claim.criterion,
      verdict: aggregate(evidence),
      evidence,
      profiles: [...new Set(evidence.map((e) => e.profile))],
    };
  });
}
