import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  endToEndL1Norm, gradientFlowLimit, manifoldSharpness, minimalL1Solution, predictedL1Norm, singlePoint,
} from '../../src/theory/diagonalNet.js';
import { gradientDescent, gradientFlow } from '../../src/theory/dynamics.js';
import { bestKktPoint, gaussianModelRisk } from '../../src/theory/kkt.js';
import { maxAbsDifference } from '../../src/theory/linalg.js';

// The 2-d running example: x0 = (1, 2), y0 = 2.5. Then R(A_l1) = 1.03 < R(A_S) = 2.125, A_opt has
// w∘w = (0.9, 0.8) with R = 0.525 and S_L = 16.4, eta_c = 1/(2 x_max y0) = 0.1, eta_max = 1/(2 x_min y0) = 0.2.
const x0 = [1, 2];
const y0 = 2.5;
const data = singlePoint(x0, y0);
const alpha = 0.01;
const init = [alpha, alpha];
const run = (eta: number) => gradientDescent(init, data, { eta, maxSteps: 200000, lossGoal: 1e-14, recordEvery: 100 });

test('RK4 gradient flow reaches the exact gradient-flow limit, and small-eta GD approaches it linearly in eta', () => {
  const limit = gradientFlowLimit(x0, y0, alpha);
  const flow = gradientFlow(init, data, { maxSteps: 10000, lossGoal: 1e-26, stepFactor: 0.1 });
  assert.equal(flow.outcome, 'converged');
  assert.ok(maxAbsDifference(flow.final, limit) < 1e-6);
  const gaps = [0.001, 0.01].map((eta) => {
    const gd = gradientDescent(init, data, { eta, maxSteps: 100000, lossGoal: 1e-26 });
    assert.equal(gd.outcome, 'converged');
    return maxAbsDifference(gd.final, limit);
  });
  assert.ok(gaps[0] < 1e-3 && gaps[1] / gaps[0] > 5 && gaps[1] / gaps[0] < 15, `gaps ${gaps}`);
});

test('small eta from alpha 1: GD ends near A_l1, up to the alpha-dependent gap of Theorem B.1', (t) => {
  const l1 = minimalL1Solution(x0, y0);
  const distances = [0.1, 0.01, 0.001].map((a) => {
    const gd = gradientDescent([a, a], data, { eta: 0.001, maxSteps: 100000, lossGoal: 1e-26 });
    assert.equal(gd.outcome, 'converged');
    return maxAbsDifference(gd.final, l1);
  });
  t.diagnostic(`max |w_GD - A_l1| for alpha = 0.1, 0.01, 0.001: ${distances.map((v) => v.toFixed(4)).join(', ')}`);
  assert.ok(distances[0] > distances[1] && distances[1] > distances[2] && distances[2] < 0.04);
});

test('tuned eta: GD ends close to A_opt, the unconstrained risk minimiser on M (Figure 4e)', (t) => {
  const gd = run(0.12);
  const best = bestKktPoint(x0, y0, 0.12);
  assert.equal(gd.outcome, 'converged');
  assert.ok(best !== null && !best.constraintActive, 'S_L(A_opt) = 16.4 <= 2/0.12, so A_opt is the solution of (12)');
  const distance = maxAbsDifference(gd.final.map(Math.abs), best.w);
  t.diagnostic(`eta = 0.12: GD limit (${Array.from(gd.final).map((v) => v.toFixed(4))}), A_opt (${Array.from(best.w).map((v) => v.toFixed(4))}), distance ${distance.toFixed(4)}`);
  assert.ok(distance < 0.015);
});

test('edge of stability: GD ends near the solution of (12) (a KKT point with S_L = 2/eta), with sharpness slightly below 2/eta', (t) => {
  for (const eta of [0.13, 0.15, 0.17]) {
    const gd = run(eta);
    assert.equal(gd.outcome, 'converged', `eta = ${eta}`);
    const best = bestKktPoint(x0, y0, eta);
    assert.ok(best !== null && best.constraintActive);
    const distance = maxAbsDifference(gd.final.map(Math.abs), best.w);
    const ratio = (manifoldSharpness(gd.final, x0) * eta) / 2;
    const predicted = predictedL1Norm(x0, y0, eta).l1Norm;
    t.diagnostic(
      `eta = ${eta}: distance to KKT point ${distance.toFixed(4)}, S_L/(2/eta) = ${ratio.toFixed(4)}, ` +
        `||w∘w||_1 GD ${endToEndL1Norm(gd.final).toFixed(4)} vs predicted ${predicted.toFixed(4)}`,
    );
    assert.ok(distance < 0.06, 'close, though not within round-off: GD overshoots the KKT point along M');
    assert.ok(ratio > 0.95 && ratio < 1);
    assert.ok(endToEndL1Norm(gd.final) > predicted && endToEndL1Norm(gd.final) < 1.03 * predicted);
  }
});

test('large eta: non-convergence below eta_max and blow-up above are outcomes, not exceptions', () => {
  const stuck = run(0.19);
  assert.equal(stuck.outcome, 'maxSteps', 'M still has points with S_L <= 2/eta, yet GD does not converge');
  assert.ok(Math.abs(stuck.final[0]) < 1e-12 && stuck.finalLoss > 1e-3, 'w_1 dies out and w_2 keeps oscillating');
  const blown = run(0.25);
  assert.equal(blown.outcome, 'diverged');
  assert.ok(blown.steps < 100 && blown.iterates.length >= 2);
});

test('the risk of the GD limit is U-shaped in eta (Figure 4d); late edge-of-stability limits are worse than A_l1 here', (t) => {
  const etas = [0.05, 0.1, 0.11, 0.12, 0.13, 0.15, 0.17, 0.18];
  const risks = etas.map((eta) => {
    const gd = run(eta);
    assert.equal(gd.outcome, 'converged');
    return gaussianModelRisk(gd.final);
  });
  const l1Risk = gaussianModelRisk(minimalL1Solution(x0, y0));
  t.diagnostic(`R(GD limit) for eta = ${etas.join(', ')}: ${risks.map((r) => r.toFixed(3)).join(', ')}; R(A_l1) = ${l1Risk}`);
  const best = risks.indexOf(Math.min(...risks));
  assert.equal(etas[best], 0.12);
  assert.ok(risks[0] > risks[best] + 0.4 && risks[risks.length - 1] > risks[best] + 1);
  // Section 3 says all convergent edge-of-stability trajectories beat R(M_l1); in this example that fails from eta ~ 0.16.
  assert.ok(risks[etas.indexOf(0.17)] > l1Risk && risks[etas.indexOf(0.18)] > l1Risk);
});

test('a loss-goal stopping rule can stop on an unstable point: eta = 0.199 "converges" to A_l1 with S_L ≈ 2 * 2/eta', () => {
  const gd = run(0.199);
  assert.equal(gd.outcome, 'converged');
  assert.ok(maxAbsDifference(gd.final.map(Math.abs), minimalL1Solution(x0, y0)) < 1e-6);
  assert.ok((manifoldSharpness(gd.final, x0) * 0.199) / 2 > 1.9, 'far beyond the stability bound: a transient passage, not a limit');
});
