/**
 * Loss, gradient and exact HVPs of the tfjs objective against the float64
 * references (hand-written backprop; HVP = central difference of that analytic
 * gradient), for every activation x loss x parameterisation and the CNN; plus
 * chunking invariance, Hessian symmetry and the top eigenvalue of a full Hessian.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { buildModel, type Model } from '../../src/models/index.js';
import { makeObjective, type SupervisedData } from '../../src/objective/index.js';
import { symmetricEigen } from '../../src/util/linalg.js';
import { cnnRef } from '../reference/cnn.js';
import { classificationData, randomVector, type NetCase } from '../reference/data.js';
import { fcnRef } from '../reference/fcn.js';
import { fdHessian, fdHvpChecked, hessianFromHvp } from '../reference/fd.js';
import { refLossAndGrad, type RefNet } from '../reference/net.js';
import { assertRelClose, assertScalarClose, dot, matVec, norm2 } from '../reference/numeric.js';

function referenceFor(c: NetCase): RefNet {
  const spec = c.spec as { kind: string; widths: number[]; channels: number[]; activation: 'relu' | 'tanh'; parameterization?: 'standard' | 'ntk' | 'mup' };
  if (spec.kind === 'cnn') return cnnRef({ channels: spec.channels, activation: spec.activation }, c.inputShape as [number, number, number], c.k);
  const d = c.inputShape.reduce((a, b) => a * b, 1);
  return fcnRef({ widths: spec.widths, activation: spec.activation, parameterization: spec.parameterization ?? 'standard' }, d, c.k);
}

function setup(c: NetCase, seed: number): { model: Model; ref: RefNet; data: SupervisedData; theta: Float32Array; theta64: Float64Array } {
  const model = buildModel(c.spec, c.inputShape, c.k);
  const data = classificationData(seed, c.n, c.inputShape.reduce((a, b) => a * b, 1), c.k);
  const theta = model.init(seed);
  return { model, ref: referenceFor(c), data, theta, theta64: Float64Array.from(theta) };
}

const fcnShape = [6];
const netCases: NetCase[] = [
  ...(['relu', 'tanh'] as const).flatMap((activation) =>
    (['mse', 'ce'] as const).map((loss) => ({
      name: `fcn ${activation} ${loss}`,
      spec: { kind: 'fcn', widths: [5, 4], activation },
      inputShape: fcnShape,
      k: 3,
      n: 11,
      loss,
    })),
  ),
  { name: 'fcn ntk relu mse', spec: { kind: 'fcn', widths: [5, 4], activation: 'relu', parameterization: 'ntk' }, inputShape: fcnShape, k: 3, n: 11, loss: 'mse' },
  { name: 'fcn mup relu ce', spec: { kind: 'fcn', widths: [5, 4], activation: 'relu', parameterization: 'mup' }, inputShape: fcnShape, k: 3, n: 11, loss: 'ce' },
  { name: 'cnn 1x8x8 relu ce', spec: { kind: 'cnn', channels: [2, 3], activation: 'relu' }, inputShape: [1, 8, 8], k: 3, n: 5, loss: 'ce' },
  { name: 'cnn 1x8x8 tanh mse', spec: { kind: 'cnn', channels: [2, 3], activation: 'tanh' }, inputShape: [1, 8, 8], k: 3, n: 5, loss: 'mse' },
  { name: 'cnn 3x4x4 relu mse', spec: { kind: 'cnn', channels: [2, 3], activation: 'relu' }, inputShape: [3, 4, 4], k: 3, n: 5, loss: 'mse' },
  { name: 'cnn 3x4x4 tanh ce', spec: { kind: 'cnn', channels: [2, 3], activation: 'tanh' }, inputShape: [3, 4, 4], k: 3, n: 5, loss: 'ce' },
];

describe('objective vs float64 reference', () => {
  before(async () => {
    await initBackend();
  });

  for (const [i, c] of netCases.entries()) {
    test(`${c.name}: layout, loss, gradient and HVPs match; chunking changes nothing; H is symmetric`, () => {
      const { model, ref, data, theta, theta64 } = setup(c, 100 + i);
      assert.deepEqual(
        model.layout.map((b) => [b.name, b.shape, b.offset]),
        ref.blocks.map((b) => [b.name, b.shape, b.offset]),
      );
      const obj = makeObjective(model, data, c.loss);
      const chunked = makeObjective(model, data, c.loss, { chunkSize: 2 });
      try {
        const want = refLossAndGrad(ref, theta64, data, c.loss);
        const got = obj.lossAndGrad(theta);
        assertScalarClose(got.loss, want.loss, 1e-6, 'loss');
        assertScalarClose(obj.loss(theta), want.loss, 1e-6, 'loss()');
        assertScalarClose(obj.evaluate(theta).loss, want.loss, 1e-6, 'evaluate().loss');
        assertRelClose(got.grad, want.grad, 1e-5, 'gradient');

        const gradFn = (t: Float64Array) => refLossAndGrad(ref, t, data, c.loss).grad;
        const u = randomVector(1, model.numParams);
        const v = randomVector(2, model.numParams);
        const hu = obj.hvp(theta, u);
        const hv = obj.hvp(theta, v);
        assertRelClose(hu, fdHvpChecked(gradFn, theta64, u), 1e-5, 'HVP(u)');
        assertRelClose(hv, fdHvpChecked(gradFn, theta64, v), 1e-5, 'HVP(v)');

        const cg = chunked.lossAndGrad(theta);
        assertScalarClose(cg.loss, got.loss, 1e-6, 'chunked loss');
        assertRelClose(cg.grad, got.grad, 1e-6, 'chunked gradient');
        assertRelClose(chunked.hvp(theta, v), hv, 1e-6, 'chunked HVP');

        const asym = Math.abs(dot(u, hv) - dot(v, hu));
        assert.ok(asym <= 1e-6 * norm2(u) * norm2(hv), `<u,Hv> = ${dot(u, hv)} but <v,Hu> = ${dot(v, hu)}`);
      } finally {
        obj.dispose();
        chunked.dispose();
      }
    });
  }

  const tinyCases: NetCase[] = [
    { name: 'fcn tanh ce', spec: { kind: 'fcn', widths: [4, 3], activation: 'tanh' }, inputShape: [4], k: 3, n: 9, loss: 'ce' },
    { name: 'fcn relu mse', spec: { kind: 'fcn', widths: [4, 3], activation: 'relu' }, inputShape: [4], k: 3, n: 9, loss: 'mse' },
    { name: 'cnn relu ce', spec: { kind: 'cnn', channels: [2], activation: 'relu' }, inputShape: [1, 4, 4], k: 2, n: 4, loss: 'ce' },
  ];
  for (const [i, c] of tinyCases.entries()) {
    test(`${c.name}: the full Hessian from HVP columns and its top eigenvalue match the float64 reference`, () => {
      const { model, ref, data, theta, theta64 } = setup(c, 200 + i);
      const obj = makeObjective(model, data, c.loss);
      try {
        const H = hessianFromHvp((v) => obj.hvp(theta, v), model.numParams);
        const Href = fdHessian((t) => refLossAndGrad(ref, t, data, c.loss).grad, theta64);
        assertRelClose(H, Href, 1e-5, 'dense Hessian');
        const p = model.numParams;
        const want = symmetricEigen(Href, p);
        const top = want.vectors.filter((_, idx) => idx % p === 0);
        // The reference eigenpair itself must satisfy H y = lambda y.
        assertRelClose(matVec(Href, top), top.map((y) => y * want.values[0]), 1e-10, 'reference eigenpair');
        assertScalarClose(symmetricEigen(H, p).values[0], want.values[0], 1e-5, 'top eigenvalue');
      } finally {
        obj.dispose();
      }
    });
  }
});

describe('dense stacks: R-operator HVPs', () => {
  before(async () => {
    await initBackend();
  });

  const denseCases = (['relu', 'tanh'] as const).flatMap((activation) =>
    (['mse', 'ce'] as const).flatMap((loss) =>
      (['standard', 'ntk', 'mup'] as const).map((parameterization) => ({ activation, loss, parameterization, widths: parameterization === 'standard' ? [12, 9, 7] : [12] })),
    ),
  );
  for (const [i, c] of denseCases.entries()) {
    test(`fcn ${c.activation} ${c.loss} ${c.parameterization} ${c.widths.join('-')}: equal to double-backward HVPs, at one theta and repeated`, () => {
      const model = buildModel({ kind: 'fcn', widths: c.widths, activation: c.activation, parameterization: c.parameterization }, [10], 4);
      assert.ok(model.dense, 'fcn describes itself as a dense stack');
      const data = classificationData(300 + i, 37, 10, 4);
      const theta = model.init(300 + i);
      const rop = makeObjective(model, data, c.loss, { chunkSize: 16 });
      const doubleBackward = makeObjective({ ...model, dense: undefined }, data, c.loss);
      try {
        const H = rop.hessianAt(theta);
        try {
          for (const seed of [1, 2, 3]) {
            const v = randomVector(seed, model.numParams);
            const want = doubleBackward.hvp(theta, v);
            assertRelClose(H.apply(v), want, 1e-5, `H v (seed ${seed})`);
            assertRelClose(rop.hvp(theta, v), want, 1e-5, `hvp (seed ${seed})`);
          }
        } finally {
          H.dispose();
        }
        assert.equal(rop.hvpCount, 6);
      } finally {
        rop.dispose();
        doubleBackward.dispose();
      }
    });
  }
});

test('autodiff over many chunks: a running sum, each chunk freed before the next (live tensors flat in the chunk count)', async () => {
  await initBackend('wasm');
  const base = buildModel({ kind: 'fcn', widths: [5, 4], activation: 'tanh' }, [6], 3);
  const live: number[] = [];
  // The double-backward path (no dense description), counting live tensors as each chunk's forward starts.
  const model: Model = { ...base, dense: undefined, forward: (t, X) => (live.push(tf.memory().numTensors), base.forward(t, X)) };
  const data = classificationData(11, 40, 6, 3);
  const theta = base.init(11);
  const chunked = makeObjective(model, data, 'ce', { chunkSize: 2 });
  const whole = makeObjective({ ...base, dense: undefined }, data, 'ce');
  try {
    for (const [what, run] of [['gradient', () => chunked.lossAndGrad(theta)], ['HVP', () => chunked.hvp(theta, randomVector(3, base.numParams))]] as const) {
      live.length = 0;
      run();
      assert.equal(live.length, 20, `${what}: 20 chunks`);
      assert.ok(live[19] - live[1] <= 1, `${what}: live tensors at chunks 2..20: ${live.slice(1).join(' ')}`);
    }
    assertRelClose(chunked.lossAndGrad(theta).grad, whole.lossAndGrad(theta).grad, 1e-6, 'chunked gradient');
    const v = randomVector(4, base.numParams);
    assertRelClose(chunked.hvp(theta, v), whole.hvp(theta, v), 1e-6, 'chunked HVP');
  } finally {
    chunked.dispose();
    whole.dispose();
  }
});
