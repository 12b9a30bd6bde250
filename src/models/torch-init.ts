/**
 * PyTorch's default initialisation, bit for bit: the parameters torch.manual_seed(seed)
 * followed by constructing the equivalent nn.Module (python/torch_models.py) gives, so a run
 * can be compared step for step with PyTorch code. nn.Linear and nn.Conv2d draw their weight
 * with kaiming_uniform_(a=sqrt(5)), then their bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
 * module by module in construction order, which is the order of our layouts.
 */
import { MT19937 } from '../util/mt19937.js';
import type { Model } from './types.js';

/**
 * tensor.uniform_(from, to) on a float32 CPU tensor (at::uniform_real_distribution<float>):
 * 24 random bits scaled to [0, 1), then x * (to - from) + from in float32, which PyTorch's
 * vectorised build contracts into a fused multiply-add (one rounding). x * range is exact in
 * float64 (24 x 24 bits), so a float64 add rounded to float32 gives the same bits (verified
 * against python3-torch 1.13 in test/models/torch-init.test.ts).
 */
function uniformFloat32(rng: MT19937, out: Float32Array, offset: number, size: number, bound: number): void {
  const from = Math.fround(-bound);
  const to = Math.fround(bound);
  const range = Math.fround(to - from);
  for (let i = 0; i < size; i++) {
    const x = Math.fround((rng.nextU32() & 0xffffff) * 2 ** -24);
    out[offset + i] = Math.fround(x * range + from);
  }
}

/** kaiming_uniform_(w, a=sqrt(5)) bound, computed in the same float64 steps as torch.nn.init. */
function kaimingBound(fanIn: number): number {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const std = gain / Math.sqrt(fanIn);
  return Math.sqrt(3.0) * std;
}

/** The initial parameters of `model` as PyTorch's default init gives them after torch.manual_seed(seed). */
export function torchInit(model: Pick<Model, 'kind' | 'layout' | 'numParams'>, seed: number): Float32Array {
  if (model.kind !== 'fcn' && model.kind !== 'cnn') throw new Error(`PyTorch initialisation is defined for fcn and cnn models, not ${model.kind}`);
  const rng = new MT19937(seed);
  const theta = new Float32Array(model.numParams);
  let fanIn = 0;
  for (const block of model.layout) {
    if (block.role === 'weight') {
      fanIn = block.shape.slice(1).reduce((a, b) => a * b, 1);
      uniformFloat32(rng, theta, block.offset, block.size, kaimingBound(fanIn));
    } else {
      uniformFloat32(rng, theta, block.offset, block.size, 1 / Math.sqrt(fanIn));
    }
  }
  return theta;
}
