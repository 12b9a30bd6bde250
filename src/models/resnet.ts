/**
 * ResNet-20 as appendix H.2 describes it: a 3x3 convolution with batch norm and
 * ReLU, then three stages (widths 16, 32, 64) of three residual blocks, each
 * block relu(bn2(conv2(relu(bn1(conv1(x))))) + skip(x)); between stages a 2x2
 * average pool down-samples; where a block widens the channels its skip path is
 * batch norm then zero channels padded equally on both sides (as the common
 * CIFAR ResNet's option A pads); global average pooling and a linear classifier
 * end the network. Convolutions have no bias (batch norm follows each);
 * batch norm uses the statistics of the whole training set (batchnorm.ts).
 * Names follow python/torch_models.py ResNet.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormalized, type BatchNormLayer, type NormalizedBody } from './batchnorm.js';
import { K, avgPool2x2, conv3x3, imagesNHWC } from './conv.js';
import { chunkFor, initBlocks, linear, paramsByName } from './layers.js';
import type { ResnetSpec } from './spec.js';
import { layoutFrom, totalSize, type Model, type ParamBlock } from './types.js';

interface Block {
  prefix: string;
  cin: number;
  cout: number;
}

export function resnet(spec: ResnetSpec, inputShape: [number, number, number], outputDim: number): Model {
  const [c0, h0, w0] = inputShape;
  const widths = spec.widths;
  const scale = 2 ** (widths.length - 1);
  if (h0 % scale !== 0 || w0 % scale !== 0) throw new Error(`resnet: ${widths.length} stages need height and width divisible by ${scale}, got ${h0}x${w0}`);
  const stages: Block[][] = widths.map((w, s) =>
    Array.from({ length: spec.blocks }, (_, b) => ({ prefix: `stages.${s}.${b}`, cin: b === 0 && s > 0 ? widths[s - 1] : w, cout: w })),
  );
  for (const block of stages.flat()) {
    if (block.cout < block.cin || (block.cout - block.cin) % 2 !== 0) throw new Error(`resnet: widths must not shrink and grow by even steps, got ${block.cin} -> ${block.cout}`);
  }
  const conv = (name: string, cin: number, cout: number) => ({ name: `${name}.weight`, shape: [cout, cin, K, K], role: 'weight' as const });
  const norm = (name: string, c: number) => [
    { name: `${name}.weight`, shape: [c], role: 'weight' as const },
    { name: `${name}.bias`, shape: [c], role: 'bias' as const },
  ];
  // The nn.Module's parameter order.
  const layout = layoutFrom([
    conv('conv', c0, widths[0]),
    ...norm('bn', widths[0]),
    ...stages.flat().flatMap(({ prefix, cin, cout }) => [
      conv(`${prefix}.conv1`, cin, cout),
      ...norm(`${prefix}.bn1`, cout),
      conv(`${prefix}.conv2`, cout, cout),
      ...norm(`${prefix}.bn2`, cout),
      ...(cin !== cout ? norm(`${prefix}.shortcut`, cin) : []),
    ]),
    { name: 'head.weight', shape: [outputDim, widths[widths.length - 1]], role: 'weight' },
    { name: 'head.bias', shape: [outputDim], role: 'bias' },
  ]);
  const byName = new Map(layout.map((b) => [b.name, b]));
  const normNames = ['bn', ...stages.flat().flatMap(({ prefix, cin, cout }) => [`${prefix}.bn1`, `${prefix}.bn2`, ...(cin !== cout ? [`${prefix}.shortcut`] : [])])];
  const normIndex = new Map(normNames.map((name, l) => [name, l]));
  const normLayers: BatchNormLayer[] = normNames.map((name) => ({ weight: byName.get(`${name}.weight`) as ParamBlock, bias: byName.get(`${name}.bias`) as ParamBlock }));

  const body: NormalizedBody = (theta, X, normalize) => {
    const params = paramsByName(theta, layout);
    const P = (name: string): tf.Tensor => params.get(name) as tf.Tensor;
    const bn = (name: string, x: tf.Tensor4D): tf.Tensor4D => normalize(normIndex.get(name) as number, x) as tf.Tensor4D;
    let x = tf.relu(bn('bn', conv3x3(imagesNHWC(X, inputShape), P('conv.weight'), null)));
    stages.forEach((blocks, s) => {
      if (s > 0) x = avgPool2x2(x);
      for (const { prefix, cin, cout } of blocks) {
        const y = tf.relu(bn(`${prefix}.bn1`, conv3x3(x, P(`${prefix}.conv1.weight`), null)));
        const main = bn(`${prefix}.bn2`, conv3x3(y, P(`${prefix}.conv2.weight`), null));
        const pad = (cout - cin) / 2;
        const skip = cin === cout ? x : tf.pad(bn(`${prefix}.shortcut`, x), [[0, 0], [0, 0], [0, 0], [pad, pad]]);
        x = tf.relu(tf.add(main, skip)) as tf.Tensor4D;
      }
    });
    return linear(tf.mean(x, [1, 2]) as tf.Tensor2D, P('head.weight'), P('head.bias'));
  };
  const normalized = batchNormalized(normLayers, body);
  const normBlocks = new Set(normLayers.flatMap(({ weight, bias }) => [weight.name, bias.name]));

  return {
    kind: 'resnet',
    layout,
    numParams: totalSize(layout),
    outputDim,
    // Measured: ResNet-20 on 32x32 images takes ~134 MiB of heap per sample in an HVP.
    maxChunk: chunkFor(2800 * spec.blocks * widths[0] * h0 * w0),
    forward: normalized.forward,
    batchStatistics: normalized.batchStatistics,
    init(seed) {
      // nn.Conv2d / nn.Linear: U(+-1/sqrt(fan_in)); nn.BatchNorm2d: weight 1, bias 0.
      return initBlocks(
        layout,
        (b) => {
          if (normBlocks.has(b.name)) return { constant: b.role === 'weight' ? 1 : 0 };
          const weight = byName.get(b.name.replace(/bias$/, 'weight')) as ParamBlock;
          return { uniform: 1 / Math.sqrt(weight.shape.slice(1).reduce((a, c) => a * c, 1)) };
        },
        seed,
        spec.initScale,
      );
    },
  };
}
