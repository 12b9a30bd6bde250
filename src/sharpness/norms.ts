/**
 * Parameter norms of appendix H.9 / H.12: l1, l2 and nuclear norm (sum of the
 * singular values of every weight matrix; conv kernels as [out, in*kh*kw]),
 * per layer and in total, and distances between parameter vectors.
 */
import { singularValues } from '../util/linalg.js';

/** A named block of the flat parameter vector; the caller's layout (e.g. a model's) supplies it. */
export interface NormBlock {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  /** Nuclear norms are taken of weight matrices only. */
  readonly role: 'weight' | 'bias';
}

export interface BlockNorms {
  name: string;
  l1: number;
  l2: number;
  /** Nuclear norm of a weight matrix; null for biases and vectors. */
  nuclear: number | null;
}

export interface NormReport {
  l1: number;
  l2: number;
  nuclear: number;
  perLayer: BlockNorms[];
}

export function l1Norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

export function l2Norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

export function nuclearNorm(matrix: ArrayLike<number>, rows: number, cols: number): number {
  return singularValues(matrix, rows, cols).reduce((a, b) => a + b, 0);
}

export function parameterNorms(layout: readonly NormBlock[], theta: Float32Array, opts: { nuclear?: boolean } = {}): NormReport {
  const withNuclear = opts.nuclear ?? true;
  const perLayer = layout.map((block) => {
    const x = theta.subarray(block.offset, block.offset + block.size);
    const isMatrix = block.role === 'weight' && block.shape.length >= 2;
    const cols = block.size / block.shape[0];
    return {
      name: block.name,
      l1: l1Norm(x),
      l2: l2Norm(x),
      nuclear: isMatrix && withNuclear ? nuclearNorm(x, block.shape[0], cols) : null,
    };
  });
  return {
    l1: perLayer.reduce((a, b) => a + b.l1, 0),
    l2: Math.sqrt(perLayer.reduce((a, b) => a + b.l2 ** 2, 0)),
    nuclear: perLayer.reduce((a, b) => a + (b.nuclear ?? 0), 0),
    perLayer,
  };
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): { l1: number; l2: number } {
  if (a.length !== b.length) throw new Error(`distance: vectors have ${a.length} and ${b.length} entries`);
  let l1 = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    l1 += Math.abs(d);
    l2 += d * d;
  }
  return { l1, l2: Math.sqrt(l2) };
}
