/**
 * Transformer blocks as PyTorch computes them (nn.MultiheadAttention with packed
 * in-projection, nn.TransformerEncoderLayer / nn.TransformerDecoderLayer with ReLU
 * and no dropout), their parameter blocks and initial distributions,, on rows [n * S, D] of n sequences of length S. Matmuls,
 * softmax (re-registered gradient) and layer norm only: exact second derivatives.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/gradients.js';
import { activate, chunkFor, layerNorm, linear, type BlockInit } from './layers.js';
import type { ParamBlock } from './types.js';

type BlockSpec = { name: string; shape: number[]; role: 'weight' | 'bias' };

export function linearBlocks(at: string, out: number, inDim: number): BlockSpec[] {
  return [
    { name: `${at}.weight`, shape: [out, inDim], role: 'weight' },
    { name: `${at}.bias`, shape: [out], role: 'bias' },
  ];
}

function attentionBlocks(at: string, d: number): BlockSpec[] {
  return [
    { name: `${at}.in_proj_weight`, shape: [3 * d, d], role: 'weight' },
    { name: `${at}.in_proj_bias`, shape: [3 * d], role: 'bias' },
    ...linearBlocks(`${at}.out_proj`, d, d),
  ];
}

export function layerNormBlocks(at: string, d: number): BlockSpec[] {
  return [
    { name: `${at}.weight`, shape: [d], role: 'weight' },
    { name: `${at}.bias`, shape: [d], role: 'bias' },
  ];
}

/** nn.TransformerEncoderLayer(d, heads, ff)'s parameters under prefix `at`, in its order. */
export function encoderLayerBlocks(at: string, d: number, ff: number): BlockSpec[] {
  return [...attentionBlocks(`${at}.self_attn`, d), ...linearBlocks(`${at}.linear1`, ff, d), ...linearBlocks(`${at}.linear2`, d, ff), ...layerNormBlocks(`${at}.norm1`, d), ...layerNormBlocks(`${at}.norm2`, d)];
}

/** nn.TransformerDecoderLayer(d, heads, ff)'s parameters under prefix `at`, in its order. */
export function decoderLayerBlocks(at: string, d: number, ff: number): BlockSpec[] {
  return [
    ...attentionBlocks(`${at}.self_attn`, d),
    ...attentionBlocks(`${at}.multihead_attn`, d),
    ...linearBlocks(`${at}.linear1`, ff, d),
    ...linearBlocks(`${at}.linear2`, d, ff),
    ...[1, 2, 3].flatMap((i) => layerNormBlocks(`${at}.norm${i}`, d)),
  ];
}

/**
 * PyTorch's initial distribution of a transformer block: layer norms weight 1,
 * bias 0; attention in-projection xavier-uniform and its biases 0 (nn.MultiheadAttention);
 * with `xavierMatrices` every matrix xavier-uniform (nn.Transformer re-initialises
 * its own); otherwise nn.Linear / nn.Conv2d's U(+-1/sqrt(fan_in)) for a weight and its bias.
 */
export function transformerBlockInit(block: ParamBlock, weightOf: (bias: ParamBlock) => ParamBlock, xavierMatrices: boolean): BlockInit {
  if (/norm\d?\.weight$/.test(block.name)) return { constant: 1 };
  if (/(norm\d?\.bias|in_proj_bias|out_proj\.bias)$/.test(block.name)) return { constant: 0 };
  if (block.shape.length === 2 && (xavierMatrices || block.name.endsWith('in_proj_weight'))) return { uniform: Math.sqrt(6 / (block.shape[0] + block.shape[1])) };
  const weight = block.role === 'weight' ? block : weightOf(block);
  return { uniform: 1 / Math.sqrt(weight.shape.slice(1).reduce((a, x) => a * x, 1)) };
}

/** Added to hidden attention scores: exp underflows to exactly 0, as with PyTorch's -inf, without inf arithmetic. */
const HIDDEN = -1e9;

/** Parameters by state_dict name, relative to a module prefix. */
export type Params = (name: string) => tf.Tensor;

/** [n * S, D] rows -> [n * heads, S, D / heads]. */
function splitHeads(x: tf.Tensor2D, n: number, heads: number): tf.Tensor3D {
  const [rows, d] = x.shape;
  const s = rows / n;
  return tf.reshape(tf.transpose(tf.reshape(x, [n, s, heads, d / heads]), [0, 2, 1, 3]), [n * heads, s, d / heads]);
}

/** Inverse of splitHeads. */
function mergeHeads(x: tf.Tensor3D, n: number, heads: number): tf.Tensor2D {
  const [, s, dh] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [n, heads, s, dh]), [0, 2, 1, 3]), [n * s, heads * dh]);
}

/** Causal mask [S, S]: position i attends to positions j <= i. */
export function causalMask(s: number): tf.Tensor2D {
  const mask = new Float32Array(s * s);
  for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) mask[i * s + j] = HIDDEN;
  return tf.tensor2d(mask, [s, s]);
}

/**
 * nn.MultiheadAttention(batch_first=True)(query, memory, memory): `p` gives
 * in_proj_weight [3D, D], in_proj_bias, out_proj.weight, out_proj.bias; an
 * additive mask [Sq, Skv] hides scores.
 */
