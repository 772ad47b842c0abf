/**
 * The width search driven against oracle functions succeeded(H, seed), the way a CellWorkflow
 * drives it: start what nextProbes returns, record outcomes one at a time (in start order, or in a
 * seeded random order to mimic runs finishing out of order).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random } from '../../../src/algebra/random.js';
import {
  initialSearch,
  nearestGridIndex,
  nextProbes,
  type Probe,
  record,
  recordError,
  type SearchResult,
  searchGrid,
  type WidthPlan,
  type WidthSearchState,
} from '../../../src/sweep/widthSearch.js';

type Oracle = (H: number, seed: number) => boolean;

interface Simulation {
  result: SearchResult;
  /** Every probe in the order started, as "H/seed". */
  started: string[];
  /** The most runs in flight at once. */
  maxParallel: number;
  /** The size of each batch nextProbes returned (empty batches left out). */
  batches: number[];
}

function simulate(plan: WidthPlan, oracle: Oracle, shuffleSeed?: number): Simulation {
  let state: WidthSearchState = initialSearch(plan);
  const rng = shuffleSeed === undefined ? null : new Random(shuffleSeed);
  const pending: Probe[] = [];
  const started: string[] = [];
  const seen = new Set<string>();
  const batches: number[] = [];
  let maxParallel = 0;
  for (let step = 0; step < 100_000; step++) {
    // The state must survive JSON (continue-as-new) unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
    if (state.result) return { result: state.result, started, maxParallel, batches };
    const next = nextProbes(state);
    state = next.state;
    for (const p of next.probes) {
      const key = `${p.H}/${p.seed}`;
      assert.ok(!seen.has(key), `probe ${key} started twice`);
      seen.add(key);
      started.push(key);
    }
    if (next.probes.length > 0) batches.push(next.probes.length);
    pending.push(...next.probes);
    maxParallel = Math.max(maxParallel, pending.length);
    assert.ok(pending.length > 0, 'the search waits for nothing but has not finished');
    const [probe] = pending.splice(rng ? rng.int(pending.length) : 0, 1);
    state = record(state, { ...probe, succeeded: oracle(probe.H, probe.seed) });
  }
  assert.fail('the search did not finish');
}

const threshold =
  (T: number): Oracle =>
  (H) =>
    H >= T;

function search(
  start: number,
  max: number,
  options: { perOctave?: number; seeds?: number; succeed?: number; recheck?: boolean; guess?: number } = {},
): WidthPlan {
  const seeds = options.seeds ?? 3;
  return {
    mode: 'search',
    start,
    max,
    perOctave: options.perOctave ?? 1,
    recheck: options.recheck ?? true,
    seeds,
    succeed: options.succeed ?? Math.min(2, seeds),
    ...(options.guess === undefined ? {} : { guess: options.guess }),
  };
}

/** The widths of the primary trials, in the order opened (seed 0 starts every primary trial). */
function primaryWidths(sim: Simulation): number[] {
  return sim.started.filter((key) => key.endsWith('/0')).map((key) => Number(key.split('/')[0]));
}

describe('searchGrid', () => {
  test('powers of two times start, then max', () => {
    assert.deepEqual(searchGrid(8, 100, 1), [8, 16, 32, 64, 100]);
    assert.deepEqual(searchGrid(8, 64, 1), [8, 16, 32, 64]);
    assert.deepEqual(searchGrid(5, 5, 3), [5]);
  });

  test('perOctave points per doubling, rounded, distinct', () => {
    assert.deepEqual(searchGrid(8, 64, 4), [8, 10, 11, 13, 16, 19, 23, 27, 32, 38, 45, 54, 64]);
    assert.deepEqual(searchGrid(1, 4, 8), [1, 2, 3, 4]);
  });
});

