import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { accuracyByModel, cachedCalibration, checkPredictions, edgeRuns, finalHvpsOf, flowSteps, hvpsPerEstimateAt, machineSpeed, observations, observe, PLAN_MODEL, planCost, planFile, predictionAccuracy, readPlan, recordPredictions, saveCalibration, savePlan, secondsPerGdStep, stretchAt, type Calibration, type ExperimentPlan, type Observation } from '../../src/sweep/cost.js';
import { planExperiment } from '../../src/sweep/plan.js';
import { buildProblem } from '../../src/sweep/problem.js';
import { runFlow, runGd } from '../../src/sweep/runner.js';
import { Experiment, type FlowResult, type GdResult } from '../../src/sweep/schema.js';
import { ResultStore } from '../../src/sweep/store.js';

const obs = (x: number, stretch: number, finalHvps: number | null = null): Observation => ({ experiment: 'e', lossGoal: 0.1, x, stretch, hvpsPerEstimate: 10, finalHvps });

test("final spectrum's products: the median of the experiment's own runs, else of every run's, else 0 (older records count them among the estimates)", () => {
  assert.equal(finalHvpsOf([obs(1, 1, 70), obs(2, 1, 90), obs(3, 1, null), obs(4, 1, 80)], [obs(1, 1, 10)]), 80);
  assert.equal(finalHvpsOf([obs(1, 1, null)], [obs(1, 1, 30), obs(2, 1, 50)]), 40);
  assert.equal(finalHvpsOf([], [obs(1, 1, null)]), 0);
});

test('stretch: the prior max(1, x/2) without observations; log-linear between them, constant beyond, ties allowed', () => {
  assert.equal(stretchAt(0.5, []), 1);
  assert.equal(stretchAt(6, []), 3);
  const o = [obs(1, 1), obs(4, 3), obs(4 * (1 + 1e-15), 5)];
  assert.equal(stretchAt(0.5, o), 1);
  assert.ok(Math.abs(stretchAt(2, o) - 2) < 1e-12, 'halfway in log x between 1 and 4');
  assert.ok(Number.isFinite(stretchAt(4 * (1 + 5e-16), o)));
  assert.equal(stretchAt(10, o), 5);
});

test('flow steps: h = min(1/lambda, maxStep) with lambda linear from s0 to s_GF integrates to T (s0 + s_GF) / 2', () => {
  const e = Experiment.parse({ id: 'x', dataset: 'mnist-5k', model: { kind: 'fcn' }, loss: 'mse', lossGoals: [0.1] });
  assert.equal(flowSteps(e, 4, 10, 20), 140);
  // Below 1/maxStep the step is capped: lambda counts as 1 / maxStep = 1.
  assert.equal(flowSteps(e, 0.2, 0.5, 20), 20);
  const c: Calibration = { gradSeconds: 0.05, hvpSeconds: 0.06, evalSeconds: 0.1, peakRssMb: 400, threads: 1, backend: 'wasm' };
  assert.ok(Math.abs(secondsPerGdStep(e, c, 10) - (0.05 + 0.1 / 10 + (10 * 0.06) / 10)) < 1e-15);
});

