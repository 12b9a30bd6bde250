/**
 * Small synthetic sweeps with the shape of real ones: a flow-aligned regime
 * (final sharpness s_GF, constant norm) below eta_c = 2/s_GF, an EoS regime
 * (sharpness 0.9 * 2/eta, norm growing linearly) above it, and diverged runs
 * at the largest rates. Values are exact functions of the rate, so tests can
 * check what the figures draw against them.
 */
import assert from 'node:assert/strict';
import type { SweepLoader } from '../../src/figures/load.js';
import { profile, type ProfileName } from '../../src/sweep/profiles.js';
import { Experiment, type GdResult, type SweepSummary } from '../../src/sweep/schema.js';
import type { FinalMeasures, MeasuresSpec, Metrics } from '../../src/train/schema.js';

export interface SyntheticOptions {
  experiment?: Experiment;
  sGF?: number;
  s0?: number;
  rates?: number[];
  /** Rates at or above this diverge. */
  divergeFrom?: number;
  lossGoal?: number;
}

const provenance = { packageVersion: '0', gitRevision: 'test', backend: 'cpu', blas: false, tfjsVersion: '0', node: 'v20', startedAt: '2025-01-01T00:00:00Z', wallSeconds: 1, hvps: 0 };

export const fcnExperiment = (id = 'synthetic-fcn'): Experiment =>
  Experiment.parse({ id, dataset: 'mnist-5k:64', model: { kind: 'fcn', widths: [4, 4], activation: 'relu' }, loss: 'mse', lossGoals: [0.1] });

/** The profile's experiment with that id (for figures that read the dataset spec). */
export const profileExperiment = (id: string): Experiment => {
  const entry = profile('smoke').find((e) => e.experiment.id === id);
  if (!entry) throw new Error(`no smoke experiment ${id}`);
  return entry.experiment;
};

/** Final sharpness of the synthetic model at rate lr. */
export const syntheticSharpness = (lr: number, sGF: number): number => Math.min(sGF, 0.9 * (2 / lr));
/** Final l1-norm: constant 100 below eta_c, then growing linearly. */
export const syntheticL1 = (lr: number, sGF: number): number => 100 + 50 * Math.max(0, lr - 2 / sGF);
/** Test loss: U-shaped with its minimum at 1.5 eta_c. */
export const syntheticTestLoss = (lr: number, sGF: number): number => 0.5 + (lr - 3 / sGF) ** 2;

function metrics(step: number, lr: number, sGF: number, progress: number): Metrics {
  const l1 = 100 + (syntheticL1(lr, sGF) - 100) * progress;
  return {
    step,
    time: lr * step,
    trainLoss: 1 - 0.95 * progress,
    trainAccuracy: 0.5 + 0.5 * progress,
    testLoss: syntheticTestLoss(lr, sGF),
    testAccuracy: 0.9 - 0.1 * syntheticTestLoss(lr, sGF),
    sharpness: step % 20 === 0 ? syntheticSharpness(lr, sGF) * (0.5 + 0.5 * progress) : null,
    l1,
    l2: l1 / 10,
    nuclear: l1 / 5,
    distanceFromInit: { l1: 10 * progress * (1 + lr), l2: progress },
  };
}

export function syntheticRun(experiment: Experiment, lr: number, sGF: number, diverged: boolean, lossGoal: number): GdResult {
  const steps = diverged ? 15 : 100;
  const history = Array.from({ length: steps / 10 + 1 }, (_, k) => metrics(10 * k, lr, sGF, (10 * k) / steps));
  const final = diverged ? null : history[history.length - 1];
  const l1 = syntheticL1(lr, sGF);
  return {
    kind: 'gd',
    schemaVersion: 1,
    key: `gd-${lr}`,
    experiment,
    lr,
    lossGoal,
    outcome: diverged ? 'diverged' : 'converged',
    steps,
    divergedAt: diverged ? steps : null,
    history,
    final,
    perLayer: diverged
      ? null
      : [
          { name: 'weight', l1: 0.8 * l1, l2: 0.8 * l1 * lr, nuclear: null },
          { name: 'bias', l1: 0.2 * l1, l2: 0.2 * l1, nuclear: null },
        ],
    maxSharpness: diverged ? null : lr < 2 / sGF ? sGF : 1.05 * (2 / lr),
    distanceFromFlow: diverged ? null : { l1: 3 * lr, l2: lr },
    measures: diverged || !experiment.measures ? undefined : syntheticMeasures(experiment.measures, syntheticSharpness(lr, sGF)),
    checkpoints: [],
    provenance,
  };
}

/** Figure 10's measures of a run of final sharpness s: each a multiple of s (the estimates with a 5% standard error). */
export function syntheticMeasures(spec: MeasuresSpec, s: number): FinalMeasures {
  const estimate = (value: number, samples: number) => ({ value, standardError: 0.05 * value, samples });
  return {
    spec,
    hessianTrace: estimate(40 * s, spec.traceSamples),
    fisherTop: 0.95 * s,
    fisherTrace: estimate(38 * s, spec.traceSamples),
    averageAdaptive: estimate(1e-5 * s, spec.averageSamples),
    worstAdaptive: 1e-4 * s,
    worstAdaptiveFirstOrder: 5e-5 * s,
  };
}

/** A sweep over `rates` (default: 0.25 ... 4 eta_c) with the last two rates diverged. */
export function syntheticSummary(opts: SyntheticOptions = {}): SweepSummary {
  const sGF = opts.sGF ?? 20;
  const s0 = opts.s0 ?? 8;
  const experiment = opts.experiment ?? fcnExperiment();
  const lossGoal = opts.lossGoal ?? experiment.lossGoals[0];
  const rates = opts.rates ?? [0.25, 0.5, 0.75, 1.25, 1.5, 2, 3, 4, 5, 6].map((k) => (k * 2) / sGF);
  const divergeFrom = opts.divergeFrom ?? rates[rates.length - 2];
  return {
    experiment,
    lossGoal,
    s0,
    sGF,
    criticalLr: 2 / sGF,
    fittedCriticalLrSharpness: 2 / sGF,
    fittedCriticalLrNorm: 2 / sGF,
    flowFinal: { ...metrics(1000, 1e-3, sGF, 1), sharpness: sGF, l1: 99, testLoss: 0.55 },
    runs: rates.map((lr) => syntheticRun(experiment, lr, sGF, lr >= divergeFrom, lossGoal)),
  };
}

/** A loader that answers every experiment of a profile with synthetic sweeps, one per loss goal. */
export function fakeLoader(name: ProfileName): SweepLoader {
  const entries = profile(name);
  return {
    profile: name,
    entries,
    has: (id) => entries.some((e) => e.experiment.id === id),
    sweeps: async (id) => {
      const e = entries.find((x) => x.experiment.id === id)?.experiment;
      assert.ok(e, `fake loader asked for ${id}`);
      const sGF = e.model.kind === 'diagonal' ? 4 : e.model.kind === 'logistic' ? 0.35 : 20;
      return e.lossGoals.map((lossGoal, k) => syntheticSummary({ experiment: e, lossGoal, sGF: sGF * (1 + k / 4) }));
    },
  };
}
