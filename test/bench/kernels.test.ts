import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarizeKernels } from '../../bench/kernels.js';
import { readReport } from '../../bench/report.js';
import { REPO_ROOT } from '../../src/util/paths.js';
import { DATA_DIR } from '../data/helpers.js';

test('kernel summary: times summed per kernel, most first, dispatches counted, the top n kept', () => {
  const kernels = [
    { name: 'Add', kernelTimeMs: 1 },
    { name: 'BatchMatMul', kernelTimeMs: 5 },
    { name: 'Add', kernelTimeMs: 2.5 },
    { name: 'Relu', kernelTimeMs: 0.5 },
  ];
  const p = summarizeKernels(kernels, 12, 2);
  assert.equal(p.dispatches, 4);
  assert.equal(p.kernelMs, 9);
  assert.equal(p.wallMs, 12);
  assert.deepEqual(p.top, [
    { kernel: 'BatchMatMul', ms: 5 },
    { kernel: 'Add', ms: 3.5 },
  ]);
});

test('npm run bench -- --kernels: a ViT gradient and HVP profiled, written to the report and rendered', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eos-kernels-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--kernels', '--only', 'vit ce mnist-5k', '--samples', '16', '--report-dir', dir, '--data-dir', DATA_DIR], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [row] = readReport(dir)?.kernels ?? [];
    assert.equal(row.name, 'vit ce mnist-5k');
    assert.match(row.data, /first 16/);
    for (const pass of [row.gradient, row.hvp]) {
      assert.ok(pass.dispatches > 100, `${pass.dispatches} dispatches`);
      assert.ok(pass.kernelMs > 0 && pass.kernelMs <= pass.wallMs, `kernels ${pass.kernelMs} ms of ${pass.wallMs} ms`);
      assert.ok(pass.top.some((k) => k.kernel === 'BatchMatMul'), 'the matrix products are among the top kernels');
    }
    // The HVP (double backward) dispatches more kernels than the gradient.
    assert.ok(row.hvp.dispatches > row.gradient.dispatches);
    assert.match(readFileSync(join(dir, 'bench.md'), 'utf8'), /## Where the time goes \(tfjs kernels\)[\s\S]*\| vit ce mnist-5k \|.*\| HVP \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
