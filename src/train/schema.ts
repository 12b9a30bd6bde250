/**
 * What a run records and how a trajectory is integrated: owned by the training
 * floor; the sweep's experiment schema composes these.
 */
import { z } from 'zod';

export const RecordSpec = z
  .object({
    /** Record train/test loss and accuracy, norms and distance from init every `every` steps. */
    every: z.number().int().positive().default(10),
    /** Sharpness (warm-started Lanczos) every `sharpnessEvery` steps (0 = only at the start and end). */
    sharpnessEvery: z.number().int().nonnegative().default(10),
    /** Relative tolerance of the sharpness estimate. */
    sharpnessTol: z.number().positive().max(0.1).default(1e-3),
    /** Nuclear norms are costly (an SVD per weight matrix): record them at the end only if false. */
    nuclearDuringTraining: z.boolean().default(false),
  })
  .strict();

export const FlowSpec = z
  .object({
    /** RK4 step h = min(alpha / sharpness, maxStep). */
    alpha: z.number().positive().default(1),
    maxStep: z.number().positive().default(1),
    /** Refresh the sharpness every this many RK4 steps. */
    sharpnessEvery: z.number().int().positive().default(5),
    maxSteps: z.number().int().positive().default(100000),
  })
  .strict();

export const Metrics = z.object({
  step: z.number().int(),
  /** Intrinsic time eta * step for GD, t for GF. */
  time: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number().nullable(),
  testLoss: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  sharpness: z.number().nullable(),
  l1: z.number(),
  l2: z.number(),
  nuclear: z.number().nullable(),
  distanceFromInit: z.object({ l1: z.number(), l2: z.number() }),
});
export type Metrics = z.infer<typeof Metrics>;

/**
 * How a converged run stopped: `stable` when the final sharpness is at most
 * 2/eta and the loss stays below the goal for `probeSteps` further GD steps;
 * `transient` when the goal was met mid-catapult (sharpness above 2/eta at the
 * stop, or the loss climbing back above the goal after it).
 */
export const StopCheck = z.object({
  kind: z.enum(['stable', 'transient']),
  /** Final sharpness * eta / 2 (above 1: the stop lies beyond the stability bound). */
  sharpnessRatio: z.number(),
  /** GD steps taken past the stop (on a copy: the recorded final parameters are those at the stop). */
  probeSteps: z.number().int().nonnegative(),
  /** Largest training loss over those steps. */
  maxLossAfter: z.number(),
});
export type StopCheck = z.infer<typeof StopCheck>;

/**
 * Curvature measures at a run's final parameters (appendix H.9, Figure 10), computed only for
 * experiments that ask for them. The top Hessian eigenvalue is the run's final sharpness.
 */
export const MeasuresSpec = z
  .object({
    /** Rademacher probes of the Hutchinson traces of the Hessian and of the Fisher matrix. */
    traceSamples: z.number().int().min(2).default(32),
    /** Average-case adaptive sharpness: u ~ N(0, rho^2 I), perturbation |w| ⊙ u. */
    averageRho: z.number().positive().default(0.01),
    /** Antithetic pairs of the average case (two loss evaluations each). */
    averageSamples: z.number().int().min(2).default(32),
    /** Worst-case adaptive sharpness: the ball ||u||_2 <= rho, perturbation |w| ⊙ u. */
    worstRho: z.number().positive().default(0.05),
    /** Projected gradient-ascent steps of the worst case (step length 2 rho). */
    worstSteps: z.number().int().positive().default(20),
    /** Relative Ritz-residual tolerance of the Fisher top eigenvalue. */
    fisherTol: z.number().positive().max(0.1).default(1e-3),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();
export type MeasuresSpec = z.infer<typeof MeasuresSpec>;

const Estimate = z.object({ value: z.number(), standardError: z.number(), samples: z.number().int() });

export const FinalMeasures = z.object({
  /** The settings they were computed with. */
  spec: MeasuresSpec,
  /** tr(H), Hutchinson. */
  hessianTrace: Estimate,
  /** Top eigenvalue of the Gauss-Newton matrix, the Fisher information for MSE and CE (Lanczos). */
  fisherTop: z.number(),
  /** tr(G), Hutchinson. */
  fisherTrace: Estimate,
  /** S_avg at averageRho (Monte Carlo). */
  averageAdaptive: Estimate,
  /** S_max at worstRho: the best of the ascent's iterates, a lower bound. */
  worstAdaptive: z.number(),
  /** worstRho ||(|w| ⊙ grad L)||, the first-order part of S_max (absent in measures recorded before it was). */
  worstAdaptiveFirstOrder: z.number().optional(),
});
export type FinalMeasures = z.infer<typeof FinalMeasures>;
