import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';
import type { EngineSession, EngineSetup, TensorEngine } from '../../../src/learn/engine/engine.js';
import { referenceEngine } from '../../../src/learn/engine/reference.js';
import { createTfjsEngine, type TfjsSession } from '../../../src/learn/engine/tfjs/index.js';
import { groupPositions } from '../../../src/learn/engine/tfjs/models.js';
import { type GatherPolicy, transpose } from '../../../src/learn/engine/tfjs/ops.js';
import type { Batch } from '../../../src/learn/models/reference.js';
import { initParameters, type ModelKind, makeModelSpec } from '../../../src/learn/models/spec.js';
import { clipCoefficient, type OptimizerSpec } from '../../../src/learn/optimizers.js';
import { encode, encodingMatrix } from '../../../src/task/encoding.js';
import { sampledSequences } from '../../../src/task/sequences.js';
import { assertClose, relativeError } from '../../helpers/closeness.js';

// Process handlers present before any tfjs backend starts (the wasm glue adds its own; we remove them).
const processHandlers = () => [
  ...process.listeners('uncaughtException'),
  ...process.listeners('unhandledRejection'),
];
let initialHandlers = new Set<unknown>();
before(() => {
  initialHandlers = new Set(processHandlers());
});

const group = parseGroup('D3');
const X = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
const STEPS = 5;
const BATCH = 24;

function batchOf(k: number, count: number, seed: number): Batch {
  const s = sampledSequences(group, k, count, seed);
  return { elements: s.elements, targets: s.products, count: s.count };
}

const OPTIMIZERS: Record<string, OptimizerSpec> = {
  'per-neuron': { kind: 'per-neuron', lr: 0.05, clip: 0.05 },
  'per-neuron, time-rescaled': { kind: 'per-neuron', lr: 0.02, clip: 0.05, timeRescale: { initScale: 0.1 } },
  'per-neuron, degree 2.5': { kind: 'per-neuron', lr: 0.05, clip: 0.05, degree: 2.5 },
  adam: { kind: 'adam', lr: 0.01, clip: 0.05 },
  hybrid: { kind: 'hybrid', lr: 0.02, clip: 0.05 },
};

interface Case {
  kind: ModelKind;
  k: number;
  H: number;
  optimizer: string;
  backend: 'wasm' | 'cpu';
  gather?: GatherPolicy;
  degree?: number;
  /** Sequences per batch (default BATCH); large enough, the mlp groups positions (groupPositions). */
  batch?: number;
  /** wasm threads (default 1); large enough steps are then split (slices.ts). */
  threads?: number;
}

const CASES: Case[] = [
  { kind: 'mlp', k: 2, H: 8, optimizer: 'per-neuron', backend: 'wasm' },
  { kind: 'mlp', k: 2, H: 8, optimizer: 'adam', backend: 'wasm' },
  { kind: 'mlp', k: 2, H: 8, optimizer: 'per-neuron', backend: 'cpu' },
  { kind: 'mlp', k: 2, H: 8, optimizer: 'per-neuron', backend: 'wasm', degree: 3 },
  { kind: 'mlp', k: 2, H: 8, optimizer: 'adam', backend: 'wasm', degree: 5 },
  { kind: 'mlp', k: 2, H: 8, optimizer: 'per-neuron, degree 2.5', backend: 'wasm' },
  { kind: 'mlp', k: 3, H: 8, optimizer: 'per-neuron', backend: 'wasm', gather: 'matmul' },
  { kind: 'mlp', k: 3, H: 8, optimizer: 'per-neuron, time-rescaled', backend: 'wasm', gather: 'gatherND' },
  { kind: 'mlp', k: 3, H: 8, optimizer: 'adam', backend: 'cpu' },
  { kind: 'mlp', k: 3, H: 8, optimizer: 'per-neuron', backend: 'wasm', batch: 200 },
  { kind: 'mlp', k: 4, H: 8, optimizer: 'per-neuron', backend: 'cpu', batch: 200 },
  { kind: 'rnn', k: 2, H: 6, optimizer: 'per-neuron', backend: 'wasm' },
  { kind: 'rnn', k: 2, H: 6, optimizer: 'adam', backend: 'wasm' },
  { kind: 'rnn', k: 2, H: 6, optimizer: 'hybrid', backend: 'wasm' },
  { kind: 'rnn', k: 4, H: 6, optimizer: 'per-neuron', backend: 'wasm', gather: 'matmul' },
  { kind: 'rnn', k: 4, H: 6, optimizer: 'adam', backend: 'wasm', gather: 'gatherND' },
  { kind: 'rnn', k: 4, H: 6, optimizer: 'hybrid', backend: 'wasm' },
  { kind: 'rnn', k: 4, H: 6, optimizer: 'hybrid', backend: 'cpu' },
  { kind: 'tree', k: 3, H: 6, optimizer: 'per-neuron', backend: 'wasm' },
  { kind: 'tree', k: 3, H: 6, optimizer: 'adam', backend: 'wasm', gather: 'gatherND' },
  { kind: 'tree', k: 5, H: 6, optimizer: 'per-neuron', backend: 'cpu' },
  { kind: 'tree', k: 4, H: 6, optimizer: 'adam', backend: 'wasm', gather: 'matmul' },
  // Steps split over two threads: batch × H at the least work a split pays for (SPLIT_MIN_WORK).
  { kind: 'mlp', k: 3, H: 128, optimizer: 'per-neuron', backend: 'wasm', batch: 1024, threads: 2 },
  { kind: 'rnn', k: 3, H: 128, optimizer: 'per-neuron', backend: 'wasm', batch: 1024, threads: 2 },
  { kind: 'tree', k: 3, H: 128, optimizer: 'adam', backend: 'wasm', batch: 1024, threads: 2 },
];

