/**
 * The trainer on the reference engine: the science (the staircase of the two-layer network on D3),
 * outcomes, checkpoints. Budgets are small; long runs belong to benchmarks and examples.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TensorEngine } from '../../../src/learn/engine/engine.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { referenceEngine } from '../../../src/learn/engine/reference.js';
import { lossWindow } from '../../../src/learn/lossLog.js';
import { onLogGrid } from '../../../src/learn/metrics.js';
import { type RunConfig, RunConfigSchema } from '../../../src/learn/runConfig.js';
import { successRuleText } from '../../../src/learn/success.js';
import { type Checkpoint, type Progress, runTraining } from '../../../src/learn/trainer.js';

/** The reference engine, writing every step's loss into `losses` (one step per call). */
function recording(losses: number[]): TensorEngine {
  return {
    ...referenceEngine,
    open: async (setup) => {
      const session = await referenceEngine.open(setup);
      return {
        ...session,
        steps: undefined,
        step: async (batch) => {
          const loss = await session.step(batch);
          losses.push(loss);
          return loss;
        },
      };
    },
  };
}

function config(overrides: Record<string, unknown>): RunConfig {
  return RunConfigSchema.parse({
    group: 'D3',
    encoding: { kind: 'powers', powers: [0, 30, 3000] },
    k: 2,
    model: { kind: 'mlp', H: 180 },
    train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 2500, clip: 0.1, stopOnSuccess: false },
    engine: { name: 'reference' },
    ...overrides,
  });
}

describe('the two-layer staircase on D3, powers [0, 30, 3000] (H = 180, init 1e-3, per-neuron SGD, lr 1e-2, clip 0.1)', () => {
  test('the loss sits near 505, then near 5, and the 2-D irrep is acquired first (reference engine)', async () => {
    const r = await runTraining(config({}), referenceEngine);
    const loss = r.metrics.loss;
    assert.ok(Math.abs(loss[0].loss - 505) / 505 < 0.02, `initial loss ${loss[0].loss}`);
    // The first plateau: the loss starts within 2% of 505 (at this learning rate it leaves soon).
    assert.ok(loss.filter((p) => p.step <= 5).every((p) => Math.abs(p.loss - 505) / 505 < 0.02));
    // The second plateau: from step 500 to the end, the loss stays at 5 (median within 2%, every
    // point within 3%: a slow oscillation of ±0.1 rides on it).
    const late = loss.filter((p) => p.step >= 500).map((p) => p.loss);
    assert.ok(late.length > 10);
    const median = [...late].sort((a, b) => a - b)[Math.floor(late.length / 2)];
    assert.ok(Math.abs(median - 5) / 5 < 0.02, `median late loss ${median}`);
    for (const l of late) assert.ok(Math.abs(l - 5) / 5 < 0.03, `loss ${l} is off the plateau at 5`);
    assert.equal(r.metrics.events[0]?.label, 'rot1');
    assert.ok(
      !r.metrics.events.some((e) => e.label === 'sign'),
      'sign is not yet acquired within 2500 steps',
    );
    assert.deepEqual(r.predicted.order, ['rot1', 'sign']);
  });

  test('with 12,000 steps the sign irrep follows; the logged loss is smooth through the period-2 cycle after it (onnx engine, the default)', async () => {
    const r = await runTraining(
      config({ train: { ...config({}).train, steps: 12_000 } }),
      await createEngine('onnx'),
    );
    assert.deepEqual(
      r.metrics.events.map((e) => e.label),
      ['rot1', 'sign'],
    );
    // After the sign irrep the full-batch loss alternates step to step (about 0.01 and 0.09 here).
    // Each logged point is the mean over its window, so neighbours agree; the loss of the single
    // step on the grid jumped by 10× between neighbours (0.007 ↔ 0.1).
    // From one window after the sign's acquisition (the windows before it still hold the drop).
    const sign = r.metrics.events[1].step;
    const late = r.metrics.loss.filter((p) => p.step > 1.15 * sign);
    assert.ok(late.length >= 10, `${late.length} points`);
    for (let i = 1; i < late.length; i++) {
      const ratio = late[i].loss / late[i - 1].loss;
      assert.ok(
        ratio < 1.5 && ratio > 1 / 1.5,
        `step ${late[i].step}: ${late[i - 1].loss} → ${late[i].loss}`,
      );
    }
    for (const p of late) assert.ok(p.loss < 0.1, `loss ${p.loss} at step ${p.step}`);
  });
});

