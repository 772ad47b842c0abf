/**
 * runSeeds (src/learn/seeds.ts): S seeds of one config trained together on the onnx engine give
 * each seed the run it gets alone, bit for bit (outcome, reason, metrics, state, checkpoints), while
 * the seeds stop at different steps, take different steps per call, fail or are cancelled.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/errors.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { type RunConfig, RunConfigSchema } from '../../../src/learn/runConfig.js';
import { runSeeds } from '../../../src/learn/seeds.js';
import {
  CALL_MILLISECONDS,
  CallSizer,
  type Checkpoint,
  type RunCallbacks,
  type RunResult,
  runTraining,
} from '../../../src/learn/trainer.js';

function config(seed: number, overrides: Record<string, unknown>): RunConfig {
  const c = RunConfigSchema.parse({
    group: 'D3',
    encoding: { kind: 'powers', powers: [0, 30, 3000] },
    k: 2,
    model: { kind: 'mlp', H: 16 },
    train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 300, clip: 0.1, stopOnSuccess: false },
    engine: { name: 'onnx' },
    ...overrides,
  });
  return { ...c, train: { ...c.train, seed } };
}

/** Everything a run reports except its duration. */
const numbers = (r: RunResult) => {
  const { seconds: _, ...rest } = r;
  return rest;
};

/** Callbacks that record the checkpoints; seed j takes `perCall[j]` steps per call (undefined: chosen). */
function recorder(stepsPerCall: number | undefined) {
  const checkpoints: Checkpoint[] = [];
  const callbacks: RunCallbacks = {
    checkpointEvery: 40,
    onCheckpoint: (c) => {
      checkpoints.push(c);
    },
    ...(stepsPerCall !== undefined ? { stepsPerCall } : {}),
  };
  return { checkpoints, callbacks };
}

const PER_CALL = [undefined, 7, 3];

const cases: [string, Record<string, unknown>][] = [
  [
    'minibatches with short last batches, to the end of the budget',
    { data: { kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false } },
  ],
  [
    'plateaus that stop seeds mid-call',
    {
      train: {
        optimizer: 'per-neuron',
        lr: 0.01,
        init: 0.1,
        steps: 400,
        clip: 0.1,
        evalEvery: 300,
        plateau: { window: 20, tolerance: 0.01 },
      },
      data: { kind: 'sampled', count: 30, seed: 3, batch: 8 },
    },
  ],
  [
    'divergences at different steps',
    {
      encoding: { kind: 'onehot' },
      k: 3,
      model: { kind: 'mlp', H: 8 },
      train: { optimizer: 'per-neuron', lr: 10, init: 0.5, steps: 300, evalEvery: 200 },
    },
  ],
  [
    'success at different steps after a pair warm start (two seed groups: k = 2, then k = 3)',
    {
      encoding: { kind: 'onehot' },
      k: 3,
      model: { kind: 'tree', H: 24 },
      train: {
        optimizer: 'adam',
        lr: 0.003,
        init: 0.1,
        steps: 600,
        clip: 1,
        warmStart: { steps: 300 },
        lossReduction: 0.5,
      },
      data: { kind: 'online', batch: 32 },
    },
  ],
];