describe('success(H) with as few runs as possible', () => {
  test('the first batch at a width is min(m, s − m + 1) runs', () => {
    for (const [seeds, succeed, first] of [
      [3, 2, 2],
      [3, 1, 1],
      [3, 3, 1],
      [5, 3, 3],
      [5, 4, 2],
      [1, 1, 1],
    ]) {
      const { probes } = nextProbes(initialSearch(search(8, 64, { seeds, succeed })));
      assert.deepEqual(
        probes,
        Array.from({ length: first }, (_, seed) => ({ H: 8, seed })),
        `${succeed} of ${seeds}`,
      );
    }
  });

  test('2 of 3: the third seed only when the first two split', () => {
    let state = nextProbes(initialSearch(search(8, 64))).state;
    state = record(state, { H: 8, seed: 1, succeeded: true });
    assert.deepEqual(nextProbes(state).probes, [], 'seed 0 is still running: nothing to add');
    state = record(state, { H: 8, seed: 0, succeeded: false });
    assert.deepEqual(nextProbes(state).probes, [{ H: 8, seed: 2 }]);
  });

  test('nextProbes starts each run once; record refuses runs not in flight', () => {
    const first = nextProbes(initialSearch(search(8, 64)));
    assert.deepEqual(nextProbes(first.state).probes, []);
    assert.throws(() => record(first.state, { H: 8, seed: 2, succeeded: true }), /not in flight/);
    assert.throws(() => record(first.state, { H: 16, seed: 0, succeeded: true }), /not in flight/);
  });

  test('functions leave their argument alone', () => {
    const state = initialSearch(search(8, 64));
    const copy = structuredClone(state);
    const next = nextProbes(state);
    assert.deepEqual(state, copy);
    const after = structuredClone(next.state);
    record(next.state, { H: 8, seed: 0, succeeded: true });
    assert.deepEqual(next.state, after);
  });

  test('invalid plans are refused', () => {
    assert.throws(() => initialSearch(search(8, 64, { seeds: 2, succeed: 3 })), /invalid width plan/);
    assert.throws(() => initialSearch(search(64, 8)), /invalid width plan/);
    assert.throws(() => initialSearch({ mode: 'values', values: [32, 16], seeds: 1, succeed: 1 }), /invalid/);
  });
});

describe('width search: monotone thresholds', () => {
  test('T = 1000, start 8, grid of powers of two: gallop 8 … 1024, re-check 1024; 18 runs', () => {
    const { result } = simulate(search(8, 16384), threshold(1000));
    assert.equal(result.minWidth, 1024);
    assert.equal(result.lo, 512);
    assert.equal(result.hi, 1024);
    assert.deepEqual(result.nonMonotone, []);
    assert.deepEqual(result.rechecks, [{ H: 1024, passed: true }]);
    // 8 primary trials (8 … 1024) + 1 re-check, each decided by 2 agreeing seeds of 3.
    assert.equal(result.runs.length, 18);
  });

  test('T = 700, 4 points per octave: gallop to 1024, bisect 724 (pass), 609 (fail); 22 runs', () => {
    const sim = simulate(search(8, 16384, { perOctave: 4 }), threshold(700));
    assert.equal(sim.result.minWidth, 724);
    assert.equal(sim.result.lo, 609);
    assert.equal(sim.result.runs.length, 22);
    const widths = [...new Set(sim.started.map((k) => Number(k.split('/')[0])))];
    assert.deepEqual(widths, [8, 16, 32, 64, 128, 256, 512, 1024, 724, 609]);
    assert.equal(sim.maxParallel, 2);
  });

  test('success at start: H* = start with no failing width below it', () => {
    const { result } = simulate(search(8, 16384), threshold(3));
    assert.equal(result.minWidth, 8);
    assert.equal(result.lo, null);
    assert.equal(result.runs.length, 4);
  });

  test('no success up to max: H* = null after galloping to max itself', () => {
    const { result, started } = simulate(search(8, 100), threshold(101));
    assert.equal(result.minWidth, null);
    assert.equal(result.lo, 100);
    assert.equal(result.hi, null);
    assert.deepEqual(result.rechecks, []);
    assert.equal(result.runs.length, 10);
    assert.deepEqual([...new Set(started.map((k) => Number(k.split('/')[0])))], [8, 16, 32, 64, 100]);
  });

  test('recheck: false accepts H* without fresh seeds', () => {
    const { result } = simulate(search(8, 16384, { recheck: false }), threshold(1000));
    assert.equal(result.minWidth, 1024);
    assert.deepEqual(result.rechecks, []);
    assert.equal(result.runs.length, 16);
  });
});

