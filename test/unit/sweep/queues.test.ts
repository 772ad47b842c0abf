/** Training task queues: each run goes to its engine's queue; a worker polls the queues of the engines it serves. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { workerQueues } from '../../../src/cli/commands/worker.js';
import { InputError } from '../../../src/errors.js';
import { ENGINE_NAMES } from '../../../src/learn/engine/index.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { IO_QUEUE, QUEUES, TRAIN_QUEUES, trainQueueOf } from '../../../src/sweep/messages.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';

describe('the training queue of a run', () => {
  test('onnx keeps sgc-train; every other engine has sgc-train-<engine>', () => {
    assert.equal(trainQueueOf('onnx'), 'sgc-train');
    assert.equal(trainQueueOf('tfjs'), 'sgc-train-tfjs');
    assert.equal(trainQueueOf('reference'), 'sgc-train-reference');
    assert.deepEqual(Object.keys(TRAIN_QUEUES).sort(), [...ENGINE_NAMES].sort(), 'one queue per engine');
    assert.equal(new Set(Object.values(TRAIN_QUEUES)).size, ENGINE_NAMES.length, 'all different');
    assert.ok(!Object.values(TRAIN_QUEUES).includes(IO_QUEUE as never));
  });

  test("a sweep's runs go to the queue of the spec's engine (onnx when it names none)", () => {
    const spec = (engine?: object) =>
      parseSweepSpec(
        {
          name: 'q',
          groups: ['C3'],
          encodings: [{ kind: 'onehot' }],
          k: [2],
          models: ['mlp'],
          width: { values: [4] },
          train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 10, clip: 0.1 },
          ...(engine ? { engine } : {}),
        },
        'test',
      );
    const queueOf = (engine?: object) => {
      const [cell] = expandSweep(spec(engine)).cells;
      return trainQueueOf(runConfig(cell, 4, 0).engine.name);
    };
    assert.equal(queueOf(), 'sgc-train');
    assert.equal(queueOf({ name: 'tfjs', backend: 'cpu' }), 'sgc-train-tfjs');
    assert.equal(queueOf({ name: 'reference' }), 'sgc-train-reference');
  });

  test('a name that is no engine goes to the default queue, whose worker refuses it as invalid', () => {
    assert.equal(trainQueueOf('nope'), 'sgc-train');
    assert.equal(trainQueueOf('toString'), 'sgc-train');
  });
});

describe('the queues `sgc worker` polls', () => {
  test('without --engine: every engine and sgc-io', () => {
    assert.deepEqual(workerQueues({}), { engine: undefined, queues: [...QUEUES] });
    assert.deepEqual(QUEUES, ['sgc-train', 'sgc-train-tfjs', 'sgc-train-reference', 'sgc-io']);
  });

  test('--engine E: only E’s training queue, and sgc-io', () => {
    assert.deepEqual(workerQueues({ engine: 'tfjs' }), {
      engine: 'tfjs',
      queues: ['sgc-train-tfjs', 'sgc-io'],
    });
    assert.deepEqual(workerQueues({ engine: 'onnx' }).queues, ['sgc-train', 'sgc-io']);
  });

  test('--queues as given; with --engine, no other engine’s training queue', () => {
    assert.deepEqual(workerQueues({ queues: 'sgc-train' }).queues, ['sgc-train']);
    assert.deepEqual(workerQueues({ engine: 'tfjs', queues: 'sgc-train-tfjs' }).queues, ['sgc-train-tfjs']);
    assert.deepEqual(workerQueues({ engine: 'tfjs', queues: 'sgc-io' }).queues, ['sgc-io']);
    assert.throws(
      () => workerQueues({ engine: 'tfjs', queues: 'sgc-train' }),
      (e: Error) => e instanceof InputError && /sgc-train is not the queue of --engine tfjs/.test(e.message),
    );
  });

  test('a bad --engine or queue is one line naming it', () => {
    for (const [options, pattern] of [
      [{ engine: 'torch' }, /--engine: "torch" is not one of onnx, tfjs, reference/],
      [{ queues: 'sgc-train,sgc-gpu' }, /--queues: "sgc-gpu" is not one of/],
    ] as const)
      assert.throws(
        () => workerQueues(options),
        (e: Error) => e instanceof InputError && pattern.test(e.message) && !e.message.includes('\n'),
      );
  });
});