describe('the success rule', () => {
  // The D3 staircase stopping on success: after the 2-D irrep alone the loss is 5 of 505 (a 99 %
  // drop) and every sequence decodes, while the sign irrep (power 30) is not learned yet.
  const staircase = (train: Record<string, unknown>) =>
    config({ train: { ...config({}).train, steps: 800, stopOnSuccess: true, ...train } });

  test('by default a run with an irrep of nonzero power not learned has not succeeded', async () => {
    const r = await runTraining(staircase({}), await createEngine('onnx'));
    assert.deepEqual(
      r.metrics.events.map((e) => e.label),
      ['rot1'],
    );
    assert.equal(r.outcome, 'failed', r.reason);
    assert.equal(r.finalAccuracy, 1);
    assert.ok(r.finalLoss < 0.02 * r.initialLoss, `loss ${r.finalLoss}: the loss bar alone is met`);
    assert.match(r.reason, /sign at 0% of its power/);
  });

  test('the loss bar alone (everyIrrep: false) accepts it as soon as the 2-D irrep is learned', async () => {
    const r = await runTraining(staircase({ everyIrrep: false }), await createEngine('onnx'));
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.ok(r.steps < 400, `stopped at step ${r.steps}`);
    assert.match(r.reason, /^accuracy 1, loss ≤ 2% of the start:/);
  });

  test('the defaults: a 98 % loss drop and every irrep, said in words', () => {
    const train = config({}).train;
    assert.equal(train.lossReduction, 0.98);
    assert.equal(train.everyIrrep, true);
    assert.equal(
      successRuleText(train),
      'accuracy 1, loss ≤ 2% of the start, every irrep ≥ 90% of its power',
    );
    assert.equal(
      successRuleText({ lossReduction: 0.9, everyIrrep: false }),
      'accuracy 1, loss ≤ 10% of the start',
    );
  });
});

describe('the loss log', () => {
  test('each logged point is the mean of the step losses over its window (about 11 % of the step)', async () => {
    const losses: number[] = [];
    const engine = recording(losses);
    const r = await runTraining(
      config({
        model: { kind: 'mlp', H: 16 },
        train: { ...config({}).train, steps: 300, evalEvery: 50 },
        data: { kind: 'online', batch: 4, seed: 1 },
      }),
      engine,
    );
    assert.equal(losses.length, 300);
    // The minibatch losses differ from step to step, so a single step would not match the mean.
    assert.notEqual(losses[299], losses[298]);
    // The last point's window ends at the final weights, whose loss is the evaluation's.
    const all = [...losses, r.finalLoss];
    const points = r.metrics.loss;
    assert.equal(points.at(-1)!.step, 300);
    for (const p of points) {
      const w = lossWindow(p.step);
      const window = all.slice(p.step - w + 1, p.step + 1);
      assert.equal(window.length, w);
      const mean = window.reduce((a, b) => a + b, 0) / w;
      assert.ok(Math.abs(p.loss - mean) <= 1e-12 * mean, `step ${p.step}: ${p.loss} vs mean ${mean}`);
    }
    assert.ok(
      points.some((p) => lossWindow(p.step) > 10),
      'some window has many steps',
    );
    // Steps 250 (evalEvery) and 252 (the grid) are both logged; each averages its own 27 steps,
    // not the 2 steps between them.
    assert.ok(points.some((p) => p.step === 250) && points.some((p) => p.step === 252));
  });

  test('the window is one step up to step 18, then a twentieth of a decade', () => {
    assert.deepEqual([0, 1, 10, 18, 19, 100, 10_000].map(lossWindow), [1, 1, 1, 1, 2, 10, 1087]);
  });
});

