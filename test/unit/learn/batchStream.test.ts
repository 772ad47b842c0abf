/**
 * The batches a run sees: passes through a fixed set (dropping or keeping the short last batch), the
 * exhaustive set's shuffle drawn from the run's seed, epochs, and restoring mid-pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { BatchStream } from '../../../src/learn/batchStream.js';
import type { RunConfig } from '../../../src/learn/runConfig.js';
import { exhaustiveSequences, sampledSequences } from '../../../src/task/sequences.js';

const group = parseGroup('D3');

function stream(data: RunConfig['data'], seed = 0, batchSize = 8): BatchStream {
  const train =
    data.kind === 'sampled'
      ? sampledSequences(group, 2, data.count, data.seed)
      : exhaustiveSequences(group, 2, { order: 'left' });
  return new BatchStream({ group, k: 2, order: 'left', data, train, batchSize, seed });
}

/** The rows of a batch as "g1,g2" strings. */
const rows = (b: { elements: Int32Array; count: number }) =>
  Array.from({ length: b.count }, (_, i) => `${b.elements[2 * i]},${b.elements[2 * i + 1]}`);

test('dropLast false keeps the short last batch: each epoch covers the set once, then reshuffles', () => {
  const s = stream({ kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false });
  for (let epoch = 0; epoch < 3; epoch++) {
    const counts: number[] = [];
    const ends: boolean[] = [];
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      assert.equal(s.nextCount(), i < 3 ? 8 : 6);
      const b = s.next();
      counts.push(b.count);
      ends.push(s.endsEpoch());
      seen.push(...rows(b));
    }
    assert.deepEqual(counts, [8, 8, 8, 6]);
    assert.deepEqual(ends, [false, false, false, true]);
    const all = rows({ elements: sampledSequences(group, 2, 30, 3).elements, count: 30 });
    assert.deepEqual([...seen].sort(), [...all].sort(), `epoch ${epoch} is a permutation of the set`);
  }
});

test('dropLast true (the default) drops the short batch: epochs of 3 whole batches', () => {
  const s = stream({ kind: 'sampled', count: 30, seed: 3, batch: 8 });
  const ends = Array.from({ length: 6 }, () => {
    assert.equal(s.next().count, 8);
    return s.endsEpoch();
  });
  assert.deepEqual(ends, [false, false, true, false, false, true]);
});

test("the exhaustive set's shuffle follows the run's seed", () => {
  const first = (seed: number) => rows(stream({ kind: 'exhaustive', batch: 8 }, seed).next());
  assert.deepEqual(first(4), first(4));
  assert.notDeepEqual(first(4), first(5));
  assert.notDeepEqual(first(0), first(5));
});

test('a full batch is an epoch every step; online data has no epochs', () => {
  const full = stream({ kind: 'exhaustive' }, 0, 36);
  full.next();
  assert.ok(full.endsEpoch());
  const online = new BatchStream({
    group,
    k: 2,
    order: 'left',
    data: { kind: 'online', batch: 4, seed: 1 },
    train: undefined,
    batchSize: 4,
    seed: 0,
  });
  online.next();
  assert.equal(online.endsEpoch(), false);
});

test('restoring mid-pass (short batches kept) continues with the same batches', () => {
  const data: RunConfig['data'] = { kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false };
  const straight = stream(data);
  const expected = Array.from({ length: 10 }, () => rows(straight.next()));
  const first = stream(data);
  for (let i = 0; i < 6; i++) first.next();
  const resumed = stream(data);
  resumed.restore(first.state());
  assert.deepEqual(
    Array.from({ length: 4 }, () => rows(resumed.next())),
    expected.slice(6),
  );
});

test('mark and reset go back to any position, also before the first shuffle', () => {
  const data: RunConfig['data'] = { kind: 'sampled', count: 30, seed: 3, batch: 8, dropLast: false };
  for (const skip of [0, 3, 5]) {
    const s = stream(data);
    for (let i = 0; i < skip; i++) s.next();
    const mark = s.mark();
    const first = Array.from({ length: 6 }, () => rows(s.next()));
    s.reset(mark);
    assert.deepEqual(
      Array.from({ length: 6 }, () => rows(s.next())),
      first,
      `after ${skip} batches`,
    );
  }
});

test('online data: perRun gives each run seed its own batches; without it every seed sees the same', () => {
  const online = (seed: number, perRun?: boolean) =>
    new BatchStream({
      group,
      k: 2,
      order: 'left',
      data: { kind: 'online', batch: 16, seed: 1, ...(perRun !== undefined ? { perRun } : {}) },
      train: undefined,
      batchSize: 16,
      seed,
    });
  const first = (s: BatchStream) => rows(s.next()).join(' ');
  assert.equal(first(online(0)), first(online(5)));
  assert.equal(first(online(0, false)), first(online(5, false)));
  assert.notEqual(first(online(0, true)), first(online(5, true)));
  // Seed 0 with perRun is the stream of data.seed itself: data seed 1 + run seed 0.
  assert.equal(first(online(0, true)), first(online(0)));
  const plain = new BatchStream({
    group,
    k: 2,
    order: 'left',
    data: { kind: 'online', batch: 16, seed: 3 },
    train: undefined,
    batchSize: 16,
    seed: 0,
  });
  assert.equal(first(online(2, true)), first(plain), 'run seed 2 draws from data seed 1 + 2');
});
