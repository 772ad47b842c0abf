import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isNewer, messageStamps } from '../../../src/sweep/messageOrder.js';

describe('message order', () => {
  test('one execution: a later stamp is newer, the same or an earlier one is not', () => {
    const stamp = messageStamps(1000);
    const [a, b, c] = [stamp(), stamp(), stamp()];
    assert.deepEqual([a.n, b.n, c.n], [1, 2, 3]);
    assert.ok(isNewer(a, b) && isNewer(b, c) && isNewer(a, c));
    assert.ok(!isNewer(c, b) && !isNewer(b, a) && !isNewer(b, b));
  });

  test('a later execution is newer whatever its count; an earlier one never is', () => {
    const old = messageStamps(1000);
    for (let i = 0; i < 50; i++) old();
    const late = old();
    const fresh = messageStamps(1001)();
    assert.ok(isNewer(late, fresh));
    assert.ok(!isNewer(fresh, late));
  });

  test('reports without a stamp (from workflows of before) are taken, and any stamp follows none', () => {
    assert.ok(isNewer(undefined, { since: 5, n: 1 }));
    assert.ok(isNewer({ since: 5, n: 9 }, undefined));
    assert.ok(isNewer(undefined, undefined));
  });
});
