import type * as tf from '@tensorflow/tfjs';
import type { Activation } from './spec.js';

/** One named tensor inside the flat parameter vector (PyTorch name, shape and layout). */
export interface ParamBlock {
  /** PyTorch state_dict key, e.g. `layers.0.weight`. */
  name: string;
  shape: number[];
  offset: number;
  size: number;
  role: 'weight' | 'bias';
}

/**
 * A model is a parameter layout plus a pure forward map over a flat parameter
 * vector; training and curvature code only ever see theta and a loss.
 */
export interface Model {
  readonly kind: string;
  readonly layout: readonly ParamBlock[];
  readonly numParams: number;
  readonly outputDim: number;
  /**
   * Outputs are this many consecutive groups of outputDim / outputGroups classes, one
   * per output token of a sequence model: the loss and accuracy are means over all
   * tokens. Default 1.
   */
  readonly outputGroups?: number;
  /** Largest number of samples per forward pass that keeps memory reasonable. */
  readonly maxChunk: number;
  forward(theta: tf.Tensor1D, X: tf.Tensor2D): tf.Tensor2D;
  /** Initial parameters for a seed (scaled by the model's initScale). */
  init(seed: number): Float32Array;
  /** Set when the model is a stack of dense layers: the objective then uses hand-derived second-order passes. */
  readonly dense?: DenseStack;
  /** Set when the model is a plain ReLU CNN: the objective then runs it natively when the BLAS addon is there. */
  readonly conv?: ConvStack;
  /**
   * Set when the model normalises with batch statistics (batch norm): its loss
   * couples all samples, and `forward` normalises with the statistics of X itself.
   */
  readonly batchStatistics?: BatchStatistics;
}

/**
 * Batch norm over a data set processed in chunks. The statistics s hold, for every
 * batch-norm layer in order, its channels' means and then their means of squares.
 * With m_c(theta, s) the moment sums of chunk c, the data set's statistics are the
 * fixed point s = (1/n) sum_c m_c(theta, s); layer l's moments depend on s only
 * through layers before l, so `depth` sweeps from any start reach it exactly.
 */
export interface BatchStatistics {
  readonly size: number;
  /** Number of batch-norm layers (an upper bound on the longest chain of them). */
  readonly depth: number;
  /** The output with every batch-norm layer normalised by s, and the chunk's moments (layout of s) summed over its samples. */
  forwardWith(theta: tf.Tensor1D, X: tf.Tensor2D, s: tf.Tensor1D): { out: tf.Tensor2D; moments: tf.Tensor1D };
  /**
   * The moments of forwardWith for layers 0 .. count-1, zeros for the others: the body stops once it has
   * applied those layers (a fixed-point sweep that can make only them exact runs no further).
   */
  momentsWith(theta: tf.Tensor1D, X: tf.Tensor2D, s: tf.Tensor1D, count: number): tf.Tensor1D;
}

/**
 * Dense layers a_l = s_l h_{l-1} W_l^T + b_l with h_0 = X and h_l = act(a_l),
 * no activation after the last layer. Their blocks tile the parameter vector
 * in layer order: weight, then bias.
 */
export interface DenseStack {
  readonly layers: readonly DenseLayer[];
  readonly activation: Activation;
}

export interface DenseLayer {
  /** PyTorch layout [out, in]. */
  readonly weight: ParamBlock;
  readonly bias: ParamBlock | null;
  /** s_l: 1 in the standard parameterisation, 1/sqrt(fan_in) or 1/fan_in in ntk / mup. */
  readonly inputScale: number;
}

/**
 * Blocks [3x3 convolution (padding 1) + bias -> (batch norm) -> relu -> 2x2 max pool] on
 * NHWC images, then a linear head on the last pool flattened in PyTorch's (C, H, W) order.
 */
export interface ConvStack {
  /** The image (C, H, W) of a data row. */
  readonly inputShape: readonly [number, number, number];
  /** PyTorch layouts: weight [cout, cin, 3, 3], bias [cout]. */
  readonly convs: readonly { weight: ParamBlock; bias: ParamBlock }[];
  /** With batch norm after each convolution (batch statistics), its weight and bias [cout] per block. */
  readonly norms?: readonly { weight: ParamBlock; bias: ParamBlock }[];
  /** weight [k, flat], bias [k]. */
  readonly head: { weight: ParamBlock; bias: ParamBlock };
}

export function layoutFrom(blocks: { name: string; shape: number[]; role: 'weight' | 'bias' }[]): ParamBlock[] {
  let offset = 0;
  return blocks.map((b) => {
    const size = b.shape.reduce((a, c) => a * c, 1);
    const block = { ...b, offset, size };
    offset += size;
    return block;
  });
}

export function totalSize(layout: readonly ParamBlock[]): number {
  const last = layout[layout.length - 1];
  return last ? last.offset + last.size : 0;
}

export function blockView(theta: Float32Array, block: ParamBlock): Float32Array {
  return theta.subarray(block.offset, block.offset + block.size);
}
