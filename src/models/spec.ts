import { z } from 'zod';

export const ACTIVATIONS = ['relu', 'tanh'] as const;
export const PARAMETERIZATIONS = ['standard', 'mup', 'ntk'] as const;

const common = {
  /** Multiplies the whole initial parameter vector (x5, x10 of appendix H.6). */
  initScale: z.number().positive().default(1),
};

export const FcnSpec = z
  .object({
    kind: z.literal('fcn'),
    /** Hidden widths; [] is the linear model Linear(d, k) (closed-form Hessian checks). */
    widths: z.array(z.number().int().positive()).default([200, 200]),
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** H.7: standard (PyTorch default), mup or ntk (kernel) parameterisation. */
    parameterization: z.enum(PARAMETERIZATIONS).default('standard'),
    ...common,
  })
  .strict();

export const CnnSpec = z
  .object({
    kind: z.literal('cnn'),
    channels: z.array(z.number().int().positive()).min(1).default([32, 32]),
    activation: z.enum(ACTIVATIONS).default('relu'),
    /** Batch norm after each convolution, with statistics of the whole training set (Table 1 "BN"). */
    batchNorm: z.boolean().default(false),
    ...common,
  })
  .strict();

/** Defaults: the MNIST ViT of appendix H.2 (CIFAR-10: patchSize 4, dim 128, depth 6). */
export const VitSpec = z
  .object({
    kind: z.literal('vit'),
    patchSize: z.number().int().positive().default(7),
    /** Embedding (model) dimension. */
    dim: z.number().int().positive().default(64),
    /** Number of encoder layers. */
    depth: z.number().int().positive().default(4),
    heads: z.number().int().positive().default(4),
    /** MLP hidden width; default 4 * dim, the ViT paper's ratio. */
    mlpDim: z.number().int().positive().optional(),
    ...common,
  })
  .strict();

/** ResNet-20 by default: 3 stages of 3 residual blocks (appendix H.2). */
export const ResnetSpec = z
  .object({
    kind: z.literal('resnet'),
    /** Channels per stage. */
    widths: z.array(z.number().int().positive()).min(1).default([16, 32, 64]),
    /** Residual blocks per stage. */
    blocks: z.number().int().positive().default(3),
    ...common,
  })
  .strict();

/** The encoder-decoder transformer of the sequence-reversal task (appendix H.14). */
export const TransformerSpec = z
  .object({
    kind: z.literal('transformer'),
    /** Token ids 0..vocab-1: the start token 0 and the symbols 1..9. */
    vocab: z.number().int().min(2).default(10),
    dim: z.number().int().positive().default(64),
    heads: z.number().int().positive().default(4),
    encoderLayers: z.number().int().positive().default(2),
    decoderLayers: z.number().int().positive().default(2),
    /** Feed-forward width. */
    ffDim: z.number().int().positive().default(128),
    ...common,
  })
  .strict();

export const DiagonalSpec = z
  .object({
    kind: z.literal('diagonal'),
    /** Initialisation w0 = alpha * 1 (section 3). */
    alpha: z.number().positive().default(0.1),
    ...common,
  })
  .strict();

export const LogisticSpec = z
  .object({
    kind: z.literal('logistic'),
    ...common,
  })
  .strict();

export const ModelSpec = z.discriminatedUnion('kind', [FcnSpec, CnnSpec, VitSpec, ResnetSpec, TransformerSpec, DiagonalSpec, LogisticSpec]);
export type ModelSpec = z.infer<typeof ModelSpec>;
export type FcnSpec = z.infer<typeof FcnSpec>;
export type CnnSpec = z.infer<typeof CnnSpec>;
export type VitSpec = z.infer<typeof VitSpec>;
export type ResnetSpec = z.infer<typeof ResnetSpec>;
export type TransformerSpec = z.infer<typeof TransformerSpec>;
export type DiagonalSpec = z.infer<typeof DiagonalSpec>;
export type LogisticSpec = z.infer<typeof LogisticSpec>;
export type Activation = (typeof ACTIVATIONS)[number];
export type Parameterization = (typeof PARAMETERIZATIONS)[number];
