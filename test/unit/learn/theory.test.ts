import assert from 'node:assert/strict';
import { test } from 'node:test';
import { irrepsOf } from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { plateauLevels, predictedIrrepOrder, staircase } from '../../../src/learn/theory.js';

test('plateau levels: level_j = (1/|G|) Σ_{i>j} P_(i), from the zero-output loss down to 0', () => {
  assert.deepEqual(plateauLevels([0, 30, 3000], 6), [505, 5, 0]);
  assert.deepEqual(plateauLevels([0, 0, 0, 12], 4), [3, 0]);
  // Order of the inputs does not matter, zero powers are skipped.
  assert.deepEqual(plateauLevels([0, 1, 4, 0, 2], 7), [1, 3 / 7, 1 / 7, 0]);
});

test('predicted order: decreasing power, ties in irrep order', () => {
  assert.deepEqual(predictedIrrepOrder([0, 30, 3000]), [2, 1]);
  assert.deepEqual(predictedIrrepOrder([0, 2, 5, 2, 0]), [2, 1, 3]);
});

test('the staircase names the irreps acquired', () => {
  const g = parseGroup('D3');
  const steps = staircase(irrepsOf(g), [0, 30, 3000], 6);
  assert.deepEqual(steps, [
    { irrep: 'rot1', power: 3000, from: 505, to: 5 },
    { irrep: 'sign', power: 30, from: 5, to: 0 },
  ]);
});
