/** Small seeded data sets for the reference tests (float32 values, so both sides see identical inputs). */
import type { LossName, SupervisedData } from '../../src/objective/index.js';
import { Rng } from '../../src/util/random.js';

/** A small model instance on n samples for a reference test. */
export interface NetCase {
  name: string;
  spec: Record<string, unknown>;
  inputShape: number[];
  k: number;
  n: number;
  loss: LossName;
}

/** Gaussian inputs [n, d] and one-hot targets [n, k] with random labels. */
export function classificationData(seed: number, n: number, d: number, k: number): SupervisedData {
  const rng = new Rng(seed);
  const X = new Float32Array(n * d);
  rng.fillNormal(X);
  const Y = new Float32Array(n * k);
  for (let i = 0; i < n; i++) Y[i * k + Math.floor(rng.uniform() * k)] = 1;
  return { X, Y, n, d, k };
}

/** Gaussian inputs [n, d] and Gaussian targets [n, k]. */
export function regressionData(seed: number, n: number, d: number, k: number): SupervisedData {
  const rng = new Rng(seed);
  const X = new Float32Array(n * d);
  const Y = new Float32Array(n * k);
  rng.fillNormal(X);
  rng.fillNormal(Y);
  return { X, Y, n, d, k };
}

export function randomVector(seed: number, p: number): Float32Array {
  const v = new Float32Array(p);
  new Rng(seed).fillNormal(v);
  return v;
}