const engines = new Map<string, Promise<TensorEngine>>();
function engine(backend: string, gather: GatherPolicy = 'auto', threads = 1): Promise<TensorEngine> {
  const key = `${backend}/${gather}/${threads}`;
  if (!engines.has(key)) engines.set(key, createTfjsEngine({ backend, gather, threads }));
  return engines.get(key)!;
}

function setupOf(c: Case, seed = 7): EngineSetup {
  const model = makeModelSpec(c.kind, group.order, c.k, c.H, c.degree);
  return {
    model,
    optimizer: OPTIMIZERS[c.optimizer],
    encodings: X,
    batchSize: c.batch ?? BATCH,
    parameters: initParameters(model, seed, 0.6),
  };
}

async function withSession<T>(e: TensorEngine, setup: EngineSetup, f: (s: EngineSession) => Promise<T>) {
  const session = await e.open(setup);
  try {
    return await f(session);
  } finally {
    await session.dispose();
  }
}

describe('tfjs engine against the reference engine', () => {
  for (const c of CASES) {
    const gather = c.gather ? `, ${c.gather}` : '';
    const degree = c.degree ? `, degree ${c.degree}` : '';
    const count = c.batch ?? BATCH;
    const grouped =
      c.kind === 'mlp' && groupPositions(group.order, c.k, count).length < c.k ? ', grouped' : '';
    const threads = c.threads ? `, split over ${c.threads} threads` : '';
    test(`${c.kind} k = ${c.k}${degree}, ${c.optimizer}, ${c.backend}${gather}, B = ${count}${grouped}${threads}`, async () => {
      const tfjs = await engine(c.backend, c.gather, c.threads);
      assert.equal(tfjs.name, 'tfjs');
      assert.equal(tfjs.backend, c.backend);
      const setup = setupOf(c);
      const batches = Array.from({ length: STEPS }, (_, i) => batchOf(c.k, count, 100 + i));
      const ref = await referenceEngine.open(setup);
      await withSession(tfjs, setup, async (session) => {
        assert.equal((session as TfjsSession).threads, c.threads ?? 1);
        const want = await ref.lossAndGradients(batches[0]);
        const got = await session.lossAndGradients(batches[0]);
        assert.ok(Math.abs(got.loss - want.loss) < 1e-5 * want.loss, `loss ${got.loss} vs ${want.loss}`);
        assertClose(got.gradients, want.gradients, 'gradient');
        assert.ok(clipCoefficient(want.gradients, setup.optimizer.clip) < 1, 'clipping is active');
        const tensors = tf.memory().numTensors;
        for (const [i, batch] of batches.entries()) {
          const [a, b] = [await session.step(batch), await ref.step(batch)];
          assert.ok(Math.abs(a - b) < 1e-4 * b, `step ${i}: loss ${a} vs ${b}`);
          if (i === 0) assert.equal(tf.memory().numTensors, tensors, 'tensors leaked by a step');
        }
        assert.equal(tf.memory().numTensors, tensors, 'tensors leaked by steps');
        const [got1, want1] = [await session.getState(), await ref.getState()];
        assertClose(got1.parameters, want1.parameters, 'weights');
        // The comparison means something only if the weights moved well beyond the tolerance.
        const moved = Math.max(
          ...Object.keys(want1.parameters).map((k) =>
            relativeError(want1.parameters[k], setup.parameters[k]),
          ),
        );
        assert.ok(moved > 1e-3, `weights moved by ${moved.toExponential(2)} only`);
        assertClose(got1.optimizer.m, want1.optimizer.m, 'Adam m');
        assertClose(got1.optimizer.v, want1.optimizer.v, 'Adam v');
        assert.equal(got1.optimizer.step, STEPS);
        const p = await session.predict(batches[0]);
        assert.equal(p.length, count * group.order);
        assert.ok(relativeError(p, await ref.predict(batches[0])) < 1e-4);
      });
    });
  }
});

