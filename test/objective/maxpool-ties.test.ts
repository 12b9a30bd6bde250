/**
 * Max-pool ties (MNIST's constant border makes whole pooling windows equal):
 * the gradient must go to ONE element of a tied window, as in PyTorch and the
 * float64 reference, not to every tied element.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/index.js';
import { makeObjective } from '../../src/objective/index.js';
import { cnnRef } from '../reference/cnn.js';
import { refLossAndGrad } from '../reference/net.js';

test('CNN gradient on inputs with constant regions matches the float64 reference', async () => {
  await initBackend('wasm');
  const n = 3, k = 3, shape: [number, number, number] = [1, 8, 8];
  const d = 64;
  // Zero borders and a constant block: every conv output there equals its bias, so pooling windows tie.
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let r = 2; r < 6; r++) for (let c = 2; c < 6; c++) X[i * d + r * 8 + c] = r < 4 ? 1 + i : 0.5 * ((r * c + i) % 3);
  const Y = new Float32Array(n * k);
  for (let i = 0; i < n; i++) Y[i * k + (i % k)] = 1;
  const spec = { kind: 'cnn' as const, channels: [2, 3], activation: 'relu' as const };
  const model = buildModel(spec, shape, k);
  const theta = model.init(4);
  // Positive biases make the tied values positive, so ReLU does not hide the ties.
  for (const b of model.layout.filter((b) => b.role === 'bias')) theta.fill(0.3, b.offset, b.offset + b.size);
  const ours = makeObjective(model, { X, Y, n, d, k }, 'mse').lossAndGrad(theta);
  const ref = refLossAndGrad(cnnRef({ channels: spec.channels, activation: spec.activation }, shape, k), Float64Array.from(theta), { X, Y, n, d, k }, 'mse');
  let num = 0, den = 0;
  for (let i = 0; i < ref.grad.length; i++) {
    num += (ours.grad[i] - ref.grad[i]) ** 2;
    den += ref.grad[i] ** 2;
  }
  assert.ok(Math.sqrt(num / den) < 1e-5, `relative gradient error ${Math.sqrt(num / den)}`);
});
