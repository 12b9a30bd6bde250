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
