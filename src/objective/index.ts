/**
 * The full-batch training objective L(theta) = (1/n) sum_i loss(f_theta(x_i), y_i)
 * behind a model-agnostic interface over flat Float32Array parameter vectors.
 * Optimisers and curvature tools only see this interface.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvStack, DenseStack, Model } from '../models/types.js';
import { lossSum, outputHessianTimes, prediction, type LossName } from './losses.js';
import { hessianBlocks, linearize, nativeHvpPlan, nativeStackPlan, sumBlocks } from './dense.js';
import { normalizedPasses, sumOver, type LinearOperator, type NormalizedChunk } from './batchnorm.js';
import { denseParams } from '../models/dense.js';
import { withScope } from '../backend/index.js';
import { nativeConv, nativeDense, type NativeConv } from '../backend/blas.js';
import { nativeConvPlan } from './conv.js';

export { LOSSES, type LossName } from './losses.js';

export interface Objective {
  readonly numParams: number;
  readonly numSamples: number;
  /** Samples one pass of the gradient or an HVP holds at once: its chunk, or the whole set where a batch-normalised CNN runs natively. */
  readonly samplesPerPass: number;
  loss(theta: Float32Array): number;
  lossAndGrad(theta: Float32Array): { loss: number; grad: Float32Array };
  /** Exact Hessian-vector product H(theta) v (no finite differences). */
  hvp(theta: Float32Array, v: Float32Array): Float32Array;
  /**
   * The Hessian at theta as an operator for many products at the same point
   * (Lanczos): dense stacks keep their passes at theta, so each product is cheaper
   * than a fresh hvp(). Dispose it when done.
   */
  hessianAt(theta: Float32Array): HessianOperator;
  /**
   * The generalised Gauss-Newton matrix G = (1/n) sum_i J_i^T H_out,i J_i at theta (J_i: the
   * Jacobian of the network outputs of sample i, H_out,i: the loss's Hessian in those outputs:
   * I for MSE, diag(p) - p p^T for CE) as an operator; its products count as HVPs. For these
   * losses G is the Fisher information of the model's predictive distribution. Not available
   * for batch-normalised models.
   */
  gaussNewtonAt(theta: Float32Array): HessianOperator;
  /** Loss and accuracy (accuracy is null for single-output regression). */
  evaluate(theta: Float32Array): { loss: number; accuracy: number | null };
  /** Number of HVPs computed so far (provenance and benchmarks). */
  readonly hvpCount: number;
  dispose(): void;
}

export interface HessianOperator {
  apply(v: Float32Array): Float32Array;
  dispose(): void;
}

export interface SupervisedData {
  /** Row-major inputs [n, d]. */
  X: Float32Array;
  /** Row-major targets [n, k] (one-hot for classification). */
  Y: Float32Array;
  n: number;
  d: number;
  k: number;
}

interface Chunk {
  X: tf.Tensor2D;
  Y: tf.Tensor2D;
}

/** A chunk as the addon's CNN reads it: its plan, and its inputs and targets (views of the wasm heap are taken per call). */
interface ConvPart {
  plan: Float64Array;
  inputs(kernel: NativeConv): [Float32Array, Float32Array];
}

/**
 * The largest set of kept passes the addon's CNN takes for one chunk. A batch-normalised CNN is one chunk of the whole
 * data set there (CIFAR-10-5k: 1.3 GB); beyond this it runs chunked through tfjs (batchnorm.ts), whose memory is flat in n.
 */
const NATIVE_KEPT_BYTES = 4 * 2 ** 30;

export interface ObjectiveOptions {
  chunkSize?: number;
  /**
   * For batch-normalised models: the data set whose batch statistics (at the current
   * theta) normalise this one's samples, e.g. the training set for test evaluation.
   * Default: this data set itself, as full-batch training needs. Ignored by other models.
   */
  statisticsFrom?: SupervisedData;
}

function checkData(model: Model, data: SupervisedData): void {
  if (data.k !== model.outputDim) throw new Error(`targets have ${data.k} columns but the model has ${model.outputDim} outputs`);
  if (data.X.length !== data.n * data.d || data.Y.length !== data.n * data.k) throw new Error('data arrays do not match n, d, k');
}

