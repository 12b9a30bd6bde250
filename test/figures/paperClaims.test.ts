import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLAIMS } from '../../src/figures/claims.js';
import { PAPER_CLAIMS } from '../../src/figures/paperClaims.js';
import { TABLE1 } from '../../src/sweep/table1.js';

/**
 * The paper's claims, by id and source, as read from the paper (abstract,
 * Section 1.1, Sections 2-3, Appendices E-H, figure captions, Table 1). The
 * checklist must hold exactly these: dropping or adding one fails here.
 */
const EXPECTED: [string, string][] = [
  ['abstract-balance', 'Abstract'],
  ['abstract-neither-bias', 'Abstract'],
  ['c1-transition', 'Section 1.1 (i)'],
  ['c1-below', 'Section 1.1 (i)'],
  ['c1-above', 'Section 1.1 (i)'],
  ['c2-never-min-norm', 'Section 1.1 (ii)'],
  ['c2-u-shape', 'Section 1.1 (ii)'],
  ['c3-distinct-minimisers', 'Section 1.1 (iii), Proposition 3.2'],
  ['c3-lr-controls', 'Section 1.1 (iii)'],
  ['s2-regimes', 'Section 2'],
  ['s2-critical-rate', 'Section 2'],
  ['s2.1-dataset-size', 'Section 2.1 (i), Appendix H.1'],
  ['s2.1-architecture', 'Section 2.1 (ii), Appendix H.2'],
  ['s2.1-activation', 'Section 2.1 (iii), Appendix H.3'],
  ['s2.1-loss', 'Section 2.1 (iv), Appendix H.4'],
  ['s2.1-threshold', 'Section 2.1 (v), Figure 2, Appendix H.5'],
  ['s2.1-initialisation', 'Section 2.1 (vi), Appendix H.6'],
  ['s2.1-parametrisation', 'Section 2.1 (vii), Appendix H.7'],
  ['s2.1-all-variations', 'Section 2.1'],
  ['s2.2-flow-aligned', 'Section 2.2'],
  ['s2.2-gf-distance', 'Section 2.2, Appendix H.10'],
  ['s2.2-eos-hover', 'Section 2.2'],
  ['s2.2-sharpness-2-over-eta', 'Section 2.2'],
  ['s2.2-norm-increases', 'Section 2.2'],
  ['s2.2-norms-agree', 'Section 2.2, Appendix H.9'],
  ['s2.2-never-min-norm', 'Section 2.2'],
  ['s2.2-u-curve', 'Section 2.2'],
  ['s3-distinct', 'Section 3, Proposition 3.2'],
  ['s3-toy-reproduces', 'Section 3'],
  ['s3-sharpness-near-bound', 'Section 3, Theorem B.2'],
  ['s3-risk-order', 'Section 3'],
  ['s3-diverges-early', 'Section 3'],
  ['s3-eos-beats-l1', 'Section 3'],
  ['s3-kkt', 'Section 3, Lemma E.1'],
  ['s3-classification', 'Section 3, Appendix F'],
  ['d2-min-sharpness', 'Appendix D, Lemma D.2 (proof)'],
  ['e-folded-l1-risk', 'Appendix E, Proposition E.2 (i)'],
  ['f-min-sharpness', 'Appendix F, Theorem F.1'],
  ['f-small-mu-formula', 'Appendix F'],
  ['f-large-mu-formula', 'Appendix F'],
  ['f-small-mu', 'Appendix F'],
  ['f-large-mu', 'Appendix F'],
  ['h1-dataset-size', 'Appendix H.1, Figure 5'],
  ['h2-width-alone', 'Appendix H.2, Figures 37-39'],
  ['h2-width-and-depth', 'Appendix H.2, Figures 42, 43'],
  ['h2-cnn-flattens', 'Appendix H.2, Figure 5'],
  ['h2-batch-norm', 'Appendix H.2'],
  ['h2-resnet-vit', 'Appendix H.2'],
  ['h3-activation', 'Appendix H.3'],
  ['h4-ce-below-gf', 'Appendix H.4'],
  ['h4-ce-transition', 'Appendix H.4'],
  ['h4-ce-large-rates', 'Appendix H.4'],
  ['h4-ce-drop', 'Appendix H.4'],
  ['h4-ce-fails', 'Appendix H.4'],
  ['h5-threshold', 'Appendix H.5, Figure 2'],
  ['h5-architectures', 'Appendix H.5, I.7.1'],
  ['h6-seed', 'Appendix H.6'],
  ['h6-scaled-sharpest-at-init', 'Appendix H.6'],
  ['h6-x5-similar', 'Appendix H.6'],
  ['h6-x10-diverges', 'Appendix H.6, Figure 63'],
  ['h6-x10-norm', 'Appendix H.6, Figure 63'],
  ['h7-mup-flat', 'Appendix H.7, Figure 7'],
  ['h7-mup-norm', 'Appendix H.7, Figure 7'],
  ['h7-mup-transfer', 'Appendix H.7'],
  ['h7-ntk-norm', 'Appendix H.7, Figure 8'],
  ['h7-ntk-order', 'Appendix H.7, Figure 8'],
  ['h7-ntk-sharpest-at-init', 'Appendix H.7, Figure 8'],
  ['h7-ntk-sharpness', 'Appendix H.7, Figure 8'],
  ['h8-iterations', 'Appendix H.8'],
  ['h9-sharpness-measures', 'Appendix H.9, Figure 10'],
  ['h10-distance-grows', 'Appendix H.10'],
  ['h11-eos', 'Appendix H.11'],
  ['h11-norm-monotone', 'Appendix H.11'],
  ['h12-layers', 'Appendix H.12'],
  ['h13-predicted-line', 'Appendix H.13'],
  ['h13-diverges-early', 'Appendix H.13'],
  ['h14-modalities', 'Appendix H.14'],
  ['fig1', 'Figure 1'],
  ['fig2', 'Figure 2'],
  ['fig3-mnist-u', 'Figure 3 (left)'],
  ['fig3-cifar-ce', 'Figure 3 (middle)'],
  ['fig3-typical', 'Figure 3'],
  ['fig3-cifar-mse', 'Figure 3 (right)'],
  ['fig4-u', 'Figure 4d'],
  ['fig5', 'Figure 5'],
  ['fig6-seed', 'Figure 6'],
  ['fig6-scaling', 'Figure 6'],
  ['fig9', 'Figure 9'],
  ['fig10', 'Figure 10'],
  ['fig11', 'Figure 11'],
  ['fig12', 'Figure 12'],
  ['fig13-eos', 'Figure 13'],
  ['fig13-ce-drop', 'Figure 13b'],
  ['fig14', 'Figure 14'],
  ['fig15', 'Figure 15'],
  ['fig16-flow', 'Figure 16'],
  ['fig16-eos', 'Figure 16'],
  ['fig16-kkt', 'Figure 16'],
  ['fig17', 'Figure 17'],
  ['table1-extremes-high', 'Appendix I, Table 1 (U-shape column)'],
];

