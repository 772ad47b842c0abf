import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { DeviceError, InputError } from '../../../src/errors.js';
import type { EngineSession, EngineSetup } from '../../../src/learn/engine/engine.js';
import { createOnnxEngine } from '../../../src/learn/engine/onnx/index.js';
import { referenceEngine } from '../../../src/learn/engine/reference.js';
import type { Batch } from '../../../src/learn/models/reference.js';
import { initParameters, type ModelKind, makeModelSpec } from '../../../src/learn/models/spec.js';
import type { OptimizerSpec } from '../../../src/learn/optimizers.js';
import { encode, encodingMatrix } from '../../../src/task/encoding.js';
import { sampledSequences } from '../../../src/task/sequences.js';
import { assertClose, relativeError } from '../../helpers/closeness.js';
import { runSgc } from '../../helpers/sgc.js';

const onnx = createOnnxEngine();
// The train graph in slices of 7 sequences (24 = 8 + 8 + 8 → three slices; the default is one here).
const sliced = createOnnxEngine({ sliceRows: 7 });
const open: EngineSession[] = [];
after(async () => {
  for (const s of open) await s.dispose();
});

interface Case {
  group: string;
  kind: ModelKind;
  k: number;
  H: number;
  optimizers: OptimizerSpec[];
  /** Also run the train graph in slices. */
  slices?: boolean;
  /** The mlp's power (default k). */
  degree?: number;
}

const perNeuron: OptimizerSpec = { kind: 'per-neuron', lr: 0.05, clip: 2 };
const adam: OptimizerSpec = { kind: 'adam', lr: 0.01, clip: 2 };
const cases: Case[] = [
  { group: 'D3', kind: 'mlp', k: 2, H: 8, optimizers: [perNeuron, adam], slices: true },
  {
    group: 'D3',
    kind: 'mlp',
    k: 3,
    H: 8,
    optimizers: [{ kind: 'per-neuron', lr: 0.05, timeRescale: { initScale: 0.5 } }, adam],
  },
  { group: 'C5', kind: 'mlp', k: 4, H: 6, optimizers: [adam] },
  { group: 'D3', kind: 'mlp', k: 2, H: 5, degree: 1, optimizers: [perNeuron] },
  // n = 20 > 16: rows are picked by Gather and added by ScatterND instead of one-hot products.
  { group: 'D10', kind: 'mlp', k: 2, H: 6, optimizers: [{ kind: 'per-neuron', lr: 0.05, degree: 3 }] },
  { group: 'D3', kind: 'rnn', k: 2, H: 7, optimizers: [{ kind: 'hybrid', lr: 0.01, clip: 2 }] },
  {
    group: 'D3',
    kind: 'rnn',
    k: 4,
    H: 7,
    optimizers: [perNeuron, adam, { kind: 'hybrid', lr: 0.01 }],
    slices: true,
  },
  { group: 'D10', kind: 'rnn', k: 3, H: 5, optimizers: [adam] },
  { group: 'D3', kind: 'tree', k: 3, H: 7, optimizers: [perNeuron, adam] },
  { group: 'D10', kind: 'tree', k: 5, H: 5, optimizers: [adam], slices: true },
];

const BATCH = 24;

function setupFor(c: Case, optimizer: OptimizerSpec) {
  const group = parseGroup(c.group);
  const encodings = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
  const model = makeModelSpec(c.kind, group.order, c.k, c.H, c.degree);
  const batches: Batch[] = [1, 2, 3].map((seed) => {
    const s = sampledSequences(group, c.k, BATCH, seed);
    return { elements: s.elements, targets: s.products, count: s.count };
  });
  const setup: EngineSetup = {
    model,
    optimizer,
    encodings,
    batchSize: BATCH,
    parameters: initParameters(model, 7, 0.8),
  };
  return { setup, batches };
}

async function openBoth(setup: EngineSetup) {
  const a = await onnx.open(setup);
  const b = await referenceEngine.open(setup);
  open.push(a);
  return { a, b };
}

