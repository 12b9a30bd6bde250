/**
 * The CNN of appendix H.2: [conv3x3(pad 1) -> act -> maxpool 2x2] x 2 -> linear;
 * with batchNorm, [conv3x3 -> batch norm -> act -> maxpool 2x2] x 2 -> linear
 * (nn.BatchNorm2d(track_running_stats=False) as `norms.<l>`, see batchnorm.ts).
 *
 * Convolutions and pooling are second-order safe (conv.ts). Parameters use
 * nn.Conv2d / nn.Linear names and layouts; the flatten before the head follows
 * PyTorch's (C, H, W) order.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormalized, type NormalizedBody } from './batchnorm.js';
import { K, conv3x3, imagesNHWC, maxPool2x2 } from './conv.js';
import { activate, chunkFor, initBlocks, linear, param } from './layers.js';
import type { CnnSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';


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
    let x = imagesNHWC(X, inputShape);
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
    // Measured with batch norm: ~21 MiB of heap per CIFAR-10 sample in a chunked HVP (two forward passes differentiated twice).
    maxChunk: spec.batchNorm ? chunkFor(700 * spec.channels[0] * h0 * w0) : 500,
    forward: normalized.forward,
    // A ReLU CNN runs natively when the BLAS addon is there (types.ts, ConvStack).
    ...(spec.activation === 'relu'
      ? {
          conv: {
            inputShape,
            convs: spec.channels.map((_, l) => ({ weight: layout[2 * l], bias: layout[2 * l + 1] })),
            ...(spec.batchNorm ? { norms: normBlocks } : {}),
            head: { weight: layout[layout.length - 2], bias: layout[layout.length - 1] },
          },
        }
      : {}),
    ...(spec.batchNorm ? { batchStatistics: normalized.batchStatistics } : {}),
    init(seed) {
      // nn.BatchNorm2d starts at weight 1, bias 0.
      const norm = new Set(normBlocks.flatMap(({ weight, bias }) => [weight.name, bias.name]));
      return initBlocks(layout, (b) => (norm.has(b.name) ? { constant: b.role === 'weight' ? 1 : 0 } : { uniform: 1 / Math.sqrt(fanIn(b)) }), seed, spec.initScale);
    },
  };
}
