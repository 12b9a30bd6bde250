/**
 * Preprocessing of Cohen et al. (2021): pixels / 255, flattened, then per-feature centring
 * and standardisation with training-set statistics; tabular columns (appendix H.14) the same
 * way, without the / 255.
 */

export interface FeatureStats {
  /** Per-feature mean (of pixel / 255 for images) over the training set. */
  mean: Float64Array;
  /** Per-feature population standard deviation (divide by N). */
  std: Float64Array;
}

/**
 * Mean and population std of pixel / 255 for each of the `d` features of `n` row-major rows.
 * The sums of bytes and squared bytes are exact integers in float64 (N·Σv² < 2^53 for
 * N ≤ 10^5), so N·Σv² − (Σv)² is exact and a constant feature gets std exactly 0.
 */
export function featureStats(pixels: Uint8Array, n: number, d: number): FeatureStats {
  const s1 = new Float64Array(d);
  const s2 = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = pixels[row + j];
      s1[j] += v;
      s2[j] += v * v;
    }
  }
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] = s1[j] / (255 * n);
    std[j] = Math.sqrt(n * s2[j] - s1[j] * s1[j]) / (255 * n);
  }
  return { mean, std };
}

/**
 * Standardises the first `n` rows: (pixel / 255 − mean) / std in float64, stored as float32.
 * Constant-feature rule: a feature whose training std is 0 (MNIST's blank border pixels) is
 * left at 0, its centred training value, in every split, instead of dividing by zero.
 */
export function standardize(pixels: Uint8Array, n: number, d: number, stats: FeatureStats): Float32Array {
  const { mean, std } = stats;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      if (std[j] > 0) out[row + j] = (pixels[row + j] / 255 - mean[j]) / std[j];
    }
  }
  return out;
}

/** Per-column mean and population std (divide by N) of the first `n` rows of an n × d row-major float64 matrix, in two passes. */
export function columnStats(values: Float64Array, n: number, d: number): FeatureStats {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += values[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (values[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}

/** (value − mean) / std per column of n × d float64 rows, stored as float32; a column of training std 0 is left at 0, as in `standardize`. */
export function standardizeColumns(values: Float64Array, n: number, d: number, stats: FeatureStats): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) if (stats.std[j] > 0) out[i * d + j] = (values[i * d + j] - stats.mean[j]) / stats.std[j];
  }
  return out;
}