describe('outcomes', () => {
  test('the last progress report carries the final loss and accuracy, as the result does', async () => {
    const progress: Progress[] = [];
    const r = await runTraining(
      config({
        group: 'C10',
        encoding: { kind: 'onehot', index: 0, amplitude: 10 },
        model: { kind: 'mlp', H: 64 },
        train: { optimizer: 'per-neuron', lr: 0.01, init: 0.01, steps: 300, clip: 1, stopOnSuccess: false },
      }),
      referenceEngine,
      { onProgress: (p) => progress.push(p) },
    );
    const last = progress.at(-1)!;
    assert.equal(last.final, true);
    assert.equal(progress.filter((p) => p.final).length, 1, 'one final report');
    assert.deepEqual(
      [last.step, last.loss, last.accuracy],
      [r.steps, r.finalLoss, r.finalAccuracy],
      'the live line ends on the numbers the summary prints',
    );
    // The report before it is the last step's minibatch loss, which the final one replaces.
    assert.notEqual(progress.at(-2)!.loss, r.finalLoss);
  });

  test('C10 one-hot, k = 3, mlp: reaches accuracy 1 and stops there', async () => {
    const r = await runTraining(
      config({
        group: 'C10',
        encoding: { kind: 'onehot', index: 0, amplitude: 10 },
        k: 3,
        model: { kind: 'mlp', H: 128 },
        train: { optimizer: 'per-neuron', lr: 0.01, init: 0.01, steps: 1500, clip: 1 },
      }),
      referenceEngine,
    );
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.finalAccuracy, 1);
    assert.ok(r.steps < 1500, 'stops on success');
    assert.ok(r.finalLoss <= 0.1 * r.initialLoss);
  });

  test('the tree learns D3 with k = 4 (⌈log₂ 4⌉ = 2 levels) to accuracy 1, from a pair warm start', async () => {
    const r = await runTraining(
      config({
        encoding: { kind: 'onehot' },
        k: 4,
        model: { kind: 'tree', H: 32 },
        train: { optimizer: 'adam', lr: 0.003, init: 0.1, steps: 1000, clip: 1, warmStart: { steps: 1000 } },
        data: { kind: 'online', batch: 64 },
      }),
      referenceEngine,
    );
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.finalAccuracy, 1);
  });

  test('the quadratic rnn learns D3 with k = 4 to accuracy 1', async () => {
    // The 2-D irrep alone decodes D3 exactly and comes first; the sign irrep takes far longer, so
    // success here asks for half the loss gone, not the default 98 % and every irrep.
    const r = await runTraining(
      config({
        encoding: { kind: 'onehot' },
        k: 4,
        model: { kind: 'rnn', H: 32 },
        train: {
          optimizer: 'adam',
          lr: 0.003,
          init: 0.3,
          steps: 1500,
          clip: 1,
          lossReduction: 0.5,
          everyIrrep: false,
        },
        data: { kind: 'online', batch: 64 },
      }),
      referenceEngine,
    );
    assert.equal(r.outcome, 'succeeded', r.reason);
    assert.equal(r.finalAccuracy, 1);
    assert.ok(r.finalLoss <= 0.5 * r.initialLoss);
  });

  test('divergence is an outcome, not an exception', async () => {
    const r = await runTraining(
      config({
        k: 3,
        model: { kind: 'mlp', H: 8 },
        train: { optimizer: 'per-neuron', lr: 1e8, init: 1, steps: 200 },
      }),
      referenceEngine,
    );
    assert.equal(r.outcome, 'diverged');
    assert.match(r.reason, /loss became (NaN|Infinity)/);
  });

  test('an abort signal stops the run: cancelled', async () => {
    const controller = new AbortController();
    let seen = 0;
    const r = await runTraining(config({}), referenceEngine, {
      signal: controller.signal,
      checkpointEvery: 10,
      onCheckpoint: (c) => {
        seen = c.step;
        if (c.step >= 30) controller.abort();
      },
    });
    assert.equal(r.outcome, 'cancelled');
    assert.equal(seen, 30);
    assert.equal(r.steps, 30);
  });
});

