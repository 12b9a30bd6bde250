/**
 * Exact Hessian-vector products of dense stacks by Pearlmutter's R-operator
 * (forward-over-reverse, derived by hand). The passes at theta are computed
 * once and kept (like jax.linearize), so every further product at the same
 * theta costs only the two R-passes: two matmuls with the input data instead of
 * the four of a double-backward HVP. Lanczos applies the Hessian at one theta
 * ten times or more.
 *
 * Notation: a_l = s_l h_{l-1} W_l^T + b_l, h_l = act(a_l), delta_l = dL/da_l;
 * R{x} is the directional derivative of x along v = (V_l, Vb_l).
 */
import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../backend/gradients.js';
import { denseForward, denseParams, type DenseParams } from '../models/dense.js';
import type { DenseStack } from '../models/types.js';
import { NATIVE_LOSS_CODE, outputGradient, outputHessianTimes, prediction, type LossName } from './losses.js';

/** The passes at theta for one chunk of samples. */
export type Linearization = {
  weights: tf.Tensor2D[];
  /** h_{l-1}: the input of layer l (h_0 = X). */
  inputs: tf.Tensor2D[];
  /** delta_l, including the 1/n of the mean loss. */
  deltas: tf.Tensor2D[];
  /** act'(a_l) of the hidden layers. */
  slopes: tf.Tensor2D[];
  /** act''(a_l) dL/dh_l of the hidden layers (tanh only; zero for relu). */
  curvatures: tf.Tensor2D[];
  /** The loss's prediction at the output (see losses.prediction), kept for the output Hessian. */
  prediction: tf.Tensor2D;
};

function scaled(x: tf.Tensor, s: number): tf.Tensor2D {
  return (s === 1 ? x : tf.mul(x, s)) as tf.Tensor2D;
}

/** Forward and backward passes at theta (call inside a scope, or dispose the result). */
export function linearize(stack: DenseStack, theta: tf.Tensor1D, X: tf.Tensor2D, Y: tf.Tensor2D, loss: LossName, invN: number): Linearization {
  const L = stack.layers.length;
  const params = denseParams(stack, theta);
  const weights = params.weights;
  const { inputs, preActivations } = denseForward(stack, params, X);
  const hidden = preActivations.slice(0, -1);
  // tanh' = 1 - tanh^2, with tanh(a_l) = h_l.
  const slopes = stack.activation === 'relu' ? hidden.map((a) => tf.step(a)) : hidden.map((_, l) => tf.sub(1, tf.square(inputs[l + 1])) as tf.Tensor2D);
  const pred = prediction(loss, preActivations[L - 1]);
  const deltas: tf.Tensor2D[] = new Array(L);
  const curvatures: tf.Tensor2D[] = [];
  deltas[L - 1] = tf.mul(invN, outputGradient(pred, Y));
  for (let l = L - 1; l > 0; l--) {
    const dh = scaled(matMulT(deltas[l], weights[l], false, false), stack.layers[l].inputScale);
    deltas[l - 1] = tf.mul(slopes[l - 1], dh);
    // tanh'' dL/dh = -2 tanh tanh' dL/dh = -2 h delta.
    if (stack.activation === 'tanh') curvatures[l - 1] = tf.mul(-2, tf.mul(inputs[l], deltas[l - 1]));
  }
  return { weights, inputs, deltas, slopes, curvatures, prediction: pred };
}

/**
 * H v of one chunk, as the stack's parameter blocks in layer order; v as cut by denseParams.
 * With `gaussNewton`, G v for the generalised Gauss-Newton matrix G = J^T H_out J instead: the
 * same recurrences without the terms that carry the loss gradient (delta_l) or the activation's
 * curvature, i.e. only R{output} pulled back through the linearised network.
 */
