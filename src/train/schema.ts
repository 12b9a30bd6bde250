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
