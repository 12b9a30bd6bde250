/**
 * The plan by which the BLAS addon runs a ReLU CNN, with or without batch norm
 * (native/src/cnn.c): the loss and gradient, and Hessian-vector products by the
 * R-operator over the passes the gradient call keeps. The tfjs forward of
 * src/models/cnn.ts, differentiated twice by autodiff, is the fallback and the
 * tests' second opinion.
 */
import { BATCH_NORM_EPS } from '../models/batchnorm.js';
import type { ConvStack } from '../models/types.js';
import { NATIVE_LOSS_CODE, type LossName } from './losses.js';

/**
 * One chunk of n images (native/src/eos_native.c, cnn_plan). With batch norm the
 * chunk is normalised with its own statistics: it must be the whole batch.
 */
export function nativeConvPlan(stack: ConvStack, n: number, k: number, loss: LossName, invN: number): Float64Array {
  const convs = stack.convs.flatMap(({ weight, bias }, l) => {
    const norm = stack.norms?.[l];
    return [weight.shape[0], weight.offset, bias.offset, norm ? norm.weight.offset : -1, norm ? norm.bias.offset : -1];
  });
  const head = [stack.head.weight.offset, stack.head.bias.offset];
  return Float64Array.from([n, stack.convs.length, NATIVE_LOSS_CODE[loss], invN, BATCH_NORM_EPS, k, ...head, ...stack.inputShape, ...convs]);
}
