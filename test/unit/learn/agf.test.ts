import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { simulateAgf } from '../../../src/learn/agf.js';
import { plateauLevels } from '../../../src/learn/theory.js';
import { encode } from '../../../src/task/encoding.js';

test('AGF on D3, powers [0, 30, 3000]: a cluster of neurons learns the 2-D irrep down to the plateau at 5, then sign', () => {
  const group = parseGroup('D3');
  const encoding = encode(group, { kind: 'powers', powers: [0, 30, 3000] });
  const r = simulateAgf(group, encoding, { k: 2, width: 12, initScale: 1e-3 });
  assert.ok(Math.abs(r.initialLoss - 505) < 1e-9);
  const times = r.events.map((e) => e.time);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'activations in time order',
  );
  // The loss never rises with an activation, and the first irrep brought in is the 2-D one.
  for (let i = 1; i < r.events.length; i++) assert.ok(r.events[i].loss <= r.events[i - 1].loss + 1e-6);
  assert.equal(r.events[0].irrep, 'rot1');
  const firstSign = r.events.findIndex((e) => e.irrep === 'sign');
  const rot1Cluster = r.events.slice(0, firstSign < 0 ? r.events.length : firstSign);
  const plateau = plateauLevels(encoding.power, group.order)[1];
  const reached = Math.min(...rot1Cluster.map((e) => e.loss));
  assert.ok(
    reached > plateau * 0.98 && reached < plateau * 1.2,
    `after the rot1 cluster the loss is ${reached}, the plateau ${plateau}`,
  );
  assert.ok(firstSign > 0, 'the sign irrep comes later');
});
