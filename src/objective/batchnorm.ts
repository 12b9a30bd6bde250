/**
 * Exact loss, gradient and Hessian-vector products of a batch-normalised model
 * whose data set is processed in chunks. The batch statistics s couple all
 * samples:
 *
 *   s = sum_c m_c(theta, s)          (m_c: chunk c's moment sums / n_s)
 *   L = sum_c l_c(theta, s)          (l_c: chunk c's loss sum / n)
 *
 * Layer l's moments depend on s only through earlier layers, so every fixed
 * point below is reached exactly after `depth` sweeps over the chunks. With the
 * adjoint lambda = dL/ds (lambda = sum_c d_s Psi_c) and Psi_c = l_c + <lambda, m_c>:
 *
 *   grad L = sum_c d_theta Psi_c
 *
 * and, differentiating along v (s' = sum_c J m_c (v, s') its tangent,
 * lambda' = sum_c d_s Phi_c, Phi_c = <grad Psi_c, (v, s')> + <lambda', m_c>):
 *
 *   H v = sum_c d_theta Phi_c
 *
 * which includes every term through the statistics, across chunks. The
 * Gauss-Newton product G v = J^T H_out J v takes the same two routes through s:
 * J v is each chunk's output tangent along (v, s'); with r_c = H_out (J v)_c,
 * J^T r = sum_c d_theta (<r_c, out_c> + <mu, m_c>) with its own adjoint mu, the
 * gradient's recursion with the loss replaced by <r_c, out_c>. Each sweep
 * holds one chunk's graph at a time. Costs: gradient `depth` forward and
 * `depth + 1` backward sweeps; per HVP `2 depth + 1` double-backward sweeps
 * (s and lambda are kept per theta). Sweep k of s and of s' can make only
 * layers 0..k exact, so it runs the network only up to layer k (momentsWith):
 * those sweeps cost about half a network each on average.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchStatistics } from '../models/types.js';

/** A chunk of samples: its loss counts when it has targets, its moments when it is in the statistics' data set. */
export interface NormalizedChunk {
  X: tf.Tensor2D;
  Y: tf.Tensor2D | null;
  inStatistics: boolean;
}

export interface NormalizedPasses {
  /** s at theta (a new tensor). */
  statistics(t: tf.Tensor1D): tf.Tensor1D;
  lossAndGrad(t: tf.Tensor1D): { loss: number; grad: tf.Tensor1D };
  /** Keeps s and lambda at theta for many products. */
  hessianAt(t: tf.Tensor1D): LinearOperator;
  /** G v with the loss's output curvature: `curvature(out, outDot)` is H_out outDot for a chunk's outputs `out` (scaled like the loss). Keeps s at theta. */
  gaussNewtonAt(t: tf.Tensor1D, curvature: (out: tf.Tensor2D, outDot: tf.Tensor2D) => tf.Tensor2D): LinearOperator;
}

/** A linear map on flat parameter tensors. */
export interface LinearOperator {
  apply(v: tf.Tensor1D): tf.Tensor1D;
  dispose(): void;
}

type SumLoss = (out: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar;

const dot = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(a, b));

/**
 * Sum over chunks of f, each chunk's graph freed before the next: a running sum (kept to the end of a scope, every
 * chunk's part and partial sum would stay in the wasm heap; the CIFAR-10 ViT's gradient over 167 chunks: +1.6 GB).
 */
export function sumOver<C>(chunks: readonly C[], f: (c: C) => tf.Tensor): tf.Tensor {
  let acc: tf.Tensor | null = null;
  for (const c of chunks) {
    const prev: tf.Tensor | null = acc;
    acc = tf.tidy(() => (prev ? tf.add(prev, f(c)) : f(c)));
    prev?.dispose();
  }
  if (!acc) throw new Error('no chunks to sum over');
  return acc;
}