describe('checkpoints', () => {
  const datasets = [
    { kind: 'sampled', count: 30, seed: 3, batch: 8 },
    { kind: 'online', batch: 8, seed: 5 },
    { kind: 'exhaustive' },
  ];
  const engines: [string, string | undefined][] = [
    ['reference', undefined],
    ['onnx', 'cpu'],
    ['tfjs', 'wasm'],
  ];
  for (const [engineName, backend] of engines)
    for (const data of datasets)
      test(`${engineName}: stopping and resuming ends with the same weights as running straight through (${data.kind})`, async () => {
        const engine = await createEngine(engineName, backend);
        const c = config({
          model: { kind: 'mlp', H: 16 },
          train: { ...config({}).train, optimizer: 'adam', lr: 0.01, steps: 60, init: 0.1, evalEvery: 10 },
          data,
        });
        const straight = await runTraining(c, engine);
        let saved: Checkpoint | undefined;
        const controller = new AbortController();
        await runTraining(c, engine, {
          signal: controller.signal,
          checkpointEvery: 25,
          onCheckpoint: (cp) => {
            // At 50, the window of step 51 (47–51) is open: the resumed run must finish it.
            if (cp.step === 50 && !saved) {
              saved = structuredClone(cp);
              controller.abort();
            }
          },
        });
        assert.ok(saved);
        const resumed = await runTraining(c, engine, { resumeFrom: saved });
        assert.equal(resumed.steps, 60);
        for (const name of Object.keys(straight.state.parameters))
          assert.deepEqual(resumed.state.parameters[name], straight.state.parameters[name], name);
        assert.deepEqual(resumed.state.optimizer.m, straight.state.optimizer.m);
        // The whole curve, values too: an interval open at the checkpoint continues where it was.
        assert.deepEqual(resumed.metrics.loss, straight.metrics.loss);
      });
});

test('the log-spaced grid keeps every early step and about 20 per decade after', () => {
  const kept = Array.from({ length: 100_000 }, (_, i) => i + 1).filter(onLogGrid);
  assert.ok(kept.slice(0, 20).every((s, i) => s === i + 1));
  assert.ok(kept.length > 60 && kept.length < 110, `${kept.length} points`);
});

describe('many steps per engine call (onnx, native)', () => {
  /** Everything a run reports except its duration. */
  const numbers = (r: Awaited<ReturnType<typeof runTraining>>) => {
    const { seconds: _, ...rest } = r;
    return rest;
  };
  const cases: [string, Record<string, unknown>][] = [
    [
      'minibatches, to the end of the budget',
      { model: { kind: 'mlp', H: 16 }, data: { kind: 'sampled', count: 30, seed: 3, batch: 8 } },
    ],
    [
      'a plateau that stops the run mid-call',
      {
        model: { kind: 'mlp', H: 16 },
        train: { ...config({}).train, steps: 400, evalEvery: 300, plateau: { window: 30, tolerance: 0.5 } },
        data: { kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false },
      },
    ],
    [
      'a divergence mid-call',
      {
        k: 3,
        model: { kind: 'mlp', H: 8 },
        train: { optimizer: 'per-neuron', lr: 3e3, init: 1, steps: 300, evalEvery: 200 },
      },
    ],
  ];
  for (const name of ['onnx', 'native'] as const)
    for (const [label, overrides] of cases)
      test(`${name}, ${label}: the same run, bit for bit, with 1, 7 and a chosen number of steps per call`, async () => {
        const engine = await createEngine(name);
        const c = config({ engine: { name }, ...overrides });
        let lastOfOne: Checkpoint | undefined;
        const one = await runTraining(c, engine, {
          stepsPerCall: 1,
          onCheckpoint: (cp) => {
            lastOfOne = cp;
          },
        });
        const checkpoints: number[] = [];
        let lastOfSeven: Checkpoint | undefined;
        const seven = await runTraining(c, engine, {
          stepsPerCall: 7,
          checkpointEvery: 50,
          onCheckpoint: (cp) => {
            checkpoints.push(cp.step);
            lastOfSeven = cp;
          },
        });
        // The data stream too is where one step per call leaves it (a resume continues the same).
        if (one.outcome !== 'diverged') assert.deepEqual(lastOfSeven?.dataState, lastOfOne?.dataState);
        const chosen = await runTraining(c, engine);
        assert.deepEqual(numbers(seven), numbers(one));
        assert.deepEqual(numbers(chosen), numbers(one));
        // Checkpoints at every 50th step still (calls end there), and at the end unless diverged (a
        // diverged run's `steps` is the step whose loss was not finite, after 50·j completed ones).
        const diverged = one.outcome === 'diverged';
        const every50 = Array.from({ length: Math.floor(one.steps / 50) }, (_, i) => 50 * (i + 1));
        const expected = diverged ? every50 : [...every50.filter((s) => s < one.steps), one.steps];
        assert.deepEqual(checkpoints, expected);
        if (label.includes('plateau')) {
          assert.equal(one.outcome, 'failed');
          assert.match(one.reason, /plateau/);
          assert.notEqual(one.steps % 7, 0, 'the plateau should fall inside a call of 7');
        }
        if (label.includes('divergence')) {
          assert.equal(one.outcome, 'diverged');
          assert.notEqual((one.steps + 1) % 7, 0, 'the divergence should fall inside a call of 7');
        }
      });

  test('steps per call must be a positive integer', async () => {
    await assert.rejects(
      runTraining(config({ engine: { name: 'onnx' } }), await createEngine('onnx'), { stepsPerCall: 0 }),
      /steps per call must be a positive integer/,
    );
  });
});