test('plan: predicted steps of an unseen rate within a factor of 2 of the run, and the prediction is checked once it ran', async () => {
  await initBackend('wasm');
  const experiment = Experiment.parse({ id: 'cost-diag', dataset: 'diagonal:2:7', model: { kind: 'diagonal', alpha: 0.1 }, loss: 'mse', lossGoals: [1e-3], record: { every: 5, sharpnessEvery: 5 }, grid: { rates: [0.02, 0.05, 0.1] } });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-cost-')));
  const problem = await buildProblem(experiment);
  try {
    await runFlow(problem, store, () => {});
    const [slow, fast] = [0.02, 0.1].map((lr) => runGd(problem, store, lr, 1e-3, { log: () => {} }));
    const blowUp = runGd(problem, store, 100, 1e-3, { log: () => {} });
    assert.equal(blowUp.outcome, 'diverged');
    const context = observations(store);
    // The edge: the diverged run and the highest converged rate below it, as steps * eta / T_GF.
    const time = (store.readFlow(planExperiment(experiment, store)[0].key)?.sGF ?? []).find((p) => p.lossGoal === 1e-3)?.time ?? NaN;
    assert.deepEqual(context.edgeStretches.sort((a, b) => a - b), [(fast.steps * 0.1) / time, (blowUp.steps * 100) / time].sort((a, b) => a - b));
    // The curve is of the runs inside: the edge run (0.1, the highest converged below the divergence) is not on it.
    assert.deepEqual(context.observations.map((o) => o.stretch), [(slow.steps * 0.02) / time]);
    const calibration: Calibration = { gradSeconds: 1e-3, hvpSeconds: 1e-3, evalSeconds: 1e-3, peakRssMb: 1, threads: 1, cpuPerWall: 1.5, backend: 'wasm' };
    const plan = planCost(experiment, planExperiment(experiment, store), calibration, context, []);
    assert.equal(plan.flowSource, 'flow');
    assert.deepEqual(plan.predicted.map((p) => p.lr), [0.05]);
    recordPredictions(store, [plan]);
    const actual = runGd(problem, store, 0.05, 1e-3, { log: () => {} });
    // The final spectrum's products are a cost of their own, not spread over the estimates.
    const final = actual.finalSpectrum?.hvps ?? NaN;
    const flow = context.flows[0];
    assert.ok(final > 0);
    assert.deepEqual(observe(actual, flow), { experiment: 'cost-diag', lossGoal: 1e-3, x: (0.05 * (flow.sGF[0].sGF)) / 2, stretch: (actual.steps * 0.05) / time, hvpsPerEstimate: (actual.provenance.hvps - final) / (Math.floor(actual.steps / 5) + 2), finalHvps: final });
    const ratio = plan.predicted[0].steps / actual.steps;
    assert.ok(ratio > 0.5 && ratio < 2, `predicted ${plan.predicted[0].steps} steps, ran ${actual.steps}`);
    const [check] = checkPredictions(store, [actual]);
    assert.equal(check.actualSteps, actual.steps);
    assert.equal(check.predictedSteps, plan.predicted[0].steps);
    assert.equal(check.model, PLAN_MODEL);
    // A run whose clock covers only its last attempt is not judged: neither its cost nor its start is known.
    assert.deepEqual(checkPredictions(store, [{ ...actual, provenance: { ...actual.provenance, partialClock: true } }]), []);
    // Time is compared in CPU seconds: the run records its process's, the prediction is wall time at the calibration's CPU per wall second.
    assert.equal(check.clock, 'cpu');
    assert.equal(check.actualSeconds, actual.provenance.cpuSeconds);
    assert.equal(check.predictedSeconds, plan.predicted[0].seconds * 1.5);
    const cpu = actual.provenance.cpuSeconds ?? NaN;
    assert.ok(cpu > 0 && cpu <= 2.5 * actual.provenance.wallSeconds + 0.05, `run CPU ${cpu} s over ${actual.provenance.wallSeconds} s wall`);
  } finally {
    problem.dispose();
  }
});