describe('width search: seed-dependent outcomes', () => {
  // Seed i succeeds from width T[i] on; with 2 of seeds 0–2, success(H) ⇔ H ≥ median(10, 40, 20) = 20.
  const perSeed =
    (T: number[]): Oracle =>
    (H, seed) =>
      H >= T[seed];
  const plan = search(8, 64, { perOctave: 4 });

  test('2 of 3: H* = 23, the smallest grid width ≥ 20; fresh seeds 3, 4 confirm it; 16 runs', () => {
    const sim = simulate(plan, perSeed([10, 40, 20, 15, 18, 12]));
    assert.equal(sim.result.minWidth, 23);
    assert.equal(sim.result.lo, 19);
    assert.deepEqual(sim.result.rechecks, [{ H: 23, passed: true }]);
    // 8 (2 runs: both fail), 16 (3: split), 32 (3), 23 (3), 19 (3), re-check 23 with seeds 3, 4 (2).
    assert.deepEqual(sim.started, [
      '8/0',
      '8/1',
      '16/0',
      '16/1',
      '16/2',
      '32/0',
      '32/1',
      '32/2',
      '23/0',
      '23/1',
      '23/2',
      '19/0',
      '19/1',
      '19/2',
      '23/3',
      '23/4',
    ]);
  });

  test('failed re-checks make the width failing and the search moves up, recording the contradiction', () => {
    const sim = simulate(plan, perSeed([10, 40, 20, 30, 35, 12]));
    assert.equal(sim.result.minWidth, 32);
    assert.equal(sim.result.lo, 27);
    assert.deepEqual(sim.result.rechecks, [
      { H: 23, passed: false },
      { H: 27, passed: false },
      { H: 32, passed: true },
    ]);
    assert.deepEqual(sim.result.nonMonotone, [{ succeeded: 23, failed: 27 }]);
    assert.equal(sim.result.runs.length, 24);
  });

  test('the order in which runs finish does not change the outcome', () => {
    const oracle = perSeed([10, 40, 20, 30, 35, 12]);
    const inOrder = simulate(plan, oracle).result;
    for (let seed = 1; seed <= 20; seed++) {
      const shuffled = simulate(plan, oracle, seed).result;
      assert.deepEqual(
        { ...shuffled, runs: shuffled.runs.length },
        { ...inOrder, runs: inOrder.runs.length },
      );
    }
  });
});

describe('width search: non-monotone outcomes are recorded', () => {
  test('a pass at 16 that fresh seeds refute, failures above it, success from 64', () => {
    const oracle: Oracle = (H, seed) => H >= 64 || (H === 16 && seed < 3);
    const { result } = simulate(search(8, 256), oracle);
    assert.equal(result.minWidth, 64);
    assert.equal(result.lo, 32);
    assert.deepEqual(result.nonMonotone, [{ succeeded: 16, failed: 32 }]);
    assert.deepEqual(result.rechecks, [
      { H: 16, passed: false },
      { H: 64, passed: true },
    ]);
    // 8 (2), 16 (2), re-check 16 (2), 32 (2), 64 (2), re-check 64 (2).
    assert.equal(result.runs.length, 12);
  });
});

describe('plain grid (width.values)', () => {
  test('every value × every seed starts at once; H* = the smallest passing value', () => {
    const sim = simulate({ mode: 'values', values: [8, 16, 32, 64], seeds: 3, succeed: 2 }, threshold(20));
    assert.deepEqual(sim.batches, [12]);
    assert.equal(sim.result.minWidth, 32);
    assert.equal(sim.result.lo, 16);
    assert.equal(sim.result.hi, 32);
    assert.equal(sim.result.runs.length, 12);
    assert.deepEqual(sim.result.nonMonotone, []);
  });

  test('a failure above a pass is recorded', () => {
    const oracle: Oracle = (H, seed) => !(H === 32 && seed === 1);
    const { result } = simulate({ mode: 'values', values: [16, 32, 64], seeds: 2, succeed: 2 }, oracle, 7);
    assert.equal(result.minWidth, 16);
    assert.equal(result.lo, null);
    assert.deepEqual(result.nonMonotone, [{ succeeded: 16, failed: 32 }]);
    assert.equal(result.runs.length, 6);
  });

  test('no value passes: H* = null', () => {
    const { result } = simulate({ mode: 'values', values: [4, 8], seeds: 1, succeed: 1 }, threshold(9));
    assert.equal(result.minWidth, null);
    assert.equal(result.lo, 8);
  });
});

