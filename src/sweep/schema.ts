/**
 * Experiments are plain data validated with zod; results are JSON files with
 * the same validation on read, so a corrupted or outdated file is detected.
 */
import { z } from 'zod';
import { LOSSES } from '../objective/losses.js';
import { ModelSpec } from '../models/spec.js';
import { FinalMeasures, FlowSpec, MeasuresSpec, Metrics, RecordSpec, StopCheck } from '../train/schema.js';

/** Bump when the meaning of a result changes: old results are then recomputed. */
export const SCHEMA_VERSION = 1;

export const GridSpec = z
  .object({
    /** Points of the fine grid k/(2 s_GF), k = fineFirst, fineFirst+1, ..., up to fineMax / s_GF (appendix G: 12 points from k = 1, up to 6/s_GF). */
    fine: z.number().int().nonnegative().default(12),
    /** First k of the fine grid; the smallest rates cost the most steps, so cheap profiles start higher. */
    fineFirst: z.number().int().positive().default(1),
    fineMax: z.number().positive().default(6),
    /** Points of the coarse grid on [fineMax/s_GF, 2/s0] (appendix G: 9). */
    coarse: z.number().int().nonnegative().default(9),
    /**
     * Continue the coarse grid with its step until a run diverges (appendix G), at most this many extra rates: a cap
     * that keeps a schedule finite where GD keeps converging (rows 3, 4, 35 and 36 still converge 8 steps above 2/s0).
     */
    extendUntilDivergence: z.number().int().nonnegative().default(24),
    /** Bisection levels added between the last converged and the first diverged rate. */
    refine: z.number().int().nonnegative().default(2),
    /** Explicit learning rates replace the automatic schedule. */
    rates: z.array(z.number().positive()).optional(),
  })
  .strict();

export const Experiment = z
  .object({
    /** Stable name, e.g. `fcn-relu-mnist5k-mse`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, dot, dash, underscore'),
    /** Dataset spec: `mnist-5k`, `cifar10-5k:1000`, `breast-cancer`, `california-housing:1000`, `diagonal:<d>:<seed>`, `two-point:<d>:<seed>`, `reversal:<n>:<seed>`. */
    dataset: z.string().min(1),
    model: ModelSpec,
    loss: z.enum(LOSSES),
    /** Initialisation seed (the paper uses 43). */
    seed: z.number().int().nonnegative().default(43),
    /** Loss goals eps; GD runs use each of them, GF records s_GF for all. */
    lossGoals: z.array(z.number().positive()).min(1),
    maxSteps: z.number().int().positive().default(100000),
    /** A run diverges when the loss is non-finite or exceeds this multiple of the initial loss. */
    divergenceFactor: z.number().positive().default(1e3),
    /** Evaluate on at most this many test samples (the paper: full test set). */
    testLimit: z.number().int().positive().optional(),
    record: RecordSpec.prefault({}),
    flow: FlowSpec.prefault({}),
    grid: GridSpec.prefault({}),
    /** Keep the checkpoints at powers-of-ten losses. */
    checkpoints: z.boolean().default(true),
    /**
     * Curvature measures at each run's final parameters (Figure 10). Not part of the run keys (they do
     * not change the trajectory): finished runs keep their keys and gain the measures afterwards.
     */
    measures: MeasuresSpec.optional(),
    /** 'torch': PyTorch's default initialisation bit for bit (fcn and cnn; src/models/torch-init.ts); absent: the model's own. */
    init: z.literal('torch').optional(),
  })
  .strict();
export type Experiment = z.infer<typeof Experiment>;
export type ExperimentInput = z.input<typeof Experiment>;

export const Provenance = z.object({
  packageVersion: z.string(),
  gitRevision: z.string(),
  backend: z.string(),
  blas: z.boolean(),
  tfjsVersion: z.string(),
  node: z.string(),
  startedAt: z.string(),
  wallSeconds: z.number(),
  /**
   * CPU seconds of the run's process over the run, all threads (optional: older results have none).
   * Unlike the wall time, it hardly depends on what else the machine was running.
   */
  cpuSeconds: z.number().optional(),
  /** Processes that computed the run: 1, or more when it was paused or killed and resumed (optional: older results have none). */
  attempts: z.number().int().positive().optional(),
  /**
   * The wall and CPU seconds and startedAt cover only the last attempt: a run resumed from a state saved before states
   * kept what earlier attempts spent. Its cost is a lower bound, and the plan does not judge its prediction by it.
   */
  partialClock: z.literal(true).optional(),
  hvps: z.number().int(),
  /** The WebGPU adapter when backend is webgpu (optional: older results have none). */
  adapter: z
    .object({ api: z.string(), vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string(), software: z.boolean() })
    .optional(),
});
export type Provenance = z.infer<typeof Provenance>;

