import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { ADDON_PATH, IM2COL_KERNEL, disableNativeKernels, enableNativeKernels, nativeDense } from '../../src/backend/blas.js';
import { im2col3x3 } from '../../src/models/conv.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import { Rng } from '../../src/util/random.js';
import { classificationData } from '../reference/data.js';

const skip = existsSync(ADDON_PATH) ? false : `native addon not built (${ADDON_PATH}): run npm run build:native`;

before(async () => {
  await initBackend('wasm');
  if (!skip) enableNativeKernels();
});

after(() => {
  if (!skip) enableNativeKernels();
});

const rng = new Rng(42);

function randomTensor(shape: number[]): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, c) => a * c, 1));
  rng.fillNormal(v, 1);
  return tf.tensor(v, shape);
}

/** f evaluated with the native kernels and with the stock wasm kernels. */
function nativeAndStock(f: () => tf.Tensor): { native: tf.Tensor; stock: tf.Tensor } {
  const native = f();
  disableNativeKernels();
  try {
    return { native, stock: f() };
  } finally {
    enableNativeKernels();
  }
}

/** Equal shapes and dtypes, equal non-finite entries, finite ones within rtol * max(1, max |expected|). */
function assertClose(actual: tf.Tensor, expected: tf.Tensor, rtol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let scale = 1;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i])) scale = Math.max(scale, Math.abs(e[i]));
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) assert.ok(Number.isNaN(a[i]), `${what}[${i}]: ${a[i]} vs NaN`);
    else if (!Number.isFinite(e[i])) assert.equal(a[i], e[i], `${what}[${i}]`);
    else assert.ok(Math.abs(a[i] - e[i]) <= rtol * scale, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

test('BLAS matmul equals the stock wasm matmul: transposes, batches, broadcasting, fallbacks', { skip }, () => {
  const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [7, 5], b: [5, 3], ta: false, tb: false },
    { a: [5, 7], b: [5, 3], ta: true, tb: false },
    { a: [7, 5], b: [3, 5], ta: false, tb: true },
    { a: [5, 7], b: [3, 5], ta: true, tb: true },
    { a: [1, 1], b: [1, 1], ta: false, tb: false },
    { a: [301, 257], b: [257, 129], ta: false, tb: false },
    { a: [257, 301], b: [129, 257], ta: true, tb: true },
    { a: [4, 6, 5], b: [4, 5, 3], ta: false, tb: false },
    { a: [2, 3, 5, 6], b: [2, 3, 4, 5], ta: true, tb: true },
    { a: [4, 6, 5], b: [5, 3], ta: false, tb: false },
    { a: [6, 5], b: [4, 3, 5], ta: false, tb: true },
    { a: [1, 6, 5], b: [4, 5, 3], ta: false, tb: false },
    // Batch dims that broadcast against each other other than by a single matrix: stock kernel.
    { a: [2, 1, 6, 5], b: [1, 3, 5, 4], ta: false, tb: false },
    // Empty: stock kernel.
    { a: [0, 5], b: [5, 3], ta: false, tb: false },
  ];
  for (const c of cases) {
    tf.tidy(() => {
      const a = randomTensor(c.a);
      const b = randomTensor(c.b);
      const { native, stock } = nativeAndStock(() => tf.matMul(a, b, c.ta, c.tb));
      assertClose(native, stock, 1e-5, `matMul ${JSON.stringify(c)}`);
    });
  }
});

test('native tanh and exp match the stock kernels to float32 accuracy, special values included', { skip }, () => {
  tf.tidy(() => {
    const special = tf.tensor1d([0, -0, 1e-8, -3e-5, 0.5, -2, 8, 9.5, 20, -20, 88, -104, NaN, Infinity, -Infinity]);
    for (const x of [randomTensor([37, 53]), tf.mul(randomTensor([1001]), 5), special, randomTensor([3])]) {
      const t = nativeAndStock(() => tf.tanh(x));
      assertClose(t.native, t.stock, 1e-6, 'tanh');
      const e = nativeAndStock(() => tf.exp(x));
      const ratio = tf.div(e.native, e.stock);
      const finite = tf.logicalAnd(tf.isFinite(e.stock), tf.greater(e.stock, 0));
      assertClose(tf.where(finite, ratio, tf.onesLike(ratio)), tf.onesLike(ratio), 1e-6, 'exp relative');
    }
  });
});

