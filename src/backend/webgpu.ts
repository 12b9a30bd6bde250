/**
 * tfjs on WebGPU in Node: Dawn's Node binding (npm `webgpu`, prebuilt inside
 * the package) under @tensorflow/tfjs-backend-webgpu. Both packages are
 * optional. The adapter is Dawn's default (Vulkan on Linux: NVIDIA and AMD
 * drivers, or Mesa 23+) and else OpenGL ES through EGL at WebGPU's
 * `compatibility` feature level, which Mesa's llvmpipe provides without a GPU.
 */
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';

export interface GpuAdapter {
  /** Graphics API Dawn runs on: the platform's own (vulkan, metal, d3d12) or opengles. */
  api: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader) rather than a GPU. */
  software: boolean;
}

export type WebgpuSetup = { adapter: GpuAdapter } | { missing: string };

type DawnModule = typeof import('webgpu');
type WebgpuModule = typeof import('@tensorflow/tfjs-backend-webgpu');

/** What tfjs-backend-webgpu keeps per tensor and the internals a read uses (tfjs 4.22). */
interface TensorData {
  values: unknown;
  dtype: tf.DataType;
  resource: GPUBuffer;
}
interface BackendInternals {
  tensorMap: { get(dataId: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer; releaseBuffer(buffer: GPUBuffer): void };
  commandEncoder: GPUCommandEncoder;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): void;
}
type ReadSync = (this: BackendInternals, dataId: object) => tf.backend_util.BackendValues;

const SOFTWARE_RASTERISERS = /llvmpipe|lavapipe|softpipe|swiftshader/i;

/** Whether the dynamic linker finds `name` (what Dawn dlopens); the library stays loaded, as Dawn would keep it. */
function hasLibrary(name: string): boolean {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, name);
    return true;
  } catch (err) {
    // Found but not a Node addon is still found.
    return !/cannot open shared object file/.test((err as Error).message);
  }
}

/** What is missing when Dawn offers no adapter, with the Debian packages that provide it. */
function diagnoseNoAdapter(): string {
  if (process.platform !== 'linux') return 'Dawn found no GPU adapter (install the GPU driver)';
  const vulkan = hasLibrary('libvulkan.so.1')
    ? 'no Vulkan driver (NVIDIA\'s driver, or Mesa\'s: Debian mesa-vulkan-drivers)'
    : 'no Vulkan loader libvulkan.so.1 (Debian libvulkan1, with the GPU vendor\'s Vulkan driver)';
  // Dawn loads the unversioned name, which Debian ships in libegl-dev.
  const gles = hasLibrary('libEGL.so')
    ? 'no EGL driver behind libEGL.so (Debian libegl-mesa0 libgl1-mesa-dri)'
    : 'no libEGL.so for the software adapter (Debian libegl-dev libgl1-mesa-dri)';
  return `no WebGPU adapter: ${vulkan}; ${gles}`;
}

/** The option is newer than @webgpu/types' declaration. */
interface CompatibilityOptions extends GPURequestAdapterOptions {
  featureLevel: 'core' | 'compatibility';
}

const PLATFORM_API: Partial<Record<NodeJS.Platform, string>> = { linux: 'vulkan', darwin: 'metal', win32: 'd3d12' };

async function requestAdapter(dawn: DawnModule): Promise<{ gpu: GPU; adapter: GPUAdapter; api: string } | null> {
  const native = dawn.create([]);
  const adapter = await native.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter) return { gpu: native, adapter, api: PLATFORM_API[process.platform] ?? process.platform };
  // Mesa's EGL needs no display server on its surfaceless platform.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gles = dawn.create(['backend=opengles']);
  const compat = await gles.requestAdapter({ featureLevel: 'compatibility' } as CompatibilityOptions);
  return compat ? { gpu: gles, adapter: compat, api: 'opengles' } : null;
}

/** Dawn's event pumps that are scheduled and have not run yet. */
const pumps = new Set<() => void>();

