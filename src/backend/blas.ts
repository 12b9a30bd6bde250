/**
 * Native kernels for the tfjs wasm backend: OpenBLAS matrix products and
 * vectorised element-wise ops.
 *
 * The addon in `native/` (built by `npm run build:native`) runs directly on the
 * wasm heap: inputs are read and outputs written where the backend keeps tensor
 * data, without copies. Re-registering wasm kernels with it gives
 * multi-threaded matmuls (transposed operands cost nothing, so the matmul
 * gradient passes transpose flags instead of materialising transposes), tanh and
 * exp through glibc's vector math library (the stock wasm tanh is ~40x slower),
 * comparisons with broadcasting, sum / max over contiguous axes, slicing,
 * concatenation, splitting and casts to float32 (the stock kernels for these
 * loop in JS). Anything a native kernel does not handle (other dtypes, empty
 * tensors, unusual broadcasting or axes) goes to the stock kernel. The addon's
 * float64 dgemv serves the Krylov basis of Lanczos, and its dense-stack loss,
 * gradient and HVP (one call per chunk) the objective of dense models.
 *
 * Independently of the addon, `registerWasmFixes` removes copies and JS-side
 * allocations from a few stock kernels and the Sum and Mean gradients.
 *
 * Threads: OpenBLAS reads OPENBLAS_NUM_THREADS (and OPENBLAS_CORETYPE) when
 * the library loads, which happens when the addon is first loaded here; if
 * unset, the thread count is set to the number of available cores. A process
 * that loads OpenBLAS earlier through some other addon must set the variables
 * before it starts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setTransposesAreFree } from './gradients.js';

interface NativeAddon {
  gemm(
    buffer: ArrayBuffer,
    batch: number,
    transposeA: boolean,
    transposeB: boolean,
    m: number,
    n: number,
    k: number,
    aOffset: number,
    aStride: number,
    bOffset: number,
    bStride: number,
    cOffset: number,
  ): void;
  unary(buffer: ArrayBuffer, op: number, xOffset: number, yOffset: number, n: number): void;
  compare(buffer: ArrayBuffer, op: number, aOffset: number, bOffset: number, outOffset: number, shape: number[], aStrides: number[], bStrides: number[]): void;
  reduce(buffer: ArrayBuffer, op: number, xOffset: number, outOffset: number, outer: number, size: number, inner: number): void;
  concat(buffer: ArrayBuffer, outOffset: number, outer: number, inOffsets: number[], inners: number[]): void;
  split(buffer: ArrayBuffer, xOffset: number, outer: number, outOffsets: number[], inners: number[]): void;
  slice(buffer: ArrayBuffer, xOffset: number, outOffset: number, shape: number[], begin: number[], size: number[]): void;
  im2col3x3(buffer: ArrayBuffer, xOffset: number, colsOffset: number, n: number, h: number, w: number, c: number): void;
  col2im3x3(buffer: ArrayBuffer, colsOffset: number, xOffset: number, n: number, h: number, w: number, c: number): void;
  toFloat(buffer: ArrayBuffer, op: number, xOffset: number, outOffset: number, n: number): void;
  gemv64: Gemv64;
  denseLossGrad(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, grad: Float32Array): number;
  denseHvp(buffer: ArrayBuffer, plan: Float64Array, v: Float32Array, out: Float32Array): void;
  cnnKeptBytes(plan: Float64Array): number;
  cnnForwardBytes(plan: Float64Array): number;
  cnnForward(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, outputs: Float32Array, scratch: ArrayBuffer, statistics: Float32Array | null, given: boolean): number;
  cnnLossGrad(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, grad: Float32Array, kept: ArrayBuffer): number;
  cnnHvp(plan: Float64Array, theta: Float32Array, kept: ArrayBuffer, v: Float32Array, out: Float32Array): void;
  info(): { threads: number; config: string };
}

/** y = alpha op(A) x + beta y on float64, A row-major m x n, op(A) = A^T when `trans` (BLAS dgemv). */
export type Gemv64 = (trans: boolean, m: number, n: number, alpha: number, A: Float64Array, x: Float64Array, beta: number, y: Float64Array) => void;

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: {};
  attrs?: tf.NamedAttrMap;
}

export interface BlasInfo {
  /** OpenBLAS build configuration including the CPU kernel set it chose, e.g. `OpenBLAS 0.3.21 ... Haswell ...`. */
  library: string;
  threads: number;
}

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/eos_native.node', import.meta.url));

