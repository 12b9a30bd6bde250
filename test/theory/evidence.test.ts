import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logisticDerivative } from '../../src/theory/classificationToy.js';
import { classificationToyEvidence, diagonalNetEvidence } from '../../src/theory/evidence.js';

const byItem = <T extends { item: string }>(rows: T[], item: string): T => {
  const row = rows.find((r) => r.item === item);
  assert.ok(row, `item ${item}`);
  return row;
};

test('diagonal-net evidence: Lemma D.2 is off by 4 (4 y x_min = 3), Prop. E.2 (i) printed risk far above the corrected one', () => {
  const rows = diagonalNetEvidence();
  const d2 = byItem(rows, '1.1');
  assert.equal(d2.paper, 0.75);
  assert.ok(Math.abs(d2.computed - 4 * 1.5 * 0.5) < 1e-12 && d2.verdict === 'disagrees');
  const e2 = byItem(rows, '3.1');
  // FINDINGS 3.1: 0.3560 ± 0.0003 corrected (50000 draws), 3.895 printed.
  assert.ok(Math.abs(e2.computed - 0.356) < 0.003 && Math.abs(e2.paper - 3.895) < 0.03 && e2.verdict === 'disagrees', JSON.stringify(e2));
});

test('classification-toy evidence: Theorem F.1 minimum confirmed in closed form, both printed asymptotics disagree', () => {
  const rows = classificationToyEvidence();
  const f1 = byItem(rows, '5.3');
  // FINDINGS 5.3 written out: S(1, 0) = (1/4) (g'(0) + 2 g'(1) + sqrt(g'(0)^2 + (2 g'(1))^2)).
  const g0 = logisticDerivative(0);
  const g1 = logisticDerivative(1);
  const closedForm = 0.25 * (g0 + 2 * g1 + Math.hypot(g0, 2 * g1));
  assert.ok(Math.abs(f1.computed - closedForm) < 1e-12, `${f1.computed} vs ${closedForm}`);
  assert.ok(Math.abs(f1.computed - f1.paper) < 5e-4 && f1.verdict === 'confirmed');
  const small = byItem(rows, '5.4');
  assert.ok(Math.abs(small.computed - 0.75) < 0.003 && Math.abs(small.paper - 0.8045) < 1e-3 && small.verdict === 'disagrees');
  const large = byItem(rows, '5.5');
  assert.ok(large.computed < 1e-2 * large.paper && large.verdict === 'disagrees');
});

test('only Theorem F.1\'s 0.277 is a number printed in the paper; the other paper values are its formulas evaluated by us', () => {
  const rows = [...diagonalNetEvidence(), ...classificationToyEvidence()];
  assert.deepEqual(rows.filter((r) => r.paperKind === 'printed').map((r) => [r.item, Number(r.paper.toFixed(3))]), [['5.3', 0.277]]);
});