describe('width search: properties over random thresholds', () => {
  test('H* = the smallest grid width ≥ T, lo is its grid neighbour, runs as predicted', () => {
    const rng = new Random(20261128);
    for (let c = 0; c < 400; c++) {
      const start = 1 + rng.int(64);
      const max = start * 2 ** rng.int(11) + rng.int(start);
      const seeds = 1 + rng.int(5);
      const succeed = 1 + rng.int(seeds);
      const perOctave = [1, 2, 3, 4, 8][rng.int(5)];
      const recheck = rng.int(2) === 1;
      const plan = search(start, max, { perOctave, seeds, succeed, recheck });
      const T = 1 + rng.int(Math.ceil(max * 1.2));
      const what = `case ${c}: T=${T} ${JSON.stringify(plan)}`;
      const sim = simulate(plan, threshold(T), rng.int(2) === 0 ? undefined : c);
      const grid = searchGrid(start, max, perOctave);
      const expected = grid.find((H) => H >= T) ?? null;
      assert.equal(sim.result.minWidth, expected, what);
      const i = expected === null ? grid.length : grid.indexOf(expected);
      assert.equal(sim.result.lo, i === 0 ? null : grid[i - 1], what);
      // A trial that passes takes m runs, one that fails s − m + 1 (the oracle ignores seeds).
      const passes = grid.filter((H) => H >= T && sim.started.includes(`${H}/0`)).length;
      const failures = grid.filter((H) => H < T && sim.started.includes(`${H}/0`)).length;
      const rechecks = expected !== null && recheck ? 1 : 0;
      assert.equal(
        sim.result.runs.length,
        (passes + rechecks) * succeed + failures * (seeds - succeed + 1),
        what,
      );
      // Trials: the gallop (at most one per octave, plus max), a binary search, one re-check.
      const octaves = Math.ceil(Math.log2(max / start)) + 1;
      assert.ok(passes + failures <= octaves + Math.ceil(Math.log2(grid.length)) + 1, what);
      assert.deepEqual(sim.result.nonMonotone, [], what);
    }
  });

  test('deterministic: the same plan and outcomes start the same probes', () => {
    const plan = search(3, 5000, { perOctave: 3, seeds: 4, succeed: 3 });
    const oracle: Oracle = (H, seed) => H >= 700 + 97 * seed;
    assert.deepEqual(simulate(plan, oracle).started, simulate(plan, oracle).started);
  });
});

