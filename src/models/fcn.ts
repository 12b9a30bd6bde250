/**
 * Fully connected network Linear(d, w1) -> act -> ... -> Linear(wL, k).
 *
 * standard: PyTorch nn.Linear with bias and PyTorch's default init.
 * ntk / mup (appendix H.7): no bias, W ~ N(0, 1), every layer scaled by
 * 1/sqrt(fan_in); the mup output layer is scaled by 1/fan_in instead (logits
 * rescaled by a further 1/sqrt(width) relative to ntk).
 */
import { denseForward, denseParams } from './dense.js';
import { pytorchDefaultInit } from './layers.js';
import type { FcnSpec } from './spec.js';
import { layoutFrom, totalSize, type DenseStack, type Model } from './types.js';
import { Rng } from '../util/random.js';

export function fcn(spec: FcnSpec, inputDim: number, outputDim: number): Model {
  const dims = [inputDim, ...spec.widths, outputDim];
  const standard = spec.parameterization === 'standard';
  const layout = layoutFrom(
    dims.slice(1).flatMap((out, l) => {
      const weight = { name: `layers.${l}.weight`, shape: [out, dims[l]], role: 'weight' as const };
      return standard ? [weight, { name: `layers.${l}.bias`, shape: [out], role: 'bias' as const }] : [weight];
    }),
  );
  const numLayers = dims.length - 1;
  const blocksPerLayer = standard ? 2 : 1;
  const dense: DenseStack = {
    activation: spec.activation,
    layers: dims.slice(0, -1).map((fanIn, l) => ({
      weight: layout[l * blocksPerLayer],
      bias: standard ? layout[l * blocksPerLayer + 1] : null,
      inputScale: standard ? 1 : spec.parameterization === 'mup' && l === numLayers - 1 ? 1 / fanIn : 1 / Math.sqrt(fanIn),
    })),
  };

  return {
    kind: 'fcn',
    layout,
    numParams: totalSize(layout),
    outputDim,
    maxChunk: 10000,
    dense,
    forward(theta, X) {
      return denseForward(dense, denseParams(dense, theta), X).preActivations[numLayers - 1];
    },
    init(seed) {
      if (standard) return pytorchDefaultInit(layout, (b) => (b.role === 'weight' ? b.shape[1] : dims[Number(b.name.split('.')[1])]), seed, spec.initScale);
      const theta = new Float32Array(totalSize(layout));
      new Rng(seed).fillNormal(theta, spec.initScale);
      return theta;
    },
  };
}
