import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON } from '../../bench/common.js';
import { mergeScaling, readReport, type ScalingReport, type ScalingRow } from '../../bench/report.js';
import { scalingPartial } from '../../src/report/scaling.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { DATA_DIR } from '../data/helpers.js';

/** A measured point whose GD step took `ms` on both sides. */
function row(n: number, width: number, ms: number, date: string): ScalingRow {
  const cost = { gdStepMs: ms, gradMs: ms, hvpMs: 2 * ms, peakRssMb: 100 };
  const checks = { lossRelDiff: 0, gradRelDiff: 0, hvpRelDiff: 0, gdStepRelDiff: 0 };
  return {
    name: `fcn-relu ${width}x2 mse mnist:${n}`,
    date,
    gitRevision: 'abc',
    data: 'mnist',
    n,
    d: 784,
    width,
    numParams: 1,
    chunk: n,
    torchChunk: n,
    repeats: 3,
    engine: { ...cost, loss: 1, wasmHeapMb: 16, tensorDelta: 0 },
    torch: { ...cost, checks, versions: {} },
    ratios: { grad: 1, gdStep: 1, hvp: 1 },
  };
}

function section(rows: ScalingRow[], date: string): ScalingReport {
  const backend = { name: 'wasm' as const, package: '@tensorflow/tfjs-backend-wasm', tfjsVersion: '4.22.0', blas: true, blasLibrary: 'OpenBLAS', blasThreads: 1, adapter: null };
  return { date, gitRevision: 'abc', threads: 1, backend, torch: {}, at: { n: 5000, width: 200 }, rows };
}

test('a scaling run replaces the rows of the points it measured and keeps the others, ordered by width then n', () => {
  const old = section([row(1000, 200, 1, 'old'), row(5000, 200, 5, 'old'), row(5000, 600, 9, 'old')], 'old');
  const merged = mergeScaling(old, section([row(5000, 200, 7, 'new'), row(60000, 200, 60, 'new')], 'new'));
  assert.deepEqual(
    merged.rows.map((r) => [r.n, r.width, r.engine.gdStepMs, r.date]),
    [
      [1000, 200, 1, 'old'],
      [5000, 200, 7, 'new'],
      [60000, 200, 60, 'new'],
      [5000, 600, 9, 'old'],
    ],
  );
  assert.equal(merged.date, 'new');
  assert.deepEqual(mergeScaling(null, section([row(1000, 200, 1, 'new')], 'new')).rows.length, 1);
});

const torch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const mnist = existsSync(join(DATA_DIR, 'mnist'));
const skip = !torch ? `${PYTHON} cannot import torch` : !mnist ? `MNIST not in ${DATA_DIR}` : false;

test('npm run bench -- --scaling at tiny sizes: both implementations timed and their memory measured at every point, the figure drawn', { skip, timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-bench-scaling-'));
  try {
    const args = ['--import', 'tsx', 'bench/run.ts', '--scaling', '--scaling-n', '200,400', '--scaling-widths', '20,40', '--threads', '1', '--data-dir', DATA_DIR, '--report-dir', dir];
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const scaling = readReport(dir)?.scaling;
    assert.ok(scaling, 'the report has a scaling section');
    // Over n at width 40 (the widths' value nearest 200 from below), over the width at n = 400.
    assert.deepEqual(scaling.at, { n: 400, width: 40 });
    assert.deepEqual(
      scaling.rows.map((p) => [p.n, p.width, p.data]),
      [
        [400, 20, 'mnist (first 400)'],
        [200, 40, 'mnist (first 200)'],
        [400, 40, 'mnist (first 400)'],
      ],
    );
    for (const p of scaling.rows) {
      for (const side of [p.engine, p.torch]) for (const x of [side.gdStepMs, side.hvpMs, side.peakRssMb]) assert.ok(Number.isFinite(x) && x > 0, `${p.name}: ${JSON.stringify(side)}`);
      assert.equal(p.numParams, 784 * p.width + p.width + p.width * p.width + p.width + p.width * 10 + 10);
      assert.ok(p.torch.checks.gradRelDiff < 1e-4 && p.torch.checks.hvpRelDiff < 1e-4, `${p.name}: PyTorch computes the same gradient and HVP`);
      // The FLOP-rate yardstick: the dense stack's closed form, and a measured sgemm rate.
      assert.equal(p.engine.flops?.forwardFlopsPerSample, 2 * (784 * p.width + p.width * p.width + p.width * 10));
      assert.ok((p.engine.flops?.sgemmGflops ?? 0) > 0);
    }
    assert.match(readFileSync(join(dir, 'bench.md'), 'utf8'), /## How cost grows[\s\S]*\| 200 \| 40 \|[^\n]*\| \d+% \/ \d+% \| \d+% \/ \d+% \| \d+ \|/);
    const partial = await scalingPartial(join(dir, 'bench.json'), '_generated/js/figures.js');
    assert.match(partial, /^::: \{#fig-bench-scaling\}[\s\S]*class="vega-figure"[\s\S]*<img alt="How the cost grows" src="data:image\/svg\+xml;base64,/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
