/** cellRunBound's `expected`: no monotone outcome makes a cell's search take more runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellRunBound } from '../../../src/sweep/runBound.js';
import {
  initialSearch,
  nextProbes,
  record,
  searchGrid,
  type WidthPlan,
} from '../../../src/sweep/widthSearch.js';

/** The runs a search takes when exactly the widths ≥ T pass, for every seed. */
function runsAt(plan: WidthPlan, T: number): number {
  let state = initialSearch(plan);
  let runs = 0;
  while (!state.result) {
    const next = nextProbes(state);
    state = next.state;
    for (const probe of next.probes) {
      runs++;
      state = record(state, { ...probe, succeeded: probe.H >= T });
    }
  }
  return runs;
}

test('expected bounds the runs of every monotone cell, with a guess anywhere or none', () => {
  for (const [start, max, perOctave] of [
    [4, 1536, 8],
    [8, 100, 1],
    [3, 5000, 3],
    [5, 5, 2],
  ]) {
    const grid = searchGrid(start, max, perOctave);
    for (const recheck of [false, true]) {
      const base: WidthPlan = { mode: 'search', start, max, perOctave, recheck, seeds: 3, succeed: 2 };
      const thresholds = [1, ...grid, max + 1];
      const without = cellRunBound(base).expected;
      for (const T of thresholds) assert.ok(runsAt(base, T) <= without, `T=${T} ${JSON.stringify(base)}`);
      const guessed = cellRunBound({ ...base, guess: 'theory' }).expected;
      for (const guess of [1, ...grid, max * 2])
        for (const T of thresholds) {
          const runs = runsAt({ ...base, guess }, T);
          assert.ok(runs <= guessed, `T=${T} guess=${guess} ${JSON.stringify(base)}: ${runs} > ${guessed}`);
        }
    }
  }
});
