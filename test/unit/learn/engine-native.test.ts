import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { nativeKernelFile } from '../../../src/buildOutput.js';
import { InputError } from '../../../src/errors.js';
import type { EngineSession, EngineSetup } from '../../../src/learn/engine/engine.js';
import { createEngine } from '../../../src/learn/engine/index.js';
import { createNativeEngine } from '../../../src/learn/engine/native/index.js';
import { createOnnxEngine } from '../../../src/learn/engine/onnx/index.js';
import { referenceEngine } from '../../../src/learn/engine/reference.js';
import type { Batch } from '../../../src/learn/models/reference.js';
import { initParameters, makeModelSpec } from '../../../src/learn/models/spec.js';
import type { OptimizerSpec } from '../../../src/learn/optimizers.js';
import { type EncodingSpec, encode, encodingMatrix } from '../../../src/task/encoding.js';
import { exhaustiveSequences, sampledSequences } from '../../../src/task/sequences.js';
import { assertClose, relativeError } from '../../helpers/closeness.js';
import { runSgc } from '../../helpers/sgc.js';

const native = createNativeEngine();
const open: EngineSession[] = [];
after(async () => {
  for (const s of open) await s.dispose();
});

interface Case {
  group: string;
  k: number;
  /** Widths that are and are not multiples of the kernel's 8-float vectors. */
  H: number;
  encoding: EncodingSpec;
  optimizer: OptimizerSpec;
  degree?: number;
  /** Sequences per batch: below, at and above the kernel's blocks of 6 rows. */
  batch: number;
}

const cases: Case[] = [
  {
    group: 'D3',
    k: 2,
    H: 8,
    encoding: { kind: 'onehot' },
    optimizer: { kind: 'adam', lr: 0.01, clip: 2 },
    batch: 24,
  },
  {
    group: 'D3',
    k: 3,
    H: 13,
    encoding: { kind: 'random', seed: 1 },
    optimizer: { kind: 'per-neuron', lr: 0.05, clip: 2 },
    batch: 29,
  },
  {
    group: 'C5',
    k: 4,
    H: 6,
    encoding: { kind: 'random', seed: 2 },
    optimizer: { kind: 'per-neuron', lr: 0.002, timeRescale: { initScale: 0.5 } },
    batch: 5,
  },
  {
    group: 'D10',
    k: 2,
    H: 21,
    encoding: { kind: 'onehot' },
    optimizer: { kind: 'adam', lr: 0.01 },
    degree: 3,
    batch: 37,
  },
  // A wide layer: H = 420 in strips of 16 and a last one of 8, the outputs' sums in blocks of 64,
  // chunks of 36 rows. (Not with clip: clipped to ~1e-6, a few of its W_out gradients fall to
  // Adam's ε, where float32's rounding of them, though within 1e-7 of the largest, moves the first
  // step by up to 1e-3: no float32 engine agrees with Float64 there to 1e-4.)
  {
    group: 'D10',
    k: 2,
    H: 420,
    encoding: { kind: 'onehot' },
    optimizer: { kind: 'adam', lr: 0.01 },
    batch: 37,
  },
  {
    group: 'C7',
    k: 2,
    H: 16,
    encoding: { kind: 'random', seed: 3 },
    optimizer: { kind: 'per-neuron', lr: 0.05, degree: 3, clip: 0.01 },
    degree: 1,
    batch: 12,
  },
];

function setupFor(c: Case) {
  const group = parseGroup(c.group);
  const model = makeModelSpec('mlp', group.order, c.k, c.H, c.degree);
  const batches: Batch[] = [1, 2, 3].map((seed) => {
    const s = sampledSequences(group, c.k, c.batch, seed);
    return { elements: s.elements, targets: s.products, count: s.count };
  });
  const setup: EngineSetup = {
    model,
    optimizer: c.optimizer,
    encodings: encodingMatrix(encode(group, c.encoding)),
    batchSize: c.batch,
    parameters: initParameters(model, 7, 0.8),
  };
  return { setup, batches };
}

const label = (c: Case) =>
  `${c.group} k = ${c.k} H = ${c.H} ${c.encoding.kind}, ${c.optimizer.kind}${c.optimizer.clip ? ' + clip' : ''}` +
  `${c.degree === undefined ? '' : `, degree ${c.degree}`}, batch ${c.batch}`;