test('plan before the flow: an analogue flow (same data, loss, goal) predicts the flow and the initial schedule; none: not predictable', async () => {
  await initBackend('wasm');
  const base = { dataset: 'diagonal:2:7', loss: 'mse', lossGoals: [1e-3], record: { every: 5, sharpnessEvery: 5 } } as const;
  const ran = Experiment.parse({ ...base, id: 'ran', model: { kind: 'diagonal', alpha: 0.1 } });
  const twin = Experiment.parse({ ...base, id: 'twin', model: { kind: 'diagonal', alpha: 0.2 } });
  const other = Experiment.parse({ ...base, id: 'other', model: { kind: 'diagonal', alpha: 0.1 }, lossGoals: [1e-4] });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-cost-')));
  const problem = await buildProblem(ran);
  try {
    await runFlow(problem, store, () => {});
  } finally {
    problem.dispose();
  }
  const calibration: Calibration = { gradSeconds: 1e-3, hvpSeconds: 1e-3, evalSeconds: 1e-3, peakRssMb: 1, threads: 1, backend: 'wasm' };
  const context = observations(store);
  const plan = planCost(twin, planExperiment(twin, store), calibration, context, []);
  assert.equal(plan.flowSource, 'analogue ran');
  assert.ok(plan.predictable);
  assert.equal(plan.predicted.filter((p) => p.kind === 'flow').length, 1);
  assert.ok(plan.predicted.filter((p) => p.kind === 'gd').length >= 10, 'the appendix G schedule');
  const none = planCost(other, planExperiment(other, store), calibration, context, []);
  assert.equal(none.predictable, false);
  assert.deepEqual(none.predicted, []);
  // The parameterization must match: a standard net's flow does not price a muP net's, another muP net's does.
  const fcn = (id: string, parameterization: string, width: number) => Experiment.parse({ ...base, id, model: { kind: 'fcn', widths: [width], parameterization } });
  const asFlowOf = (e: Experiment): FlowResult => ({ ...context.flows[0], experiment: e });
  const mup = fcn('mup', 'mup', 100);
  const fromStandard = planCost(mup, planExperiment(mup, store), calibration, { ...context, flows: [asFlowOf(fcn('standard', 'standard', 100))] }, []);
  assert.equal(fromStandard.predictable, false);
  const fromMup = planCost(mup, planExperiment(mup, store), calibration, { ...context, flows: [asFlowOf(fcn('standard', 'standard', 100)), asFlowOf(fcn('mup-wide', 'mup', 400))] }, []);
  assert.equal(fromMup.flowSource, 'analogue mup-wide');
});

test("predictions: the first of each model is kept; an older model's prediction of a run not begun gives way to the current one", () => {
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-predictions-')));
  const file = join(store.dir, 'plan', 'predictions.json');
  const calibration: Calibration = { gradSeconds: 1, hvpSeconds: 1, evalSeconds: 1, peakRssMb: 10, threads: 1, backend: 'wasm' };
  const plan = (steps: number): ExperimentPlan => ({
    id: 'x', table1Rows: [], flowSource: 'flow', done: 0, diverged: 0, left: 2, predictable: true, coreHoursLeft: 1, hoursDone: 0, peakRssMb: 10, calibration,
    predicted: ['gd-old', 'gd-new', 'gd-begun'].map((key) => ({ key, kind: 'gd' as const, edge: false, lr: 0.1, lossGoal: 0.01, steps, hvps: 1, seconds: steps })),
  });
  recordPredictions(store, [plan(100)]);
  // gd-old as a plan before predictions kept their model wrote it.
  const first = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { steps: number; model?: number }>;
  delete first['gd-old'].model;
  delete first['gd-begun'].model;
  writeFileSync(file, JSON.stringify(first));
  // gd-begun was paused with its state saved: a prediction made now would be later than its start.
  mkdirSync(join(store.dir, 'state'), { recursive: true });
  writeFileSync(store.statePath('gd-begun'), '{}');
  recordPredictions(store, [plan(300)]);
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { steps: number; model?: number }>;
  assert.deepEqual([kept['gd-old'].steps, kept['gd-old'].model], [300, PLAN_MODEL], 'remade by the current model');
  assert.deepEqual([kept['gd-new'].steps, kept['gd-new'].model], [100, PLAN_MODEL], 'the first prediction of the current model stays');
  assert.deepEqual([kept['gd-begun'].steps, kept['gd-begun'].model], [100, undefined], 'a run that has begun keeps the older prediction');
});

