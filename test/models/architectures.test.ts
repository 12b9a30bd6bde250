/**
 * The Table 1 architectures beyond the fc nets and the plain CNN, on small
 * instances, against the equivalent PyTorch nn.Module (python/torch_models.py)
 * loaded from our checkpoint and run in float64: loss, gradient, one exact HVP
 * and the top two Hessian eigenvalues (ours by Lanczos on exact HVPs), the Gauss-Newton
 * product and its top eigenvalue (PyTorch: dense J^T H_out J over all samples jointly).
 * Batch norm also: chunked evaluation (statistics over the whole data set) equals
 * one full-batch pass, and test evaluation uses the training set's statistics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { buildModel, ModelSpec, type Model } from '../../src/models/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/models/safetensors.js';
import { makeObjective, type SupervisedData } from '../../src/objective/index.js';
import { fisherTop, sharpness } from '../../src/sharpness/index.js';
import { Rng } from '../../src/util/random.js';
import { sampleSequenceReversal } from '../../src/data/index.js';
import { Experiment } from '../../src/sweep/schema.js';
import { buildProblem, sequenceData } from '../../src/sweep/problem.js';
import { classificationData, randomVector, type NetCase } from '../reference/data.js';
import { assertRelClose, assertScalarClose, relErr } from '../reference/numeric.js';
import { runTorch, torchMissing } from '../reference/torch.js';

interface Case extends NetCase {
  /** Chunk size for the chunked-equals-unchunked check of batch-normalised models. */
  chunkSize?: number;
  /** Sequence-reversal data instead of Gaussian images. */
  sequences?: { length: number; symbols: number };
}

function dataFor(c: Pick<Case, 'inputShape' | 'k' | 'sequences'>, seed: number, n: number): SupervisedData {
  if (c.sequences) return sequenceData(sampleSequenceReversal(n, c.sequences.length, seed, c.sequences.symbols));
  return classificationData(seed, n, c.inputShape.reduce((a, b) => a * b, 1), c.k);
}

interface TorchResult {
  names: string[];
  shapes: number[][];
  loss: number;
  grad: number[];
  hvp: number[];
  topEigenvalues: number[];
  gaussNewtonProduct: number[];
  gaussNewtonTop: number;
  testLoss?: number;
}

const cases: Case[] = [
  { name: 'cnn-bn relu ce', spec: { kind: 'cnn', channels: [2, 3], activation: 'relu', batchNorm: true }, inputShape: [1, 8, 8], k: 3, n: 8, loss: 'ce', chunkSize: 3 },
  { name: 'cnn-bn tanh mse', spec: { kind: 'cnn', channels: [2, 3], activation: 'tanh', batchNorm: true }, inputShape: [3, 4, 4], k: 3, n: 7, loss: 'mse', chunkSize: 2 },
  { name: 'vit 1x8x8 ce', spec: { kind: 'vit', patchSize: 4, dim: 4, depth: 2, heads: 2 }, inputShape: [1, 8, 8], k: 3, n: 6, loss: 'ce' },
  { name: 'vit 3x4x4 mse', spec: { kind: 'vit', patchSize: 2, dim: 6, depth: 1, heads: 2, mlpDim: 12 }, inputShape: [3, 4, 4], k: 3, n: 5, loss: 'mse' },
  { name: 'resnet 2-4 ce', spec: { kind: 'resnet', widths: [2, 4], blocks: 1 }, inputShape: [3, 4, 4], k: 3, n: 6, loss: 'ce', chunkSize: 4 },
  { name: 'resnet 2-4-6 mse', spec: { kind: 'resnet', widths: [2, 4, 6], blocks: 1 }, inputShape: [1, 8, 8], k: 3, n: 5, loss: 'mse', chunkSize: 3 },
  {
    name: 'transformer 1+1 ce',
    spec: { kind: 'transformer', vocab: 4, dim: 4, heads: 2, encoderLayers: 1, decoderLayers: 1, ffDim: 6 },
    inputShape: [2, 4],
    k: 16,
    n: 5,
    loss: 'ce',
    sequences: { length: 4, symbols: 3 },
  },
  {
    name: 'transformer 2+2 mse',
    spec: { kind: 'transformer', vocab: 5, dim: 4, heads: 2, encoderLayers: 2, decoderLayers: 2, ffDim: 8 },
    inputShape: [2, 3],
    k: 15,
    n: 4,
    loss: 'mse',
    sequences: { length: 3, symbols: 4 },
  },
];

