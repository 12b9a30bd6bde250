/** Model layouts match PyTorch's state_dict; initialisation follows PyTorch defaults (standard) or N(0, 1) (ntk / mup); specs are validated. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { buildModel, type Model, type ParamBlock } from '../../src/models/index.js';

function shapes(model: Model): [string, number[]][] {
  return model.layout.map((b) => [b.name, b.shape]);
}

function block(model: Model, theta: Float32Array, name: string): Float32Array {
  const b = model.layout.find((x) => x.name === name) as ParamBlock;
  return theta.subarray(b.offset, b.offset + b.size);
}

function moments(x: ArrayLike<number>): { mean: number; variance: number; kurtosis: number; maxAbs: number } {
  let mean = 0;
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    mean += x[i] / x.length;
    maxAbs = Math.max(maxAbs, Math.abs(x[i]));
  }
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < x.length; i++) {
    m2 += (x[i] - mean) ** 2 / x.length;
    m4 += (x[i] - mean) ** 4 / x.length;
  }
  return { mean, variance: m2, kurtosis: m4 / (m2 * m2), maxAbs };
}

test('fcn 784-200-200-10 has the nn.Linear state_dict layout and 199210 parameters', () => {
  const model = buildModel({ kind: 'fcn', widths: [200, 200] }, [784], 10);
  assert.deepEqual(shapes(model), [
    ['layers.0.weight', [200, 784]],
    ['layers.0.bias', [200]],
    ['layers.1.weight', [200, 200]],
    ['layers.1.bias', [200]],
    ['layers.2.weight', [10, 200]],
    ['layers.2.bias', [10]],
  ]);
  assert.equal(model.numParams, 199210);
  let offset = 0;
  for (const b of model.layout) {
    assert.equal(b.offset, offset, `${b.name} offset`);
    assert.equal(b.size, b.shape.reduce((a, c) => a * c, 1));
    offset += b.size;
  }
  assert.equal(offset, model.numParams);
  assert.equal(model.init(0).length, 199210);
});

test('ntk / mup fcns have no biases; widths [] is the linear model nn.Linear(d, k)', () => {
  for (const parameterization of ['ntk', 'mup'] as const) {
    assert.deepEqual(shapes(buildModel({ kind: 'fcn', widths: [7], parameterization }, [5], 3)), [
      ['layers.0.weight', [7, 5]],
      ['layers.1.weight', [3, 7]],
    ]);
  }
  assert.deepEqual(shapes(buildModel({ kind: 'fcn', widths: [] }, [5], 3)), [
    ['layers.0.weight', [3, 5]],
    ['layers.0.bias', [3]],
  ]);
});

test('cnn [32, 32] for MNIST 1x28x28 and CIFAR 3x32x32 has the nn.Conv2d / nn.Linear layout', () => {
  const mnist = buildModel({ kind: 'cnn', channels: [32, 32] }, [1, 28, 28], 10);
  assert.deepEqual(shapes(mnist), [
    ['convs.0.weight', [32, 1, 3, 3]],
    ['convs.0.bias', [32]],
    ['convs.1.weight', [32, 32, 3, 3]],
    ['convs.1.bias', [32]],
    ['head.weight', [10, 1568]],
    ['head.bias', [10]],
  ]);
  assert.equal(mnist.numParams, 288 + 32 + 9216 + 32 + 15680 + 10);
  const cifar = buildModel({ kind: 'cnn', channels: [32, 32] }, [3, 32, 32], 10);
  assert.deepEqual(cifar.layout[0].shape, [32, 3, 3, 3]);
  assert.deepEqual(cifar.layout[4].shape, [10, 2048]);
  assert.throws(() => buildModel({ kind: 'cnn', channels: [4, 4] }, [1, 6, 6], 10), /3x3 before pooling layer 1 is not even/);
  assert.throws(() => buildModel({ kind: 'cnn' }, [784], 10), /needs image inputs/);
});

test('diagonal net and logistic toy layouts and initialisation', () => {
  const diag = buildModel({ kind: 'diagonal', alpha: 0.25, initScale: 2 }, [4], 1);
  assert.deepEqual(shapes(diag), [['w', [4]]]);
  assert.deepEqual(Array.from(diag.init(9)), [0.5, 0.5, 0.5, 0.5]);
  const logistic = buildModel({ kind: 'logistic' }, [3], 2);
  assert.deepEqual(shapes(logistic), [
    ['weight', [1, 3]],
    ['bias', [1]],
  ]);
  assert.equal(logistic.outputDim, 2);
});

test('initialisation is deterministic per seed', () => {
  for (const spec of [{ kind: 'fcn', widths: [20, 10] }, { kind: 'fcn', widths: [20], parameterization: 'mup' }, { kind: 'cnn', channels: [2, 3] }]) {
    const model = buildModel(spec, [1, 8, 8], 10);
    assert.deepEqual(model.init(7), model.init(7));
    assert.deepEqual(buildModel(spec, [1, 8, 8], 10).init(7), model.init(7), 'a rebuilt model gives the same init');
    assert.notDeepEqual(model.init(8), model.init(7));
  }
});

test('standard init is PyTorch default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases', () => {
  const fcn = buildModel({ kind: 'fcn', widths: [200, 200] }, [784], 10);
  const cnn = buildModel({ kind: 'cnn', channels: [32, 32] }, [3, 32, 32], 10);
  const fanIns: [Model, Record<string, number>][] = [
    [fcn, { 'layers.0.weight': 784, 'layers.0.bias': 784, 'layers.1.weight': 200, 'layers.1.bias': 200, 'layers.2.weight': 200, 'layers.2.bias': 200 }],
    [cnn, { 'convs.0.weight': 27, 'convs.0.bias': 27, 'convs.1.weight': 288, 'convs.1.bias': 288, 'head.weight': 2048, 'head.bias': 2048 }],
  ];
  for (const [model, fanIn] of fanIns) {
    const theta = model.init(3);
    for (const b of model.layout) {
      const bound = 1 / Math.sqrt(fanIn[b.name]);
      const m = moments(block(model, theta, b.name));
      assert.ok(m.maxAbs <= bound * (1 + 1e-7), `${b.name}: max |w| ${m.maxAbs} exceeds the bound ${bound}`);
      // The largest of `size` uniform draws falls short of the bound by ~bound/size.
      assert.ok(m.maxAbs >= bound * Math.max(1 - 20 / b.size, 0.3), `${b.name}: max |w| ${m.maxAbs} is far below the bound ${bound}`);
      if (b.size >= 10000) {
        assert.ok(Math.abs(m.variance / (bound * bound / 3) - 1) < 0.03, `${b.name}: variance ${m.variance} vs bound^2/3`);
        assert.ok(Math.abs(m.mean) < (5 * bound) / Math.sqrt(3 * b.size), `${b.name}: mean ${m.mean}`);
      }
    }
  }
});

test('initScale multiplies the whole initial parameter vector', () => {
  for (const spec of [{ kind: 'fcn', widths: [30, 20] }, { kind: 'fcn', widths: [30], parameterization: 'ntk' }, { kind: 'cnn', channels: [3, 2] }]) {
    const base = buildModel(spec, [1, 4, 4], 5).init(11);
    const scaled = buildModel({ ...spec, initScale: 5 }, [1, 4, 4], 5).init(11);
    for (let i = 0; i < base.length; i++) assert.ok(Math.abs(scaled[i] - 5 * base[i]) <= 1e-6 * Math.abs(5 * base[i]) + 1e-12, `entry ${i}: ${scaled[i]} vs 5 * ${base[i]}`);
  }
});

test('ntk and mup init is N(0, 1) (sample moments)', () => {
  for (const parameterization of ['ntk', 'mup'] as const) {
    const model = buildModel({ kind: 'fcn', widths: [200, 200], parameterization }, [784], 10);
    const m = moments(model.init(5));
    const N = model.numParams;
    assert.equal(N, 784 * 200 + 200 * 200 + 200 * 10);
    assert.ok(Math.abs(m.mean) < 5 / Math.sqrt(N), `${parameterization}: mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 1) < 0.02, `${parameterization}: variance ${m.variance}`);
    assert.ok(Math.abs(m.kurtosis - 3) < 0.1, `${parameterization}: kurtosis ${m.kurtosis}`);
    assert.ok(m.maxAbs > 3.5 && m.maxAbs < 6.5, `${parameterization}: max |w| ${m.maxAbs}`);
  }
});

test('invalid specs throw zod errors naming the offending field', () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: 'fcn', widht: [10] }, /widht/],
    [{ kind: 'fcn', activation: 'gelu' }, /activation/],
    [{ kind: 'fcn', widths: [0] }, /widths/],
    [{ kind: 'fcn', widths: [1.5] }, /widths/],
    [{ kind: 'fcn', parameterization: 'sp' }, /parameterization/],
    [{ kind: 'cnn', channels: [] }, /channels/],
    [{ kind: 'diagonal', alpha: -1 }, /alpha/],
    [{ kind: 'logistic', initScale: 0 }, /initScale/],
    [{ kind: 'logistic', extra: 1 }, /extra/],
    [{ kind: 'mlp-mixer' }, /kind/],
  ];
  for (const [spec, field] of bad) {
    assert.throws(
      () => buildModel(spec, [1, 4, 4], 3),
      (e: unknown) => e instanceof z.ZodError && field.test(JSON.stringify(e.issues)),
      `spec ${JSON.stringify(spec)} should fail naming ${field}`,
    );
  }
});

test('attention models chunk for full speed within the heap budget: ~2048 token rows, fewer where the HVP heap allows fewer', () => {
  // MNIST ViT: 17 tokens, 2048 / 17 -> 121 images (the heap budget would allow 377); CIFAR-10 ViT: 65 tokens, the heap
  // budget (2 GiB at ~70 MB per image) allows 30 of the 32 that full speed asks for.
  assert.equal(buildModel({ kind: 'vit' }, [1, 28, 28], 10).maxChunk, 121);
  assert.equal(buildModel({ kind: 'vit', patchSize: 4, dim: 128, depth: 6, heads: 4 }, [3, 32, 32], 10).maxChunk, 30);
});