export function hessianBlocks(stack: DenseStack, lin: Linearization, v: DenseParams, loss: LossName, invN: number, gaussNewton = false): tf.Tensor[] {
  const L = stack.layers.length;
  const { weights: V, biases: Vb } = v;
  const Ra: tf.Tensor2D[] = [];
  // R{h_{l-1}}: zero for the data.
  const Rh: (tf.Tensor2D | null)[] = [null];
  stack.layers.forEach((layer, l) => {
    let r = matMulT(lin.inputs[l], V[l], false, true);
    const Rin = Rh[l];
    if (Rin) r = tf.add(r, matMulT(Rin, lin.weights[l], false, true));
    r = scaled(r, layer.inputScale);
    const vb = Vb[l];
    if (vb) r = tf.add(r, vb);
    Ra.push(r as tf.Tensor2D);
    if (l < L - 1) Rh.push(tf.mul(lin.slopes[l], r) as tf.Tensor2D);
  });
  let Rdelta = tf.mul(invN, outputHessianTimes(loss, lin.prediction, Ra[L - 1])) as tf.Tensor2D;
  const blocks: tf.Tensor[][] = new Array(L);
  for (let l = L - 1; l >= 0; l--) {
    const layer = stack.layers[l];
    let gW = matMulT(Rdelta, lin.inputs[l], true, false);
    const Rin = Rh[l];
    if (Rin && !gaussNewton) gW = tf.add(gW, matMulT(lin.deltas[l], Rin, true, false));
    blocks[l] = layer.bias ? [scaled(gW, layer.inputScale), tf.sum(Rdelta, 0)] : [scaled(gW, layer.inputScale)];
    if (l === 0) break;
    const back = matMulT(Rdelta, lin.weights[l], false, false);
    const Rdh = scaled(gaussNewton ? back : tf.add(back, matMulT(lin.deltas[l], V[l], false, false)), layer.inputScale);
    Rdelta = tf.mul(lin.slopes[l - 1], Rdh);
    if (stack.activation === 'tanh' && !gaussNewton) Rdelta = tf.add(Rdelta, tf.mul(lin.curvatures[l - 1], Ra[l - 1]));
  }
  return blocks.flat();
}

const ACTIVATION_CODE = { relu: 0, tanh: 1 } as const;

/**
 * A chunk of n samples through the stack, as the addon's dense kernels read it
 * (native/src/eos_native.c, dense_plan): header, then per layer its shape and
 * parameter blocks followed by `perLayer(l)`, then `trailing`.
 */
export function nativeStackPlan(stack: DenseStack, n: number, loss: LossName, invN: number, perLayer: (l: number) => number[] = () => [], trailing: number[] = []): Float64Array {
  const layers = stack.layers.flatMap((layer, l) => {
    const [out, inp] = layer.weight.shape;
    return [inp, out, layer.inputScale, layer.weight.offset, layer.bias ? layer.bias.offset : -1, ...perLayer(l)];
  });
  return Float64Array.from([n, stack.layers.length, ACTIVATION_CODE[stack.activation], NATIVE_LOSS_CODE[loss], invN, ...layers, ...trailing]);
}

/**
 * The plan of one chunk for the addon's R-operator: the same recurrences as
 * hessianBlocks over the same kept passes, addressed by their byte offsets on
 * the wasm heap.
 */
export function nativeHvpPlan(stack: DenseStack, lin: Linearization, loss: LossName, invN: number, offsetOf: (t: tf.Tensor) => number): Float64Array {
  const L = stack.layers.length;
  const passes = (l: number): number[] => {
    const hidden = l < L - 1;
    return [
      offsetOf(lin.inputs[l]),
      offsetOf(lin.weights[l]),
      offsetOf(lin.deltas[l]),
      hidden ? offsetOf(lin.slopes[l]) : -1,
      hidden && stack.activation === 'tanh' ? offsetOf(lin.curvatures[l]) : -1,
    ];
  };
  return nativeStackPlan(stack, lin.inputs[0].shape[0], loss, invN, passes, [loss === 'ce' ? offsetOf(lin.prediction) : -1]);
}

/** Per-chunk block lists summed block by block and flattened into one parameter vector. */
export function sumBlocks(parts: tf.Tensor[][]): tf.Tensor1D {
  const total = parts.reduce((acc, part) => acc.map((t, i) => tf.add(t, part[i])));
  return tf.concat(total.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
}
