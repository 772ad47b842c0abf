/** Training task queues: each run goes to its engine and backend's queue; a worker polls those of the engines and backends it serves. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Serving, servedQueues, workerPlan } from '../../../src/cli/commands/worker.js';
import { InputError } from '../../../src/errors.js';
import { ENGINE_NAMES } from '../../../src/learn/engine/index.js';
import { expandSweep, runConfig } from '../../../src/sweep/expand.js';
import { IO_QUEUE, parseTrainQueue, TRAIN_QUEUES, trainQueueOf } from '../../../src/sweep/messages.js';
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
      const config = runConfig(cell, 4, 0);
      return trainQueueOf(config.engine.name, config.engine.backend);
    };
    assert.equal(queueOf(), 'sgc-train');
    assert.equal(queueOf({ name: 'onnx', backend: 'any' }), 'sgc-train', '`any` is the same as none');
    assert.equal(queueOf({ name: 'onnx', backend: 'cuda' }), 'sgc-train-onnx-cuda');
    assert.equal(queueOf({ name: 'onnx', backend: 'cpu' }), 'sgc-train-onnx-cpu');
    assert.equal(queueOf({ name: 'tfjs', backend: 'cpu' }), 'sgc-train-tfjs-cpu');
    assert.equal(queueOf({ name: 'tfjs' }), 'sgc-train-tfjs');
    assert.equal(queueOf({ name: 'reference' }), 'sgc-train-reference');
    // A backend the engine does not have would wait forever on a queue nobody polls: refused.
    assert.throws(
      () => queueOf({ name: 'onnx', backend: 'wasm' }),
      /"wasm" is not a backend of the onnx engine/,
    );
  });

  test('queue names read back as engine and backend', () => {
    assert.deepEqual(parseTrainQueue('sgc-train'), { engine: 'onnx' });
    assert.deepEqual(parseTrainQueue('sgc-train-tfjs'), { engine: 'tfjs' });
    assert.deepEqual(parseTrainQueue('sgc-train-onnx-cuda'), { engine: 'onnx', backend: 'cuda' });
    assert.deepEqual(parseTrainQueue('sgc-train-tfjs-wasm'), { engine: 'tfjs', backend: 'wasm' });
    assert.equal(parseTrainQueue('sgc-io'), undefined);
    assert.equal(parseTrainQueue('sgc-train-onnx-'), undefined);
  });

  test('a name that is no engine goes to the default queue, whose worker refuses it as invalid', () => {
    assert.equal(trainQueueOf('nope'), 'sgc-train');
    assert.equal(trainQueueOf('toString'), 'sgc-train');
  });
});

describe('the queues `sgc worker` polls', () => {
  const all = (plan: ReturnType<typeof workerPlan>) => servedQueues(plan, plan.candidates);
  const cpuOnly = (plan: ReturnType<typeof workerPlan>): Serving[] =>
    plan.candidates.filter((c) => !['cuda', 'webgpu', 'tensorflow'].includes(c.backend));

  test('without --engine: every engine on each backend that passed, its any queue, and sgc-io', () => {
    const plan = workerPlan({});
    assert.equal(plan.candidates.length, 8);
    assert.deepEqual(servedQueues(plan, cpuOnly(plan)), {
      queues: [
        'sgc-train',
        'sgc-train-onnx-cpu',
        'sgc-train-tfjs',
        'sgc-train-tfjs-wasm',
        'sgc-train-tfjs-cpu',
        'sgc-train-reference',
        'sgc-train-reference-js-f64',
        'sgc-train-native',
        'sgc-train-native-cpu',
        'sgc-io',
      ],
      backends: { onnx: 'cpu', tfjs: 'wasm', reference: 'js-f64', native: 'cpu' },
    });
    // A CPU worker never polls a GPU backend's queue.
    assert.ok(!servedQueues(plan, cpuOnly(plan)).queues.includes('sgc-train-onnx-cuda'));
  });

  test('--engine onnx --backend cuda: the cuda queue and the any queue (trained on cuda)', () => {
    const plan = workerPlan({ engine: 'onnx', backend: 'cuda' });
    assert.deepEqual(plan.candidates, [{ engine: 'onnx', backend: 'cuda' }]);
    assert.deepEqual(all(plan), {
      queues: ['sgc-train', 'sgc-train-onnx-cuda', 'sgc-io'],
      backends: { onnx: 'cuda' },
    });
    // The check failed: nothing to train.
    assert.deepEqual(servedQueues(plan, []).queues, ['sgc-io']);
  });

  test('a failing first backend: the next one trains the runs that name none', () => {
    const plan = workerPlan({ engine: 'onnx', backend: 'cuda,cpu' });
    assert.deepEqual(servedQueues(plan, [{ engine: 'onnx', backend: 'cpu' }]), {
      queues: ['sgc-train', 'sgc-train-onnx-cpu', 'sgc-io'],
      backends: { onnx: 'cpu' },
    });
  });

  test('--engine tfjs (wasm trains on the main thread): no sgc-io unless --serve-io', () => {
    assert.ok(!all(workerPlan({ engine: 'tfjs' })).queues.includes(IO_QUEUE));
    assert.ok(all(workerPlan({ engine: 'tfjs', serveIo: true })).queues.includes(IO_QUEUE));
    assert.ok(!all(workerPlan({ engine: 'reference' })).queues.includes(IO_QUEUE));
    assert.ok(all(workerPlan({ engine: 'tfjs', backend: 'tensorflow' })).queues.includes(IO_QUEUE));
  });

  test('--queues as given, less those whose backend failed; with --engine, no other engine’s queue', () => {
    assert.deepEqual(all(workerPlan({ queues: 'sgc-train' })).queues, ['sgc-train']);
    const gpu = workerPlan({ queues: 'sgc-train-onnx-cuda,sgc-train-onnx-cpu,sgc-io' });
    assert.deepEqual(servedQueues(gpu, [{ engine: 'onnx', backend: 'cpu' }]).queues, [
      'sgc-train-onnx-cpu',
      'sgc-io',
    ]);
    assert.deepEqual(all(workerPlan({ engine: 'tfjs', queues: 'sgc-io' })).queues, ['sgc-io']);
    assert.throws(
      () => workerPlan({ engine: 'tfjs', queues: 'sgc-train' }),
      (e: Error) => e instanceof InputError && /sgc-train is not a queue of --engine tfjs/.test(e.message),
    );
  });

  test('a bad --engine, --backend or queue is one line naming it', () => {
    for (const [options, pattern] of [
      [{ engine: 'torch' }, /--engine: "torch" is not one of onnx, tfjs, reference/],
      [{ backend: 'cuda' }, /--backend cuda: give --engine too/],
      [{ engine: 'onnx', backend: 'wasm' }, /--backend: "wasm" is not a backend of onnx/],
      [{ queues: 'sgc-train,sgc-gpu' }, /--queues: "sgc-gpu" is not a task queue/],
      [{ queues: 'sgc-train-onnx-tpu' }, /--queues: "sgc-train-onnx-tpu" is not a task queue/],
    ] as const)
      assert.throws(
        () => workerPlan(options),
        (e: Error) => e instanceof InputError && pattern.test(e.message) && !e.message.includes('\n'),
      );
  });
});
