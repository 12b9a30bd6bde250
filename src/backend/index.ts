/**
 * Compute backend selection. `wasm` is the default and always available;
 * `tensorflow` (libtensorflow through @tensorflow/tfjs-node-gpu or -node) is
 * used when the user has installed one of them; `cpu` (pure JS) only suits tiny
 * objectives such as the diagonal net and the logistic toy.
 */
import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from './gradients.js';
import { enableNativeKernels, registerWasmFixes } from './blas.js';

export const BACKENDS = ['wasm', 'tensorflow', 'cpu'] as const;
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
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

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
      throw new Error(
        `backend 'tensorflow' is not available: install ${NATIVE_PACKAGES.join(' or ')} (needs internet access for libtensorflow), or use --backend wasm`,
      );
    } else {
      name = 'wasm';
      pkg = '@tensorflow/tfjs-backend-wasm';
    }
  } else {
    name = wanted;
    pkg = wanted === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
  }
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  if (name === 'wasm') registerWasmFixes();
  const blas = name === 'wasm' && process.env.EOS_BLAS !== '0' ? enableNativeKernels() : null;
  active = { name, package: pkg, tfjsVersion: tf.version.tfjs, blas: blas !== null, blasLibrary: blas?.library ?? null, blasThreads: blas?.threads ?? null };
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