/** Rows of `outputs` [rows, k] whose largest entry is where the one-hot `targets` has its 1 (the first on ties, as argMax). */
function correctRows(outputs: Float32Array, targets: Float32Array, k: number): number {
  let correct = 0;
  for (let at = 0; at < outputs.length; at += k) {
    let best = at;
    let label = at;
    for (let j = at + 1; j < at + k; j++) {
      if (outputs[j] > outputs[best]) best = j;
      if (targets[j] > targets[label]) label = j;
    }
    if (best === label) correct++;
  }
  return correct;
}

function chunksOf(data: SupervisedData, chunkSize: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let s = 0; s < data.n; s += chunkSize) {
    const m = Math.min(chunkSize, data.n - s);
    chunks.push({
      X: tf.tensor2d(data.X.subarray(s * data.d, (s + m) * data.d), [m, data.d]),
      Y: tf.tensor2d(data.Y.subarray(s * data.k, (s + m) * data.k), [m, data.k]),
    });
  }
  return chunks;
}

export function makeObjective(model: Model, data: SupervisedData, lossName: LossName, opts: ObjectiveOptions = {}): Objective {
  checkData(model, data);
  const chunkSize = (n: number): number => Math.max(1, Math.min(opts.chunkSize ?? model.maxChunk, n));
  const chunks = chunksOf(data, chunkSize(data.n));
  // A sequence model's outputs are one group of classes per token: losses and accuracy are per token.
  const groups = model.outputGroups ?? 1;
  const classes = model.outputDim / groups;
  const tokens = (x: tf.Tensor2D): tf.Tensor2D => (groups === 1 ? x : tf.reshape(x, [-1, classes]));
  const tokenLoss = lossSum(lossName);
  const sumLoss = (out: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => tokenLoss(tokens(out), tokens(target));
  const invN = 1 / (data.n * groups);
  let hvps = 0;
  // Batch statistics over several chunks or another data set need the passes of batchnorm.ts; one chunk of its own is one plain forward.
  const bs = model.batchStatistics;
  if (bs && opts.statisticsFrom) checkData(model, opts.statisticsFrom);
  const external = bs && opts.statisticsFrom ? chunksOf(opts.statisticsFrom, chunkSize(opts.statisticsFrom.n)) : [];
  const normalized =
    bs && (chunks.length > 1 || opts.statisticsFrom)
      ? normalizedPasses(
          bs,
          [
            ...chunks.map((c): NormalizedChunk => ({ X: c.X, Y: c.Y, inStatistics: !opts.statisticsFrom })),
            ...external.map((c): NormalizedChunk => ({ X: c.X, Y: null, inStatistics: true })),
          ],
          sumLoss,
          invN,
          1 / (opts.statisticsFrom ?? data).n,
        )
      : null;
  const chunkLoss = (c: Chunk) => (t: tf.Tensor) => tf.mul(invN, sumLoss(model.forward(t as tf.Tensor1D, c.X), c.Y)) as tf.Scalar;
  // Dense stacks get R-operator HVPs; other models double-backward HVPs through tfjs autodiff.
  const dense = model.dense ?? null;
  // What the addon's dense gradient needs to know of each chunk.
  const gradPlans = dense ? chunks.map((c) => nativeStackPlan(dense, c.X.shape[0], lossName, invN)) : [];

  // A ReLU CNN runs natively with the addon (conv.ts), the passes at theta of a gradient call landing in `kept`: chunk
  // by chunk, or with batch norm over its own data as one chunk of the whole set, whose statistics are the batch's.
  const conv = model.conv ?? null;
  const part = (stack: ConvStack, whole: SupervisedData): ConvPart => ({ plan: nativeConvPlan(stack, whole.n, model.outputDim, lossName, invN), inputs: () => [whole.X, whole.Y] });
  const chunkParts: ConvPart[] = conv
    ? chunks.map((c) => ({ plan: nativeConvPlan(conv, c.X.shape[0], model.outputDim, lossName, invN), inputs: (k) => [k.heapView(c.X), k.heapView(c.Y)] }))
    : [];
  const convParts: ConvPart[] = !conv ? [] : !conv.norms ? chunkParts : opts.statisticsFrom ? [] : [part(conv, data)];
  // Evaluation normalises with given statistics chunk by chunk: those of another set (test data) come from one pass over it.
  const statisticsPart = conv?.norms && opts.statisticsFrom ? part(conv, opts.statisticsFrom) : null;
  const evaluationParts = statisticsPart ? chunkParts : convParts;
  const statistics = conv?.norms ? new Float32Array(2 * conv.norms.reduce((acc, n) => acc + n.weight.size, 0)) : null;
  const fits = (parts: ConvPart[], bytes: (plan: Float64Array) => number): boolean => parts.every((p) => bytes(p.plan) <= NATIVE_KEPT_BYTES);
  const convKernel = (): NativeConv | null => {
    const kernel = convParts.length > 0 ? nativeConv() : null;
    return kernel && fits(convParts, kernel.keptBytes) ? kernel : null;
  };
  const evaluationKernel = (): NativeConv | null => {
    const kernel = evaluationParts.length > 0 ? nativeConv() : null;
    return kernel && fits([...evaluationParts, ...(statisticsPart ? [statisticsPart] : [])], kernel.forwardBytes) ? kernel : null;
  };
  let convScratch: ArrayBuffer | null = null;
  /** convScratch, grown to at least `bytes`: gradient and forward calls keep none of its passes. */
  const scratch = (bytes: number): ArrayBuffer => {
    if (!convScratch || convScratch.byteLength < bytes) convScratch = new ArrayBuffer(bytes);
    return convScratch;
  };
  // The kept passes of a disposed HVP operator, for the next one: a fresh set per operator would leave the
  // last set (hundreds of MB) to the garbage collector and double the peak memory of repeated products.
  let idleKept: ArrayBuffer[] | null = null;
  /** Loss and grad (+=) of every chunk natively, each chunk's passes into kept(i). */
  const convLossGrad = (kernel: NativeConv, theta: Float32Array, grad: Float32Array, kept: (i: number) => ArrayBuffer): number =>
    convParts.reduce((acc, p, i) => acc + kernel.lossGrad(p.plan, theta, ...p.inputs(kernel), grad, kept(i)), 0);

  const check = (theta: Float32Array): void => {
    if (theta.length !== model.numParams) throw new Error(`theta has ${theta.length} entries, the model has ${model.numParams} parameters`);
  };

  /** Sum of per-chunk tensors produced by `f`, read back as Float32Array. */
  const accumulate = (theta: Float32Array, f: (t: tf.Tensor1D, c: Chunk) => tf.Tensor): Float32Array => {
    check(theta);
    return withScope(() => {
      const t = tf.tensor1d(theta);
      return sumOver(chunks, (c) => f(t, c)).dataSync() as Float32Array;
    });
  };

  const checkV = (v: Float32Array): void => {
    if (v.length !== model.numParams) throw new Error(`v has ${v.length} entries, the model has ${model.numParams} parameters`);
    hvps++;
  };

  /** A dense stack's forward and backward passes at theta, kept for R-operator products (H v, or G v with `gaussNewton`). */
  const keptPasses = (stack: DenseStack, theta: Float32Array) => {
    const t = tf.tensor1d(theta);
    const lins = chunks.map((c) => tf.tidy(() => linearize(stack, t, c.X, c.Y, lossName, invN)));
    return {
      lins,
      apply: (v: Float32Array, gaussNewton: boolean): Float32Array =>
        withScope(() => {
          const V = denseParams(stack, tf.tensor1d(v));
          return sumBlocks(lins.map((lin) => hessianBlocks(stack, lin, V, lossName, invN, gaussNewton))).dataSync() as Float32Array;
        }),
      dispose: (): void => {
        // inputs[0] is the chunk's data.
        for (const lin of lins) tf.dispose({ ...lin, inputs: lin.inputs.slice(1) });
        t.dispose();
      },
    };
  };

  /** An operator at theta whose product with v sums `product(theta, chunk, v)` over the chunks, through tfjs autodiff. */
  const autodiffOperator = (theta: Float32Array, product: (t: tf.Tensor1D, c: Chunk, v: tf.Tensor1D) => tf.Tensor): HessianOperator => {
    const frozen = Float32Array.from(theta);
    return {
      apply: (v) => {
        checkV(v);
        return withScope(() => {
          const vt = tf.tensor1d(v);
          return accumulate(frozen, (t, c) => product(t, c, vt));
        });
      },
      dispose: () => {},
    };
  };

  /** An operator of batchnorm.ts's passes at theta (which keep the statistics at theta). */
  const normalizedOperator = (theta: Float32Array, at: (t: tf.Tensor1D) => LinearOperator): HessianOperator => {
    const t = tf.tensor1d(theta);
    const op = at(t);
    return {
      apply: (v) => {
        checkV(v);
        return withScope(() => op.apply(tf.tensor1d(v)).dataSync() as Float32Array);
      },
      dispose: () => {
        op.dispose();
        t.dispose();
      },
    };
  };

  const hessianAt = (theta: Float32Array): HessianOperator => {
    check(theta);
    if (normalized && !convKernel()) return normalizedOperator(theta, (t) => normalized.hessianAt(t));
    if (dense) {
      const passes = keptPasses(dense, theta);
      // With the addon, each product is one native call over the kept passes.
      const kernel = nativeDense();
      const plans = kernel && passes.lins.map((lin) => nativeHvpPlan(dense, lin, lossName, invN, kernel.offsetOf));
      return {
        apply: (v) => {
          checkV(v);
          if (kernel && plans) {
            const out = new Float32Array(model.numParams);
            for (const plan of plans) kernel.hvp(plan, v, out);
            return out;
          }
          return passes.apply(v, false);
        },
        dispose: passes.dispose,
      };
    }
    const kernel = convKernel();
    if (kernel) {
      const kept = idleKept ?? convParts.map((p) => new ArrayBuffer(kernel.keptBytes(p.plan)));
      idleKept = null;
      const frozen = Float32Array.from(theta);
      convLossGrad(kernel, frozen, new Float32Array(model.numParams), (i) => kept[i]);
      return {
        apply: (v) => {
          checkV(v);
          const out = new Float32Array(model.numParams);
          convParts.forEach((p, i) => kernel.hvp(p.plan, frozen, kept[i], v, out));
          return out;
        },
        dispose: () => {
          idleKept = kept;
        },
      };
    }
    // HVP as the gradient of <grad L, v> (double backward).
    return autodiffOperator(theta, (t, c, vt) => {
      const g = tf.grad(chunkLoss(c));
      return tf.grad((s: tf.Tensor) => tf.sum(tf.mul(g(s), vt)))(t);
    });
  };

  /** (1/n) H_out r for outputs `out`, r shaped like them: the loss's curvature in output space. */
  const outputCurvature = (out: tf.Tensor2D, r: tf.Tensor2D): tf.Tensor2D =>
    tf.reshape(tf.mul(invN, outputHessianTimes(lossName, prediction(lossName, tokens(out)), tokens(r))), out.shape) as tf.Tensor2D;

  const gaussNewtonAt = (theta: Float32Array): HessianOperator => {
    check(theta);
    if (normalized) return normalizedOperator(theta, (t) => normalized.gaussNewtonAt(t, outputCurvature));
    if (dense) {
      const passes = keptPasses(dense, theta);
      return {
        apply: (v) => {
          checkV(v);
          return passes.apply(v, true);
        },
        dispose: passes.dispose,
      };
    }
    return autodiffOperator(theta, (t, c, vt) => {
      const f = (s: tf.Tensor): tf.Tensor2D => model.forward(s as tf.Tensor1D, c.X);
      const out = f(t);
      // J v by the double-VJP trick: u -> J^T u is linear in u, so J v = d/du <J^T u, v>.
      const jv = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(f(s), u)))(t), vt)))(tf.zerosLike(out));
      const r = outputCurvature(out, jv as tf.Tensor2D);
      // J^T r: a plain VJP.
      return tf.grad((s: tf.Tensor) => tf.sum(tf.mul(f(s), r)))(t);
    });
  };

  /** evaluate() by the addon's forward pass. */
  const nativeEvaluate = (kernel: NativeConv, theta: Float32Array): { loss: number; accuracy: number | null } => {
    const passes = scratch(Math.max(...[...evaluationParts, ...(statisticsPart ? [statisticsPart] : [])].map((p) => kernel.forwardBytes(p.plan))));
    if (statisticsPart) {
      const [X, Y] = statisticsPart.inputs(kernel);
      kernel.forward(statisticsPart.plan, theta, X, Y, new Float32Array(Y.length), passes, statistics, false);
    }
    let loss = 0;
    let correct = 0;
    for (const p of evaluationParts) {
      const [X, Y] = p.inputs(kernel);
      const outputs = new Float32Array(Y.length);
      loss += kernel.forward(p.plan, theta, X, Y, outputs, passes, statisticsPart ? statistics : null, statisticsPart !== null);
      correct += correctRows(outputs, Y, model.outputDim);
    }
    return { loss, accuracy: classes > 1 ? correct * invN : null };
  };

  const evaluate = (theta: Float32Array): { loss: number; accuracy: number | null } => {
    check(theta);
    const kernel = evaluationKernel();
    if (kernel) return nativeEvaluate(kernel, theta);
    return withScope(() => {
      const t = tf.tensor1d(theta);
      const s = normalized?.statistics(t);
      const forward = (c: Chunk): tf.Tensor2D => (s && bs ? bs.forwardWith(t, c.X, s).out : model.forward(t, c.X));
      let loss = 0;
      let correct = 0;
      for (const c of chunks) {
        tf.tidy(() => {
          const out = forward(c);
          loss += sumLoss(out, c.Y).dataSync()[0];
          if (classes > 1) correct += tf.sum(tf.cast(tf.equal(tf.argMax(tokens(out), 1), tf.argMax(tokens(c.Y), 1)), 'float32')).dataSync()[0];
        });
      }
      return { loss: loss * invN, accuracy: classes > 1 ? correct * invN : null };
    });
  };

  return {
    numParams: model.numParams,
    numSamples: data.n,
    get samplesPerPass() {
      return convKernel() ? Math.max(...convParts.map((p) => p.plan[0])) : Math.max(...chunks.map((c) => c.X.shape[0]));
    },
    get hvpCount() {
      return hvps;
    },
    loss(theta) {
      return normalized || evaluationKernel() ? evaluate(theta).loss : accumulate(theta, (t, c) => chunkLoss(c)(t))[0];
    },
    lossAndGrad(theta) {
      check(theta);
      const kernel = convKernel();
      if (normalized && !kernel) {
        return withScope(() => {
          const { loss, grad } = normalized.lossAndGrad(tf.tensor1d(theta));
          return { loss, grad: grad.dataSync() as Float32Array };
        });
      }
      if (kernel) {
        // One buffer for every chunk's passes: a gradient call keeps none of them.
        const passes = scratch(Math.max(...convParts.map((p) => kernel.keptBytes(p.plan))));
        const grad = new Float32Array(model.numParams);
        return { loss: convLossGrad(kernel, theta, grad, () => passes), grad };
      }
      const denseKernel = dense && nativeDense();
      if (denseKernel) {
        const grad = new Float32Array(model.numParams);
        const loss = chunks.reduce((acc, c, i) => acc + denseKernel.lossGrad(gradPlans[i], theta, denseKernel.heapView(c.X), denseKernel.heapView(c.Y), grad), 0);
        return { loss, grad };
      }
      return withScope(() => {
        const t = tf.tensor1d(theta);
        let loss = 0;
        const grad = sumOver(chunks, (c) => {
          const { value, grad: g } = tf.valueAndGrad(chunkLoss(c))(t);
          loss += value.dataSync()[0];
          return g;
        });
        return { loss, grad: grad.dataSync() as Float32Array };
      });
    },
    hessianAt,
    gaussNewtonAt,
    hvp(theta, v) {
      const H = hessianAt(theta);
      try {
        return H.apply(v);
      } finally {
        H.dispose();
      }
    },
    evaluate,
    dispose() {
      for (const c of [...chunks, ...external]) tf.dispose([c.X, c.Y]);
      chunks.length = 0;
      external.length = 0;
      idleKept = null;
      convScratch = null;
    },
  };
}