test('prediction accuracy by model: the current model judged on its own predictions, each earlier one apart, newest first', () => {
  const check = (ratio: number, model: number) => ({ key: 'k', experiment: 'e', clock: 'cpu' as const, predictedSteps: ratio, actualSteps: 1, predictedSeconds: ratio, actualSeconds: 1, edge: false, model });
  const [current, earlier, earliest] = accuracyByModel([check(1, PLAN_MODEL), check(1.5, PLAN_MODEL), check(0.1, PLAN_MODEL - 2), check(4, PLAN_MODEL - 1)]);
  assert.match(current, new RegExp(`^The current plan model's predictions \\(model ${PLAN_MODEL}\\), made before the run, against the 2 runs that finished since: predicted/actual steps median 1\\.25, range 1\\.00-1\\.50, 2 of 2 within a factor of 2;`));
  assert.match(earlier, new RegExp(`^Model ${PLAN_MODEL - 1}'s predictions, against 1 finished runs: predicted/actual steps median 4\\.00, range 4\\.00-4\\.00, 0 of 1 within a factor of 2;`));
  assert.match(earliest, new RegExp(`^Model ${PLAN_MODEL - 2}'s predictions, against 1 finished runs: predicted/actual steps median 0\\.10,`));
  assert.deepEqual(accuracyByModel([check(4, PLAN_MODEL - 1)])[0], `No run predicted by the current plan model (model ${PLAN_MODEL}) has finished yet.`);
});

test('the plan file: saved without --experiment, read back validated; a corrupt one is a named error', () => {
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-planfile-')));
  assert.equal(readPlan(store), null);
  const calibration: Calibration = { gradSeconds: 1, hvpSeconds: 1, evalSeconds: 1, peakRssMb: 10, threads: 2, backend: 'wasm' };
  const plan: ExperimentPlan = { id: 'x', table1Rows: [3], flowSource: 'flow', done: 2, diverged: 1, left: 1, predicted: [{ key: 'gd-1', kind: 'gd', edge: false, lr: 0.1, lossGoal: 0.01, steps: 100, hvps: 120, seconds: 3600 }], predictable: true, coreHoursLeft: 2, hoursDone: 0.5, peakRssMb: 10, calibration };
  savePlan(store, planFile([plan], []));
  const read = readPlan(store);
  assert.deepEqual(read?.experiments.map((e) => [e.id, e.done, e.gdSteps, e.hvps, e.coreHoursLeft]), [['x', 3, 100, 120, 2]]);
  // A plan of one experiment (--experiment) replaces its entry and keeps the others, cheapest first.
  savePlan(store, planFile([{ ...plan, id: 'y', coreHoursLeft: 1 }], []));
  savePlan(store, planFile([{ ...plan, coreHoursLeft: 0.5 }], []));
  assert.deepEqual(readPlan(store)?.experiments.map((e) => [e.id, e.coreHoursLeft]), [['x', 0.5], ['y', 1]]);
  writeFileSync(join(store.dir, 'plan', 'plan.json'), '{"format":1}');
  assert.throws(() => readPlan(store), /plan\.json is not a valid plan/);
});