test('native comparisons broadcast like the stock kernels', { skip }, () => {
  const ops = [tf.equal, tf.notEqual, tf.greater, tf.greaterEqual, tf.less, tf.lessEqual];
  const shapes: [number[], number[]][] = [
    [[50, 10], [50, 1]],
    [[50, 10], [50, 10]],
    [[6, 2, 8], [6, 1, 8]],
    [[3, 1, 4], [1, 5, 1]],
    [[7], []],
    [[], []],
  ];
  for (const [sa, sb] of shapes) {
    tf.tidy(() => {
      // Few distinct values, so equality is common.
      const a = tf.round(tf.mul(randomTensor(sa), 1.5));
      const b = tf.round(tf.mul(randomTensor(sb), 1.5));
      for (const op of ops) {
        const { native, stock } = nativeAndStock(() => op(a, b));
        assert.deepEqual(native.shape, stock.shape);
        assert.equal(native.dtype, 'bool');
        assert.deepEqual(Array.from(native.dataSync()), Array.from(stock.dataSync()), `${op.name} ${JSON.stringify([sa, sb])}`);
      }
    });
  }
});

test('native sum and max over contiguous axes match the stock kernels; other axes fall back', { skip }, () => {
  const x = randomTensor([4, 5, 6, 3]);
  // Rounding of the stock (float) and native (double) accumulations is bounded by sum |x| * eps.
  const sumTol = tf.tidy(() => 1e-6 * tf.sum(tf.abs(x)).dataSync()[0]);
  const axesList: (number | number[] | undefined)[] = [undefined, 0, 1, 3, -1, [1, 2], [0, 1], [2, 3], [0, 2]];
  for (const axis of axesList) {
    for (const keepDims of [false, true]) {
      tf.tidy(() => {
        const s = nativeAndStock(() => tf.sum(x, axis, keepDims));
        assertClose(s.native, s.stock, sumTol, `sum ${JSON.stringify(axis)} keepDims=${keepDims}`);
        const m = nativeAndStock(() => tf.max(x, axis, keepDims));
        assertClose(m.native, m.stock, 0, `max ${JSON.stringify(axis)} keepDims=${keepDims}`);
      });
    }
  }
  tf.tidy(() => {
    const withNaN = tf.tensor2d([1, NaN, 3, 4, 5, 6], [2, 3]);
    assert.ok(Number.isNaN(tf.max(withNaN, 1).dataSync()[0]), 'max propagates NaN');
    assert.ok(Number.isNaN(tf.sum(withNaN).dataSync()[0]), 'sum propagates NaN');
  });
  x.dispose();
});

test('native split matches the stock kernel and inverts concat', { skip }, () => {
  const cases: { shape: number[]; splits: number | number[]; axis: number }[] = [
    { shape: [4, 9], splits: [2, 3, 4], axis: 1 },
    { shape: [6, 3], splits: 3, axis: 0 },
    { shape: [2, 3, 4, 9], splits: [1, 1, 1, 2, 4], axis: 3 },
    { shape: [2, 5, 3], splits: [2, 0, 3], axis: 1 },
  ];
  for (const c of cases) {
    tf.tidy(() => {
      const x = randomTensor(c.shape);
      const native = tf.split(x, c.splits, c.axis);
      disableNativeKernels();
      const stock = tf.split(x, c.splits, c.axis);
      enableNativeKernels();
      assert.equal(native.length, stock.length);
      native.forEach((part, i) => assertClose(part, stock[i], 0, `split ${JSON.stringify(c)} part ${i}`));
      assertClose(tf.concat(native, c.axis), x, 0, `concat of split ${JSON.stringify(c)}`);
    });
  }
});