/** Operation codes of the addon (native/src/elementwise.h). */
const UNARY = { Tanh: 0, Exp: 1 } as const;
const COMPARE = { Equal: 0, NotEqual: 1, Greater: 2, GreaterEqual: 3, Less: 4, LessEqual: 5 } as const;
const REDUCE = { Sum: 0, Max: 1 } as const;
const TO_FLOAT: Partial<Record<tf.DataType, number>> = { bool: 0, int32: 1 };

let addon: NativeAddon | null = null;
/** Stock kernels replaced by enableNativeKernels (null while the stock ones are active). */
let replaced: { kernels: tf.KernelConfig[] } | null = null;

/** Load the addon once; null when it has not been built. A built addon that fails to load is an error. */
function loadAddon(): NativeAddon | null {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) return null;
  process.env.OPENBLAS_NUM_THREADS ??= String(availableParallelism());
  addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  return addon;
}

function native(): NativeAddon {
  return addon as NativeAddon;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, c) => a * c, 1);
}

function offset(backend: WasmBackend, t: tf.TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
}

/** The wasm heap; read it after makeOutput, which may grow the memory and replace the buffer. */
function heap(backend: WasmBackend): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

function stock(kernelName: string): tf.KernelFunc {
  const saved = replaced?.kernels.find((k) => k.kernelName === kernelName);
  if (!saved) throw new Error(`no stock wasm kernel saved for ${kernelName}`);
  return saved.kernelFunc;
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackend;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(outer);
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const batchesAlign = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || m * n * k === 0 || !batchesAlign) return stock('BatchMatMul')(args) as tf.TensorInfo;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  native().gemm(heap(backend), batch, transposeA, transposeB, m, n, k, offset(backend, a), batchA === 1 ? 0 : m * k, offset(backend, b), batchB === 1 ? 0 : k * n, offset(backend, out));
  return out;
}

function unaryKernel(kernelName: keyof typeof UNARY): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as WasmBackend;
    const size = sizeOf(x.shape);
    if (x.dtype !== 'float32' || size === 0) return stock(kernelName)(args);
    const out = backend.makeOutput(x.shape, 'float32');
    native().unary(heap(backend), UNARY[kernelName], offset(backend, x), offset(backend, out), size);
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Element strides of `shape` broadcast (right-aligned) to `outShape`: 0 where the axis is broadcast. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; i >= 0; i--, o--) {
    strides[o] = shape[i] === 1 && outShape[o] !== 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

const MAX_RANK = 8;

function compareKernel(kernelName: keyof typeof COMPARE): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const backend = args.backend as WasmBackend;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || sizeOf(outShape) === 0 || outShape.length > MAX_RANK) return stock(kernelName)(args);
    const out = backend.makeOutput(outShape, 'bool');
    native().compare(heap(backend), COMPARE[kernelName], offset(backend, a), offset(backend, b), offset(backend, out), outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape));
    return out;
  }) as unknown as tf.KernelFunc;
}

function reduceKernel(kernelName: keyof typeof REDUCE): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as WasmBackend;
    const attrs = args.attrs as unknown as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam((kernelName === 'Sum' ? attrs.axis : attrs.reductionIndices) as number | number[], x.shape).sort((p, q) => p - q);
    const contiguous = axes.every((axis, i) => axis === axes[0] + i);
    if (x.dtype !== 'float32' || sizeOf(x.shape) === 0 || axes.length === 0 || !contiguous) return stock(kernelName)(args);
    const first = axes[0];
    const last = axes[axes.length - 1];
    const outShape = attrs.keepDims ? x.shape.map((s, i) => (axes.includes(i) ? 1 : s)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    const outer = sizeOf(x.shape.slice(0, first));
    const size = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    native().reduce(heap(backend), REDUCE[kernelName], offset(backend, x), offset(backend, out), outer, size, inner);
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Concatenation of float32 tensors (the stock kernel copies row by row from JS). */
function concat(args: KernelArgs): tf.TensorInfo {
  const inputs = Object.values(args.inputs) as tf.TensorInfo[];
  const backend = args.backend as WasmBackend;
  const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, inputs[0].shape)[0];
  const parts = inputs.filter((t) => sizeOf(t.shape) > 0);
  if (parts.length < 2 || parts.some((t) => t.dtype !== 'float32')) return stock('Concat')(args) as tf.TensorInfo;
  const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const out = backend.makeOutput(outShape, 'float32');
  native().concat(heap(backend), offset(backend, out), sizeOf(outShape.slice(0, axis)), parts.map((t) => offset(backend, t)), parts.map((t) => sizeOf(t.shape.slice(axis))));
  return out;
}