describe('runSeeds: three seeds in one graph', () => {
  for (const [label, overrides] of cases)
    test(`${label}: each seed's run equals its run alone, bit for bit`, async () => {
      const engine = await createEngine('onnx');
      const configs = [11, 12, 13].map((seed) => config(seed, overrides));
      const together = PER_CALL.map(recorder);
      const results = await runSeeds(
        configs,
        engine,
        together.map((r) => r.callbacks),
      );
      const outcomes = new Set<string>();
      const steps = new Set<number>();
      for (const [j, c] of configs.entries()) {
        const alone = recorder(1);
        const expected = await runTraining(c, engine, alone.callbacks);
        const got = results[j];
        assert.equal(got.status, 'fulfilled');
        const result = (got as PromiseFulfilledResult<RunResult>).value;
        assert.deepEqual(numbers(result), numbers(expected), `seed ${j}`);
        assert.deepEqual(together[j].checkpoints, alone.checkpoints, `seed ${j}'s checkpoints`);
        outcomes.add(result.outcome);
        steps.add(result.steps);
      }
      // The case does what its label says: the seeds stop at different steps where they stop early.
      if (!label.startsWith('minibatches')) assert.ok(steps.size > 1, `steps ${[...steps]}`);
      if (label.startsWith('plateaus')) assert.ok(outcomes.has('failed'));
      if (label.startsWith('divergences')) assert.ok(outcomes.has('diverged'));
      if (label.startsWith('success')) assert.ok(outcomes.has('succeeded'));
    });

  test('a cancelled seed and a failing seed do not spoil the others', async () => {
    const engine = await createEngine('onnx');
    const overrides = { data: { kind: 'sampled', count: 30, seed: 3, batch: 8 } };
    const configs = [21, 22, 23].map((seed) => config(seed, overrides));
    const cancel = new AbortController();
    const callbacks: RunCallbacks[] = [
      {},
      {
        checkpointEvery: 50,
        onCheckpoint: (c) => {
          if (c.step >= 100) cancel.abort();
        },
        signal: cancel.signal,
      },
      {
        checkpointEvery: 60,
        onCheckpoint: (c) => {
          if (c.step >= 120) throw new Error('the store is gone');
        },
      },
    ];
    const [ok, cancelled, failed] = await runSeeds(configs, engine, callbacks);
    assert.equal(ok.status, 'fulfilled');
    assert.deepEqual(
      numbers((ok as PromiseFulfilledResult<RunResult>).value),
      numbers(await runTraining(configs[0], engine)),
    );
    assert.equal(cancelled.status, 'fulfilled');
    assert.equal((cancelled as PromiseFulfilledResult<RunResult>).value.outcome, 'cancelled');
    assert.equal((cancelled as PromiseFulfilledResult<RunResult>).value.steps, 100);
    assert.equal(failed.status, 'rejected');
    assert.match(String((failed as PromiseRejectedResult).reason), /the store is gone/);
  });

  test('seeds that choose their steps per call ask for the same number in every call', async () => {
    // The group's call runs as many steps as its longest request; shorter ones would be computed and
    // dropped. With no early stop every seed reaches the same boundaries, so the chosen sizes (one
    // CallSizer for the group) must give every seed the same calls.
    const engine = await createEngine('onnx');
    const calls: number[][] = [];
    const recording = {
      ...engine,
      openSeeds: async (setups: Parameters<NonNullable<typeof engine.openSeeds>>[0]) =>
        (await engine.openSeeds!(setups)).map((session, j) => ({
          ...session,
          steps: (batches: Parameters<NonNullable<typeof session.steps>>[0]) => {
            (calls[j] ??= []).push(batches.length);
            return session.steps!(batches);
          },
        })),
    };
    const long = {
      train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 3000, clip: 0.1, stopOnSuccess: false },
    };
    const results = await runSeeds(
      [1, 2, 3].map((seed) => config(seed, long)),
      recording,
    );
    assert.ok(results.every((r) => r.status === 'fulfilled' && r.value.steps === 3000));
    assert.ok(Math.max(...calls[0]) > 1, `the sizes grew from 1: ${calls[0].join(' ')}`);
    assert.deepEqual(calls[1], calls[0]);
    assert.deepEqual(calls[2], calls[0]);
  });

  test('one CallSizer: the reports of one moment make one update, after it, so every seed reads the same size', async () => {
    const sizer = new CallSizer();
    sizer.record(2, 4); // 0.5 ms per step
    assert.equal(sizer.size, 1, 'unchanged until the moment is over');
    sizer.record(3, 4); // 0.75 ms per step
    assert.equal(sizer.size, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sizer.size, Math.round(CALL_MILLISECONDS / 0.625));
  });

  test('configs that differ in more than the seed are refused', async () => {
    const engine = await createEngine('onnx');
    await assert.rejects(
      runSeeds([config(1, {}), config(2, { model: { kind: 'mlp', H: 17 } })], engine),
      (e) => e instanceof InputError && /config 1 differs/.test(e.message),
    );
  });
});
