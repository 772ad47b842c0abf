import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archivedName } from '../../../src/cli/sweepName.js';
import { specHash } from '../../../src/sweep/specHash.js';
import { specDifferences, specIdentity } from '../../../src/sweep/specIdentity.js';

const base = {
  name: 'ident',
  groups: ['C6', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2, 3],
  models: ['mlp'],
  width: { search: { start: 4, max: 256, perOctave: 2 }, seeds: 1 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 5000, clip: 0.1 },
  engine: { name: 'onnx' },
};

const differences = (a: object, b: object) => specDifferences(specIdentity(a), specIdentity(b));

test('the same spec written otherwise has the same hash: list order, defaults written out, the name', () => {
  const rewritten = {
    engine: { name: 'onnx' },
    train: { clip: 0.1, steps: 5000, init: 0.001, lr: 0.01, optimizer: 'per-neuron', stopOnSuccess: true },
    width: { seeds: 1, succeed: 1, search: { max: 256, start: 4, perOctave: 2, recheck: true } },
    models: [{ kind: 'mlp' }],
    k: [3, 2],
    encodings: [{ kind: 'onehot' }],
    groups: ['D3', 'C6'],
    powersMismatch: 'error',
    name: 'another-name',
  };
  assert.deepEqual(differences(base, rewritten), []);
  assert.equal(specHash(rewritten), specHash(base));
  assert.match(specHash(base), /^[0-9a-f]{64}$/);
});

test('a cap per k: the same cap for every k is that cap; another cap at one k is a difference', () => {
  const perK = (steps: Record<string, number>) => ({ ...base, train: { ...base.train, steps } });
  assert.deepEqual(differences(base, perK({ 2: 5000, 3: 5000 })), []);
  assert.deepEqual(differences(perK({ 3: 9000, 2: 5000 }), perK({ 2: 5000, 3: 9000 })), []);
  assert.deepEqual(differences(base, perK({ 2: 5000, 3: 9000 })), [
    'train.steps: 5000 → {"2":5000,"3":9000}',
  ]);
  assert.deepEqual(differences(perK({ 2: 5000, 3: 9000 }), perK({ 2: 5000, 3: 8000 })), [
    'train.steps.3: 9000 → 8000',
  ]);
});

test("a search's guess is not part of the identity: a restart may move where cells start", () => {
  const guessed = (guess: number | string) => ({
    ...base,
    width: { ...base.width, search: { ...base.width.search, guess } },
  });
  assert.deepEqual(differences(base, guessed(24)), []);
  assert.deepEqual(differences(guessed(24), guessed('theory')), []);
  assert.equal(specHash(guessed('theory')), specHash(base));
  // …while the rest of the search still is.
  assert.deepEqual(
    differences(guessed(24), {
      ...guessed(24),
      width: { search: { start: 8, max: 256, perOctave: 2, guess: 24 }, seeds: 1 },
    }),
    ['width.search.start: 4 → 8'],
  );
});

test('differences name each field: sets as -removed +added, values as before → after', () => {
  const changed = {
    ...base,
    groups: ['C6', 'D3', 'C5'],
    k: [2, 4],
    train: { ...base.train, steps: 8000, clip: undefined },
  };
  assert.deepEqual(differences(base, changed), [
    'groups: +C5',
    'k: -3 +4',
    'train.clip: 0.1 → unset',
    'train.steps: 5000 → 8000',
  ]);
  assert.notEqual(specHash(changed), specHash(base));
});

test('a width plan changed from a search to a grid, and more seeds', () => {
  const grid = { ...base, width: { values: [8, 16], seeds: 2 } };
  assert.deepEqual(differences(base, grid), [
    'width.search: {"max":256,"perOctave":2,"recheck":true,"start":4} → unset',
    'width.seeds: 1 → 2',
    'width.succeed: 1 → 2',
    'width.values: unset → [8,16]',
  ]);
});

test('a stored spec that no longer validates is compared as written, and differs', () => {
  const old = { ...base, train: { ...base.train, retired: true } };
  const found = differences(old, base);
  assert.ok(found.length > 0);
  assert.notEqual(specHash(old), specHash(base));
});

test('a replaced sweep is archived under a name no spec can have', () => {
  const name = archivedName('small-width', new Date('2026-12-03T10:15:02.123Z'));
  assert.equal(name, 'small-width@20261203T101502Z');
});