test('native im2col: equal to the padded slices; first and second derivatives through it equal the stock path', { skip }, () => {
  // Shapes: one channel (MNIST's first layer), several channels, a 1-pixel-wide image (every neighbour but the centre padded).
  for (const shape of [[2, 5, 4, 1], [3, 4, 6, 5], [1, 1, 3, 2]] as [number, number, number, number][]) {
    tf.tidy(() => {
      const x = randomTensor(shape) as tf.Tensor4D;
      const v = randomTensor(shape) as tf.Tensor4D;
      const W = randomTensor([9 * shape[3], 3]);
      // f(x) = sum(tanh(cols(x) W)): its gradient runs col2im, its HVP (the gradient of <grad f, v>) im2col again.
      const f = (y: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(im2col3x3(y as tf.Tensor4D), W)));
      const grad = tf.grad(f);
      const hvp = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(grad(y), v)));
      const cols = nativeAndStock(() => im2col3x3(x));
      assertClose(cols.native, cols.stock, 0, `im2col ${shape}`);
      const g = nativeAndStock(() => grad(x));
      assertClose(g.native, g.stock, 1e-6, `gradient ${shape}`);
      const h = nativeAndStock(() => hvp(x));
      assertClose(h.native, h.stock, 1e-5, `HVP ${shape}`);
    });
  }
  assert.ok(tf.getKernel(IM2COL_KERNEL, 'wasm'), 'the native kernel is registered');
  disableNativeKernels();
  assert.equal(tf.getKernel(IM2COL_KERNEL, 'wasm'), undefined, 'stock kernels only');
  enableNativeKernels();
});

test('native concat and casts to float32 match the stock kernels', { skip }, () => {
  const cases: { shapes: number[][]; axis: number }[] = [
    { shapes: [[4, 3], [4, 5]], axis: 1 },
    { shapes: [[2, 3], [5, 3], [1, 3]], axis: 0 },
    { shapes: [[2, 3, 4, 1], [2, 3, 4, 1], [2, 3, 4, 2]], axis: 3 },
    { shapes: [[2, 3, 4], [2, 0, 4], [2, 2, 4]], axis: 1 },
    { shapes: [[3, 2]], axis: -1 },
  ];
  for (const c of cases) {
    tf.tidy(() => {
      const xs = c.shapes.map(randomTensor);
      const { native, stock } = nativeAndStock(() => tf.concat(xs, c.axis));
      assertClose(native, stock, 0, `concat ${JSON.stringify(c)}`);
    });
  }
  tf.tidy(() => {
    const ints = tf.tensor1d([3, -2, 0, 7], 'int32');
    const bools = tf.greater(randomTensor([33]), 0);
    const floats = tf.mul(randomTensor([9]), 3);
    for (const [x, dtype] of [[ints, 'float32'], [bools, 'float32'], [floats, 'int32'], [floats, 'float32'], [ints, 'bool']] as const) {
      const { native, stock } = nativeAndStock(() => tf.cast(x, dtype));
      assert.equal(native.dtype, stock.dtype);
      assert.deepEqual(Array.from(native.dataSync()), Array.from(stock.dataSync()), `cast ${x.dtype} -> ${dtype}`);
    }
  });
});

const relativeDifference = (a: Float32Array, b: Float32Array): number => {
  let err = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    err += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(err / norm);
};

// The native dense HVP (one addon call per chunk) against the tfjs R-operator it replaces.
const denseCases = [
  { activation: 'relu', loss: 'mse', parameterization: 'standard' },
  { activation: 'relu', loss: 'ce', parameterization: 'standard' },
  { activation: 'tanh', loss: 'mse', parameterization: 'standard' },
  { activation: 'tanh', loss: 'ce', parameterization: 'standard' },
  { activation: 'relu', loss: 'mse', parameterization: 'ntk' },
  { activation: 'tanh', loss: 'ce', parameterization: 'mup' },
] as const;

