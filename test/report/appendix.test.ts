import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storedLoader } from '../../src/figures/load.js';
import { appendixFigures, appendixPartial } from '../../src/report/appendix.js';
import { table1Entries } from '../../src/report/table1.js';
import { fakeLoader } from '../figures/fixtures.js';

test('appendix I ends with the paper\'s I.8: two parts of eight figures, drawn where the results are, else why not', async () => {
  // Committed paper results for one I.8 configuration only (FCN-ReLU, MNIST-5k, CE: Figures 65 and 73, and row 5).
  const drawn = 'fcn-relu-mnist5k-ce';
  const summaries = await fakeLoader('paper').sweeps(drawn);
  const loader = storedLoader('paper', (id) => (id === drawn ? { flow: null as never, summaries, tasks: { done: 5, diverged: 0, running: 0, missing: 0 } } : null), { complete: true });
  const figures = await appendixFigures([loader]);
  assert.deepEqual([...figures].filter(([, f]) => !('missing' in f)).map(([id]) => id), ['row5', 'fig65', 'fig73']);
  const best = table1Entries('paper', new Map()).rows.map((entry) => ({ profile: null, entry }));
  const text = appendixPartial(best, figures, 'the committed results', 'figures.js');
  const further = text.slice(text.indexOf('## Further properties'));
  assert.ok(text.indexOf('## Row 48') < text.indexOf('## Further properties (paper I.8) {#sec-appendix-i-further}'));
  const parts = further.split('\n### ').slice(1);
  assert.deepEqual(parts.map((p) => p.split('\n')[0]), ['Alternative norms and distance from GF solution (paper I.8.1)', 'Convergence speed and test accuracy (paper I.8.2)']);
  for (const [k, part] of parts.entries()) {
    const numbers = [...part.matchAll(/\*Figure (\d+) not drawn yet:\*|#fig-appendix-i-fig(\d+)\}/g)].map((m) => Number(m[1] ?? m[2]));
    assert.deepEqual(numbers, Array.from({ length: 8 }, (_, i) => 64 + 8 * k + i), 'every figure in the paper\'s order');
  }
  assert.match(further, /::: \{#fig-appendix-i-fig65\}[\s\S]*?class="vega-figure"[\s\S]*?Figure 65 of the paper, drawn from the committed results of the paper profile\./);
  // Every configuration is in the quick profile too: a figure not drawn says how to draw it locally from there.
  assert.match(further, /\*Figure 64 not drawn yet:\* fcn-relu-mnist5k-mse has not been run in profile 'paper'\. .*`npm run figure -- fig64 --profile quick`/);
  assert.match(further, /\*Figure 66 not drawn yet:\* fcn-relu-mnist-mse has not been run in profile 'paper'\. It is drawn here from the committed results once its sweep is complete there; `npm run figure -- fig66 --profile quick` draws it/);
});

test('appendix I draws a figure from the paper-setting results where complete, else from the next profile, and says why for each when neither can', async () => {
  const stored = async (profileName: 'paper' | 'quick', id: string, missing: number) => {
    const summaries = await fakeLoader(profileName).sweeps(id);
    return { flow: null as never, summaries, tasks: { done: 5, diverged: 0, running: 0, missing } };
  };
  // Paper: row 5's experiment complete, row 1's with runs left; quick: both complete, row 6's with runs left.
  const paperSweeps = new Map([['fcn-relu-mnist5k-ce', await stored('paper', 'fcn-relu-mnist5k-ce', 0)], ['fcn-relu-mnist5k-mse', await stored('paper', 'fcn-relu-mnist5k-mse', 3)]]);
  const quickSweeps = new Map([['fcn-relu-mnist5k-ce', await stored('quick', 'fcn-relu-mnist5k-ce', 0)], ['fcn-relu-mnist5k-mse', await stored('quick', 'fcn-relu-mnist5k-mse', 0)], ['fcn-relu-mnist5k-ce-goal1e-1', await stored('quick', 'fcn-relu-mnist5k-ce-goal1e-1', 2)]]);
  const paper = storedLoader('paper', (id) => paperSweeps.get(id) ?? null, { complete: true });
  const quick = storedLoader('quick', (id) => quickSweeps.get(id) ?? null, { complete: true });
  const figures = await appendixFigures([paper, quick]);
  const drawn = (id: string) => {
    const f = figures.get(id);
    assert.ok(f && !('missing' in f), id);
    return f;
  };
  assert.match(drawn('row5').caption, /of the paper profile\.$/);
  assert.match(drawn('row1').caption, /of the quick profile\.$/);
  assert.match(drawn('row1').title, /\(quick profile\)$/);
  assert.deepEqual(figures.get('row6'), {
    missing: "fcn-relu-mnist5k-ce-goal1e-1 has not been run in profile 'paper'; fcn-relu-mnist5k-ce-goal1e-1 is not complete in profile 'quick' (2 runs left)",
  });
});