describe('tfjs engine sessions', () => {
  const c: Case = { kind: 'rnn', k: 3, H: 5, optimizer: 'hybrid', backend: 'wasm' };

  test('getState / setState round trip: a restored session continues exactly', async () => {
    const tfjs = await engine('wasm');
    const batches = Array.from({ length: 4 }, (_, i) => batchOf(c.k, BATCH, 200 + i));
    const straight = await withSession(tfjs, setupOf(c), async (s) => {
      for (const b of batches) await s.step(b);
      return s.getState();
    });
    const saved = await withSession(tfjs, setupOf(c), async (s) => {
      for (const b of batches.slice(0, 2)) await s.step(b);
      return s.getState();
    });
    assert.equal(saved.optimizer.step, 2);
    assert.ok(saved.optimizer.v.W_mix.some((x) => x !== 0));
    const resumed = await withSession(tfjs, setupOf(c, 99), async (s) => {
      await s.setState(saved);
      const again = await s.getState();
      assert.deepEqual(again, saved, 'getState after setState returns what was set');
      for (const b of batches.slice(2)) await s.step(b);
      return s.getState();
    });
    assert.deepEqual(resumed, straight);
  });

  test('predict takes any count; bad batches and parameters are InputErrors', async () => {
    const tfjs = await engine('wasm');
    await withSession(tfjs, setupOf(c), async (s) => {
      assert.equal((await s.predict(batchOf(c.k, 3, 1))).length, 3 * group.order);
      await assert.rejects(
        s.step({ elements: new Int32Array(2), targets: new Int32Array(1), count: 1 }),
        InputError,
      );
      await assert.rejects(
        s.predict({ elements: Int32Array.of(0, 1, 6), targets: new Int32Array(1), count: 1 }),
        /group elements 0 … 5/,
      );
    });
    const setup = setupOf(c);
    await assert.rejects(
      tfjs.open({ ...setup, parameters: { ...setup.parameters, W_mix: new Float64Array(3) } }),
      /W_mix must have 5×5/,
    );
    await assert.rejects(tfjs.open({ ...setup, optimizer: { kind: 'adam', lr: -1 } }), InputError);
    // A single sequence (fewer rows than |G|) through every model.
    for (const kind of ['mlp', 'rnn', 'tree'] as const) {
      const one = batchOf(3, 1, 5);
      const mc: Case = { kind, k: 3, H: 4, optimizer: 'adam', backend: 'wasm' };
      const [got, want] = await Promise.all([
        withSession(tfjs, setupOf(mc), (s) => s.predict(one)),
        withSession(referenceEngine, setupOf(mc), (s) => s.predict(one)),
      ]);
      assert.ok(relativeError(got, want) < 1e-5, kind);
    }
  });

  test('mlp positions are grouped where a table of combinations costs less than the gathers it saves', () => {
    assert.deepEqual(groupPositions(10, 2, 100), [[0], [1]]);
    assert.deepEqual(groupPositions(10, 4, 4096), [
      [0, 1],
      [2, 3],
    ]);
    assert.deepEqual(groupPositions(6, 5, 4096), [
      [0, 1, 2],
      [3, 4],
    ]);
    assert.deepEqual(groupPositions(60, 2, 3600), [[0], [1]]);
    assert.deepEqual(groupPositions(6, 3, 1), [[0], [1], [2]]);
  });

  test('the tiled transpose (large matrices on wasm) equals tf.transpose', async () => {
    await engine('wasm');
    await tf.setBackend('wasm');
    const m = tf.randomNormal([128, 192]) as tf.Tensor2D;
    const [tiled, plain] = [transpose(m, 1), tf.transpose(m)];
    assert.deepEqual(tiled.shape, [192, 128]);
    assert.deepEqual(await tiled.data(), await plain.data());
    tf.dispose([m, tiled, plain]);
  });

  test('backends: wasm is the default, unknown names are refused', async () => {
    const wasm = await createTfjsEngine();
    assert.equal(wasm.backend, 'wasm');
    await withSession(wasm, setupOf(c), async () => {
      const added = [
        ...process.listeners('uncaughtException'),
        ...process.listeners('unhandledRejection'),
      ].filter((l) => !initialHandlers.has(l));
      assert.equal(added.length, 0, 'the wasm glue left process handlers behind');
    });
    await assert.rejects(
      createTfjsEngine({ backend: 'webgl' }),
      /"webgl" is not one of wasm, cpu, tensorflow/,
    );
  });

  const installed = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((pkg) => {
    try {
      createRequire(import.meta.url).resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
  test('tensorflow without tfjs-node(-gpu) installed: one InputError saying what to install', {
    skip: installed && 'a tfjs-node package is installed here',
  }, async () => {
    await assert.rejects(createTfjsEngine({ backend: 'tensorflow' }), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu/);
      assert.match(e.message, /@tensorflow\/tfjs-node\b/);
      return true;
    });
  });
});