/**
 * Track what dawn.node hands to setImmediate: its event pump, an anonymous
 * native function (bound functions, also native, are named "bound ...").
 * Each pump runs once, from the event loop or from a synchronous read.
 */
function trackDawnPumps(): void {
  const schedule = globalThis.setImmediate;
  const tracking = (f: (...args: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate => {
    if (f.name !== '' || !Function.prototype.toString.call(f).includes('[native code]')) return schedule(f, ...args);
    const pump = (): void => {
      if (pumps.delete(pump)) f(...args);
    };
    pumps.add(pump);
    return schedule(pump);
  };
  // util.promisify(setImmediate) keeps working.
  const custom = Object.getOwnPropertyDescriptor(schedule, promisify.custom);
  if (custom) Object.defineProperty(tracking, promisify.custom, custom);
  globalThis.setImmediate = tracking as typeof setImmediate;
}

/**
 * A synchronous GPU-to-CPU read for Node. tfjs-backend-webgpu reads
 * synchronously through an OffscreenCanvas, which Node lacks, and the engine's
 * objective is synchronous (dataSync). A promise cannot be waited for inside
 * synchronous code, but dawn.node marks a buffer mapped in its native callback,
 * before the promise settles, and runs that callback from its event pump: so
 * the read runs the pending pumps until the staging buffer is mapped. Tested
 * against the asynchronous read on webgpu 0.6.2.
 */
function readSyncDawn(original: ReadSync): ReadSync {
  return function (this: BackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64') return original.call(this, dataId);
    const size = data.resource.size;
    const staging = this.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(data.resource, 0, staging, 0, size);
    this.submitQueue();
    // Failures surface as the buffer never mapping; the promise itself is not needed.
    staging.mapAsync(GPUMapMode.READ).catch(() => {});
    while (staging.mapState !== 'mapped') {
      if (pumps.size === 0) throw new Error('webgpu: a synchronous read found no pending Dawn events (the buffer did not map)');
      for (const pump of [...pumps]) pump();
    }
    const values = tf.util.convertBackendValuesAndArrayBuffer(staging.getMappedRange().slice(0), data.dtype);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    this.convertAndCacheOnCPU(dataId, values);
    return values;
  };
}

let setup: Promise<WebgpuSetup> | null = null;

/**
 * Load Dawn and tfjs-backend-webgpu, find an adapter and register tfjs's
 * `webgpu` backend on it (not yet selected); or say what is missing. Once per process.
 */
export function setupWebgpu(): Promise<WebgpuSetup> {
  setup ??= load();
  return setup;
}

async function load(): Promise<WebgpuSetup> {
  let dawn: DawnModule;
  let webgpu: WebgpuModule;
  try {
    dawn = await import('webgpu');
  } catch (err) {
    return { missing: `npm package 'webgpu' does not load (${(err as Error).message.split('\n')[0]}): npm install webgpu @tensorflow/tfjs-backend-webgpu` };
  }
  trackDawnPumps();
  const found = await requestAdapter(dawn);
  if (!found) return { missing: diagnoseNoAdapter() };
  const { gpu, adapter, api } = found;
  // tfjs-backend-webgpu reads the WebGPU globals of a browser.
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  if (globalThis.navigator) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  try {
    webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    return { missing: `npm package '@tensorflow/tfjs-backend-webgpu' does not load (${(err as Error).message.split('\n')[0]}): npm install @tensorflow/tfjs-backend-webgpu` };
  }
  const limits = adapter.limits;
  // The limits tfjs asks for in its own factory, which cannot pass the feature level.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  const proto = webgpu.WebGPUBackend.prototype as unknown as { readSync: ReadSync };
  proto.readSync = readSyncDawn(proto.readSync);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new webgpu.WebGPUBackend(device, adapter.info));
  const info = adapter.info;
  return {
    adapter: {
      api,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      software: SOFTWARE_RASTERISERS.test(`${info.device} ${info.description}`),
    },
  };
}