describe('onnx engine agrees with the reference engine', () => {
  for (const c of cases)
    for (const optimizer of c.optimizers) {
      const degree = c.degree === undefined ? '' : ` degree ${c.degree}`;
      const label = `${c.kind}${degree} k = ${c.k} on ${c.group}, ${optimizer.kind}${optimizer.clip ? ' + clip' : ''}`;
      test(`${label}: gradients, 5 steps of losses, weights and moments`, async () => {
        const { setup, batches } = setupFor(c, optimizer);
        const { a, b } = await openBoth(setup);
        const slices = c.slices ? await sliced.open(setup) : undefined;
        if (slices) open.push(slices);
        const [ga, gb] = [await a.lossAndGradients(batches[0]), await b.lossAndGradients(batches[0])];
        assert.ok(Math.abs(ga.loss - gb.loss) < 1e-4 * gb.loss, `loss ${ga.loss} vs ${gb.loss}`);
        assertClose(ga.gradients, gb.gradients, 'gradient');
        for (let i = 0; i < 5; i++) {
          const batch = batches[i % batches.length];
          const [la, lb] = [await a.step(batch), await b.step(batch)];
          assert.ok(Math.abs(la - lb) < 1e-4 * lb, `step ${i}: loss ${la} vs ${lb}`);
          const ls = await slices?.step(batch);
          if (ls !== undefined) assert.ok(Math.abs(ls - lb) < 1e-4 * lb, `sliced step ${i}: ${ls} vs ${lb}`);
        }
        if (slices)
          assertClose((await slices.getState()).parameters, (await b.getState()).parameters, 'sliced');
        const [sa, sb] = [await a.getState(), await b.getState()];
        assertClose(sa.parameters, sb.parameters, 'weight');
        assert.equal(sa.optimizer.step, 5);
        assertClose(sa.optimizer.m, sb.optimizer.m, 'Adam m');
        assertClose(sa.optimizer.v, sb.optimizer.v, 'Adam v');
        const y = await a.predict(batches[1]);
        assert.equal(y.length, BATCH * setup.model.n);
        assert.ok(relativeError(y, await b.predict(batches[1])) < 1e-4);
      });
    }
});

