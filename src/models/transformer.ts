/**
 * The encoder-decoder transformer of the sequence-reversal task (appendix H.14,
 * Vaswani et al. 2017): learned token embeddings shared by source and decoder
 * input, fixed sinusoidal positions added (no sqrt(dim) scaling of the
 * embeddings), post-norm encoder and decoder layers with ReLU feed-forward, a
 * final layer norm after each stack (nn.Transformer), a causal mask in the
 * decoder's self-attention, and a linear map to vocabulary logits per position.
 *
 * Input rows hold 2 x length token ids (source, then the teacher-forced decoder
 * input); the output holds length groups of vocab logits (outputGroups), so the
 * loss is the mean cross-entropy over output tokens. Names and initialisation
 * follow python/torch_models.py Seq2Seq: nn.Embedding N(0, 1), nn.Transformer's
 * xavier-uniform matrices, nn.Linear defaults elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionChunk, causalMask, decoderLayer, decoderLayerBlocks, encoderLayer, encoderLayerBlocks, layerNormBlocks, linearBlocks, scoped, transformerBlockInit } from './attention.js';
import { initBlocks, layerNorm, linear, paramsByName } from './layers.js';
import type { TransformerSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';

/** nn.Transformer's default layer norm eps. */
const EPS = 1e-5;

/** pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(pos / 10000^(2i/d)), computed in float64. */
export function sinusoidalPositions(length: number, d: number): Float32Array {
  const pe = new Float32Array(length * d);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; 2 * i < d; i++) {
      const angle = pos / 10000 ** ((2 * i) / d);
      pe[pos * d + 2 * i] = Math.sin(angle);
      if (2 * i + 1 < d) pe[pos * d + 2 * i + 1] = Math.cos(angle);
    }
  }
  return pe;
}

export function transformer(spec: TransformerSpec, inputShape: readonly number[], outputDim: number): Model {
  if (inputShape.length !== 2 || inputShape[0] !== 2) throw new Error(`model 'transformer' needs token inputs [2, length] (source, decoder input), got shape [${inputShape.join(', ')}]`);
  const length = inputShape[1];
  const { dim: d, vocab } = spec;
  if (outputDim !== length * vocab) throw new Error(`model 'transformer' outputs ${length} x ${vocab} logits, but the targets have ${outputDim} columns`);
  if (d % spec.heads !== 0) throw new Error(`transformer: dim ${d} is not a multiple of heads ${spec.heads}`);
  const layout = layoutFrom([
    { name: 'embedding.weight', shape: [vocab, d], role: 'weight' },
    ...Array.from({ length: spec.encoderLayers }, (_, l) => encoderLayerBlocks(`transformer.encoder.layers.${l}`, d, spec.ffDim)).flat(),
    ...layerNormBlocks('transformer.encoder.norm', d),
    ...Array.from({ length: spec.decoderLayers }, (_, l) => decoderLayerBlocks(`transformer.decoder.layers.${l}`, d, spec.ffDim)).flat(),
    ...layerNormBlocks('transformer.decoder.norm', d),
    ...linearBlocks('head', vocab, d),
  ]);
  const byName = new Map(layout.map((b) => [b.name, b]));
  const positions = sinusoidalPositions(length, d);

  return {
    kind: 'transformer',
    layout,
    numParams: totalSize(layout),
    outputDim,
    outputGroups: length,
    // The decoder's layers attend twice.
    maxChunk: attentionChunk(spec.encoderLayers + 2 * spec.decoderLayers, length, d, spec.ffDim, spec.heads),
    forward(theta, X) {
      const n = X.shape[0];
      const params = paramsByName(theta, layout);
      const P = (name: string): tf.Tensor => params.get(name) as tf.Tensor;
      const pe = tf.tile(tf.tensor2d(positions, [length, d]), [n, 1]);
      /** Token ids [n, length] -> embedded rows [n * length, d] (one-hot matmul: exact second derivatives). */
      const embed = (ids: tf.Tensor): tf.Tensor2D => {
        const oneHot = tf.oneHot(tf.cast(tf.reshape(ids, [n * length]), 'int32'), vocab) as tf.Tensor2D;
        return tf.add(tf.matMul(oneHot, P('embedding.weight')), pe) as tf.Tensor2D;
      };
      let memory = embed(tf.slice(X, [0, 0], [n, length]));
      for (let l = 0; l < spec.encoderLayers; l++) memory = encoderLayer(memory, n, spec.heads, scoped(P, `transformer.encoder.layers.${l}`), EPS);
      memory = layerNorm(memory, P('transformer.encoder.norm.weight'), P('transformer.encoder.norm.bias'), EPS);
      const mask = causalMask(length);
      let x = embed(tf.slice(X, [0, length], [n, length]));
      for (let l = 0; l < spec.decoderLayers; l++) x = decoderLayer(x, memory, n, spec.heads, scoped(P, `transformer.decoder.layers.${l}`), EPS, mask);
      x = layerNorm(x, P('transformer.decoder.norm.weight'), P('transformer.decoder.norm.bias'), EPS);
      return tf.reshape(linear(x, P('head.weight'), P('head.bias')), [n, length * vocab]) as tf.Tensor2D;
    },
    init(seed) {
      return initBlocks(
        layout,
        (b) =>
          b.name === 'embedding.weight'
            ? { normal: 1 }
            : transformerBlockInit(b, (bias) => byName.get(bias.name.replace(/bias$/, 'weight')) as ParamBlock, b.name.startsWith('transformer.')),
        seed,
        spec.initScale,
      );
    },
  };
}
