import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/gradients.js';
import type { Activation } from './spec.js';
import type { ParamBlock } from './types.js';
import { Rng } from '../util/random.js';

/** Peak wasm heap one chunk's Hessian-vector product may take (the heap is capped at 4 GB and never shrinks). */
const CHUNK_HEAP_BYTES = 2 ** 31;

/** Samples per chunk for a model whose HVP peaks at about `bytesPerSample` of wasm heap per sample (measured). */
export function chunkFor(bytesPerSample: number): number {
  return Math.max(1, Math.floor(CHUNK_HEAP_BYTES / bytesPerSample));
}

/** The tensor of one parameter block, differentiable with respect to theta. */
export function param(theta: tf.Tensor1D, block: ParamBlock): tf.Tensor {
  return tf.reshape(tf.slice(theta, block.offset, block.size), block.shape);
}

/**
 * Every block of a layout that tiles theta, by name, cut with one split: its
 * gradient is one concatenation, where a slice per block would pad each block's
 * gradient to the full length (many blocks, many parameters: transformers).
 */
export function paramsByName(theta: tf.Tensor1D, layout: readonly ParamBlock[]): Map<string, tf.Tensor> {
  const parts = tf.split(theta, layout.map((b) => b.size));
  return new Map(layout.map((b, i) => [b.name, tf.reshape(parts[i], b.shape)]));
}

/** nn.LayerNorm over the last axis of rows [N, D] (biased variance). */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, 1, true));
  const variance = tf.mean(tf.square(centred), 1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight), bias) as tf.Tensor2D;
}

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : tf.tanh(x);
}

/** scale * (x @ W^T) + b for a PyTorch-layout weight W [out, in]. */
export function linear(x: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor | null, scale = 1): tf.Tensor2D {
  let y = matMulT(x, W, false, true) as tf.Tensor2D;
  if (scale !== 1) y = tf.mul(y, scale);
  return b ? tf.add(y, b) : y;
}

/** How one block starts: U(-bound, bound), N(0, std^2) or a constant. */
export type BlockInit = { uniform: number } | { normal: number } | { constant: number };

/** Initial theta, block by block in layout order from one seeded stream, all scaled by `scale`. */
export function initBlocks(layout: readonly ParamBlock[], rule: (block: ParamBlock) => BlockInit, seed: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  const theta = new Float32Array(layout.reduce((a, b) => a + b.size, 0));
  for (const block of layout) {
    const view = theta.subarray(block.offset, block.offset + block.size);
    const init = rule(block);
    if ('uniform' in init) rng.fillUniform(view, -scale * init.uniform, scale * init.uniform);
    else if ('normal' in init) rng.fillNormal(view, scale * init.normal);
    else view.fill(scale * init.constant);
  }
  return theta;
}

/** PyTorch's default nn.Linear / nn.Conv2d init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
export function pytorchDefaultInit(layout: readonly ParamBlock[], fanIn: (block: ParamBlock) => number, seed: number, scale: number): Float32Array {
  return initBlocks(layout, (block) => ({ uniform: 1 / Math.sqrt(fanIn(block)) }), seed, scale);
}
