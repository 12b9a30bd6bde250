import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { flowSolutionFor, runFlow, runGd, runSweep } from '../../src/sweep/runner.js';
import { SMALL_MNIST } from './fixtures.js';
import { Experiment } from '../../src/sweep/schema.js';
import { ResultStore } from '../../src/sweep/store.js';
import { buildProblem } from '../../src/sweep/problem.js';

/** A small diagonal-net experiment: its flow and a GD run take well under a second. */
async function diagonalProblem(id: string) {
  await initBackend('wasm');
  return buildProblem(
    Experiment.parse({
      id,
      dataset: 'diagonal:2:7',
      model: { kind: 'diagonal', alpha: 0.1 },
      loss: 'mse',
      lossGoals: [1e-3],
      record: { every: 5, sharpnessEvery: 5 },
    }),
  );
}

test('results record checkpoints relative to the results folder: a moved folder still finds the flow solution', async () => {
  const problem = await diagonalProblem('moved');
  const root = mkdtempSync(join(tmpdir(), 'eos-store-'));
  try {
    const before = new ResultStore(join(root, 'a'));
    const flow = await runFlow(problem, before, () => {});
    const gd = runGd(problem, before, 0.1, 1e-3, { log: () => {}, flowSolution: flowSolutionFor(problem, before, flow, 1e-3) });
    for (const file of [flow.sGF[0].solutionFile, ...gd.checkpoints.map((c) => c.file)]) assert.ok(!isAbsolute(file), `${file} is relative`);
    assert.ok(gd.checkpoints.length > 0 && gd.distanceFromFlow !== null);

    renameSync(join(root, 'a'), join(root, 'b'));
    const after = new ResultStore(join(root, 'b'));
    const moved = after.readFlow(flow.key);
    assert.ok(moved !== null);
    const solution = flowSolutionFor(problem, after, moved, 1e-3);
    assert.deepEqual(solution, flowSolutionFor(problem, after, flow, 1e-3));
    assert.ok(solution !== undefined && solution.length === 2);
    for (const c of gd.checkpoints) assert.ok(existsSync(after.resolveRecorded(c.file)), c.file);
  } finally {
    problem.dispose();
  }
});

test('runs() lists every valid result of a folder and sets a corrupted one aside', async () => {
  const problem = await diagonalProblem('listed');
  const root = mkdtempSync(join(tmpdir(), 'eos-store-'));
  try {
    const store = new ResultStore(root);
    const flow = await runFlow(problem, store, () => {});
    const gd = runGd(problem, store, 0.1, 1e-3, { log: () => {}, flowSolution: flowSolutionFor(problem, store, flow, 1e-3) });
    writeFileSync(store.runPath('broken'), '{"kind": "gd"');
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => warnings.push(String(chunk)) > 0) as typeof process.stderr.write;
    let runs;
    try {
      runs = store.runs();
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(runs.map((r) => `${r.kind} ${r.key}`).sort(), [`flow ${flow.key}`, `gd ${gd.key}`].sort());
    assert.ok(existsSync(`${store.runPath('broken')}.corrupt`) && !existsSync(store.runPath('broken')));
    assert.match(warnings.join(''), /broken\.json is corrupted/);
  } finally {
    problem.dispose();
  }
});

test('a sweep the store holds whole is read from it: the same summaries, and no data set is loaded', async () => {
  await initBackend('wasm');
  const experiment = Experiment.parse(SMALL_MNIST);
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-complete-')));
  const computed = await runSweep(experiment, { store, log: () => {} });
  assert.ok(computed[0].runs.length >= 3);
  // A data folder without MNIST and no download: loading the data set would fail with a named error.
  const lines: string[] = [];
  const read = await runSweep(experiment, { store, log: (l) => lines.push(l), data: { dataDir: mkdtempSync(join(tmpdir(), 'eos-nodata-')), download: false } });
  // The stored records carry their integrity hash; the records a run returns do not.
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'integrity' ? undefined : v)));
  assert.deepEqual(plain(read), plain(computed));
  assert.deepEqual(lines, [`[resume] complete in ${store.dir}: eps=0.1: ${computed[0].runs.length} rates`]);
  // One run missing: the sweep needs its data again, and says which.
  rmSync(store.runPath(computed[0].runs[0].key));
  await assert.rejects(runSweep(experiment, { store, log: () => {}, data: { dataDir: mkdtempSync(join(tmpdir(), 'eos-nodata-')), download: false } }), /mnist/i);
});
