import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The real datasets: EOS_DATA_DIR, else the shared copies next to the repository. */
export const DATA_DIR = process.env.EOS_DATA_DIR ?? resolve(repoRoot, '../shared/datasets');

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'eos-data-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Mean and population std of column j of an n × d row-major matrix, in float64. */
export function columnMoments(X: ArrayLike<number>, n: number, d: number, j: number): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += X[i * d + j];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (X[i * d + j] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}