test('prediction accuracy: steps and time separately, each with median, range and the share within a factor of 2', () => {
  const check = (predictedSteps: number, actualSteps: number, predictedSeconds: number, actualSeconds: number, clock: 'cpu' | 'wall' = 'wall', edge = false, experiment = 'e') => ({ key: 'k', experiment, clock, predictedSteps, actualSteps, predictedSeconds, actualSeconds, edge, model: PLAN_MODEL });
  const runsOnly = (text: string) => text.replace(/; per experiment, .*$/, '');
  const text = predictionAccuracy([check(100, 100, 10, 40), check(90, 100, 10, 20), check(300, 100, 10, 10)]);
  assert.equal(
    runsOnly(text),
    'predicted/actual steps median 1.00, range 0.90-3.00, 2 of 3 within a factor of 2; predicted/actual wall time (runs recorded before CPU time was) median 0.50, range 0.25-1.00, 2 of 3 within a factor of 2',
  );
  // CPU and wall clocks are judged apart: a loaded machine stretches wall time only.
  assert.equal(
    runsOnly(predictionAccuracy([check(1, 1, 1, 1, 'cpu'), check(1, 1, 3, 1, 'cpu'), check(1, 1, 1, 4)])),
    'predicted/actual steps median 1.00, range 1.00-1.00, 3 of 3 within a factor of 2; predicted/actual CPU time median 2.00, range 1.00-3.00, 1 of 2 within a factor of 2; predicted/actual wall time (runs recorded before CPU time was) median 0.25, range 0.25-0.25, 0 of 1 within a factor of 2',
  );
  assert.doesNotMatch(predictionAccuracy([check(1, 1, 1, 1, 'cpu')]), /wall/);
  // Runs at the edge of divergence are judged apart: a long hover there does not hide how the others were predicted.
  assert.equal(
    runsOnly(predictionAccuracy([check(1, 1, 1, 1, 'cpu'), check(500, 16000, 10, 300, 'cpu', true)])),
    'predicted/actual steps median 1.00, range 1.00-1.00, 1 of 1 within a factor of 2; predicted/actual CPU time median 1.00, range 1.00-1.00, 1 of 1 within a factor of 2; the 1 runs at the edge of divergence (between the highest rate that converged and the lowest that failed, where GD can hover for long before it converges, diverges or stalls), judged apart: predicted/actual steps median 0.03, range 0.03-0.03, 0 of 1 within a factor of 2; predicted/actual CPU time median 0.03, range 0.03-0.03, 0 of 1 within a factor of 2',
  );
  assert.match(predictionAccuracy([check(1, 2, 1, 1, 'cpu', true)]), /^the 1 runs at the edge/);
  // Each experiment as a whole, edge runs included: a hover that misses one run by 30x can leave the experiment's total
  // within 2x. Time is summed only over an experiment whose runs share one clock.
  assert.match(
    predictionAccuracy([check(1000, 1000, 100, 100, 'cpu', false, 'a'), check(100, 400, 10, 40, 'cpu', true, 'a'), check(10, 10, 1, 1, 'cpu', false, 'b'), check(10, 30, 1, 3, 'wall', false, 'b')]),
    /; per experiment, its checked runs summed \(edge runs included: the cost a plan is made for; time only where all its runs have one clock\), predicted\/actual steps median 0\.64, range 0\.50-0\.79, 2 of 2 within a factor of 2; predicted\/actual CPU time median 0\.79, range 0\.79-0\.79, 1 of 1 within a factor of 2$/,
  );
});

test('a cached calibration is reused on a machine of about its speed only; machineSpeed measures this one', async () => {
  await initBackend('wasm');
  const e = Experiment.parse({ id: 'speed', dataset: 'mnist-5k', model: { kind: 'fcn' }, loss: 'mse', lossGoals: [0.1] });
  const store = new ResultStore(mkdtempSync(join(tmpdir(), 'eos-speed-')));
  const speed = machineSpeed();
  assert.ok(Number.isFinite(speed) && speed > 0.1, `machine speed ${speed} GFLOP/s`);
  const calibration: Calibration = { gradSeconds: 1, hvpSeconds: 1, evalSeconds: 1, peakRssMb: 1, threads: 1, cpuPerWall: 1, machineGflops: 100, backend: 'wasm' };
  assert.equal(cachedCalibration(e, store, 100, null), null, 'nothing cached yet');
  saveCalibration(e, store, calibration);
  assert.deepEqual(cachedCalibration(e, store, 110, null), calibration, 'within 30%: the same machine');
  assert.equal(cachedCalibration(e, store, 160, null), null, 'a faster machine calibrates again');
  assert.equal(cachedCalibration(e, store, 60, 'boot-b'), null, 'a slower one too');
  // Made in this boot: this machine, however busy it is now.
  saveCalibration(e, store, { ...calibration, bootId: 'boot-a' });
  assert.equal(cachedCalibration(e, store, 40, 'boot-a')?.bootId, 'boot-a', 'the same boot, read at 40% of its speed by a busy machine');
  assert.equal(cachedCalibration(e, store, 40, 'boot-b'), null, 'another boot at another speed');
  assert.equal(cachedCalibration(e, store, 110, 'boot-b')?.bootId, 'boot-a', 'another boot at about its speed');
  const { machineGflops: _, ...older } = calibration;
  saveCalibration(e, store, older);
  assert.equal(cachedCalibration(e, store, 100, null), null, 'one that does not say its machine is made again');
});