/** Slice of a float32 or int32 tensor as contiguous runs copied in C (the JS copy loop is slow for short runs). */
function slice(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || x.shape.length === 0 || x.shape.length > MAX_RANK || sizeOf(extent) === 0) {
    return stock('Slice')(args) as tf.TensorInfo;
  }
  const out = backend.makeOutput(extent, x.dtype);
  native().slice(heap(backend), offset(backend, x), offset(backend, out), x.shape, start, extent);
  return out;
}

/** Split of a float32 tensor into parts along one axis (the inverse of concat). */
function splitV(args: KernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
  if (x.dtype !== 'float32' || sizeOf(x.shape) === 0 || sizes.some((size) => size === 0)) return stock('SplitV')(args) as tf.TensorInfo[];
  const outs = sizes.map((size) => backend.makeOutput(x.shape.map((d, i) => (i === ax ? size : d)), 'float32'));
  const trailing = sizeOf(x.shape.slice(ax + 1));
  native().split(heap(backend), offset(backend, x), sizeOf(x.shape.slice(0, ax)), outs.map((t) => offset(backend, t)), sizes.map((size) => size * trailing));
  return outs;
}

/** Casts of bool and int32 to float32 (the stock kernel converts in JS); everything else goes to the previous kernel. */
function cast(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const op = TO_FLOAT[x.dtype];
  const size = sizeOf(x.shape);
  if ((args.attrs as { dtype: string }).dtype !== 'float32' || op === undefined || size === 0) return stock('Cast')(args) as tf.TensorInfo;
  const out = backend.makeOutput(x.shape, 'float32');
  native().toFloat(heap(backend), op, offset(backend, x), offset(backend, out), size);
  return out;
}

/**
 * Kernels of the 3x3 convolution's im2col (src/models/conv.ts) that tfjs does not have: cols [n*h*w, 9c] of NHWC
 * images (taps major, zero padding 1) and its adjoint. Each is the other's gradient, so derivatives of any order are
 * exact; they replace a pad, nine slices and a concatenation forward, and nine pads and adds backward.
 */
export const IM2COL_KERNEL = 'EosIm2col3x3';
export const COL2IM_KERNEL = 'EosCol2im3x3';

function im2col3x3(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const [n, h, w, c] = x.shape;
  const out = backend.makeOutput([n * h * w, 9 * c], 'float32');
  native().im2col3x3(heap(backend), offset(backend, x), offset(backend, out), n, h, w, c);
  return out;
}

function col2im3x3(args: KernelArgs): tf.TensorInfo {
  const { cols } = args.inputs as { cols: tf.TensorInfo };
  const backend = args.backend as WasmBackend;
  const [n, h, w, c] = (args.attrs as unknown as { shape: [number, number, number, number] }).shape;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  native().col2im3x3(heap(backend), offset(backend, cols), offset(backend, out), n, h, w, c);
  return out;
}

const CONV_KERNELS: tf.KernelConfig[] = [
  { kernelName: IM2COL_KERNEL, backendName: 'wasm', kernelFunc: im2col3x3 as unknown as tf.KernelFunc },
  { kernelName: COL2IM_KERNEL, backendName: 'wasm', kernelFunc: col2im3x3 as unknown as tf.KernelFunc },
];

const CONV_GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: IM2COL_KERNEL,
    gradFunc: (dy, saved, attrs) => ({ x: () => tf.engine().runKernel(COL2IM_KERNEL, { cols: dy as tf.Tensor }, { shape: (attrs as unknown as { shape: number[] }).shape }) as tf.Tensor }),
  },
  { kernelName: COL2IM_KERNEL, gradFunc: (dy) => ({ cols: () => tf.engine().runKernel(IM2COL_KERNEL, { x: dy as tf.Tensor }, { shape: (dy as tf.Tensor).shape }) as tf.Tensor }) },
];

