/**
 * OpenBLAS matrix products for the tfjs wasm backend.
 *
 * The native addon in `native/` (built by `npm run build:native`) runs sgemm
 * directly on the wasm heap: inputs are read and the output written where the
 * backend keeps tensor data, without copies. Re-registering the wasm
 * `BatchMatMul` kernel with it gives multi-threaded matmuls, and transposed
 * operands cost nothing, so the matmul gradient passes transpose flags instead
 * of materialising transposes. Shapes the kernel does not handle (non-float32,
 * empty, batch dims that broadcast other than by a single matrix) go to the
 * stock kernel.
 *
 * Threads: OpenBLAS reads OPENBLAS_NUM_THREADS when the library loads, which
 * happens when the addon is first loaded here; if unset it is set to the number
 * of available cores. A process that loads OpenBLAS earlier through some other
 * addon must set the variable before it starts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

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
  setThreads(threads: number): void;
  info(): { threads: number; config: string };
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernel uses. */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export interface BlasInfo {
  /** OpenBLAS build configuration including the CPU kernel set it chose, e.g. `OpenBLAS 0.3.21 ... Haswell ...`. */
  library: string;
  threads: number;
}

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/eos_native.node', import.meta.url));

let addon: NativeAddon | null = null;
let stockKernel: tf.KernelConfig | null = null;
let stockGradient: tf.GradConfig | null = null;

/** Load the addon once; null when it has not been built. A built addon that fails to load is an error. */
function loadAddon(): NativeAddon | null {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) return null;
  process.env.OPENBLAS_NUM_THREADS ??= String(availableParallelism());
  addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  return addon;
}

export function blasAvailable(): boolean {
  return existsSync(ADDON_PATH);
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, c) => a * c, 1);
}

function blasBatchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
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
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || m * n * k === 0 || !batchesAlign) {
    return (stockKernel as tf.KernelConfig).kernelFunc(args) as tf.TensorInfo;
  }
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const offset = (t: tf.TensorInfo): number => (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;
  // makeOutput may grow the wasm memory, which replaces its buffer: read the buffer afterwards.
  (addon as NativeAddon).gemm(
    backend.wasm.HEAPU8.buffer as ArrayBuffer,
    batch,
    transposeA,
    transposeB,
    m,
    n,
    k,
    offset(a),
    batchA === 1 ? 0 : m * k,
    offset(b),
    batchB === 1 ? 0 : k * n,
    offset(out),
  );
  return out;
}

/** The textbook matmul gradient: with BLAS, transposed operands are free. */
const nativeTransposeGradient: tf.GradConfig = {
  kernelName: 'BatchMatMul',
  inputsToSave: ['a', 'b'],
  gradFunc: (dys, saved, attrs) => {
    const [a, b] = saved;
    const dy = dys as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
    if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
    if (transposeA && !transposeB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
    return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
  },
};

/**
 * Route the wasm backend's BatchMatMul through OpenBLAS (and its gradient
 * through native transposes). Call after the wasm backend is ready. Returns
 * null, changing nothing, when the addon has not been built.
 */
export function enableBlas(): BlasInfo | null {
  const native = loadAddon();
  if (!native) return null;
  if (!stockKernel) {
    stockKernel = tf.getKernel('BatchMatMul', 'wasm');
    stockGradient = tf.getGradient('BatchMatMul') ?? null;
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: blasBatchMatMul as unknown as tf.KernelFunc });
    tf.registerGradient(nativeTransposeGradient);
  }
  const { config, threads } = native.info();
  return { library: config, threads };
}

/** Restore the stock wasm BatchMatMul kernel and the gradient that was registered before enableBlas. */
export function disableBlas(): void {
  if (!stockKernel) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(stockKernel);
  if (stockGradient) tf.registerGradient(stockGradient);
  stockKernel = null;
  stockGradient = null;
}

export function blasEnabled(): boolean {
  return stockKernel !== null;
}

/** Change the number of OpenBLAS threads for subsequent matmuls (the addon must be loaded). */
export function setBlasThreads(threads: number): void {
  const native = loadAddon();
  if (!native) throw new Error(`the BLAS addon is not built (${ADDON_PATH}): run npm run build:native`);
  native.setThreads(threads);
}