describe('onnx engine sessions', () => {
  const c = cases.find((x) => x.kind === 'rnn' && x.k === 4)!;
  const optimizer: OptimizerSpec = { kind: 'hybrid', lr: 0.01, clip: 2 };

  test('predict, lossAndGradients and step take any batch count; one steps() call one count', async () => {
    const { setup, batches } = setupFor(c, optimizer);
    const { a, b } = await openBoth(setup);
    for (const count of [1, 5, 40]) {
      const s = sampledSequences(parseGroup(c.group), c.k, count, 9);
      const batch = { elements: s.elements, targets: s.products, count };
      const y = await a.predict(batch);
      assert.equal(y.length, count * setup.model.n);
      assert.ok(relativeError(y, await b.predict(batch)) < 1e-4);
      const [ga, gb] = [await a.lossAndGradients(batch), await b.lossAndGradients(batch)];
      assert.ok(Math.abs(ga.loss - gb.loss) < 1e-4 * gb.loss);
      assertClose(ga.gradients, gb.gradients, `count ${count} gradient`);
    }
    // A batch larger than one predict run takes is sliced: the same outputs.
    const inParts = await createOnnxEngine({ predictElements: 3 * c.H }).open(setup);
    open.push(inParts);
    assert.deepEqual(await inParts.predict(batches[1]), await a.predict(batches[1]));
    // A short batch (an epoch's last, kept) compiles a graph for its size: the reference's numbers.
    const short = {
      count: 5,
      elements: batches[0].elements.subarray(0, 5 * c.k),
      targets: batches[0].targets.subarray(0, 5),
    };
    for (const batch of [short, batches[1], short]) {
      const [la, lb] = [await a.step(batch), await b.step(batch)];
      assert.ok(Math.abs(la - lb) < 1e-4 * lb, `loss ${la} vs ${lb}`);
    }
    assertClose((await a.getState()).parameters, (await b.getState()).parameters, 'after short batches');
    await assert.rejects(
      a.steps!([batches[0], short]),
      (e) => e instanceof InputError && /one size \(got 5 and 24\)/.test(e.message),
    );
  });

  test('stopping, saving the state and resuming in a new session ends with the same weights', async () => {
    const { setup, batches } = setupFor(c, optimizer);
    const straight = await onnx.open(setup);
    const first = await onnx.open(setup);
    open.push(straight, first);
    for (let i = 0; i < 6; i++) await straight.step(batches[i % 3]);
    for (let i = 0; i < 3; i++) await first.step(batches[i % 3]);
    const saved = await first.getState();
    const resumed = await onnx.open(setup);
    open.push(resumed);
    await resumed.setState(saved);
    for (let i = 3; i < 6; i++) await resumed.step(batches[i % 3]);
    const [x, y] = [await straight.getState(), await resumed.getState()];
    assert.deepEqual(y, x);
    // setState replaces the weights of a session that has already run.
    await first.setState(saved);
    assert.deepEqual(await first.getState(), saved);
  });

  test('an unknown or unusable execution provider is an InputError naming it and what works', async () => {
    assert.throws(
      () => createOnnxEngine({ executionProvider: 'tpu' }),
      /"tpu" is not one .*cpu, cuda, webgpu/,
    );
    assert.equal(onnx.name, 'onnx');
    assert.equal(onnx.backend, 'cpu');
    // CUDA in a child process (`sgc train --backend cuda`): onnxruntime writes its failed attempt to
    // load the provider straight to the process's stderr (native code, past any JS console), so the
    // child's stderr collects it instead of the test run's output. A DeviceError is an InputError:
    // one line and exit 2 on the command line, and a worker gives such runs back.
    const dir = mkdtempSync(join(tmpdir(), 'sgc-cuda-'));
    try {
      writeFileSync(
        join(dir, 'run.yaml'),
        'group: D3\nencoding: {kind: onehot}\nk: 2\nmodel: {kind: mlp, H: 8}\n' +
          'train: {optimizer: adam, lr: 0.01, init: 0.001, steps: 3}\nengine: {name: onnx}\n',
      );
      const r = await runSgc([
        'train',
        join(dir, 'run.yaml'),
        '--out',
        join(dir, 'run'),
        '--backend',
        'cuda',
      ]);
      // On a machine whose onnxruntime-node has the CUDA add-on, the run trains: that is fine too.
      if (r.code !== 0) {
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^sgc train: execution provider "cuda" could not start here .*sgc gpu setup/m);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(new DeviceError('x') instanceof InputError, 'a DeviceError is an InputError');
  });
});

describe('onnx engine: many steps per call', () => {
  // The same batches through step() one at a time and through steps() in calls of 1, 2 and 4:
  // the Loop's body is the step graph's nodes, so the numbers are bit-identical, not merely close.
  for (const c of cases)
    for (const optimizer of c.optimizers) {
      const label = `${c.kind} k = ${c.k} on ${c.group}, ${optimizer.kind}${c.slices ? ', in slices' : ''}`;
      test(`${label}: 7 steps in calls of 1, 2, 4 equal 7 single steps bit for bit`, async () => {
        const { setup, batches } = setupFor(c, optimizer);
        const engine = c.slices ? sliced : onnx;
        const single = await engine.open(setup);
        const looped = await engine.open(setup);
        open.push(single, looped);
        const order = Array.from({ length: 7 }, (_, i) => batches[i % batches.length]);
        const one: number[] = [];
        for (const batch of order) one.push(await single.step(batch));
        const many: number[] = [];
        for (const [from, to] of [
          [0, 1],
          [1, 3],
          [3, 7],
        ])
          many.push(...(await looped.steps!(order.slice(from, to))));
        assert.deepEqual(many, one);
        assert.deepEqual(await looped.getState(), await single.getState());
      });
    }

  test('rewind undoes the last steps() call exactly, once', async () => {
    const { setup, batches } = setupFor(cases[1], adam);
    const session = await onnx.open(setup);
    open.push(session);
    await session.steps!([batches[0], batches[1]]);
    const before = await session.getState();
    const losses = await session.steps!([batches[2], batches[0], batches[1]]);
    session.rewind!();
    assert.deepEqual(await session.getState(), before);
    assert.throws(() => session.rewind!(), /only valid once/);
    // Taking the same steps again gives the same losses.
    assert.deepEqual(await session.steps!([batches[2], batches[0], batches[1]]), losses);
  });
});
