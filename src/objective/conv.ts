/**
 * The plan by which the BLAS addon runs a plain ReLU CNN (native/src/cnn.c): the
 * loss and gradient, and Hessian-vector products by the R-operator over the passes
 * the gradient call keeps. The tfjs forward of src/models/cnn.ts, differentiated
 * twice by autodiff, is the fallback and the tests' second opinion.
 */
import type { ConvStack } from '../models/types.js';
import { NATIVE_LOSS_CODE, type LossName } from './losses.js';

/** One chunk of n images (native/src/eos_native.c, cnn_plan). */
export function nativeConvPlan(stack: ConvStack, n: number, k: number, loss: LossName, invN: number): Float64Array {
  const convs = stack.convs.flatMap(({ weight, bias }) => [weight.shape[0], weight.offset, bias.offset]);
  return Float64Array.from([n, stack.convs.length, NATIVE_LOSS_CODE[loss], invN, k, stack.head.weight.offset, stack.head.bias.offset, ...stack.inputShape, ...convs]);
}