describe('width search: a first guess (expand)', () => {
  // The paper-scaling plan: 8 points per doubling from 4 to 1536, 2 of 3 seeds.
  const grid = searchGrid(4, 1536, 8);
  const plan = (guess?: number, recheck = false) => search(4, 1536, { perOctave: 8, recheck, guess });

  test('the first trial is at the grid point nearest the guess, clamped to the grid', () => {
    assert.equal(nearestGridIndex(grid, 4), 0);
    assert.equal(nearestGridIndex(grid, 1), 0);
    assert.equal(nearestGridIndex(grid, 10 ** 6), grid.length - 1);
    assert.equal(grid[nearestGridIndex(grid, 24)], 25); // 23 and 25 lie around 24: 25/24 < 24/23
    assert.equal(grid[nearestGridIndex(grid, 200)], 197);
    const first = nextProbes(initialSearch(plan(200)));
    assert.equal(first.state.phase, 'expand');
    assert.deepEqual(first.probes, [
      { H: 197, seed: 0 },
      { H: 197, seed: 1 },
    ]);
  });

  test('a monotone oracle: the same H* and lo with any guess as without, in at most 2⌈log₂(d + 2)⌉ trials', () => {
    const octave = 8;
    for (const recheck of [false, true]) {
      for (const T of [1, ...grid, 1537]) {
        const without = simulate(plan(undefined, recheck), threshold(T)).result;
        const iStar = without.minWidth === null ? grid.length : grid.indexOf(without.minWidth);
        const at = (i: number) => grid[Math.min(grid.length - 1, Math.max(0, i))];
        const guesses = [
          at(iStar), // exact (max when nothing passes)
          at(iStar - 1),
          at(iStar + 1),
          at(iStar - octave),
          at(iStar + octave),
          1, // below the grid
          10 ** 6, // above it
        ];
        for (const guess of guesses) {
          const what = `T=${T} guess=${guess} recheck=${recheck}`;
          const sim = simulate(plan(guess, recheck), threshold(T));
          assert.equal(sim.result.minWidth, without.minWidth, what);
          assert.equal(sim.result.lo, without.lo, what);
          assert.deepEqual(sim.result.rechecks, without.rechecks, what);
          assert.deepEqual(sim.result.nonMonotone, [], what);
          const d = Math.abs(iStar - nearestGridIndex(grid, guess));
          const trials = primaryWidths(sim).length;
          assert.ok(trials <= 2 * Math.ceil(Math.log2(d + 2)), `${what}: ${trials} trials, d = ${d}`);
          if (guess === at(iStar)) {
            // Exact: the guess and its neighbour on the other side; 1 at grid[0] or at a failing max.
            const atEnd = iStar === 0 || iStar === grid.length;
            assert.equal(trials, atEnd ? 1 : 2, what);
          }
        }
      }
    }
  });

  test('random plans and thresholds: a guess never changes H* or lo under monotone outcomes', () => {
    const rng = new Random(20261203);
    for (let c = 0; c < 300; c++) {
      const start = 1 + rng.int(40);
      const max = start * 2 ** rng.int(10) + rng.int(start);
      const seeds = 1 + rng.int(4);
      const options = {
        perOctave: [1, 2, 4, 8][rng.int(4)],
        seeds,
        succeed: 1 + rng.int(seeds),
        recheck: rng.int(2) === 1,
      };
      const T = 1 + rng.int(Math.ceil(max * 1.2));
      const guess = 1 + rng.int(Math.ceil(max * 1.5));
      const what = `case ${c}: T=${T} guess=${guess} ${JSON.stringify(options)} ${start}…${max}`;
      const without = simulate(search(start, max, options), threshold(T)).result;
      const guessed = simulate(search(start, max, { ...options, guess }), threshold(T), c).result;
      assert.equal(guessed.minWidth, without.minWidth, what);
      assert.equal(guessed.lo, without.lo, what);
    }
  });

  test('the expansion steps double: 1, 2, 4, 8 grid steps between trials, then bisection', () => {
    // Guess 1024 for a boundary at 20: passes going down until the first failure, below 20.
    const down = primaryWidths(simulate(plan(1024), threshold(20)));
    const g = grid.indexOf(1024);
    const downIndices = down.map((H) => grid.indexOf(H));
    // g − 63 lies below the grid: the seventh trial is its first point, the first failure.
    assert.deepEqual(downIndices.slice(0, 7), [g, g - 1, g - 3, g - 7, g - 15, g - 31, 0]);
    assert.ok(grid[g - 31] >= 20 && grid[0] < 20);
    for (const H of down.slice(7)) assert.ok(H > grid[0] && H < grid[g - 31], `${H}`);
    // Guess 5 for a boundary at 300: failures going up until the first pass.
    const up = primaryWidths(simulate(plan(5), threshold(300)));
    const upIndices = up.map((H) => grid.indexOf(H));
    const g5 = grid.indexOf(5);
    assert.deepEqual(upIndices.slice(0, 7), [g5, g5 + 1, g5 + 3, g5 + 7, g5 + 15, g5 + 31, g5 + 63]);
    // Every trial after the expansion lies inside the bracket it closed.
    for (const H of up.slice(7)) assert.ok(H > grid[g5 + 31] && H < grid[g5 + 63], `${H}`);
  });

  test('the first grid point passing ends the expansion with lo = null; max failing with H* = null', () => {
    const low = simulate(plan(49), threshold(2));
    assert.equal(low.result.minWidth, 4);
    assert.equal(low.result.lo, null);
    // Indices 24, 23, 21, 17, 9, then 24 − 31 clamped to 0.
    assert.deepEqual(primaryWidths(low), [49, 45, 38, 27, 13, 4]);
    const high = simulate(plan(1000), threshold(5000));
    assert.equal(high.result.minWidth, null);
    assert.equal(high.result.lo, 1536);
    assert.deepEqual(primaryWidths(high), [1024, 1117, 1328, 1536]);
  });

  test('a re-check that refutes hi continues as without a guess; the contradiction is recorded', () => {
    // Seeds 0–2 pass from 16 on, but the fresh seeds 3–5 only from 64: the re-check of 16 fails.
    const oracle: Oracle = (H, seed) => H >= 64 || (H >= 16 && seed < 3);
    const { result } = simulate(search(8, 256, { guess: 16 }), oracle);
    assert.equal(result.minWidth, 64);
    assert.equal(result.lo, 32);
    assert.deepEqual(result.rechecks, [
      { H: 16, passed: false },
      { H: 32, passed: false },
      { H: 64, passed: true },
    ]);
    assert.deepEqual(result.nonMonotone, [{ succeeded: 16, failed: 32 }]);
  });

  test('non-monotone outcomes: where the search starts decides which boundary it finds', () => {
    // 32 fails between passes at 16 and 64. Expansion and bisection only try widths that agree with
    // the outcomes so far (as without a guess), so each finds a pass with a failure just below it.
    const oracle: Oracle = (H) => H >= 16 && H !== 32;
    const fromAbove = simulate(search(8, 256, { guess: 256, recheck: false }), oracle);
    assert.deepEqual(primaryWidths(fromAbove), [256, 128, 32, 64]);
    assert.deepEqual([fromAbove.result.minWidth, fromAbove.result.lo], [64, 32]);
    const fromBelow = simulate(search(8, 256, { guess: 8, recheck: false }), oracle);
    assert.deepEqual(primaryWidths(fromBelow), [8, 16]);
    assert.deepEqual([fromBelow.result.minWidth, fromBelow.result.lo], [16, 8]);
  });

  test('a plan without a guess starts as before: galloping from start, no guess in its state', () => {
    const state = initialSearch(search(4, 1536, { perOctave: 8 }));
    assert.equal(state.phase, 'gallop');
    assert.equal('guess' in state.plan, false);
    assert.deepEqual(nextProbes(state).probes, [
      { H: 4, seed: 0 },
      { H: 4, seed: 1 },
    ]);
  });

  test('guess: theory must be resolved for the cell first; a bad guess is refused', () => {
    const theory = { ...(search(4, 64) as Extract<WidthPlan, { mode: 'search' }>), guess: 'theory' as const };
    assert.throws(() => initialSearch(theory), /resolve it for the cell/);
    assert.throws(() => initialSearch(search(4, 64, { guess: 0 })), /invalid width plan/);
    assert.throws(() => initialSearch(search(4, 64, { guess: 2.5 })), /invalid width plan/);
  });
});

