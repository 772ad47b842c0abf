/**
 * S seeds in one graph (src/learn/engine/onnx/seeds.ts): every seed's losses and state are bit for
 * bit those of the same seed trained alone, one step per call, over every model and optimizer the
 * Loop graph supports, whatever the other seeds do (other step counts per call, a rewind, a short
 * batch, stopping early, failing); for the mlp both with stacked weights and with copies of the step.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';
import type { Batch, EngineSession, EngineSetup } from '../../../src/learn/engine/engine.js';
import { createOnnxEngine } from '../../../src/learn/engine/onnx/index.js';
import {
  stackable,
  trainSeedsLoopGraph,
  trainStackedSeedsLoopGraph,
} from '../../../src/learn/engine/onnx/seedGraphs.js';
import { initParameters, type ModelKind, makeModelSpec } from '../../../src/learn/models/spec.js';
import type { OptimizerSpec } from '../../../src/learn/optimizers.js';
import { encode, encodingMatrix } from '../../../src/task/encoding.js';
import { sampledSequences } from '../../../src/task/sequences.js';

const onnx = createOnnxEngine();
const sliced = createOnnxEngine({ sliceRows: 7 });
// The mlp's seeds train with stacked weights unless told otherwise; the copies of the step are what
// the other models use, and are tested on the mlp too.
const copies = createOnnxEngine({ stackedSeeds: false });
const slicedCopies = createOnnxEngine({ sliceRows: 7, stackedSeeds: false });

const perNeuron: OptimizerSpec = { kind: 'per-neuron', lr: 0.05, clip: 2 };
const adam: OptimizerSpec = { kind: 'adam', lr: 0.01, clip: 2 };
interface Case {
  group: string;
  kind: ModelKind;
  k: number;
  H: number;
  optimizer: OptimizerSpec;
  degree?: number;
  slices?: boolean;
}
const cases: Case[] = [
  { group: 'D3', kind: 'mlp', k: 2, H: 8, optimizer: perNeuron, slices: true },
  { group: 'D3', kind: 'mlp', k: 2, H: 8, optimizer: adam },
  {
    group: 'D3',
    kind: 'mlp',
    k: 3,
    H: 8,
    optimizer: { kind: 'per-neuron', lr: 0.05, timeRescale: { initScale: 0.5 } },
  },
  { group: 'D3', kind: 'mlp', k: 2, H: 5, degree: 1, optimizer: perNeuron },
  // n = 20 > 16: Gather and ScatterND instead of one-hot products.
  { group: 'D10', kind: 'mlp', k: 2, H: 6, optimizer: { kind: 'per-neuron', lr: 0.05, degree: 3 } },
  { group: 'D3', kind: 'rnn', k: 2, H: 7, optimizer: { kind: 'hybrid', lr: 0.01, clip: 2 } },
  { group: 'D3', kind: 'rnn', k: 4, H: 7, optimizer: perNeuron, slices: true },
  { group: 'D10', kind: 'rnn', k: 3, H: 5, optimizer: adam },
  { group: 'D3', kind: 'tree', k: 3, H: 7, optimizer: perNeuron },
  { group: 'D10', kind: 'tree', k: 5, H: 5, optimizer: adam, slices: true },
];

const BATCH = 24;
const SEEDS = 3;

function setupsFor(c: Case) {
  const group = parseGroup(c.group);
  const encodings = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
  const model = makeModelSpec(c.kind, group.order, c.k, c.H, c.degree);
  const batch = (seed: number, count = BATCH): Batch => {
    const s = sampledSequences(group, c.k, count, seed);
    return { elements: s.elements, targets: s.products, count: s.count };
  };
  const setups: EngineSetup[] = Array.from({ length: SEEDS }, (_, j) => ({
    model,
    optimizer: c.optimizer,
    encodings,
    batchSize: BATCH,
    parameters: initParameters(model, 7 + j, 0.8),
  }));
  return { setups, batch };
}

/** What a seed does: its calls (batches of each), and whether to rewind a call and take a prefix. */
interface Plan {
  calls: Batch[][];
  /** Index of a call to undo, after which its first `keep` batches are taken again. */
  rewind?: { call: number; keep: number };
}