// Only what edgeRuns and the plan read of a finished run: its key, experiment, goal, rate, outcome and steps.
const finished = (id: string, lr: number, outcome: GdResult['outcome'], steps = 100, lossGoal = 0.1) =>
  ({ kind: 'gd', key: `${id}-${lr}-${lossGoal}`, experiment: { id }, lr, lossGoal, outcome, steps }) as unknown as GdResult;

test('edge runs: every diverged run and the highest converged rate below a divergence, per experiment and goal', () => {
  const runs = [finished('a', 0.1, 'converged'), finished('a', 0.2, 'converged'), finished('a', 0.3, 'diverged'), finished('a', 0.4, 'diverged'), finished('b', 0.1, 'converged'), finished('b', 0.2, 'converged'), finished('a', 0.5, 'converged', 100, 0.01)];
  assert.deepEqual([...edgeRuns(runs)].sort(), ['a-0.2-0.1', 'a-0.3-0.1', 'a-0.4-0.1']);
  // A converged rate above a divergence (a refinement that made it) is the edge, not the rate below it.
  assert.deepEqual([...edgeRuns([...runs, finished('a', 0.35, 'converged')])].sort(), ['a-0.3-0.1', 'a-0.35-0.1', 'a-0.4-0.1']);
  // A stall is a failure like a divergence, as the schedule counts it; a run stopped at the step cap is not.
  assert.deepEqual([...edgeRuns([...runs, finished('b', 0.3, 'stalled'), finished('b', 0.4, 'max-steps')])].sort(), ['a-0.2-0.1', 'a-0.3-0.1', 'a-0.4-0.1', 'b-0.2-0.1', 'b-0.3-0.1']);
});

test('plan: a rate between the highest converged and a diverged one is predicted at the mean edge stretch, the others on the curve', () => {
  const e = Experiment.parse({ id: 'a', dataset: 'mnist-5k', model: { kind: 'fcn' }, loss: 'mse', lossGoals: [0.1], record: { every: 10, sharpnessEvery: 0 } });
  const flow = { kind: 'flow', key: 'flow-a', experiment: e, s0: 1, sGF: [{ lossGoal: 0.1, sGF: 10, time: 10 }], provenance: { wallSeconds: 1 } } as unknown as FlowResult;
  const runs = [finished('a', 0.1, 'converged'), finished('a', 0.2, 'converged'), finished('a', 0.4, 'diverged')];
  const observed: Observation[] = [{ ...obs(0.5, 1), experiment: 'a' }, { ...obs(1, 2), experiment: 'a' }];
  const tasks = [{ kind: 'flow' as const, experiment: e, key: 'flow-a', state: 'done' as const }, ...[0.15, 0.3].map((lr) => ({ kind: 'gd' as const, experiment: e, key: `gd-${lr}`, lr, lossGoal: 0.1, state: 'missing' as const }))];
  const calibration: Calibration = { gradSeconds: 1, hvpSeconds: 1, evalSeconds: 1, peakRssMb: 1, threads: 1, backend: 'wasm' };
  const plan = planCost(e, tasks, calibration, { flows: [flow], gd: runs, observations: observed, edgeStretches: [2, 10, 30] }, []);
  const [inside, edge] = plan.predicted;
  assert.equal(inside.edge, false);
  // x = 0.15 * 10 / 2 = 0.75: log-linear between the observations at x = 0.5 (stretch 1) and x = 1 (stretch 2).
  const w = Math.log(0.75 / 0.5) / Math.log(2);
  assert.equal(inside.steps, Math.ceil((10 / 0.15) * (1 + w)));
  assert.equal(edge.edge, true);
  assert.equal(edge.steps, Math.ceil((10 / 0.3) * 14));
});