const NATIVE_KERNELS: { kernelName: string; kernelFunc: tf.KernelFunc }[] = [
  { kernelName: 'Slice', kernelFunc: slice as unknown as tf.KernelFunc },
  { kernelName: 'Concat', kernelFunc: concat as unknown as tf.KernelFunc },
  { kernelName: 'SplitV', kernelFunc: splitV as unknown as tf.KernelFunc },
  { kernelName: 'Cast', kernelFunc: cast as unknown as tf.KernelFunc },
  { kernelName: 'BatchMatMul', kernelFunc: batchMatMul as unknown as tf.KernelFunc },
  ...(Object.keys(UNARY) as (keyof typeof UNARY)[]).map((name) => ({ kernelName: name, kernelFunc: unaryKernel(name) })),
  ...(Object.keys(COMPARE) as (keyof typeof COMPARE)[]).map((name) => ({ kernelName: name, kernelFunc: compareKernel(name) })),
  ...(Object.keys(REDUCE) as (keyof typeof REDUCE)[]).map((name) => ({ kernelName: name, kernelFunc: reduceKernel(name) })),
];

/**
 * Route the wasm backend's matmul, tanh, exp, comparison, sum, max, slice,
 * concat, split and cast kernels through the addon, and add the im2col kernels
 * (gradient code then passes transposes as flags). Call after the wasm backend is
 * ready. Returns null, changing nothing, when the addon has not been built.
 */
export function enableNativeKernels(): BlasInfo | null {
  const lib = loadAddon();
  if (!lib) return null;
  if (!replaced) {
    replaced = { kernels: NATIVE_KERNELS.map((k) => tf.getKernel(k.kernelName, 'wasm')) };
    for (const k of NATIVE_KERNELS) {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: k.kernelFunc });
    }
    for (const k of CONV_KERNELS) tf.registerKernel(k);
    if (!tf.getGradient(IM2COL_KERNEL)) for (const g of CONV_GRADIENTS) tf.registerGradient(g);
    setTransposesAreFree(true);
  }
  const { config, threads } = lib.info();
  return { library: config, threads };
}

/** OpenBLAS dgemv while the native kernels are enabled (null otherwise): Lanczos's float64 bookkeeping. */
export function nativeGemv64(): Gemv64 | null {
  return replaced ? native().gemv64 : null;
}

/** The addon's dense stacks (native/src/dense.c): one call per chunk for a gradient or a Hessian-vector product. */
function heapView(backend: WasmBackend, t: tf.Tensor): Float32Array {
  return new Float32Array(heap(backend), offset(backend, t), t.size);
}

export interface NativeDense {
  /** grad += the gradient of one chunk's share of the mean loss, which is returned (plan: nativeStackPlan). */
  lossGrad(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, grad: Float32Array): number;
  /** Byte offset of a tensor's data on the wasm heap (an HVP plan addresses the kept passes by it). */
  offsetOf(t: tf.Tensor): number;
  /** A float32 tensor's data in place on the wasm heap; valid until the next tensor allocation may grow the heap. */
  heapView(t: tf.Tensor): Float32Array;
  /** out += H v for the chunk an HVP plan describes (nativeHvpPlan). */
  hvp(plan: Float64Array, v: Float32Array, out: Float32Array): void;
}

