/** A cell's first guess: `theory` is 2^(k−1)·|G| of the cell, |G| read off the group's name. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupOrderOf, parseGroup } from '../../../src/algebra/parse.js';
import { cellSearchPlan, theoryWidth } from '../../../src/sweep/guess.js';
import type { WidthPlan } from '../../../src/sweep/widthSearch.js';

const plan = (guess?: number | 'theory'): WidthPlan => ({
  mode: 'search',
  start: 4,
  max: 1536,
  perOctave: 8,
  recheck: false,
  seeds: 3,
  succeed: 2,
  ...(guess === undefined ? {} : { guess }),
});

test('groupOrderOf gives the order parseGroup builds, for every form of name', () => {
  for (const name of [
    'C2',
    'C13',
    'D3',
    'D7',
    'S3',
    'S5',
    'A4',
    'A5',
    'Q8',
    'O',
    'I',
    'C3xD4',
    'C2 × C2 × S3',
    'Q8xC3',
  ])
    assert.equal(groupOrderOf(name), parseGroup(name).order, name);
  assert.throws(() => groupOrderOf('X5'), /unknown group "X5"/);
});

test('theory: 2^(k−1)·|G| of each cell; a width or no guess is left as it is', () => {
  assert.equal(theoryWidth(3, 6), 24);
  assert.deepEqual(cellSearchPlan(plan('theory'), { group: 'C6', k: 3 }), plan(24));
  assert.deepEqual(cellSearchPlan(plan('theory'), { group: 'D3', k: 2 }), plan(12));
  assert.deepEqual(cellSearchPlan(plan('theory'), { group: 'C13', k: 5 }), plan(208));
  assert.deepEqual(cellSearchPlan(plan(100), { group: 'C6', k: 3 }), plan(100));
  assert.deepEqual(cellSearchPlan(plan(), { group: 'C6', k: 3 }), plan());
  const grid: WidthPlan = { mode: 'values', values: [8, 16], seeds: 1, succeed: 1 };
  assert.equal(cellSearchPlan(grid, { group: 'C6', k: 3 }), grid);
});
