/** Seeded synthetic data sets of the paper's toy models (section 3, appendices E and F). */
import { Rng } from '../util/random.js';

export interface RegressionData {
  /** n × d row-major inputs. */
  X: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

export interface ClassificationData {
  /** n × d row-major inputs; the last coordinate is the constant 1 of the bias. */
  X: Float64Array;
  labels: Uint8Array;
  n: number;
  d: number;
}

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}

/** y = <1, x> (+ eps ~ N(0,1) when `noise`), x ~ N(0, I_d) or its fold |N(0, I_d)|. */
function sampleLinear(d: number, n: number, seed: number, fold: boolean, noise: boolean): RegressionData {
  checkSize('d', d);
  checkSize('n', n);
  const rng = new Rng(seed);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const g = rng.normal();
      const x = fold ? Math.abs(g) : g;
      X[i * d + j] = x;
      sum += x;
    }
    y[i] = noise ? sum + rng.normal() : sum;
  }
  return { X, y, n, d };
}

/**
 * Diagonal-network regression (section 3, Lemma E.1): x ~ N(0, I_d), y = <1, x> + eps with
 * eps ~ N(0, 1). With `conditionNonNegative`, x is drawn conditioned on x >= 0 componentwise;
 * the coordinates are independent and symmetric, so |N(0, 1)| per coordinate is exactly that law.
 */
export function sampleDiagonalRegression(d: number, n: number, seed: number, opts: { conditionNonNegative?: boolean } = {}): RegressionData {
  return sampleLinear(d, n, seed, opts.conditionNonNegative ?? false, true);
}

/** Folded-Gaussian regression of appendix E.1: x ~ |N(0, I_d)|, y = <1, x>, no noise. */
export function sampleFoldedGaussianRegression(d: number, n: number, seed: number): RegressionData {
  return sampleLinear(d, n, seed, true, false);
}

/**
 * Two-point classification set of Theorem F.1: x1 = (0, ..., 0, 1) with label 0 and
 * x2 = (x̃2, 1) with label 1, where ||x̃2|| = 1.
 */
export function twoPointClassification(x2Tilde: Float64Array): ClassificationData {
  const dim = x2Tilde.length;
  checkSize('dimension of x̃2', dim);
  let sq = 0;
  for (const v of x2Tilde) sq += v * v;
  const norm = Math.sqrt(sq);
  if (Math.abs(norm - 1) > 1e-9) throw new Error(`x̃2 must have unit norm, got ${norm}`);
  const d = dim + 1;
  const X = new Float64Array(2 * d);
  X[d - 1] = 1;
  X.set(x2Tilde, d);
  X[2 * d - 1] = 1;
  return { X, labels: Uint8Array.of(0, 1), n: 2, d };
}

/** g / ||g|| with g ~ N(mu, I), written to out[offset .. offset + mu.length). */
function drawOnSphere(rng: Rng, mu: Float64Array, out: Float64Array, offset: number): void {
  let norm = 0;
  while (norm === 0) {
    let sq = 0;
    for (let j = 0; j < mu.length; j++) {
      const g = mu[j] + rng.normal();
      out[offset + j] = g;
      sq += g * g;
    }
    norm = Math.sqrt(sq);
  }
  for (let j = 0; j < mu.length; j++) out[offset + j] /= norm;
}

/**
 * The label-1 cluster of appendix F: x = (g / ||g||, 1) with g ~ N(mu, I), the trailing 1
 * being the bias coordinate; all labels are 1.
 */
export function sampleGaussianCluster(mu: Float64Array, n: number, seed: number): ClassificationData {
  checkSize('dimension of mu', mu.length);
  checkSize('n', n);
  const rng = new Rng(seed);
  const d = mu.length + 1;
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    drawOnSphere(rng, mu, X, i * d);
    X[i * d + d - 1] = 1;
  }
  return { X, labels: new Uint8Array(n).fill(1), n, d };
}

/** The two-point set of appendix F with x̃2 drawn from the cluster g / ||g||, g ~ N(mu, I). */
export function sampleTwoPointClassification(mu: Float64Array, seed: number): ClassificationData {
  checkSize('dimension of mu', mu.length);
  const x2Tilde = new Float64Array(mu.length);
  drawOnSphere(new Rng(seed), mu, x2Tilde, 0);
  return twoPointClassification(x2Tilde);
}

/** Decoder start token of the sequence tasks; the symbols are 1..symbols. */
export const START_TOKEN = 0;

/** Token sequences for an encoder-decoder model trained with teacher forcing. */
export interface SequenceData {
  /**
   * n × 2·length row-major token ids: the source sequence, then the decoder input
   * (START_TOKEN followed by the target without its last token).
   */
  X: Float64Array;
  /** n × length row-major target token ids. */
  targets: Uint8Array;
  n: number;
  length: number;
  /** Token ids are 0..vocab-1 (START_TOKEN and the symbols). */
  vocab: number;
}

/**
 * The sequence-reversal task of appendix H.14: sources drawn uniformly from
 * {1, ..., symbols}^length, the target is the source reversed.
 */
export function sampleSequenceReversal(n: number, length: number, seed: number, symbols = 9): SequenceData {
  checkSize('n', n);
  checkSize('length', length);
  checkSize('symbols', symbols);
  if (symbols > 254) throw new Error(`symbols must be at most 254, got ${symbols}`);
  const rng = new Rng(seed);
  const X = new Float64Array(n * 2 * length);
  const targets = new Uint8Array(n * length);
  for (let i = 0; i < n; i++) {
    const row = X.subarray(i * 2 * length, (i + 1) * 2 * length);
    for (let t = 0; t < length; t++) row[t] = 1 + Math.floor(rng.uniform() * symbols);
    for (let t = 0; t < length; t++) targets[i * length + t] = row[length - 1 - t];
    row[length] = START_TOKEN;
    for (let t = 1; t < length; t++) row[length + t] = targets[i * length + t - 1];
  }
  return { X, targets, n, length, vocab: symbols + 1 };
}