export function multiHeadAttention(query: tf.Tensor2D, memory: tf.Tensor2D, n: number, heads: number, p: Params, mask?: tf.Tensor2D): tf.Tensor2D {
  const d = query.shape[1];
  // One product with all three projections where query and memory are the same rows (self-attention), else the
  // query's and the memory's key-value pair apart: wider matrices for the BLAS, fewer kernels on the tape.
  const [projQ, projK, projV] =
    query === memory
      ? tf.split(linear(query, p('in_proj_weight'), p('in_proj_bias')), 3, 1)
      : (() => {
          const [wq, wkv] = tf.split(p('in_proj_weight'), [d, 2 * d], 0);
          const [bq, bkv] = tf.split(p('in_proj_bias'), [d, 2 * d], 0);
          return [linear(query, wq, bq), ...tf.split(linear(memory, wkv, bkv), 2, 1)];
        })();
  // PyTorch scales the projected query, bias included.
  const q = splitHeads(tf.mul(projQ, 1 / Math.sqrt(d / heads)) as tf.Tensor2D, n, heads);
  const k = splitHeads(projK as tf.Tensor2D, n, heads);
  const v = splitHeads(projV as tf.Tensor2D, n, heads);
  let scores = matMulT(q, k, false, true);
  if (mask) scores = tf.add(scores, mask);
  const attended = matMulT(tf.softmax(scores), v, false, false) as tf.Tensor3D;
  return linear(mergeHeads(attended, n, heads), p('out_proj.weight'), p('out_proj.bias'));
}

/** linear2(relu(linear1(x))). */
function feedForward(x: tf.Tensor2D, p: Params): tf.Tensor2D {
  return linear(activate(linear(x, p('linear1.weight'), p('linear1.bias')), 'relu') as tf.Tensor2D, p('linear2.weight'), p('linear2.bias'));
}

/**
 * HVP heap bytes per sample of `layers` attention layers over `tokens` tokens:
 * ~100 bytes per activation float (projections, MLP, score matrices), as measured
 * for the MNIST and CIFAR-10 ViTs (5 and ~50 MiB per sample).
 */
function attentionBytes(layers: number, tokens: number, d: number, ff: number, heads: number): number {
  return 100 * layers * tokens * (8 * d + ff + heads * tokens);
}

/**
 * Token rows per chunk beyond which products run no faster here: the MNIST ViT's gradient and HVP took the same time at
 * 125 images per chunk (2 125 rows) as at 377, and 25% longer at 64; the heap of a double-backward HVP grows with the
 * chunk (1.7 GB at 377, 0.6 GB at 125), and the heap never shrinks.
 */
const FULL_SPEED_ROWS = 2048;

/** Samples per chunk of an attention model: enough token rows for full speed, and at most what the heap budget allows. */
export function attentionChunk(layers: number, tokens: number, d: number, ff: number, heads: number): number {
  return Math.min(chunkFor(attentionBytes(layers, tokens, d, ff, heads)), Math.ceil(FULL_SPEED_ROWS / tokens));
}

/** Prefixed parameter access: scoped(p, 'self_attn')('in_proj_weight') = p('self_attn.in_proj_weight'). */
export function scoped(p: Params, prefix: string): Params {
  return (name) => p(`${prefix}.${name}`);
}

/** nn.TransformerEncoderLayer(norm_first=True): x + SA(norm1(x)), then + FF(norm2(x)). */
export function preNormEncoderLayer(x: tf.Tensor2D, n: number, heads: number, p: Params, eps: number): tf.Tensor2D {
  const h = layerNorm(x, p('norm1.weight'), p('norm1.bias'), eps);
  const y = tf.add(x, multiHeadAttention(h, h, n, heads, scoped(p, 'self_attn'))) as tf.Tensor2D;
  return tf.add(y, feedForward(layerNorm(y, p('norm2.weight'), p('norm2.bias'), eps), p)) as tf.Tensor2D;
}

/** nn.TransformerEncoderLayer (post-norm): norm1(x + SA(x)), then norm2(. + FF(.)). */
export function encoderLayer(x: tf.Tensor2D, n: number, heads: number, p: Params, eps: number): tf.Tensor2D {
  const y = layerNorm(tf.add(x, multiHeadAttention(x, x, n, heads, scoped(p, 'self_attn'))) as tf.Tensor2D, p('norm1.weight'), p('norm1.bias'), eps);
  return layerNorm(tf.add(y, feedForward(y, p)) as tf.Tensor2D, p('norm2.weight'), p('norm2.bias'), eps);
}

/** nn.TransformerDecoderLayer (post-norm): masked self-attention, attention to the encoder's memory, feed-forward. */
export function decoderLayer(x: tf.Tensor2D, memory: tf.Tensor2D, n: number, heads: number, p: Params, eps: number, mask: tf.Tensor2D): tf.Tensor2D {
  const y = layerNorm(tf.add(x, multiHeadAttention(x, x, n, heads, scoped(p, 'self_attn'), mask)) as tf.Tensor2D, p('norm1.weight'), p('norm1.bias'), eps);
  const z = layerNorm(tf.add(y, multiHeadAttention(y, memory, n, heads, scoped(p, 'multihead_attn'))) as tf.Tensor2D, p('norm2.weight'), p('norm2.bias'), eps);
  return layerNorm(tf.add(z, feedForward(z, p)) as tf.Tensor2D, p('norm3.weight'), p('norm3.bias'), eps);
}