/** Paper-size instances for the initialisation check (Table 1 defaults). */
const initCases: Pick<Case, 'name' | 'spec' | 'inputShape' | 'k' | 'sequences'>[] = [
  { name: 'cnn-bn cifar', spec: { kind: 'cnn', batchNorm: true }, inputShape: [3, 32, 32], k: 10 },
  { name: 'vit mnist', spec: { kind: 'vit' }, inputShape: [1, 28, 28], k: 10 },
  { name: 'resnet-20 cifar', spec: { kind: 'resnet' }, inputShape: [3, 32, 32], k: 10 },
  { name: 'transformer reversal', spec: { kind: 'transformer' }, inputShape: [2, 10], k: 100, sequences: { length: 10, symbols: 9 } },
];

const initData = (c: (typeof initCases)[number], i: number): SupervisedData => dataFor(c, 600 + i, 2);

/** Mean and standard deviation of a block. */
function moments(x: Float32Array): { mean: number; std: number } {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return { mean, std: Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length) };
}

interface Prepared {
  model: Model;
  train: SupervisedData;
  test: SupervisedData;
  theta: Float32Array;
  v: Float32Array;
}

/** Initial parameters moved off their initial values (batch-norm weights 1 and biases 0 would hide swapped roles). */
function perturbed(model: Model, seed: number): Float32Array {
  const theta = model.init(seed);
  const noise = new Float32Array(theta.length);
  new Rng(seed + 1).fillNormal(noise, 0.2);
  return theta.map((x, i) => x + noise[i]);
}