test('plan: Lanczos products per sharpness estimate follow the regime, interpolated over x (own runs where they bracket it, else all)', () => {
  const e = Experiment.parse({ id: 'a', dataset: 'mnist-5k', model: { kind: 'fcn' }, loss: 'mse', lossGoals: [0.1], record: { every: 10, sharpnessEvery: 10 } });
  const flow = { kind: 'flow', key: 'flow-a', experiment: e, s0: 1, sGF: [{ lossGoal: 0.1, sGF: 10, time: 10 }], provenance: { wallSeconds: 1 } } as unknown as FlowResult;
  // Flow-aligned runs (x < 1) converge in 3 products per estimate, runs at the edge of stability take 12.
  const observed: Observation[] = [{ ...obs(0.25, 1), experiment: 'a', hvpsPerEstimate: 3 }, { ...obs(0.5, 1), experiment: 'a', hvpsPerEstimate: 3 }, { ...obs(2, 1), experiment: 'a', hvpsPerEstimate: 12 }, { ...obs(4, 1), experiment: 'a', hvpsPerEstimate: 12 }];
  const tasks = [{ kind: 'flow' as const, experiment: e, key: 'flow-a', state: 'done' as const }, ...[0.08, 0.2, 0.6].map((lr) => ({ kind: 'gd' as const, experiment: e, key: `gd-${lr}`, lr, lossGoal: 0.1, state: 'missing' as const }))];
  const calibration: Calibration = { gradSeconds: 1, hvpSeconds: 2, evalSeconds: 0, peakRssMb: 1, threads: 1, backend: 'wasm' };
  const plan = planCost(e, tasks, calibration, { flows: [flow], gd: [], observations: observed, edgeStretches: [] }, []);
  // x = 0.4, 1 and 3: 3 products (between the flow-aligned observations), halfway in log x from 3 to 12 (x = 1 lies
  // halfway between 0.5 and 2), and 12.
  const perEstimate = [3, 7.5, 12];
  plan.predicted.forEach((p, i) => {
    assert.equal(p.hvps, Math.round((Math.floor(p.steps / 10) + 2) * perEstimate[i]), `hvps at lr ${p.lr}`);
    assert.ok(Math.abs(p.seconds - p.steps * (1 + (perEstimate[i] * 2) / 10)) < 1e-9, `seconds at lr ${p.lr}`);
  });
  assert.deepEqual(hvpsPerEstimateAt(1, []), 10, 'the default without observations');
  // Beyond the experiment's own runs every experiment's runs count: with only flow-aligned runs of its own, a rate at
  // the edge of stability takes what other experiments' runs there took.
  const flowAlignedOnly = observed.slice(0, 2);
  const pooled = [...flowAlignedOnly, { ...obs(2, 1), experiment: 'b', hvpsPerEstimate: 12 }, { ...obs(8, 1), experiment: 'b', hvpsPerEstimate: 20 }];
  const beyond = planCost(e, [tasks[0], tasks[1], tasks[3]], calibration, { flows: [flow], gd: [], observations: pooled, edgeStretches: [] }, []);
  // x = 0.4 lies between the own runs (3 products); x = 3 beyond them: log-linear between b's x = 2 (12) and 8 (20).
  const at3 = 12 + (Math.log(3 / 2) / Math.log(4)) * 8;
  assert.deepEqual(beyond.predicted.map((p) => p.hvps), [Math.round((Math.floor(beyond.predicted[0].steps / 10) + 2) * 3), Math.round((Math.floor(beyond.predicted[1].steps / 10) + 2) * at3)]);
});