test('the checklist holds exactly the paper\'s claims, with their sources', () => {
  const listed = PAPER_CLAIMS.filter((c) => !c.id.startsWith('table1-row-')).map((c) => [c.id, c.source]);
  assert.deepEqual(listed, EXPECTED);
});

test('one claim per Table 1 row with a U-shape mark, quoting the mark', () => {
  const rows = PAPER_CLAIMS.filter((c) => c.id.startsWith('table1-row-'));
  const marked = TABLE1.filter((r) => r.uShape !== null);
  assert.equal(marked.length, 47, 'Table 1 has 48 rows; the CNN-ReLU BN row carries no mark');
  assert.deepEqual(rows.map((c) => c.source), marked.map((r) => `Table 1, row ${r.row}`));
  for (const [c, r] of rows.map((c, i) => [c, marked[i]] as const)) {
    assert.deepEqual(c.judge, { by: 'row', row: r.row });
    const mark = r.uShape?.shape === 'U' ? '✓' : '×';
    assert.ok(c.quote.endsWith(`U-shape ${r.uShape?.tentative ? `(${mark})` : mark}`), c.quote);
  }
});

test('claim ids are unique; every check a claim names exists, and every check serves a claim', () => {
  assert.equal(new Set(PAPER_CLAIMS.map((c) => c.id)).size, PAPER_CLAIMS.length);
  const ids = new Set(CLAIMS.map((c) => c.id));
  const used = new Set<string>();
  for (const c of PAPER_CLAIMS) {
    if (c.judge.by === 'checks') for (const k of c.judge.checks) {
      assert.ok(ids.has(k.id), `${c.id} names unknown check ${k.id}`);
      used.add(k.id);
    }
    if (c.written) assert.ok(ids.has(c.written.see), `${c.id}: written diagnosis cites unknown check ${c.written.see}`);
    if (c.judge.by === 'none') assert.ok(c.judge.run.length > 0, `${c.id} says what would run it`);
  }
  assert.deepEqual(CLAIMS.filter((c) => !used.has(c.id)).map((c) => c.id), [], 'a check no paper claim uses is a claim the paper does not make');
});

test('no claim of the paper about a flatter classifier (Appendix F states none)', () => {
  assert.ok(!CLAIMS.some((c) => c.id.startsWith('flatter-classifier')));
});