describe('fidelity knobs', () => {
  test('epochLoss: a full batch logs every step; minibatches log the mean of each pass, across a resume', async () => {
    const full = await runTraining(
      config({ model: { kind: 'mlp', H: 16 }, train: { ...config({}).train, steps: 12, epochLoss: true } }),
      referenceEngine,
    );
    const logged = full.metrics.loss.filter((p) => p.step < 12);
    assert.deepEqual(
      full.metrics.epochLoss,
      logged.map((p) => ({ epoch: p.step + 1, step: p.step + 1, loss: p.loss })),
    );

    // 30 sequences in batches of 8, the short one kept: epochs of 4 steps.
    const c = config({
      model: { kind: 'mlp', H: 16 },
      train: { ...config({}).train, steps: 30, epochLoss: true, evalEvery: 1 },
      data: { kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false },
    });
    // Every step's own loss (the loss curve's points average windows of several steps from step 19).
    const stepLosses: number[] = [];
    const straight = await runTraining(c, recording(stepLosses));
    const epochs = straight.metrics.epochLoss!;
    assert.deepEqual(
      epochs.map((e) => e.step),
      [4, 8, 12, 16, 20, 24, 28],
    );
    const mean = (from: number) => [0, 1, 2, 3].reduce((a, i) => a + stepLosses[from + i], 0) / 4;
    for (const e of epochs) assert.equal(e.loss, mean(e.step - 4));
    // Stopped at step 10 (mid-epoch) and resumed: the same epochs.
    let saved: Checkpoint | undefined;
    const controller = new AbortController();
    await runTraining(c, referenceEngine, {
      signal: controller.signal,
      checkpointEvery: 10,
      onCheckpoint: (cp) => {
        saved ??= structuredClone(cp);
        controller.abort();
      },
    });
    assert.equal(saved?.step, 10);
    const resumed = await runTraining(c, referenceEngine, { resumeFrom: saved });
    assert.deepEqual(resumed.metrics.epochLoss, epochs);
  });

  test('epochLoss with online data is refused: online data has no epochs', async () => {
    await assert.rejects(
      runTraining(
        config({ train: { ...config({}).train, epochLoss: true }, data: { kind: 'online', batch: 8 } }),
        referenceEngine,
      ),
      /train.epochLoss: online data has no epochs/,
    );
  });

  for (const name of ['onnx', 'native'] as const)
    test(`dropLast false on ${name}: the reference engine’s run, and bit-identical in calls of 1 or 7 steps`, async () => {
      const c = config({
        model: { kind: 'mlp', H: 16 },
        train: { ...config({}).train, optimizer: 'adam', lr: 0.01, init: 0.1, steps: 40, epochLoss: true },
        data: { kind: 'exhaustive', batch: 10, dropLast: false },
        engine: { name },
      });
      const engine = await createEngine(name);
      const one = await runTraining(c, engine, { stepsPerCall: 1 });
      const seven = await runTraining(c, engine, { stepsPerCall: 7 });
      assert.deepEqual(seven.state, one.state);
      assert.deepEqual(seven.metrics, one.metrics);
      // 36 sequences in batches of 10, 10, 10, 6: ten epochs in 40 steps.
      assert.equal(one.metrics.epochLoss?.length, 10);
      const reference = await runTraining({ ...c, engine: { name: 'reference' } }, referenceEngine);
      one.metrics.epochLoss!.forEach((e, i) => {
        const r = reference.metrics.epochLoss![i];
        assert.equal(e.step, r.step);
        assert.ok(Math.abs(e.loss - r.loss) < 1e-4 * r.loss, `epoch ${e.epoch}: ${e.loss} vs ${r.loss}`);
      });
    });
});