for (const c of denseCases) {
  test(`gradient and exact HVP are the same with native and stock kernels (${c.activation} ${c.loss} ${c.parameterization}, two chunks)`, { skip }, () => {
    const data = classificationData(7, 64, 12, 4);
    const model = buildModel({ kind: 'fcn', widths: [16, 8], activation: c.activation, parameterization: c.parameterization }, [data.d], data.k);
    const objective = makeObjective(model, data, c.loss, { chunkSize: 40 });
    const theta = model.init(3);
    const v = new Float32Array(model.numParams);
    rng.fillNormal(v, 1);
    assert.ok(nativeDense(), 'the native dense kernels are active');
    const native = { grad: objective.lossAndGrad(theta).grad, hvp: objective.hvp(theta, v) };
    // Divergence must show in the loss: a NaN weight of the first layer, which relu would clip to 0.
    const diverged = theta.slice();
    diverged[0] = NaN;
    assert.ok(Number.isNaN(objective.lossAndGrad(diverged).loss), 'NaN theta gives a NaN loss');
    disableNativeKernels();
    assert.equal(nativeDense(), null, 'no native dense kernels with the stock kernels');
    const stock = { grad: objective.lossAndGrad(theta).grad, hvp: objective.hvp(theta, v) };
    enableNativeKernels();
    objective.dispose();
    for (const key of ['grad', 'hvp'] as const) {
      const diff = relativeDifference(native[key], stock[key]);
      assert.ok(diff < 1e-5, `${key}: relative difference ${diff}`);
    }
  });
}

