/**
 * Second-order-safe gradients for tfjs.
 *
 * tfjs computes Hessian-vector products as the gradient of <grad L, v>. Several
 * registered gradients reuse the op's saved OUTPUT (tanh, sigmoid, exp, softmax):
 * the outer differentiation then treats that output as a constant and the HVP is
 * silently wrong (tfjs issue #3252). Here every such gradient is re-expressed in
 * terms of the saved INPUT, comparison ops get their true zero gradient (they
 * appear inside the gradients of relu, max and maximum), and the matmul gradient
 * goes through matMulT, which materialises transposes unless the matmul kernel
 * takes them for free (stock wasm runs transposed matmuls on a ~20x slower path).
 */
import * as tf from '@tensorflow/tfjs';

const ZERO_GRADIENT_KERNELS = ['Equal', 'NotEqual', 'Greater', 'Less', 'LessEqual'] as const;

/** Swap the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}

/** matMul(a, b, ta, tb) with the transposes done explicitly. */
function matMulExplicit(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
}

let transposesAreFree = false;

/** Declare whether the active matmul kernel takes transposed operands at no cost (the BLAS kernel does). */
export function setTransposesAreFree(free: boolean): void {
  transposesAreFree = free;
}

/**
 * matMul(a, b, ta, tb) for gradient code: stock wasm runs transposed matmuls on
 * a slow path, so there the transposes are materialised; with a BLAS kernel
 * they are passed as flags.
 */
export function matMulT(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return transposesAreFree ? tf.matMul(a, b, transposeA, transposeB) : matMulExplicit(a, b, transposeA, transposeB);
}

const batchMatMulGradient: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dys, saved, attrs) => {
    const [a, b] = saved;
    const dy = dys as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const mm = matMulT;
    if (!transposeA && !transposeB) return { a: () => mm(dy, b, false, true), b: () => mm(a, dy, true, false) };
    if (!transposeA && transposeB) return { a: () => mm(dy, b, false, false), b: () => mm(dy, a, true, false) };
    if (transposeA && !transposeB) return { a: () => mm(b, dy, false, true), b: () => mm(a, dy, false, false) };
    return { a: () => mm(b, dy, true, true), b: () => mm(dy, a, true, true) };
  },
};

let registered = false;

export function registerSecondOrderGradients(): void {
  if (registered) return;
  registered = true;

  tf.registerGradient({
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dys, saved) => {
      const [x] = saved;
      const dy = dys as tf.Tensor;
      return { x: () => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))) };
    },
  });

  tf.registerGradient({
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dys, saved) => {
      const [x] = saved;
      const dy = dys as tf.Tensor;
      return {
        x: () => {
          const s = tf.sigmoid(x);
          return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
        },
      };
    },
  });

  tf.registerGradient({
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dys, saved) => {
      const [x] = saved;
      const dy = dys as tf.Tensor;
      return { x: () => tf.mul(dy, tf.exp(x)) };
    },
  });

  tf.registerGradient({
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dys, saved, attrs) => {
      const [logits] = saved;
      const dy = dys as tf.Tensor;
      const dim = (attrs as unknown as { dim: number }).dim;
      return {
        logits: () => {
          const p = tf.softmax(logits, dim);
          return tf.mul(p, tf.sub(dy, tf.sum(tf.mul(dy, p), dim, true)));
        },
      };
    },
  });

  for (const kernelName of ZERO_GRADIENT_KERNELS) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved;
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }

  tf.registerGradient(batchMatMulGradient);
}