const PerLayer = z.array(z.object({ name: z.string(), l1: z.number(), l2: z.number(), nuclear: z.number().nullable() }));

export const GdResult = z.object({
  kind: z.literal('gd'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  key: z.string(),
  experiment: Experiment,
  lr: z.number(),
  lossGoal: z.number(),
  /** stalled: the parameters recurred bit for bit (train/gd.ts), so GD would cycle until max steps. */
  outcome: z.enum(['converged', 'diverged', 'max-steps', 'stalled']),
  steps: z.number().int(),
  /** Step at which divergence was detected (null otherwise). */
  divergedAt: z.number().int().nullable(),
  /** Stalled runs: the cycle's period in steps (null otherwise; absent in results written before stalls were detected). */
  cyclePeriod: z.number().int().positive().nullable().optional(),
  history: z.array(Metrics),
  final: Metrics.nullable(),
  perLayer: PerLayer.nullable(),
  maxSharpness: z.number().nullable(),
  /**
   * Both ends of the Hessian spectrum at the final parameters and max|lambda|, the
   * paper's sharpness (`sharpness` elsewhere is the largest algebraic eigenvalue).
   * Absent in results written before it was recorded.
   */
  /** Both ends of the spectrum where the run stopped; hvps: the products they took (absent in older records), a fixed cost per run the plan's step model does not see. */
  finalSpectrum: z.object({ largest: z.number(), smallest: z.number(), maxAbs: z.number(), hvps: z.number().int().nonnegative().optional() }).nullable().optional(),
  /** Converged runs: stable stop or transient (train/gd.ts checkStop); absent in results written before it was recorded. */
  stop: StopCheck.nullable().optional(),
  /** Curvature measures at the final parameters, when the experiment asks for them (absent otherwise and in older results). */
  measures: FinalMeasures.optional(),
  /** l1/l2 distance of the final parameters from the GF solution at the same loss goal. */
  distanceFromFlow: z.object({ l1: z.number(), l2: z.number() }).nullable(),
  /** Checkpoint files, relative to the results folder. */
  checkpoints: z.array(z.object({ lossBelow: z.number(), step: z.number().int(), file: z.string() })),
  provenance: Provenance,
  /** Hash of the rest of the file (store.contentHash); written on every result, absent in older ones. */
  integrity: z.string().optional(),
});
export type GdResult = z.infer<typeof GdResult>;

export const FlowResult = z.object({
  kind: z.literal('flow'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  key: z.string(),
  experiment: Experiment,
  outcome: z.enum(['converged', 'diverged', 'max-steps']),
  steps: z.number().int(),
  /** Sharpness at initialisation. */
  s0: z.number(),
  /** s_GF(eps): maximal sharpness along the flow until the loss first reaches eps, per loss goal. */
  /** s_GF per loss goal; solutionFile (the flow's parameters there) is relative to the results folder. */
  sGF: z.array(z.object({ lossGoal: z.number(), sGF: z.number(), time: z.number(), step: z.number().int(), solutionFile: z.string() })),
  history: z.array(Metrics),
  provenance: Provenance,
  /** As for GdResult. */
  integrity: z.string().optional(),
});
export type FlowResult = z.infer<typeof FlowResult>;

/** Any result file of the runs/ folder. */
export const RunResult = z.discriminatedUnion('kind', [GdResult, FlowResult]);
export type RunResult = z.infer<typeof RunResult>;

export const SweepSummary = z.object({
  experiment: Experiment,
  lossGoal: z.number(),
  s0: z.number(),
  sGF: z.number(),
  /** 2 / s_GF. */
  criticalLr: z.number(),
  /** Regime change fitted from the measured final sharpness (null if the sweep cannot tell). */
  fittedCriticalLrSharpness: z.number().nullable(),
  /** Regime change fitted from the measured final l1 norm. */
  fittedCriticalLrNorm: z.number().nullable(),
  flowFinal: Metrics,
  runs: z.array(GdResult),
});
export type SweepSummary = z.infer<typeof SweepSummary>;