/** Iterate x <- step(x, k) for k = 0 .. times-1 from zeros, disposing the iterates in between. */
function fixedPoint(size: number, times: number, step: (x: tf.Tensor1D, k: number) => tf.Tensor): tf.Tensor1D {
  let x = tf.zeros([size]) as tf.Tensor1D;
  for (let k = 0; k < times; k++) {
    const next = tf.tidy(() => step(x, k)) as tf.Tensor1D;
    x.dispose();
    x = next;
  }
  return x;
}

export function normalizedPasses(bs: BatchStatistics, chunks: readonly NormalizedChunk[], sumLoss: SumLoss, invN: number, invNs: number): NormalizedPasses {
  const counted = chunks.filter((c) => c.inStatistics);

  /** head(out_c) + <lambda, m_c>, with head the chunk's term of the differentiated function (none: statistics only). */
  type Head = ((out: tf.Tensor2D) => tf.Scalar) | null;
  const withMoments =
    (c: NormalizedChunk, lambda: tf.Tensor1D, head: Head) =>
    (t: tf.Tensor, s: tf.Tensor): tf.Scalar => {
      const { out, moments } = bs.forwardWith(t as tf.Tensor1D, c.X, s as tf.Tensor1D);
      const value = c.inStatistics ? tf.mul(invNs, dot(lambda, moments)) : tf.scalar(0);
      return (head ? tf.add(value, head(out)) : value) as tf.Scalar;
    };
  /** Psi_c(theta, s) = l_c + <lambda, m_c>; `onLoss` receives l_c's value. */
  const psi = (c: NormalizedChunk, lambda: tf.Tensor1D, onLoss?: (l: number) => void) =>
    withMoments(
      c,
      lambda,
      c.Y
        ? (out) => {
            const loss = tf.mul(invN, sumLoss(out, c.Y as tf.Tensor2D)) as tf.Scalar;
            onLoss?.(loss.dataSync()[0]);
            return loss;
          }
        : null,
    );
  type Objective2 = (t: tf.Tensor, s: tf.Tensor) => tf.Scalar;
  const gradsOf = (f: Objective2, t: tf.Tensor1D, s: tf.Tensor1D): tf.Tensor[] => tf.grads(f)([t, s]);
  // Where a sweep needs only one of the two gradients, differentiating in that argument alone lets tfjs prune the
  // other's backward ops (the weight gradients of every layer, for d_s): same values, less work.
  const gradT = (f: Objective2, t: tf.Tensor1D, s: tf.Tensor1D): tf.Tensor => tf.grad((t2: tf.Tensor) => f(t2, s))(t);
  const gradS = (f: Objective2, t: tf.Tensor1D, s: tf.Tensor1D): tf.Tensor => tf.grad((s2: tf.Tensor) => f(t, s2))(s);

  const statistics = (t: tf.Tensor1D): tf.Tensor1D =>
    fixedPoint(bs.size, bs.depth, (s, k) => tf.mul(invNs, sumOver(counted, (c) => bs.momentsWith(t, c.X, s, k + 1))));

  /** lambda = sum_c d_s Psi_c(lambda), for Psi_c = `objective(c, lambda)`. */
  const adjoint = (t: tf.Tensor1D, s: tf.Tensor1D, objective: (c: NormalizedChunk, lambda: tf.Tensor1D) => Objective2 = psi): tf.Tensor1D =>
    fixedPoint(bs.size, bs.depth, (lambda) => sumOver(chunks, (c) => gradS(objective(c, lambda), t, s)));

  /** d/dtheta <m_c, .> along (v, sDot), i.e. J m_c (v, sDot), by differentiating the linear map w -> <J^T w, (v, sDot)>. */
  // In sweep k only layers 0..k are needed; the first sweep's sDot is zero (and layer 0's moments do not depend on s).
  const momentsTangent = (t: tf.Tensor1D, s: tf.Tensor1D, c: NormalizedChunk, v: tf.Tensor1D, sDot: tf.Tensor1D, k: number): tf.Tensor =>
    tf.grad((w: tf.Tensor) => {
      const moments: Objective2 = (t2, s2) => dot(w, bs.momentsWith(t2 as tf.Tensor1D, c.X, s2 as tf.Tensor1D, k + 1));
      if (k === 0) return dot(gradT(moments, t, s), v);
      const [gt, gs] = gradsOf(moments, t, s);
      return tf.add(dot(gt, v), dot(gs, sDot));
    })(tf.zeros([bs.size]));
  /** s' = ds/dtheta v. */
  const statisticsTangent = (t: tf.Tensor1D, s: tf.Tensor1D, v: tf.Tensor1D): tf.Tensor1D =>
    fixedPoint(bs.size, bs.depth, (x, k) => tf.mul(invNs, sumOver(counted, (c) => momentsTangent(t, s, c, v, x, k))));

  return {
    statistics,
    lossAndGrad(t) {
      const s = statistics(t);
      const lambda = adjoint(t, s);
      let loss = 0;
      const grad = sumOver(chunks, (c) => gradT(psi(c, lambda, (l) => (loss += l)), t, s)) as tf.Tensor1D;
      tf.dispose([s, lambda]);
      return { loss, grad };
    },
    hessianAt(t) {
      const s = statistics(t);
      const lambda = adjoint(t, s);
      /** Phi_c(theta, s) = <grad Psi_c, (v, sDot)> + <lambdaDot, m_c>. */
      const phi =
        (c: NormalizedChunk, v: tf.Tensor1D, sDot: tf.Tensor1D, lambdaDot: tf.Tensor1D) =>
        (t2: tf.Tensor, s2: tf.Tensor): tf.Scalar => {
          const [gt, gs] = gradsOf(psi(c, lambda), t2 as tf.Tensor1D, s2 as tf.Tensor1D);
          const value = tf.add(dot(gt, v), dot(gs, sDot));
          return (c.inStatistics ? tf.add(value, tf.mul(invNs, dot(lambdaDot, bs.forwardWith(t2 as tf.Tensor1D, c.X, s2 as tf.Tensor1D).moments))) : value) as tf.Scalar;
        };
      return {
        apply(v) {
          const sDot = statisticsTangent(t, s, v);
          const lambdaDot = fixedPoint(bs.size, bs.depth, (x) => sumOver(chunks, (c) => gradS(phi(c, v, sDot, x), t, s)));
          const hv = sumOver(chunks, (c) => gradT(phi(c, v, sDot, lambdaDot), t, s)) as tf.Tensor1D;
          tf.dispose([sDot, lambdaDot]);
          return hv;
        },
        dispose() {
          tf.dispose([s, lambda]);
        },
      };
    },
    gaussNewtonAt(t, curvature) {
      const s = statistics(t);
      return {
        apply(v) {
          const sDot = statisticsTangent(t, s, v);
          // r_c = H_out (J v)_c, with J v the output tangent along (v, sDot) by the double-VJP trick; n x outputs floats in all.
          const r = chunks.map((c) =>
            c.Y
              ? tf.tidy(() => {
                  const out = bs.forwardWith(t, c.X, s).out;
                  const outDot = tf.grad((u: tf.Tensor) => {
                    const [gt, gs] = gradsOf((t2, s2) => dot(u, bs.forwardWith(t2 as tf.Tensor1D, c.X, s2 as tf.Tensor1D).out), t, s);
                    return tf.add(dot(gt, v), dot(gs, sDot));
                  })(tf.zerosLike(out)) as tf.Tensor2D;
                  return curvature(out, outDot);
                })
              : null,
          );
          const linear = (c: NormalizedChunk, mu: tf.Tensor1D): Objective2 => {
            const rc = r[chunks.indexOf(c)];
            return withMoments(c, mu, rc ? (out) => dot(rc, out) : null);
          };
          const mu = adjoint(t, s, linear);
          const gv = sumOver(chunks, (c) => gradT(linear(c, mu), t, s)) as tf.Tensor1D;
          tf.dispose([sDot, mu, ...r.filter((x): x is tf.Tensor2D => x !== null)]);
          return gv;
        },
        dispose() {
          s.dispose();
        },
      };
    },
  };
}
