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

test('AGF at the default width 16 (sgc theory --agf): the loss never rises, and no activation is put on an irrep the target lacks', () => {
  // At width 16 a neuron once entered at unit scale threw the loss from 32.8 up to 62.7, and an
  // activation that only refit the active neurons was labelled trivial, whose power here is 0.
  const group = parseGroup('D3');
  const encoding = encode(group, { kind: 'powers', powers: [0, 30, 3000] });
  const r = simulateAgf(group, encoding, { k: 2, width: 16, initScale: 1e-3, maxActivations: 10 });
  let before = r.initialLoss;
  for (const e of r.events) {
    assert.ok(e.loss <= before * (1 + 1e-9), `loss ${before} → ${e.loss} at τ ${e.time}`);
    before = e.loss;
  }
  const labels = new Set(r.events.map((e) => e.irrep));
  assert.ok(!labels.has('trivial'), `labels ${[...labels].join(', ')}`);
  assert.deepEqual(
    [...labels].filter((l) => l !== 'none'),
    ['rot1', 'sign'],
    'rot1 first, then sign, as the plateaus 505 → 5 → 0 say',
  );
  assert.ok(r.events.at(-1)!.loss < 0.05 * plateauLevels(encoding.power, group.order)[1]);
});
