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
import { attentionChunk, encoderLayerBlocks, layerNormBlocks, linearBlocks, preNormEncoderLayer, scoped, transformerBlockInit } from './attention.js';
import { initBlocks, layerNorm, linear, paramsByName, type BlockInit } from './layers.js';
import type { VitSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';

export const VIT_LAYER_NORM_EPS = 1e-6;

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
  // The nn.Module's parameter order: its own parameters, then submodules in registration order.
  const layout = layoutFrom([
    { name: 'class_token', shape: [1, 1, d], role: 'weight' },
    { name: 'pos_embedding', shape: [1, tokens, d], role: 'weight' },
    { name: 'patch_embed.weight', shape: [d, c, p, p], role: 'weight' },
    { name: 'patch_embed.bias', shape: [d], role: 'bias' },
    ...Array.from({ length: spec.depth }, (_, l) => encoderLayerBlocks(`encoder.layers.${l}`, d, mlp)).flat(),
    ...layerNormBlocks('encoder.norm', d),
    ...linearBlocks('head', outputDim, d),
  ]);
  const byName = new Map(layout.map((b) => [b.name, b]));

  const initOf = (block: ParamBlock): BlockInit => {
    if (block.name === 'class_token') return { constant: 0 };
    if (block.name === 'pos_embedding') return { normal: 0.02 };
    return transformerBlockInit(block, (bias) => byName.get(bias.name.replace(/bias$/, 'weight')) as ParamBlock, false);
  };

  return {
    kind: 'vit',
    layout,
    numParams: totalSize(layout),
    outputDim,
    maxChunk: attentionChunk(spec.depth, tokens, d, mlp, spec.heads),
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