describe('native engine agrees with the reference engine', () => {
  for (const c of cases)
    test(`${label(c)}: gradients, 6 steps of losses, weights, moments, outputs`, async () => {
      const { setup, batches } = setupFor(c);
      const a = await native.open(setup);
      const b = await referenceEngine.open(setup);
      open.push(a);
      const [ga, gb] = [await a.lossAndGradients(batches[0]), await b.lossAndGradients(batches[0])];
      assert.ok(Math.abs(ga.loss - gb.loss) < 1e-4 * gb.loss, `loss ${ga.loss} vs ${gb.loss}`);
      assertClose(ga.gradients, gb.gradients, 'gradient');
      // Three single steps, then three in one call.
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push(await a.step(batches[i]));
      losses.push(...(await a.steps!(batches)));
      for (let i = 0; i < 6; i++) {
        const lb = await b.step(batches[i % 3]);
        assert.ok(Math.abs(losses[i] - lb) < 1e-4 * lb, `step ${i}: loss ${losses[i]} vs ${lb}`);
      }
      const [sa, sb] = [await a.getState(), await b.getState()];
      assertClose(sa.parameters, sb.parameters, 'weight');
      assert.equal(sa.optimizer.step, 6);
      if (c.optimizer.kind === 'adam') {
        assertClose(sa.optimizer.m, sb.optimizer.m, 'Adam m');
        assertClose(sa.optimizer.v, sb.optimizer.v, 'Adam v');
      }
      const y = await a.predict(batches[1]);
      assert.equal(y.length, c.batch * setup.model.n);
      assert.ok(relativeError(y, await b.predict(batches[1])) < 1e-4);
    });
});

/** The spacing of float32 numbers at |x|: one unit in the last place. */
const ulp32 = (x: number) => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -126))) - 23);

test("Adam's first step moves each weight by η·g/(|g| + ε) to float32's rounding", async () => {
  // The first step's update is ±η·|g|/(|g| + ε), nearly ±η whatever g: float32 may be off by the
  // rounding of the weight before and after it and a few ulp of η in the update's arithmetic. With
  // 1 − β₂ taken in float32 every update was 6.4e-6 too large: 3.2e-6 at η = 0.5, 6× this bound.
  const c: Case = { ...cases[3], optimizer: { kind: 'adam', lr: 0.5 } };
  const { setup, batches } = setupFor(c);
  const a = await native.open(setup);
  const b = await referenceEngine.open(setup);
  open.push(a);
  await Promise.all([a.step(batches[0]), b.step(batches[0])]);
  const [sa, sb] = [await a.getState(), await b.getState()];
  for (const name of Object.keys(sb.parameters)) {
    const [x, y] = [sa.parameters[name], sb.parameters[name]];
    for (let i = 0; i < y.length; i++)
      assert.ok(
        Math.abs(x[i] - y[i]) <= ulp32(setup.parameters[name][i]) + ulp32(y[i]) + 8 * ulp32(c.optimizer.lr),
        `${name}[${i}]: ${x[i]} against ${y[i]} (from ${setup.parameters[name][i]})`,
      );
  }
});

