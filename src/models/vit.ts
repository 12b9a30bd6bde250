/**
 * Vision Transformer (appendix H.2, Dosovitskiy et al. 2021): non-overlapping
 * patches embedded by a linear map (a Conv2d with kernel = stride = patch size),
 * a learnable class token prepended, learned positional embeddings added,
 * pre-norm encoder layers (nn.TransformerEncoderLayer(norm_first=True), ReLU
 * MLP, no dropout), a final layer norm and a linear classifier on the class token.
 *
 * Names and initialisation follow the PyTorch module (python/torch_models.py Vit):
 * class_token zeros and pos_embedding N(0, 0.02^2) as in torchvision's ViT;
 * nn.Conv2d / nn.Linear defaults; nn.MultiheadAttention's xavier-uniform
 * in-projection and zero projection biases; layer norms weight 1, bias 0.
 * Layer norm eps 1e-6 as in the ViT paper's code.
 */
import * as tf from '@tensorflow/tfjs';
import { preNormEncoderLayer, scoped } from './attention.js';
import { initBlocks, layerNorm, linear, paramsByName, type BlockInit } from './layers.js';
import type { VitSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';

export const VIT_LAYER_NORM_EPS = 1e-6;

/** Floats of activations per chunk the objective may hold (sets maxChunk). */
const CHUNK_FLOATS = 2.5e7;

/** [n, C*H*W] images -> [n * T, C*P*P] patches in row-major patch order, each flattened as (C, P, P) like a Conv2d kernel. */
function patches(X: tf.Tensor2D, [c, h, w]: readonly [number, number, number], p: number): tf.Tensor2D {
  const n = X.shape[0];
  const rows = h / p;
  const cols = w / p;
  // [n*C*rows, P, cols, P] -> [n*C*rows, cols, P, P] = [n, C, T, P*P] -> [n, T, C, P*P]
  const tiles = tf.transpose(tf.reshape(X, [n * c * rows, p, cols, p]), [0, 2, 1, 3]);
  return tf.reshape(tf.transpose(tf.reshape(tiles, [n, c, rows * cols, p * p]), [0, 2, 1, 3]), [n * rows * cols, c * p * p]);
}

export function vit(spec: VitSpec, inputShape: [number, number, number], outputDim: number): Model {
  const [c, h, w] = inputShape;
  const p = spec.patchSize;
  if (h % p !== 0 || w % p !== 0) throw new Error(`vit: patchSize ${p} does not divide the ${h}x${w} image`);
  if (spec.dim % spec.heads !== 0) throw new Error(`vit: dim ${spec.dim} is not a multiple of heads ${spec.heads}`);
  const d = spec.dim;
  const mlp = spec.mlpDim ?? 4 * d;
  const tokens = (h / p) * (w / p) + 1;
  const layerBlocks = (l: number): { name: string; shape: number[]; role: 'weight' | 'bias' }[] => {
    const at = `encoder.layers.${l}`;
    return [
      { name: `${at}.self_attn.in_proj_weight`, shape: [3 * d, d], role: 'weight' },
      { name: `${at}.self_attn.in_proj_bias`, shape: [3 * d], role: 'bias' },
      { name: `${at}.self_attn.out_proj.weight`, shape: [d, d], role: 'weight' },
      { name: `${at}.self_attn.out_proj.bias`, shape: [d], role: 'bias' },
      { name: `${at}.linear1.weight`, shape: [mlp, d], role: 'weight' },
      { name: `${at}.linear1.bias`, shape: [mlp], role: 'bias' },
      { name: `${at}.linear2.weight`, shape: [d, mlp], role: 'weight' },
      { name: `${at}.linear2.bias`, shape: [d], role: 'bias' },
      { name: `${at}.norm1.weight`, shape: [d], role: 'weight' },
      { name: `${at}.norm1.bias`, shape: [d], role: 'bias' },
      { name: `${at}.norm2.weight`, shape: [d], role: 'weight' },
      { name: `${at}.norm2.bias`, shape: [d], role: 'bias' },
    ];
  };
  // The nn.Module's parameter order: its own parameters, then submodules in registration order.
  const layout = layoutFrom([
    { name: 'class_token', shape: [1, 1, d], role: 'weight' },
    { name: 'pos_embedding', shape: [1, tokens, d], role: 'weight' },
    { name: 'patch_embed.weight', shape: [d, c, p, p], role: 'weight' },
    { name: 'patch_embed.bias', shape: [d], role: 'bias' },
    ...Array.from({ length: spec.depth }, (_, l) => layerBlocks(l)).flat(),
    { name: 'encoder.norm.weight', shape: [d], role: 'weight' },
    { name: 'encoder.norm.bias', shape: [d], role: 'bias' },
    { name: 'head.weight', shape: [outputDim, d], role: 'weight' },
    { name: 'head.bias', shape: [outputDim], role: 'bias' },
  ]);

  const initOf = (block: ParamBlock): BlockInit => {
    const leaf = block.name.split('.').slice(-2).join('.');
    if (block.name === 'class_token') return { constant: 0 };
    if (block.name === 'pos_embedding') return { normal: 0.02 };
    if (leaf === 'self_attn.in_proj_weight') return { uniform: Math.sqrt(6 / (d + 3 * d)) };
    if (leaf === 'self_attn.in_proj_bias' || leaf === 'out_proj.bias') return { constant: 0 };
    if (/norm\d?\.weight$/.test(block.name)) return { constant: 1 };
    if (/norm\d?\.bias$/.test(block.name)) return { constant: 0 };
    // nn.Linear / nn.Conv2d: U(+-1/sqrt(fan_in)) for the weight and its bias.
    const weight = block.role === 'weight' ? block : (layout.find((b) => b.name === block.name.replace(/bias$/, 'weight')) as ParamBlock);
    return { uniform: 1 / Math.sqrt(weight.shape.slice(1).reduce((a, x) => a * x, 1)) };
  };

  return {
    kind: 'vit',
    layout,
    numParams: totalSize(layout),
    outputDim,
    maxChunk: Math.max(1, Math.floor(CHUNK_FLOATS / (spec.depth * tokens * (8 * d + mlp + spec.heads * tokens)))),
    forward(theta, X) {
      const n = X.shape[0];
      const params = paramsByName(theta, layout);
      const P = (name: string): tf.Tensor => params.get(name) as tf.Tensor;
      const embedded = tf.reshape(linear(patches(X, inputShape, p), tf.reshape(P('patch_embed.weight'), [d, c * p * p]), P('patch_embed.bias')), [n, tokens - 1, d]);
      const withClass = tf.concat([tf.tile(P('class_token'), [n, 1, 1]), embedded], 1);
      let x = tf.reshape(tf.add(withClass, P('pos_embedding')), [n * tokens, d]) as tf.Tensor2D;
      for (let l = 0; l < spec.depth; l++) x = preNormEncoderLayer(x, n, spec.heads, scoped(P, `encoder.layers.${l}`), VIT_LAYER_NORM_EPS);
      const classOut = tf.reshape(tf.slice(tf.reshape(x, [n, tokens, d]), [0, 0, 0], [n, 1, d]), [n, d]) as tf.Tensor2D;
      return linear(layerNorm(classOut, P('encoder.norm.weight'), P('encoder.norm.bias'), VIT_LAYER_NORM_EPS), P('head.weight'), P('head.bias'));
    },
    init(seed) {
      return initBlocks(layout, initOf, seed, spec.initScale);
    },
  };
}
