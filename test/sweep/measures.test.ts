/**
 * Final measures (Figure 10) are recorded for experiments that ask for them, without changing
 * run keys: runs finished before gain them afterwards, from the checkpoint at a power-of-ten
 * loss goal or by computing the run again, with the values a fresh run records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { runSweep } from '../../src/sweep/runner.js';
import { Experiment, type GdResult } from '../../src/sweep/schema.js';
import { gdKey, ResultStore } from '../../src/sweep/store.js';
import { SMALL_MNIST } from './fixtures.js';

const MEASURES = { traceSamples: 4, averageSamples: 4, worstSteps: 3 };

async function sweep(e: Experiment, store: ResultStore): Promise<GdResult[]> {
  const [summary] = await runSweep(e, { store, log: () => {} });
  return summary.runs;
}

for (const goal of [0.1, 0.15]) {
  test(`runs finished without measures gain them, equal to a fresh run's (goal ${goal}: ${goal === 0.1 ? 'from the checkpoint at the goal' : 'computed again'})`, async () => {
    await initBackend('wasm');
    const plain = Experiment.parse({ ...SMALL_MNIST, id: 'measures', lossGoals: [goal], grid: { rates: [0.05, 0.2] } });
    const asking = Experiment.parse({ ...SMALL_MNIST, id: 'measures', lossGoals: [goal], grid: { rates: [0.05, 0.2] }, measures: MEASURES });
    assert.equal(gdKey(plain, 0.05, goal), gdKey(asking, 0.05, goal), 'measures are not part of the run key');

    const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-measures-')));
    const before = await sweep(plain, store);
    assert.ok(before.length === 2 && before.every((r) => r.final && r.measures === undefined));
    const after = await sweep(asking, store);
    const fresh = await sweep(asking, new ResultStore(mkdtempSync(join(tmpdir(), 'eos-measures-'))));
    for (const [i, r] of after.entries()) {
      assert.ok(r.measures, `run ${r.lr} has measures`);
      assert.deepEqual(store.readGd(r.key)?.measures, r.measures, 'and they are stored');
      assert.deepEqual(r.history, before[i].history, 'the run itself is unchanged');
      assert.deepEqual(r.measures, fresh[i].measures, 'the same values as a run computed with them');
      assert.deepEqual(r.measures.spec, asking.measures);
      assert.ok(r.measures.hessianTrace.value > 0 && r.measures.fisherTop > 0 && r.measures.worstAdaptive >= 0);
    }
    // From the checkpoint, the run record keeps its provenance; computed again, it is new.
    assert.equal(after[0].provenance.startedAt === before[0].provenance.startedAt, goal === 0.1);
  });
}

test('a long run finished without measures and without its final parameters is left unmeasured, not computed again', async () => {
  await initBackend('wasm');
  const plain = Experiment.parse({ ...SMALL_MNIST, id: 'measures', lossGoals: [0.15], grid: { rates: [0.05] } });
  const asking = Experiment.parse({ ...plain, measures: MEASURES });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-measures-')));
  const [run] = await sweep(plain, store);
  // As if it had taken an hour (a paper-setting run whose checkpoints stayed on another machine).
  store.write({ ...run, provenance: { ...run.provenance, wallSeconds: 3600 } });
  const lines: string[] = [];
  const [summary] = await runSweep(asking, { store, log: (l) => lines.push(l) });
  assert.equal(summary.runs[0].measures, undefined);
  assert.equal(summary.runs[0].provenance.startedAt, run.provenance.startedAt, 'not computed again');
  assert.ok(lines.some((l) => /left unmeasured \(a 3600 s run/.test(l)), lines.join('\n'));
});