describe('native engine sessions', () => {
  const c = cases[1];

  test('steps() in calls of 1, 2 and 4, short batches among full ones, equal single steps bit for bit; rewind undoes one call', async () => {
    const { setup, batches } = setupFor(c);
    const single = await native.open(setup);
    const looped = await native.open(setup);
    open.push(single, looped);
    assert.equal(looped.mixedCounts, true);
    // An epoch's short last batch (data.dropLast false) may share a call with full ones.
    const short = {
      count: 5,
      elements: batches[2].elements.subarray(0, 5 * c.k),
      targets: batches[2].targets.subarray(0, 5),
    };
    const order = [batches[0], batches[1], short, batches[0], short, batches[2], batches[1]];
    const singleLosses: number[] = [];
    for (const batch of order) singleLosses.push(await single.step(batch));
    const loopLosses: number[] = [];
    for (const [from, to] of [
      [0, 1],
      [1, 3],
      [3, 7],
    ])
      loopLosses.push(...(await looped.steps!(order.slice(from, to))));
    assert.deepEqual(loopLosses, singleLosses);
    assert.deepEqual(await looped.getState(), await single.getState());

    const before = await looped.getState();
    await looped.steps!(order.slice(0, 3));
    looped.rewind!();
    assert.deepEqual(await looped.getState(), before, 'rewind puts back the state and the step count');
    assert.throws(() => looped.rewind!(), /only valid once/);
  });

  test('sessions train concurrently, each with its own numbers', async () => {
    const { setup, batches } = setupFor(c);
    const alone = await native.open(setup);
    open.push(alone);
    for (let i = 0; i < 4; i++) await alone.steps!(batches);
    const other = { ...setup, parameters: initParameters(setup.model, 8, 0.8) };
    const [x, y] = [await native.open(setup), await native.open(other)];
    open.push(x, y);
    await Promise.all(
      [x, y].map(async (s) => {
        for (let i = 0; i < 4; i++) await s.steps!(batches);
      }),
    );
    assert.deepEqual(await x.getState(), await alone.getState());
    assert.notDeepEqual((await y.getState()).parameters, (await alone.getState()).parameters);
  });

  test('more sessions than cores: calls handed between compute threads keep each session’s numbers bit for bit', async () => {
    // Calls of 100 steps (milliseconds each) from 5 sessions at once on the kernel's compute threads
    // (one per core): a call not yet begun takes a thread from a running one at its next step, and
    // calls go back and forth between the threads until they finish together.
    const group = parseGroup('C10');
    const model = makeModelSpec('mlp', 10, 2, 256);
    const batches = [1, 2].map((seed) => {
      const s = sampledSequences(group, 2, 100, seed);
      return { elements: s.elements, targets: s.products, count: s.count };
    });
    const setupOf = (seed: number): EngineSetup => ({
      model,
      optimizer: { kind: 'per-neuron', lr: 0.01, clip: 1 },
      encodings: encodingMatrix(encode(group, { kind: 'random', seed: 1 })),
      batchSize: 100,
      parameters: initParameters(model, seed, 0.5),
    });
    const call = Array.from({ length: 100 }, (_, i) => batches[i % 2]);
    const seeds = [1, 2, 3, 4, 5];
    const alone = [];
    for (const seed of seeds) {
      const session = await native.open(setupOf(seed));
      open.push(session);
      const losses = [...(await session.steps!(call)), ...(await session.steps!(call))];
      alone.push({ losses, state: await session.getState() });
    }
    const together = await Promise.all(
      seeds.map(async (seed) => {
        const session = await native.open(setupOf(seed));
        open.push(session);
        const losses = [...(await session.steps!(call)), ...(await session.steps!(call))];
        return { losses, state: await session.getState() };
      }),
    );
    assert.deepEqual(together, alone);
  });

  test('a large batch in parts on 1 or 3 threads: the same numbers bit for bit, and the reference engine’s', async () => {
    // 600 sequences × n = 10 × Hp = 400 is above the threading bound: three parts of ≤ 256.
    const group = parseGroup('D5');
    const model = makeModelSpec('mlp', 10, 2, 400);
    const s = sampledSequences(group, 2, 600, 4);
    const batch = { elements: s.elements, targets: s.products, count: s.count };
    const setup: EngineSetup = {
      model,
      optimizer: { kind: 'adam', lr: 0.01, clip: 1 },
      encodings: encodingMatrix(encode(group, { kind: 'onehot' })),
      batchSize: 600,
      parameters: initParameters(model, 3, 0.5),
    };
    const states = [];
    const previous = process.env.SGC_NATIVE_THREADS;
    try {
      for (const threads of ['1', '3']) {
        process.env.SGC_NATIVE_THREADS = threads;
        const session = await native.open(setup);
        open.push(session);
        await session.steps!([batch, batch, batch]);
        states.push(await session.getState());
      }
    } finally {
      if (previous === undefined) delete process.env.SGC_NATIVE_THREADS;
      else process.env.SGC_NATIVE_THREADS = previous;
    }
    assert.deepEqual(states[1], states[0]);
    const reference = await referenceEngine.open(setup);
    for (let i = 0; i < 3; i++) await reference.step(batch);
    assertClose(states[0].parameters, (await reference.getState()).parameters, 'weight');
    // Outputs of a batch larger than a part, from one part's row buffers.
    const y = await open[open.length - 1].predict(batch);
    assert.ok(relativeError(y, await reference.predict(batch)) < 1e-4);
  });

  test('setState resumes a saved run: the same weights as training straight through', async () => {
    const { setup, batches } = setupFor(cases[0]);
    const straight = await native.open(setup);
    const first = await native.open(setup);
    open.push(straight, first);
    await straight.steps!([...batches, ...batches]);
    await first.steps!(batches);
    const resumed = await native.open(setup);
    open.push(resumed);
    await resumed.setState(await first.getState());
    await resumed.steps!(batches);
    assert.deepEqual(await resumed.getState(), await straight.getState());
  });

  test('a learnable task is learned: C5, k = 2, the whole set, Adam', async () => {
    const group = parseGroup('C5');
    const model = makeModelSpec('mlp', 5, 2, 40);
    const s = exhaustiveSequences(group, 2);
    const batch = { elements: s.elements, targets: s.products, count: s.count };
    const session = await native.open({
      model,
      optimizer: { kind: 'adam', lr: 0.01, clip: 1 },
      encodings: encodingMatrix(encode(group, { kind: 'onehot' })),
      batchSize: s.count,
      parameters: initParameters(model, 1, 0.1),
    });
    open.push(session);
    const losses = await session.steps!(Array.from({ length: 400 }, () => batch));
    assert.ok(losses[399] < 0.01 * losses[0], `loss ${losses[0]} → ${losses[399]}`);
  });

  test('bad input: other models, indices outside the group, another backend', async () => {
    const rnn = makeModelSpec('rnn', 6, 2, 4);
    await assert.rejects(
      native.open({
        model: rnn,
        optimizer: { kind: 'adam', lr: 0.01 },
        encodings: new Float64Array(36),
        batchSize: 2,
        parameters: initParameters(rnn, 1, 0.1),
      }),
      (e) => e instanceof InputError && /mlp only, not the rnn/.test(e.message),
    );
    const { setup, batches } = setupFor(cases[0]);
    const session = await native.open(setup);
    open.push(session);
    const bad = { ...batches[0], elements: batches[0].elements.map((g, i) => (i === 3 ? 6 : g)) };
    await assert.rejects(
      session.step(bad),
      (e) => e instanceof InputError && /index 6 is outside/.test(e.message),
    );
    await assert.rejects(createEngine('native', 'cuda'), /one backend, cpu/);
    // The kernel itself refuses arrays shorter than its call says (a caller's bug, not bad input).
    const mlp = (createRequire(import.meta.url)(nativeKernelFile) as { mlp: (...args: unknown[]) => unknown })
      .mlp;
    const ints = Int32Array.from([6, 2, 8, 8, 2, 4, 1, 0, 0, 0]);
    const floats = Float64Array.from([0.01, 0, 0.9, 0.999, 1e-8, 2]);
    const weights = () => new Float32Array(2 * 6 * 8);
    const buffers = [new Float32Array(36), weights(), weights(), weights(), weights(), weights(), weights()];
    const tooFew = [...buffers, new Int32Array(3), new Int32Array(4), new Float32Array(24)];
    assert.throws(
      () => mlp(2, ints, floats, [...tooFew, new Float32Array(0), new Float32Array(0), new Int32Array(0)]),
      (e) => e instanceof RangeError && /shorter than the call/.test(e.message),
    );
  });
});

