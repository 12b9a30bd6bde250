/**
 * Compute backend selection. `wasm` is the default and always available;
 * `tensorflow` (libtensorflow through @tensorflow/tfjs-node-gpu or -node) is
 * used when the user has installed one of them; `webgpu` (Dawn, npm `webgpu`)
 * when a WebGPU adapter is found (./webgpu.ts); `cpu` (pure JS) only suits tiny
 * objectives such as the diagonal net and the logistic toy.
 */
import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from './gradients.js';
import { enableNativeKernels, registerWasmFixes } from './blas.js';
import { setupWebgpu, type GpuAdapter } from './webgpu.js';

export type { GpuAdapter } from './webgpu.js';

export const BACKENDS = ['wasm', 'tensorflow', 'webgpu', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  /** npm package that provides the kernels. */
  package: string;
  tfjsVersion: string;
  /** Whether the native kernels run: OpenBLAS matmuls and vectorised element-wise ops (wasm backend, addon built by `npm run build:native`, EOS_BLAS not 0). */
  blas: boolean;
  /** OpenBLAS configuration and thread count when `blas` is true. */
  blasLibrary: string | null;
  blasThreads: number | null;
  /** The WebGPU adapter of the `webgpu` backend (null otherwise). */
  adapter: GpuAdapter | null;
}

/** A requested backend that this machine cannot provide (the CLI's usage error, exit code 2). */
export class BackendUnavailableError extends Error {}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const BACKEND_PACKAGES: Record<Exclude<BackendName, 'tensorflow'>, string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

let active: BackendInfo | null = null;

export function parseBackend(value: string): BackendRequest {
  if (value === 'auto' || (BACKENDS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new Error(`unknown backend '${value}': choose one of auto, ${BACKENDS.join(', ')}`);
}

async function loadNative(): Promise<string | null> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(pkg);
      return pkg;
    } catch {
      // not installed: try the next one
    }
  }
  return null;
}

/** The backends this machine provides, other than `except` (for error messages). */
async function availableBackends(except: BackendName): Promise<string> {
  const available: BackendName[] = ['wasm'];
  if (except !== 'tensorflow' && (await loadNative())) available.push('tensorflow');
  if (except !== 'webgpu' && 'adapter' in (await setupWebgpu())) available.push('webgpu');
  available.push('cpu');
  return available.join(', ');
}

/**
 * Select and initialise a backend: the argument wins over the environment
 * variable EOS_BACKEND; `auto` prefers an installed native TensorFlow, else wasm.
 * Asking for a backend that is not available is an error.
 */
export async function initBackend(request?: BackendRequest): Promise<BackendInfo> {
  const wanted = request ?? parseBackend(process.env.EOS_BACKEND ?? 'auto');
  if (active && (wanted === 'auto' || wanted === active.name)) return active;
  registerSecondOrderGradients();

  let name: BackendName;
  let pkg: string;
  if (wanted === 'tensorflow' || wanted === 'auto') {
    const found = await loadNative();
    if (found) {
      name = 'tensorflow';
      pkg = found;
    } else if (wanted === 'tensorflow') {
      throw new BackendUnavailableError(
        `backend 'tensorflow' is not available: install ${NATIVE_PACKAGES.join(' or ')} (needs internet access for libtensorflow); available backends: ${await availableBackends('tensorflow')}`,
      );
    } else {
      name = 'wasm';
      pkg = BACKEND_PACKAGES.wasm;
    }
  } else {
    name = wanted;
    pkg = BACKEND_PACKAGES[wanted];
  }
  let adapter: GpuAdapter | null = null;
  if (name === 'webgpu') {
    const webgpu = await setupWebgpu();
    if ('missing' in webgpu) throw new BackendUnavailableError(`backend 'webgpu' is not available: ${webgpu.missing}; available backends: ${await availableBackends('webgpu')}`);
    adapter = webgpu.adapter;
  }
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  if (name === 'wasm') registerWasmFixes();
  const blas = name === 'wasm' && process.env.EOS_BLAS !== '0' ? enableNativeKernels() : null;
  active = { name, package: pkg, tfjsVersion: tf.version.tfjs, blas: blas !== null, blasLibrary: blas?.library ?? null, blasThreads: blas?.threads ?? null, adapter };
  return active;
}

export function activeBackend(): BackendInfo {
  if (!active) throw new Error('no backend initialised: call initBackend() first');
  return active;
}

/**
 * Run `fn` and dispose every tensor it created; unlike tf.tidy it may return
 * plain values (numbers, typed arrays read back from tensors).
 */
export function withScope<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}