describe('architectures against PyTorch (float64)', { skip: torchMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-arch-'));
  const prepared: Prepared[] = [];
  let results: TorchResult[] = [];

  before(async () => {
    await initBackend();
    const requests = cases.map((c, i) => {
      const model = buildModel(c.spec, c.inputShape, c.k);
      const p: Prepared = {
        model,
        train: dataFor(c, 700 + i, c.n),
        test: dataFor(c, 800 + i, 5),
        theta: perturbed(model, 900 + i),
        v: randomVector(950 + i, model.numParams),
      };
      prepared.push(p);
      const checkpoint = join(dir, `case-${i}.safetensors`);
      saveSafetensors(checkpoint, model, p.theta);
      return {
        action: 'evaluate',
        checkpoint,
        model: ModelSpec.parse(c.spec),
        inputShape: c.inputShape,
        k: c.k,
        loss: c.loss,
        n: c.n,
        groups: model.outputGroups ?? 1,
        X: Array.from(p.train.X),
        Y: Array.from(p.train.Y),
        v: Array.from(p.v),
        gaussNewton: true,
        ...(c.chunkSize === undefined ? {} : { testX: Array.from(p.test.X), testY: Array.from(p.test.Y) }),
      };
    });
    const exports = initCases.map((c, i) => {
      const data = initData(c, i);
      const groups = c.sequences?.length ?? 1;
      return { action: 'export', checkpoint: join(dir, `init-${i}.safetensors`), dtype: 'F32', seed: 650 + i, model: ModelSpec.parse(c.spec), inputShape: c.inputShape, k: c.k, groups, loss: 'ce', n: 2, X: Array.from(data.X), Y: Array.from(data.Y) };
    });
    results = runTorch<TorchResult>(dir, [...requests, ...exports]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, c] of cases.entries()) {
    test(`${c.name}: loss, gradient, HVP and top two Hessian eigenvalues match PyTorch`, (t) => {
      const { model, train, theta, v } = prepared[i];
      const torch = results[i];
      assert.deepEqual(torch.names, model.layout.map((b) => b.name));
      assert.deepEqual(torch.shapes, model.layout.map((b) => b.shape));
      const obj = makeObjective(model, train, c.loss);
      try {
        const { loss, grad } = obj.lossAndGrad(theta);
        const hv = obj.hvp(theta, v);
        const top = sharpness(obj, theta, { k: 2, tol: 1e-7, maxIter: model.numParams });
        const rel = (a: number, b: number): string => (Math.abs(a - b) / Math.abs(b)).toExponential(1);
        t.diagnostic(
          `${model.numParams} parameters; relative errors: loss ${rel(loss, torch.loss)}, gradient ${relErr(grad, torch.grad).toExponential(1)}, ` +
            `HVP ${relErr(hv, torch.hvp).toExponential(1)}, eigenvalues ${rel(top.eigenvalues[0], torch.topEigenvalues[0])} / ${rel(top.eigenvalues[1], torch.topEigenvalues[1])}`,
        );
        assertScalarClose(loss, torch.loss, 1e-5, 'loss');
        assertRelClose(grad, torch.grad, 1e-5, 'gradient');
        assertRelClose(hv, torch.hvp, 1e-5, 'HVP');
        assertScalarClose(top.eigenvalues[0], torch.topEigenvalues[0], 1e-4, 'top Hessian eigenvalue');
        assertScalarClose(top.eigenvalues[1], torch.topEigenvalues[1], 1e-4, 'second Hessian eigenvalue');
      } finally {
        obj.dispose();
      }
    });

    test(`${c.name}: Gauss-Newton product and top eigenvalue match PyTorch's dense J^T H_out J`, (t) => {
      const { model, train, theta, v } = prepared[i];
      const torch = results[i];
      const obj = makeObjective(model, train, c.loss);
      const G = obj.gaussNewtonAt(theta);
      try {
        const gv = G.apply(v);
        const top = fisherTop(obj, theta, { tol: 1e-8, maxIter: model.numParams });
        t.diagnostic(`relative errors: G v ${relErr(gv, torch.gaussNewtonProduct).toExponential(1)}, top ${(Math.abs(top.eigenvalues[0] - torch.gaussNewtonTop) / torch.gaussNewtonTop).toExponential(1)}`);
        assertRelClose(gv, torch.gaussNewtonProduct, 1e-5, 'Gauss-Newton product');
        assertScalarClose(top.eigenvalues[0], torch.gaussNewtonTop, 1e-4, 'top Gauss-Newton eigenvalue');
      } finally {
        G.dispose();
        obj.dispose();
      }
    });

    if (c.chunkSize === undefined) continue;
    const chunkSize = c.chunkSize;

    test(`${c.name}: chunked evaluation gives the full-batch loss, gradient, HVP and Gauss-Newton product (statistics over all chunks)`, (t) => {
      const { model, train, theta, v } = prepared[i];
      const whole = makeObjective(model, train, c.loss);
      const chunked = makeObjective(model, train, c.loss, { chunkSize });
      try {
        const a = whole.lossAndGrad(theta);
        const b = chunked.lossAndGrad(theta);
        assertScalarClose(b.loss, a.loss, 1e-6, 'chunked loss');
        assertScalarClose(chunked.loss(theta), a.loss, 1e-6, 'chunked loss()');
        assertRelClose(b.grad, a.grad, 1e-5, 'chunked gradient');
        assertRelClose(b.grad, results[i].grad, 1e-5, 'chunked gradient vs PyTorch');
        const hv = whole.hvp(theta, v);
        const H = chunked.hessianAt(theta);
        try {
          const chunkedHv = H.apply(v);
          t.diagnostic(`chunked vs one pass, relative errors: gradient ${relErr(b.grad, a.grad).toExponential(1)}, HVP ${relErr(chunkedHv, hv).toExponential(1)}`);
          assertRelClose(chunkedHv, hv, 1e-5, 'chunked HVP');
          const u = randomVector(17, model.numParams);
          assertRelClose(H.apply(u), whole.hvp(theta, u), 1e-5, 'chunked HVP, second product at the same theta');
        } finally {
          H.dispose();
        }
        const G = chunked.gaussNewtonAt(theta);
        try {
          const gv = G.apply(v);
          t.diagnostic(`chunked Gauss-Newton product vs PyTorch: ${relErr(gv, results[i].gaussNewtonProduct).toExponential(1)}`);
          assertRelClose(gv, results[i].gaussNewtonProduct, 1e-5, 'chunked Gauss-Newton product (statistics over all chunks)');
        } finally {
          G.dispose();
        }
      } finally {
        whole.dispose();
        chunked.dispose();
      }
    });

    test(`${c.name}: test evaluation normalises with the training set's statistics`, () => {
      const { model, train, test: testSet, theta } = prepared[i];
      const trainObj = makeObjective(model, train, c.loss, { chunkSize });
      const onTest = makeObjective(model, testSet, c.loss, { statisticsFrom: train });
      const onTestChunked = makeObjective(model, testSet, c.loss, { statisticsFrom: train, chunkSize: 2 });
      const ownStatistics = makeObjective(model, testSet, c.loss);
      const trainAsTest = makeObjective(model, train, c.loss, { statisticsFrom: train, chunkSize: 4 });
      try {
        const torchTest = results[i].testLoss as number;
        assertScalarClose(onTest.evaluate(theta).loss, torchTest, 1e-5, 'test loss');
        assertScalarClose(onTestChunked.evaluate(theta).loss, torchTest, 1e-5, 'chunked test loss');
        assertScalarClose(onTest.loss(theta), torchTest, 1e-5, 'test loss()');
        // The choice matters: the test set's own statistics give another loss.
        assert.ok(Math.abs(ownStatistics.evaluate(theta).loss - torchTest) > 1e-3 * Math.abs(torchTest), 'own-statistics test loss differs');
        assertScalarClose(trainAsTest.evaluate(theta).loss, trainObj.evaluate(theta).loss, 1e-6, 'training set evaluated as a test set');
      } finally {
        for (const o of [trainObj, onTest, onTestChunked, ownStatistics, trainAsTest]) o.dispose();
      }
    });
  }

  for (const [i, c] of initCases.entries()) {
    test(`${c.name}: every tensor starts from PyTorch's initial distribution; PyTorch's initial network gives PyTorch's loss here`, () => {
      const model = buildModel(c.spec, c.inputShape, c.k);
      const ours = model.init(1);
      const theirs = loadSafetensors(join(dir, `init-${i}.safetensors`), model).theta;
      const obj = makeObjective(model, initData(c, i), 'ce');
      assertScalarClose(obj.loss(theirs), results[cases.length + i].loss, 1e-5, 'loss');
      obj.dispose();
      for (const b of model.layout) {
        const a = moments(ours.subarray(b.offset, b.offset + b.size));
        const t = moments(theirs.subarray(b.offset, b.offset + b.size));
        if (t.std === 0) {
          assert.deepEqual(a, t, `${b.name}: PyTorch starts it at the constant ${t.mean}`);
          continue;
        }
        // Sampling noise of the standard deviation ~ 1/sqrt(size): compare where it is small.
        if (b.size < 100) continue;
        const tol = b.size >= 1000 ? 0.05 : 0.25;
        assert.ok(Math.abs(a.std / t.std - 1) < tol, `${b.name}: standard deviation ${a.std} vs PyTorch's ${t.std}`);
        assert.ok(Math.abs(a.mean - t.mean) < 5 * t.std / Math.sqrt(b.size), `${b.name}: mean ${a.mean} vs PyTorch's ${t.mean}`);
      }
    });
  }
});

describe('architecture specs and checkpoints', () => {
  test('a bad model field is an error naming the field', () => {
    assert.throws(() => buildModel({ kind: 'cnn', batchNorm: 'yes' }, [1, 8, 8], 3), /batchNorm/);
    assert.throws(() => buildModel({ kind: 'vit', heads: 0 }, [1, 28, 28], 10), /heads/);
    assert.throws(() => buildModel({ kind: 'vit', width: 64 }, [1, 28, 28], 10), /width/);
    assert.throws(() => buildModel({ kind: 'vit', patchSize: 5 }, [1, 28, 28], 10), /patchSize 5/);
    assert.throws(() => buildModel({ kind: 'resnet', blocks: 1.5 }, [3, 32, 32], 10), /blocks/);
    assert.throws(() => buildModel({ kind: 'resnet', widths: [16, 8] }, [3, 32, 32], 10), /16 -> 8/);
    assert.throws(() => buildModel({ kind: 'transformer', ffdim: 128 }, [2, 10], 100), /ffdim/);
    assert.throws(() => buildModel({ kind: 'transformer' }, [2, 10], 90), /10 x 10 logits/);
  });

  test('the reversal data set builds a problem: per-token loss and accuracy of the transformer, test set of fresh sequences', async () => {
    await initBackend();
    const problem = await buildProblem(
      Experiment.parse({ id: 'reversal', dataset: 'reversal:30:2', model: { kind: 'transformer', dim: 8, heads: 2, encoderLayers: 1, decoderLayers: 1, ffDim: 8 }, loss: 'ce', lossGoals: [0.1] }),
    );
    try {
      assert.equal(problem.model.outputGroups, 10);
      const train = problem.train.evaluate(problem.theta0);
      const test = problem.test?.evaluate(problem.theta0);
      // Near chance at initialisation: per-token cross-entropy ~ log(10), accuracy ~ 1/10.
      for (const r of [train, test]) {
        assert.ok(r && Math.abs(r.loss - Math.log(10)) < 1, `loss ${r?.loss}`);
        assert.ok(r && r.accuracy !== null && r.accuracy < 0.3, `accuracy ${r?.accuracy}`);
      }
      assert.equal(problem.test?.numSamples, 10000);
    } finally {
      problem.dispose();
    }
  });

  test('a checkpoint of another architecture is an error naming the tensor', async () => {
    await initBackend();
    const dir = mkdtempSync(join(tmpdir(), 'eos-arch-'));
    try {
      const plain = buildModel({ kind: 'cnn', channels: [2, 3] }, [1, 8, 8], 3);
      const withNorm = buildModel({ kind: 'cnn', channels: [2, 3], batchNorm: true }, [1, 8, 8], 3);
      const file = join(dir, 'plain.safetensors');
      saveSafetensors(file, plain, plain.init(1));
      assert.throws(() => loadSafetensors(file, withNorm), /norms\.0\.weight/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