describe('native engine in a run', () => {
  test('sgc train with engine native: the same outcome as onnx, an rnn config refused with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgc-native-'));
    try {
      const config = (engine: string, model = 'mlp') =>
        'group: C5\nencoding: {kind: onehot}\nk: 2\n' +
        `model: {kind: ${model}, H: 30}\ntrain: {optimizer: adam, lr: 0.01, init: 0.1, steps: 600, clip: 1}\n` +
        `engine: {name: ${engine}}\n`;
      const results: Record<string, { outcome: string; finalLoss: number }> = {};
      for (const engine of ['native', 'onnx']) {
        writeFileSync(join(dir, `${engine}.yaml`), config(engine));
        const r = await runSgc(['train', join(dir, `${engine}.yaml`), '--out', join(dir, engine)]);
        assert.equal(r.code, 0, r.stderr);
        results[engine] = JSON.parse(readFileSync(join(dir, engine, 'result.json'), 'utf8'));
      }
      assert.equal(results.native.outcome, 'succeeded');
      assert.equal(results.native.outcome, results.onnx.outcome);
      writeFileSync(join(dir, 'rnn.yaml'), config('native', 'rnn'));
      const r = await runSgc(['train', join(dir, 'rnn.yaml'), '--out', join(dir, 'rnn')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the native engine trains the mlp only, not the rnn \(use engine onnx\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Keeps the comparison honest: onnx and native open the same setups.
test('native and onnx give the same loss on the first batch (float32 both)', async () => {
  const { setup, batches } = setupFor(cases[3]);
  const a = await native.open(setup);
  const b = await createOnnxEngine().open(setup);
  open.push(a, b);
  const [la, lb] = [await a.step(batches[0]), await b.step(batches[0])];
  assert.ok(Math.abs(la - lb) < 1e-5 * lb, `${la} vs ${lb}`);
});
