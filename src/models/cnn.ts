/**
 * The CNN of appendix H.2: [conv3x3(pad 1) -> act -> maxpool 2x2] x 2 -> linear;
 * with batchNorm, [conv3x3 -> batch norm -> act -> maxpool 2x2] x 2 -> linear
 * (nn.BatchNorm2d(track_running_stats=False) as `norms.<l>`, see batchnorm.ts).
 *
 * tfjs has no second-order gradients for conv2d or max-pool, so a convolution is
 * an im2col (nine shifted slices of the padded input, concatenated) followed by
 * one matmul, and pooling takes pairwise maxima over reshaped axes. Every op involved has
 * exact second derivatives. Parameters use nn.Conv2d / nn.Linear names and
 * layouts; the flatten before the head follows PyTorch's (C, H, W) order.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormalized, type NormalizedBody } from './batchnorm.js';
import { activate, initBlocks, linear, param } from './layers.js';
import type { CnnSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';

const K = 3;

/** 3x3 convolution, stride 1, zero padding 1, on NHWC input with a PyTorch weight [out, in, 3, 3]. */
function conv3x3(x: tf.Tensor4D, W: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const patches: tf.Tensor[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) patches.push(tf.slice(xp, [0, i, j, 0], [n, h, w, c]));
  const cols = tf.reshape(tf.concat(patches, 3), [n * h * w, K * K * c]);
  const out = W.shape[0];
  const Wcol = tf.reshape(tf.transpose(W, [2, 3, 1, 0]), [K * K * c, out]);
  return tf.reshape(tf.add(tf.matMul(cols, Wcol), b), [n, h, w, out]);
}

/** Max over the middle axis (of size 2) of [a, 2, b]; on ties the first element takes the whole gradient, as in PyTorch. */
function maxOfPair(x: tf.Tensor3D): tf.Tensor2D {
  const [a, , b] = x.shape;
  return tf.maximum(tf.reshape(tf.slice(x, [0, 0, 0], [a, 1, b]), [a, b]), tf.reshape(tf.slice(x, [0, 1, 0], [a, 1, b]), [a, b])) as tf.Tensor2D;
}

/**
 * 2x2 max-pool, stride 2, on NHWC input with even height and width. Built from
 * pairwise maxima rather than tf.max: tf.max's gradient gives the full upstream
 * gradient to EVERY tied element (ties are common on MNIST's constant border),
 * which is not a subgradient; tf.maximum picks one.
 */
function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const alongW = maxOfPair(tf.reshape(x, [n * h * (w / 2), 2, c]));
  const alongH = maxOfPair(tf.reshape(alongW, [n * (h / 2), 2, (w / 2) * c]));
  return tf.reshape(alongH, [n, h / 2, w / 2, c]);
}

export function cnn(spec: CnnSpec, inputShape: [number, number, number], outputDim: number): Model {
  const [c0, h0, w0] = inputShape;
  const channels = [c0, ...spec.channels];
  let h = h0;
  let w = w0;
  for (let l = 0; l < spec.channels.length; l++) {
    if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`cnn: feature map ${h}x${w} before pooling layer ${l} is not even`);
    h /= 2;
    w /= 2;
  }
  const flat = channels[channels.length - 1] * h * w;
  const numConvs = spec.channels.length;
  // Parameter order is the nn.Module's: convs, norms, head.
  const layout = layoutFrom([
    ...spec.channels.flatMap((out, l) => [
      { name: `convs.${l}.weight`, shape: [out, channels[l], K, K], role: 'weight' as const },
      { name: `convs.${l}.bias`, shape: [out], role: 'bias' as const },
    ]),
    ...(spec.batchNorm
      ? spec.channels.flatMap((out, l) => [
          { name: `norms.${l}.weight`, shape: [out], role: 'weight' as const },
          { name: `norms.${l}.bias`, shape: [out], role: 'bias' as const },
        ])
      : []),
    { name: 'head.weight', shape: [outputDim, flat], role: 'weight' },
    { name: 'head.bias', shape: [outputDim], role: 'bias' },
  ]);
  const fanIn = (block: ParamBlock): number => {
    const weight = layout.find((b) => b.role === 'weight' && b.name.split('.').slice(0, -1).join('.') === block.name.split('.').slice(0, -1).join('.'));
    return (weight as ParamBlock).shape.slice(1).reduce((a, c) => a * c, 1);
  };
  const normBlocks = spec.batchNorm ? spec.channels.map((_, l) => ({ weight: layout[2 * numConvs + 2 * l], bias: layout[2 * numConvs + 2 * l + 1] })) : [];

  const body: NormalizedBody = (theta, X, normalize) => {
    const n = X.shape[0];
    let x = tf.transpose(tf.reshape(X, [n, c0, h0, w0]), [0, 2, 3, 1]) as tf.Tensor4D;
    for (let l = 0; l < numConvs; l++) {
      const conv = conv3x3(x, param(theta, layout[2 * l]), param(theta, layout[2 * l + 1]));
      x = maxPool2x2(activate(spec.batchNorm ? normalize(l, conv) : conv, spec.activation) as tf.Tensor4D);
    }
    const flatX = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, flat]) as tf.Tensor2D;
    const L = layout.length;
    return linear(flatX, param(theta, layout[L - 2]), param(theta, layout[L - 1]));
  };
  const normalized = batchNormalized(normBlocks, body);

  return {
    kind: 'cnn',
    layout,
    numParams: totalSize(layout),
    outputDim,
    maxChunk: 500,
    forward: normalized.forward,
    ...(spec.batchNorm ? { batchStatistics: normalized.batchStatistics } : {}),
    init(seed) {
      // nn.BatchNorm2d starts at weight 1, bias 0.
      const norm = new Set(normBlocks.flatMap(({ weight, bias }) => [weight.name, bias.name]));
      return initBlocks(layout, (b) => (norm.has(b.name) ? { constant: b.role === 'weight' ? 1 : 0 } : { uniform: 1 / Math.sqrt(fanIn(b)) }), seed, spec.initScale);
    },
  };
}
