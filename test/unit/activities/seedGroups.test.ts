/**
 * The seed gatherer of a training worker (activities/seedGroups.ts): which runs train together, how
 * many trainings run at once, and what a cancellation or a failing member does to a group. The
 * trainings here are functions the test controls; the sweep test with a real Temporal server and
 * engine is test/integration/sweeps/seed-groups.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledWhileWaiting, SeedGroups, Slots, type TrainGroup } from '../../../activities/seedGroups.js';

const GATHER_MS = 40;

/** A training the test ends: each call's items, and a way to settle it. */
function trainings() {
  const calls: { items: string[]; end: (results?: PromiseSettledResult<string>[]) => void }[] = [];
  const train: TrainGroup<string, string> = (items) =>
    new Promise((resolve) => {
      calls.push({
        items,
        end: (results) =>
          resolve(results ?? items.map((i) => ({ status: 'fulfilled', value: `${i} trained` }))),
      });
    });
  return { calls, train };
}

const never = () => new AbortController().signal;
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('seed groups on a training worker', () => {
  test('runs of one key that arrive together train as one group, up to its size', async () => {
    const groups = new SeedGroups<string, string>(3, new Slots(4), GATHER_MS);
    const { calls, train } = trainings();
    const runs = ['a0', 'a1', 'a2', 'a3'].map((item) => groups.run('a', item, train, never()));
    const other = groups.run('b', 'b0', train, never());
    await tick();
    // Full at three: that group starts at once; the fourth run waits to gather, as does key b.
    assert.deepEqual(
      calls.map((c) => c.items),
      [['a0', 'a1', 'a2']],
    );
    await tick(GATHER_MS * 2);
    assert.deepEqual(
      calls.map((c) => c.items),
      [['a0', 'a1', 'a2'], ['a3'], ['b0']],
    );
    for (const c of calls) c.end();
    assert.deepEqual(await Promise.all([...runs, other]), [
      { result: 'a0 trained', groupSize: 3 },
      { result: 'a1 trained', groupSize: 3 },
      { result: 'a2 trained', groupSize: 3 },
      { result: 'a3 trained', groupSize: 1 },
      { result: 'b0 trained', groupSize: 1 },
    ]);
  });

  test('trainings wait for a slot, and a waiting group takes the runs of its key that come meanwhile', async () => {
    const groups = new SeedGroups<string, string>(3, new Slots(1), GATHER_MS);
    const { calls, train } = trainings();
    const first = groups.run('a', 'a0', train, never());
    await tick(GATHER_MS * 2);
    assert.equal(calls.length, 1, 'the first group trains');
    const waiting = [groups.run('b', 'b0', train, never())];
    await tick(GATHER_MS * 2);
    waiting.push(groups.run('b', 'b1', train, never()));
    const alone = groups.run(null, 'lone', train, never());
    await tick(GATHER_MS * 2);
    assert.equal(calls.length, 1, 'one slot: nothing else trains while the first group does');
    calls[0].end();
    await first;
    await tick();
    assert.deepEqual(calls[1].items, ['b0', 'b1'], 'b1 joined the group while it waited for the slot');
    assert.equal(calls.length, 2, 'the lone run waits for the slot in turn');
    calls[1].end();
    await tick();
    assert.deepEqual(calls[2].items, ['lone']);
    calls[2].end();
    assert.deepEqual(await alone, { result: 'lone trained', groupSize: 1 });
    assert.deepEqual(
      (await Promise.all(waiting)).map((r) => r.groupSize),
      [2, 2],
    );
  });

  test('a run alone (key null) starts at once, without waiting to gather', async () => {
    const groups = new SeedGroups<string, string>(3, new Slots(1), 10_000);
    const { calls, train } = trainings();
    const run = groups.run(null, 'x', train, never());
    await tick();
    assert.deepEqual(
      calls.map((c) => c.items),
      [['x']],
    );
    calls[0].end();
    assert.deepEqual(await run, { result: 'x trained', groupSize: 1 });
  });

  test('a run cancelled while it waits leaves at once; the others train without it', async () => {
    const groups = new SeedGroups<string, string>(3, new Slots(1), GATHER_MS);
    const { calls, train } = trainings();
    const busy = groups.run(null, 'busy', train, never());
    const cancel = new AbortController();
    const kept = groups.run('a', 'a0', train, never());
    const leaving = groups.run('a', 'a1', train, cancel.signal);
    const gone = new AbortController();
    const lonely = groups.run('c', 'c0', train, gone.signal);
    await tick(GATHER_MS * 2);
    cancel.abort();
    gone.abort();
    await assert.rejects(leaving, CancelledWhileWaiting);
    await assert.rejects(lonely, CancelledWhileWaiting);
    calls[0].end();
    await busy;
    await tick();
    assert.deepEqual(
      calls.map((c) => c.items),
      [['busy'], ['a0']],
      'the emptied group c never trains',
    );
    calls[1].end();
    assert.deepEqual(await kept, { result: 'a0 trained', groupSize: 1 });
    // The slot c's group took is free again.
    const after = groups.run(null, 'after', train, never());
    await tick();
    calls[2].end();
    assert.equal((await after).result, 'after trained');
  });

  test('an already cancelled run never joins', async () => {
    const groups = new SeedGroups<string, string>(2, new Slots(1), GATHER_MS);
    const { train } = trainings();
    const cancel = new AbortController();
    cancel.abort();
    await assert.rejects(groups.run('a', 'a0', train, cancel.signal), CancelledWhileWaiting);
  });

  test("a member's failure fails only that member; a training that throws fails them all", async () => {
    const groups = new SeedGroups<string, string>(2, new Slots(1), GATHER_MS);
    const { calls, train } = trainings();
    const ok = groups.run('a', 'a0', train, never());
    const bad = groups.run('a', 'a1', train, never());
    await tick();
    calls[0].end([
      { status: 'fulfilled', value: 'a0 trained' },
      { status: 'rejected', reason: new Error('a1 broke') },
    ]);
    assert.deepEqual(await ok, { result: 'a0 trained', groupSize: 2 });
    await assert.rejects(bad, /a1 broke/);

    const throwing: TrainGroup<string, string> = async () => {
      throw new Error('no engine');
    };
    const both = [groups.run('b', 'b0', throwing, never()), groups.run('b', 'b1', throwing, never())];
    for (const run of both) await assert.rejects(run, /no engine/);
    // The slot came back after the throw.
    const next = groups.run(null, 'next', train, never());
    await tick();
    calls[1].end();
    assert.equal((await next).result, 'next trained');
  });

  test('a group starts as soon as it has the runs its cell started together', async () => {
    const groups = new SeedGroups<string, string>(4, new Slots(2), 10_000);
    const { calls, train } = trainings();
    const pair = ['a0', 'a1'].map((item) => groups.run('a', item, train, never(), { together: 2 }));
    const alone = groups.run('b', 'b0', train, never(), { together: 1 });
    await tick();
    assert.deepEqual(
      calls.map((c) => c.items),
      [['a0', 'a1'], ['b0']],
      'no wait for the gathering window',
    );
    for (const c of calls) c.end();
    assert.deepEqual(
      (await Promise.all([...pair, alone])).map((r) => r.groupSize),
      [2, 2, 1],
    );
  });

  test('wanted: the runs in hand, the missing runs of the groups next in line, one per free slot', async () => {
    const groups = new SeedGroups<string, string>(3, new Slots(2), 10_000);
    const { calls, train } = trainings();
    assert.equal(groups.wanted(), 2, 'idle: one run per slot');
    const a = [groups.run('a', 'a0', train, never(), { together: 3 })];
    assert.equal(groups.wanted(), 1 + 2 + 1, 'a0, its two missing seeds, and one run for the other slot');
    a.push(groups.run('a', 'a1', train, never(), { together: 3 }));
    a.push(groups.run('a', 'a2', train, never(), { together: 3 }));
    await tick();
    assert.equal(calls.length, 1);
    assert.equal(groups.wanted(), 3 + 1, 'a trains; the free slot wants one run');
    const b = [groups.run('b', 'b0', train, never(), { together: 2 })];
    assert.equal(groups.wanted(), 3 + 2, 'b0 and its missing seed');
    const c = groups.run('c', 'c0', train, never(), { together: 3 });
    assert.equal(groups.wanted(), 3 + 2 + 1, 'c0 waits beyond the free slots: no room for its seeds');
    b.push(groups.run('b', 'b1', train, never(), { together: 2 }));
    await tick();
    assert.equal(calls.length, 2, 'b took the second slot');
    assert.equal(groups.wanted(), 3 + 2 + 1, 'both slots train: only the runs in hand');
    calls[0].end();
    await Promise.all(a);
    await tick();
    assert.equal(groups.wanted(), 2 + 1 + 2, "c is next in line for a's slot: its missing seeds count again");
    const rest = ['c1', 'c2'].map((item) => groups.run('c', item, train, never(), { together: 3 }));
    await tick();
    assert.deepEqual(calls[2].items, ['c0', 'c1', 'c2']);
    for (const call of calls.slice(1)) call.end();
    await Promise.all([...b, c, ...rest]);
    assert.equal(groups.wanted(), 2, 'idle again');
  });

  test('a group holds two runs or more', () => {
    assert.throws(() => new SeedGroups(1, new Slots(1)), /2 or more/);
  });
});