test('the native dense kernels reject plans and arrays that do not fit', { skip }, () => {
  const kernel = nativeDense();
  assert.ok(kernel);
  const v = new Float32Array(12);
  const out = new Float32Array(12);
  // One layer 3 -> 4 without bias on 2 samples, MSE; W at `weightAt` in v.
  const shape = (weightAt: number) => [2, 1, 0, 0, 0.5, 3, 4, 1, weightAt, -1];
  const hvpPlan = (inputAt: number, weightAt = 0) => Float64Array.from([...shape(weightAt), inputAt, 0, 0, -1, -1, -1]);
  assert.throws(() => kernel.hvp(hvpPlan(2 ** 40), v, out), /denseHvp: a layer's passes do not fit the heap/);
  assert.throws(() => kernel.hvp(hvpPlan(0, 1), v, out), /denseHvp: the plan does not fit v/, 'W block past the end of v');
  assert.throws(() => kernel.hvp(Float64Array.from(shape(0)), v, out), /denseHvp: the plan does not fit v/, 'passes missing');
  assert.throws(() => kernel.hvp(hvpPlan(0), v, new Float32Array(11)), /denseHvp: v and out differ in length/);
  const gradPlan = (weightAt: number) => Float64Array.from(shape(weightAt));
  const X = new Float32Array(6);
  const Y = new Float32Array(8);
  assert.throws(() => kernel.lossGrad(gradPlan(1), v, X, Y, out), /denseLossGrad: the plan does not fit theta/);
  assert.throws(() => kernel.lossGrad(gradPlan(0), v, new Float32Array(5), Y, out), /denseLossGrad: X, Y or grad do not match/);
  assert.throws(() => kernel.lossGrad(Float64Array.from([2, 1, 7, 0, 0.5, 3, 4, 1, 0, -1]), v, X, Y, out), /denseLossGrad: the plan does not fit/, 'unknown activation code');
  assert.throws(() => kernel.lossGrad(Float64Array.from([NaN, 1, 0, 0, 0.5, 3, 4, 1, 0, -1]), v, X, Y, out), /denseLossGrad: the plan does not fit/, 'NaN in the plan');
  assert.deepEqual(Array.from(out), new Array(12).fill(0), 'nothing written');
  // A valid plan: loss 1/2 * mean ||0 - y||^2 at W = 0 with one-hot targets.
  Y.set([1, 0, 0, 0, 0, 1, 0, 0]);
  assert.equal(kernel.lossGrad(gradPlan(0), v, X, Y, out), 0.5);
});

test('zero-copy Identity and Cast: results share data and dispose independently', () => {
  for (const f of [tf.clone, (t: tf.Tensor) => tf.cast(t, 'float32')]) {
    const x = tf.tensor1d([1, 2, 3]);
    const y = f(x);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
    y.dispose();
  }
  const cast = tf.tidy(() => tf.cast(tf.greater(tf.tensor1d([1, -1]), 0), 'float32'));
  assert.equal(cast.dtype, 'float32');
  assert.deepEqual(Array.from(cast.dataSync()), [1, 0]);
  cast.dispose();
});

test('no tensors or wasm buffers leak over GD steps and HVPs', () => {
  const data = classificationData(8, 32, 10, 3);
  const model = buildModel({ kind: 'fcn', widths: [8], activation: 'relu' }, [data.d], data.k);
  const objective = makeObjective(model, data, 'ce');
  const theta = model.init(1);
  const step = (): void => {
    const { grad } = objective.lossAndGrad(theta);
    for (let i = 0; i < theta.length; i++) theta[i] -= 0.1 * grad[i];
    objective.hvp(theta, grad);
  };
  step();
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const tensors = tf.memory().numTensors;
  const buffers = backend.numDataIds();
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(backend.numDataIds(), buffers);
  objective.dispose();
});

/** Reference slice of nested arrays. */
function sliceNested(x: unknown, begin: number[], size: number[]): unknown {
  if (begin.length === 0) return x;
  return (x as unknown[]).slice(begin[0], begin[0] + size[0]).map((row) => sliceNested(row, begin.slice(1), size.slice(1)));
}

test('Slice copies exactly the slice for contiguous and strided cases, ranks 1 to 5 (native and JS kernels)', () => {
  const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [20], begin: [3], size: [11] },
    { shape: [6, 7], begin: [2, 0], size: [3, 7] },
    { shape: [6, 7], begin: [1, 2], size: [4, 3] },
    { shape: [6, 7], begin: [0, 6], size: [6, 1] },
    { shape: [3, 6, 6, 2], begin: [0, 1, 1, 0], size: [3, 4, 4, 2] },
    { shape: [3, 6, 6, 2], begin: [1, 0, 0, 0], size: [2, 6, 6, 2] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 1, 0, 2, 3], size: [1, 2, 4, 3, 2] },
    { shape: [4, 5], begin: [1, 1], size: [0, 3] },
  ];
  const check = (): void => {
    for (const c of cases) {
      tf.tidy(() => {
        const x = randomTensor(c.shape);
        const s = tf.slice(x, c.begin, c.size);
        assert.deepEqual(s.shape, c.size);
        assert.deepEqual(s.arraySync(), sliceNested(x.arraySync(), c.begin, c.size), JSON.stringify(c));
      });
    }
  };
  check();
  if (!skip) {
    disableNativeKernels();
    check();
    enableNativeKernels();
  }
  tf.tidy(() => {
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    assert.deepEqual(tf.slice(ints, [0, 1], [2, 2]).arraySync(), [[2, 3], [5, 6]]);
  });
});

test('Sum and Mean gradients: first and second derivatives of 0.5 * ||reduce(x, axis)||^2', () => {
  tf.tidy(() => {
    const x = randomTensor([4, 3, 5]);
    const v = randomTensor([4, 3, 5]);
    for (const axis of [0, 1, 2, [0, 2]]) {
      // For the mean over m entries, grad = mean(x) / m and H v = mean(v) / m, spread over x's shape.
      const m = [axis].flat().reduce((a, ax) => a * x.shape[ax], 1);
      for (const [name, reduce, scale] of [['sum', tf.sum, 1], ['mean', tf.mean, 1 / m]] as const) {
        const f = (t: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(reduce(t, axis)))) as tf.Scalar;
        const grad = tf.grad(f)(x);
        assertClose(grad, tf.add(tf.zerosLike(x), tf.mul(scale, reduce(x, axis, true))), 1e-6, `${name} grad axis ${axis}`);
        const hv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(t), v)))(x);
        assertClose(hv, tf.add(tf.zerosLike(x), tf.mul(scale, reduce(v, axis, true))), 1e-6, `${name} hvp axis ${axis}`);
      }
    }
  });
});