/** The native dense kernels while the native kernels are enabled and wasm is the active backend (null otherwise). */
export function nativeDense(): NativeDense | null {
  if (!replaced || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackend;
  const lib = native();
  return {
    lossGrad: lib.denseLossGrad,
    offsetOf: (t) => offset(backend, t),
    heapView: (t) => heapView(backend, t),
    hvp: (plan, v, out) => lib.denseHvp(heap(backend), plan, v, out),
  };
}

export interface NativeConv {
  /** Bytes of the passes that lossGrad keeps for hvp (plan: nativeConvPlan). */
  keptBytes(plan: Float64Array): number;
  /** grad += the gradient of one chunk's share of the mean loss, which is returned; the passes at theta go to kept. */
  lossGrad(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, grad: Float32Array, kept: ArrayBuffer): number;
  /** out += H v for the chunk, over the passes lossGrad kept at theta. */
  hvp(plan: Float64Array, theta: Float32Array, kept: ArrayBuffer, v: Float32Array, out: Float32Array): void;
  /** Bytes of forward's scratch passes. */
  forwardBytes(plan: Float64Array): number;
  /**
   * The forward pass alone: the chunk's share of the mean loss, returned, and its outputs [n, k]. Batch norm
   * normalises with `statistics` (each batch norm's channel means, then 1/sqrt(var + eps)) when `given`, else
   * with the chunk's own, which are then written there (statistics null: not written).
   */
  forward(plan: Float64Array, theta: Float32Array, X: Float32Array, Y: Float32Array, outputs: Float32Array, scratch: ArrayBuffer, statistics: Float32Array | null, given: boolean): number;
  /** A float32 tensor's data in place on the wasm heap; valid until the next tensor allocation may grow the heap. */
  heapView(t: tf.Tensor): Float32Array;
}

/** The native CNN kernels while the native kernels are enabled and wasm is the active backend (null otherwise). */
export function nativeConv(): NativeConv | null {
  if (!replaced || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackend;
  const lib = native();
  return {
    keptBytes: lib.cnnKeptBytes,
    lossGrad: lib.cnnLossGrad,
    hvp: lib.cnnHvp,
    forwardBytes: lib.cnnForwardBytes,
    forward: lib.cnnForward,
    heapView: (t) => heapView(backend, t),
  };
}

/** Restore the stock wasm kernels (gradient code materialises transposes again). */
export function disableNativeKernels(): void {
  if (!replaced) return;
  for (const k of replaced.kernels) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  for (const k of CONV_KERNELS) tf.unregisterKernel(k.kernelName, 'wasm');
  setTransposesAreFree(false);
  replaced = null;
}

/**
 * Slice without the stock kernel's copy of the whole input (it reads the input
 * back with readSync before copying the slice): contiguous runs are copied
 * straight from the heap.
 */
function heapSlice(stockSlice: tf.KernelFunc): (args: KernelArgs) => tf.TensorInfo {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as WasmBackend & { typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array };
    if (x.dtype === 'string' || x.shape.length === 0) return stockSlice(args) as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(extent, x.dtype);
    const total = sizeOf(extent);
    if (total === 0) return out;
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const strides = [...tf.util.computeStrides(x.shape), 1];
    // Axes after k are taken whole, so each index over the axes before k selects one contiguous run.
    let k = x.shape.length - 1;
    while (k > 0 && extent[k] === x.shape[k]) k--;
    const run = extent[k] * strides[k];
    const index = new Array<number>(k).fill(0);
    for (let o = 0; o < total; o += run) {
      let from = start[k] * strides[k];
      for (let d = 0; d < k; d++) from += (start[d] + index[d]) * strides[d];
      dst.set(src.subarray(from, from + run), o);
      for (let d = k - 1; d >= 0; d--) {
        if (++index[d] < extent[d]) break;
        index[d] = 0;
      }
    }
    return out;
  };
}

/**
 * Gradients of Sum and Mean: dy spread back over x's shape (divided by the reduced size for Mean). The stock ones
 * multiply by ones(x.shape), a JS array built and uploaded per call (and Mean's divides the full tensor after);
 * onesLike fills on the heap, and Mean's division is done on dy.
 */
function spreadGradient(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
      const expanded = x.shape.slice();
      for (const axis of axes) expanded[axis] = 1;
      const reduced = kernelName === 'Mean' ? axes.reduce((a, axis) => a * x.shape[axis], 1) : 1;
      const spread = tf.reshape(dy as tf.Tensor, expanded);
      return { x: () => tf.mul(reduced === 1 ? spread : tf.div(spread, reduced), tf.onesLike(x)) };
    },
  };
}

let fixesRegistered = false;

/**
 * Fixes for wasm kernels that need no addon: Identity and Cast to the same
 * dtype share their input's data instead of copying it (tensors are immutable;
 * the cpu backend does the same, and autodiff clones every tensor it saves),
 * Slice and SplitV copy only the slices, and the Sum and Mean gradients allocate
 * nothing in JS.
 */
export function registerWasmFixes(): void {
  if (fixesRegistered) return;
  fixesRegistered = true;
  const share = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const stockIdentity = tf.getKernel('Identity', 'wasm').kernelFunc;
  const stockCast = tf.getKernel('Cast', 'wasm').kernelFunc;
  const slice = heapSlice(tf.getKernel('Slice', 'wasm').kernelFunc);
  const kernels: Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
    Identity: (args) => ((args.inputs.x as tf.TensorInfo).dtype === 'string' ? (stockIdentity(args) as tf.TensorInfo) : share(args)),
    Cast: (args) => ((args.inputs.x as tf.TensorInfo).dtype === (args.attrs as { dtype: string }).dtype ? share(args) : (stockCast(args) as tf.TensorInfo)),
    Slice: slice,
    // The stock SplitV calls the stock Slice directly, one full readback per part.
    SplitV: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const begin = x.shape.map(() => 0);
      return tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax).map((size) => {
        const part = slice({ ...args, attrs: { begin: [...begin], size: x.shape.map((d, i) => (i === ax ? size : d)) } });
        begin[ax] += size;
        return part;
      });
    },
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  tf.registerGradient(spreadGradient('Sum'));
  tf.registerGradient(spreadGradient('Mean'));
}