/** Drives one seed's session through its plan; returns its losses in order (rewound ones left out). */
async function drive(session: EngineSession, plan: Plan): Promise<number[]> {
  const losses: number[] = [];
  try {
    for (const [i, call] of plan.calls.entries()) {
      const got = await session.steps!(call);
      if (plan.rewind?.call === i) {
        session.rewind!();
        losses.push(...(await session.steps!(call.slice(0, plan.rewind.keep))));
      } else losses.push(...got);
    }
    return losses;
  } finally {
    await session.dispose();
  }
}

/** The batches the plan trains on, in order (a rewound call's prefix only). */
function trained(plan: Plan): Batch[] {
  return plan.calls.flatMap((call, i) => (plan.rewind?.call === i ? call.slice(0, plan.rewind.keep) : call));
}

describe('onnx engine: S seeds per graph', () => {
  const ways = (c: Case) =>
    c.kind === 'mlp' ? (['stacked weights', 'copies'] as const) : (['copies'] as const);
  for (const c of cases)
    for (const way of ways(c)) {
      const label = `${c.kind} k = ${c.k} on ${c.group}, ${c.optimizer.kind}${c.slices ? ', in slices' : ''}, ${way}`;
      test(`${label}: 3 seeds together equal each seed alone bit for bit`, async () => {
        const engine =
          way === 'copies' && c.kind === 'mlp'
            ? c.slices
              ? slicedCopies
              : copies
            : c.slices
              ? sliced
              : onnx;
        const { setups, batch } = setupsFor(c);
        const b = (seed: number) => batch(seed);
        // Seed 0: calls of 1, 2, 4 steps; seed 1: 3, 3 (the second rewound to 1), a short batch of 10,
        // then 2; seed 2: 2 steps, then stops (disposes) while the others go on.
        const plans: Plan[] = [
          { calls: [[b(1)], [b(2), b(3)], [b(4), b(5), b(6), b(7)], [b(8)], [b(9)]] },
          {
            calls: [[b(11), b(12), b(13)], [b(14), b(15), b(16)], [batch(17, 10)], [b(18), b(19)]],
            rewind: { call: 1, keep: 1 },
          },
          { calls: [[b(21), b(22)]] },
        ];
        const sessions = await engine.openSeeds!(setups);
        // Each seed's state right after its last call: read before the session is disposed.
        const states = await Promise.all(
          sessions.map(async (session, j) => {
            const losses = await drive({ ...session, dispose: async () => {} }, plans[j]);
            const state = await session.getState();
            await session.dispose();
            return { losses, state };
          }),
        );
        for (const [j, plan] of plans.entries()) {
          const alone = await engine.open(setups[j]);
          const losses: number[] = [];
          for (const one of trained(plan)) losses.push(await alone.step(one));
          assert.deepEqual(states[j].losses, losses, `seed ${j}'s losses`);
          assert.deepEqual(states[j].state, await alone.getState(), `seed ${j}'s state`);
          await alone.dispose();
        }
      });
    }

  test('a call that took several engine calls (the other seed asked for fewer steps) rewinds whole', async () => {
    for (const engine of [onnx, copies]) {
      const { setups, batch } = setupsFor(cases[1]);
      const sessions = await engine.openSeeds!(setups.slice(0, 2));
      // Seed 0's calls of 1 step cut seed 1's call of 4 into 4 engine calls; seed 1 then undoes it
      // and takes its first 2 batches again.
      const plans: Plan[] = [
        { calls: [[batch(1)], [batch(2)], [batch(3)], [batch(4)], [batch(5)]] },
        { calls: [[batch(11), batch(12), batch(13), batch(14)], [batch(15)]], rewind: { call: 0, keep: 2 } },
      ];
      const together = await Promise.all(sessions.map((session, j) => drive(session, plans[j])));
      for (const [j, plan] of plans.entries()) {
        const alone = await engine.open(setups[j]);
        const losses: number[] = [];
        for (const one of trained(plan)) losses.push(await alone.step(one));
        assert.deepEqual(
          together[j],
          losses,
          `${engine === onnx ? 'stacked' : 'copies'}: seed ${j}'s losses`,
        );
        await alone.dispose();
      }
    }
  });

  test('a seed whose call fails leaves the others exact; predict works per seed during training', async () => {
    const c = cases[1];
    const { setups, batch } = setupsFor(c);
    const sessions = await onnx.openSeeds!(setups);
    const bad: Batch = { elements: new Int32Array(5), targets: new Int32Array(BATCH), count: BATCH };
    const plan: Plan = { calls: [[batch(1), batch(2)], [batch(3)], [batch(4), batch(5)]] };
    const [ok0, failed, ok2] = await Promise.allSettled([
      drive(sessions[0], plan),
      drive(sessions[1], { calls: [[batch(6)], [bad]] }),
      (async () => {
        const losses = await drive({ ...sessions[2], dispose: async () => {} }, plan);
        return { losses, y: await sessions[2].predict(batch(9)) };
      })(),
    ]);
    assert.equal(failed.status, 'rejected');
    assert.ok((failed as PromiseRejectedResult).reason instanceof InputError);
    assert.equal(ok0.status, 'fulfilled');
    assert.equal(ok2.status, 'fulfilled');
    const alone = await onnx.open(setups[2]);
    const losses: number[] = [];
    for (const one of trained(plan)) losses.push(await alone.step(one));
    const { losses: together, y } = (ok2 as PromiseFulfilledResult<{ losses: number[]; y: Float64Array }>)
      .value;
    assert.deepEqual(together, losses);
    assert.deepEqual(y, await alone.predict(batch(9)));
    await alone.dispose();
    await sessions[2].dispose();
  });

  test("stacked weights: the step's products run once for all seeds, the copies once per seed", () => {
    const group = parseGroup('D3');
    const encodings = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));
    const model = makeModelSpec('mlp', group.order, 2, 8);
    /** The MatMul and Gemm nodes of a seed graph's Loop body. */
    const products = (graph: Uint8Array) => {
      const loop = onnxProto.onnx.ModelProto.decode(graph).graph!.node!.find(
        (node) => node.opType === 'Loop',
      )!;
      const body = loop.attribute!.find((a) => a.name === 'body')!.g!;
      return body.node!.filter((node) => node.opType === 'MatMul' || node.opType === 'Gemm').length;
    };
    const count = (build: typeof trainSeedsLoopGraph, S: number) =>
      products(build(model, perNeuron, encodings, BATCH, S));
    assert.equal(count(trainStackedSeedsLoopGraph, 5), count(trainStackedSeedsLoopGraph, 2));
    assert.equal(count(trainSeedsLoopGraph, 5), (5 / 2) * count(trainSeedsLoopGraph, 2));
    assert.equal(count(trainStackedSeedsLoopGraph, 2), count(trainSeedsLoopGraph, 2) / 2);
    // Stacked only where the stacked step's intermediates stay small (STACKED_MAX_ELEMENTS).
    assert.ok(stackable(model, BATCH, 3));
    assert.ok(stackable(makeModelSpec('mlp', 11, 2, 200), 121, 8));
    assert.ok(!stackable(makeModelSpec('mlp', 10, 3, 2048), 1000, 3));
    assert.ok(!stackable(makeModelSpec('rnn', group.order, 2, 8), BATCH, 3));
    assert.throws(() =>
      trainStackedSeedsLoopGraph(makeModelSpec('rnn', group.order, 2, 8), perNeuron, encodings, BATCH, 2),
    );
  });

  test('setups of different shapes are refused with a message naming the seed', async () => {
    const { setups } = setupsFor(cases[0]);
    const other = { ...setups[1], batchSize: BATCH + 1 };
    await assert.rejects(
      onnx.openSeeds!([setups[0], other]),
      (e) => e instanceof InputError && /seed 1's setup differs/.test(e.message),
    );
  });
});
