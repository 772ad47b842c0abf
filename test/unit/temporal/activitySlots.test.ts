/**
 * The activity slot supplier of a worker with seed groups (src/temporal/activitySlots.ts): it grants
 * a poll only while the worker's gatherer can use one more run, counting polls per task queue. The
 * SDK's calls are made here by hand; a sweep on a real Temporal server with two grouping workers is
 * test/integration/sweeps/seed-groups.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SlotPermit, SlotReserveContext } from '@temporalio/worker';
import { WantedRunsSlotSupplier } from '../../../src/temporal/activitySlots.js';

const context = (taskQueue: string) => ({ taskQueue, slotType: 'activity' }) as SlotReserveContext;
const activity = { type: 'activity', activityType: 'trainRun' } as const;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A supplier over a `wanted` the test sets, and the polls it has granted so far. */
function supplier(initial: number) {
  let wanted = initial;
  let changed = () => undefined as void;
  const slots = new WantedRunsSlotSupplier(
    () => wanted,
    (listener) => {
      changed = listener;
    },
  );
  const granted: SlotPermit[] = [];
  const poll = (queue: string, signal = new AbortController().signal) =>
    slots.reserveSlot(context(queue), signal).then((permit) => {
      granted.push(permit);
      return permit;
    });
  const want = (n: number) => {
    wanted = n;
    changed();
  };
  return { slots, granted, poll, want };
}

describe('activity slots of a worker with seed groups', () => {
  test('polls are granted up to the runs wanted; arrived runs count until they finish', async () => {
    const { slots, granted, poll, want } = supplier(2);
    const polls = [poll('q'), poll('q'), poll('q')];
    await tick();
    assert.equal(granted.length, 2, 'two runs wanted: two polls');
    slots.markSlotUsed({ slotInfo: activity, permit: granted[0] });
    await tick();
    assert.equal(granted.length, 2, 'the arrived run still counts');
    want(3);
    await tick();
    assert.equal(granted.length, 3, 'a gathering group wants its missing seed');
    slots.releaseSlot({ slotInfo: activity, permit: granted[0] });
    want(2);
    await tick();
    assert.deepEqual(slots.held, { inHand: 0, polls: 2 });
    await Promise.all(polls);
  });

  test('a busy worker polls nothing until a run ends', async () => {
    const { slots, granted, poll, want } = supplier(1);
    void poll('q');
    await tick();
    slots.markSlotUsed({ slotInfo: activity, permit: granted[0] });
    const next = poll('q');
    await tick();
    assert.equal(granted.length, 1, 'the one slot trains: no poll');
    want(1);
    await tick();
    assert.equal(granted.length, 1, 'still busy');
    slots.releaseSlot({ slotInfo: activity, permit: granted[0] });
    await next;
    assert.equal(granted.length, 2, 'the run ended: one poll again');
  });

  test('polls count per queue, so an idle queue cannot keep a busy one from being polled', async () => {
    const { slots, granted, poll } = supplier(1);
    void poll('tfjs');
    void poll('onnx');
    await tick();
    assert.equal(granted.length, 2, 'one poll on each queue');
    slots.markSlotUsed({ slotInfo: activity, permit: granted[1] });
    void poll('tfjs');
    await tick();
    assert.equal(granted.length, 2, 'a run in hand counts on every queue');
    // A poll that ends without an activity frees its own queue's count only.
    slots.releaseSlot({ permit: granted[0] });
    slots.releaseSlot({ slotInfo: activity, permit: granted[1] });
    await tick();
    assert.equal(granted.length, 3);
    assert.deepEqual(slots.held, { inHand: 0, polls: 1 });
  });

  test('an aborted reservation leaves the line and rejects; eager tasks get no slot', async () => {
    const { slots, granted, poll } = supplier(0);
    const abort = new AbortController();
    const waiting = poll('q', abort.signal);
    abort.abort(new Error('poller stopped'));
    await assert.rejects(waiting, /poller stopped/);
    assert.equal(slots.tryReserveSlot(), null);
    assert.equal(granted.length, 0);
  });
});