describe('width search: runs that end in error are no failures', () => {
  /** Drives the search like a CellWorkflow; `crashes(H, seed)` says which runs end in error. */
  function simulateWithErrors(
    plan: WidthPlan,
    oracle: Oracle,
    crashes: (H: number, seed: number) => boolean,
  ): { result: SearchResult; started: string[] } {
    let state = initialSearch(plan);
    const pending: Probe[] = [];
    const started: string[] = [];
    for (let step = 0; step < 10_000; step++) {
      assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
      if (state.result) return { result: state.result, started };
      const next = nextProbes(state);
      state = next.state;
      pending.push(...next.probes);
      started.push(...next.probes.map((p) => `${p.H}/${p.seed}`));
      assert.ok(pending.length > 0, 'the search waits for nothing but has not finished');
      const probe = pending.shift() as Probe;
      state = crashes(probe.H, probe.seed)
        ? recordError(state, { ...probe, reason: 'RangeError: boom' })
        : record(state, { ...probe, succeeded: oracle(probe.H, probe.seed) });
    }
    assert.fail('the search did not finish');
  }

  test('an error while galloping: undecided, no H*, lo stays at the last real failure', () => {
    // Without the error the search would end with H* = 16 (threshold 12, 1 seed).
    const plan = search(2, 64, { seeds: 1, succeed: 1, recheck: false });
    const clean = simulateWithErrors(plan, threshold(12), () => false).result;
    assert.equal(clean.minWidth, 16);
    assert.equal(clean.undecided, null);
    assert.deepEqual(clean.errors, []);

    const { result, started } = simulateWithErrors(plan, threshold(12), (H) => H === 8);
    assert.equal(result.undecided, 'run errors');
    assert.equal(result.minWidth, null);
    // 2 and 4 failed for real; the crash at 8 is not a failure: lo does not become 8.
    assert.equal(result.lo, 4);
    assert.equal(result.hi, null);
    assert.deepEqual(result.errors, [{ H: 8, seed: 0, reason: 'RangeError: boom' }]);
    assert.deepEqual(
      result.runs.map((r) => r.H),
      [2, 4],
    );
    assert.deepEqual(started, ['2/0', '4/0', '8/0'], 'nothing starts after the error');
  });

  test('an error at a huge width (the H = 1e9 of issue 16) does not become the lo of the cell', () => {
    const plan: WidthPlan = { mode: 'values', values: [4, 8, 1_000_000_000], seeds: 1, succeed: 1 };
    const { result } = simulateWithErrors(plan, threshold(6), (H) => H === 1_000_000_000);
    assert.equal(result.undecided, 'run errors');
    assert.equal(result.minWidth, null);
    assert.equal(result.lo, null);
    assert.equal(result.hi, null);
    assert.deepEqual(
      result.errors.map((e) => e.H),
      [1_000_000_000],
    );
    // The runs with outcomes are kept as they were recorded.
    assert.deepEqual(
      result.runs.map((r) => [r.H, r.succeeded]),
      [
        [4, false],
        [8, true],
      ],
    );
  });

  test('runs in flight when another errs are still recorded; the search ends when the last is back', () => {
    // 2 of 3 at 8: seeds 0 and 1 start together; seed 0 crashes, seed 1 succeeds later.
    let state = nextProbes(initialSearch(search(8, 64))).state;
    state = recordError(state, { H: 8, seed: 0, reason: 'worker bug' });
    assert.equal(state.result, null, 'seed 1 is still in flight');
    assert.deepEqual(nextProbes(state).probes, [], 'and nothing new starts');
    state = record(state, { H: 8, seed: 1, succeeded: true });
    assert.ok(state.result);
    assert.equal(state.result.undecided, 'run errors');
    assert.equal(state.result.minWidth, null);
    assert.equal(state.result.hi, null, 'one success of the two needed decides nothing');
    assert.equal(state.phase, 'done');
    assert.deepEqual(state.result.runs, [{ H: 8, seed: 1, succeeded: true }]);
  });

  test('recordError refuses runs not in flight and leaves its argument alone', () => {
    const first = nextProbes(initialSearch(search(8, 64)));
    assert.throws(() => recordError(first.state, { H: 16, seed: 0, reason: 'x' }), /not in flight/);
    const copy = structuredClone(first.state);
    recordError(first.state, { H: 8, seed: 0, reason: 'x' });
    assert.deepEqual(first.state, copy);
  });

  test('the bracket decided before an error is kept, the error is not added to it', () => {
    // Threshold 40: gallop 8 (fail), 16 (fail), 32 (fail), 64 (pass); bisect 48 crashes.
    const plan = search(8, 128, { seeds: 1, succeed: 1, perOctave: 2, recheck: false });
    const { result } = simulateWithErrors(plan, threshold(40), (H) => H === 45);
    assert.equal(result.undecided, 'run errors');
    assert.equal(result.lo, 32);
    assert.equal(result.hi, 64);
    assert.equal(result.minWidth, null);
    assert.deepEqual(
      result.errors.map((e) => e.H),
      [45],
    );
  });
});
