/**
 * The search for a cell's minimal width H*, as a pure state machine that a workflow drives:
 *
 *   let state = initialSearch(plan);
 *   while (!state.result) {
 *     const next = nextProbes(state);   // runs to start now (each returned exactly once)
 *     state = next.state;               // …which the state now holds as in flight
 *     …start next.probes, wait for any run to finish…
 *     state = record(state, { H, seed, succeeded });   // an outcome the trainer decided
 *     // …or, for a run that crashed after its retries: state = recordError(state, { H, seed, reason })
 *   }
 *
 * Every function returns a new state and leaves its argument alone; states are plain JSON (no
 * classes, no Maps, no undefined), so a workflow can carry one across continue-as-new. Nothing
 * reads a clock or a random source: the same plan and the same outcomes give the same probes.
 *
 * ## Trials: success(H) with as few runs as possible
 * success(H) means "at least m (`succeed`) of s (`seeds`) seeds succeed". A *trial* decides it for
 * one width on one set of s seed numbers. With a successes and f failures recorded, the trial has
 * passed once a ≥ m and failed once f ≥ s − m + 1. Until then it starts
 *     min(m − a, s − m + 1 − f) − (runs in flight)
 * more runs: no outcome can be decided by fewer, so every run started is needed whatever the
 * outcomes turn out to be (for m = 2 of s = 3: two seeds first, the third only if they split).
 * It follows that a trial decides only when all its runs have come back: nothing is left running.
 * The primary trial at H uses seeds 0 … s−1; the re-check uses the fresh seeds s … 2s−1, which no
 * trial of this cell has used at that width.
 *
 * ## The grid
 *     grid = distinct values of round(start · 2^(i/p)) below max, for i = 0, 1, 2, …, then max
 * where p = `perOctave` (default 1: start, 2·start, 4·start, …, max). Galloping visits the octave
 * points start·2^j (exact: computed as start·2^q·2^(r/p) with r = 0) and max; bisection may use
 * every grid point, so p sets the resolution of H* (p = 4: about 19 % apart).
 *
 * ## The search (mode `search`)
 * State: lo = the largest width known to fail (null: none yet), hi = the smallest width whose
 * primary trial passed and that no re-check has refuted (null: none yet).
 *   0. expand (only with a `guess`): the first trial is at g = the grid point nearest the guess (by
 *      ratio; a guess outside the grid is its nearest end). After n trials (n = 1, 2, …) that all
 *      went the same way, the next lies 2^n − 1 grid steps from g (1, 2, 4, … steps beyond the one
 *      before), clamped to the grid: downwards after passes, until a failure (or grid[0] passes:
 *      H* = grid[0], lo = null), upwards after failures, until a pass (or max fails: H* = null).
 *      Then on to 2 and 3. A good guess closes the bracket in 2 trials: g and its neighbour.
 *   1. gallop: while hi = null, try the smallest octave point (or max) above lo; lo = max with
 *      hi = null ends the search with H* = null ("none up to max").
 *   2. bisect: while lo and hi are not adjacent on the grid, try grid[⌊(i_lo + i_hi)/2⌋]
 *      (i = index on the grid, i_lo = −1 when lo = null); a pass lowers hi, a failure raises lo.
 *   3. re-check hi with fresh seeds (unless `recheck: false`). A pass ends the search with H* = hi.
 *      A failure makes hi failing: lo = that width, hi = the smallest earlier pass above it (or
 *      null), and the search goes on from 1 or 2. Each width is re-checked at most once.
 * Invariants: lo < hi whenever both are set; every width tried lies strictly between them (above
 * lo while galloping, below hi or above lo while expanding); lo only rises and, between re-check
 * failures, hi only falls, so the search ends after at most (#octaves + 1) + log₂(grid size) + 1
 * trials per re-check failure, and at most one re-check per grid point. With a guess whose grid
 * point g lies d grid steps from H*'s (d = |i* − g|; i* = grid size when H* = null) it ends after
 * at most 2·⌈log₂(d + 2)⌉ trials before the re-check: the expansion stops after e trials with a
 * bracket of 2^(e−2) steps, which bisection halves e − 2 times (exact guess: 2 trials; 1 when it
 * is grid[0] and passes, or max and fails).
 *
 * ## Non-monotone outcomes
 * Success is assumed to be monotone in H, and bisection alone never sees a violation (it only tries
 * widths inside the bracket). Violations show up when a re-check fails (the width then counts as
 * failing although its primary trial passed) and on plain grids, where every value runs. They are
 * recorded, not hidden: `nonMonotone` lists, for every width whose trial failed above a width whose
 * trial passed, that failing width and the nearest passing one below it; `rechecks` lists every
 * re-check with its outcome.
 *
 * ## Runs that end in error (recordError)
 * An outcome (succeeded or failed) is what the trainer decided. A run that crashed after its retries
 * has no outcome: it is recorded with recordError, never as a failure, since a failure would move lo
 * and build the bracket on a crash. Its trial cannot be decided any more (a trial starts only the
 * runs it needs, so the others cannot decide it without this one), so the search stops: nextProbes
 * starts nothing more, runs still in flight are recorded as they come back (their trials' counts
 * move, lo and hi do not), and once none is in flight the search ends *undecided*: `undecided` =
 * 'run errors', H* = null, lo and hi as decided before the error (plain grids: null), `errors` the
 * runs in question. Starting the sweep again re-runs them (the store does not keep `error` as final).
 *
 * ## Plain grid (mode `values`)
 * Every value × every seed runs (all started at once: a grid is for collecting every outcome);
 * success(H) = at least m of the s seeds; H* = the smallest passing value, lo = the largest failing
 * value below it, and nonMonotone as above.
 */

export type WidthPlan =
  | {
      mode: 'search';
      start: number;
      max: number;
      /** Grid points per doubling of the width (1: powers of two times start). */
      perOctave: number;
      /** Re-check H* with fresh seeds before accepting it. */
      recheck: boolean;
      /**
       * Where the search starts (see "expand" in the header); absent: at `start`, galloping. Only
       * a number reaches the search: `theory` is resolved per cell (src/sweep/guess.ts) before.
       */
      guess?: SearchGuess;
      seeds: number;
      succeed: number;
    }
  | { mode: 'values'; values: number[]; seeds: number; succeed: number };

/**
 * A first guess of H*: a width, or `theory` = 2^(k−1)·|G| of each cell (src/sweep/guess.ts). It only
 * says where the search starts; under monotone outcomes H* and lo are the same without it.
 */
export type SearchGuess = number | 'theory';

/** One run of the search: width H, training seed `seed`. */
export interface Probe {
  H: number;
  seed: number;
}

export interface RunOutcome extends Probe {
  succeeded: boolean;
}

/** A run that crashed after its retries: no outcome (see "Runs that end in error"). */
export interface RunError extends Probe {
  reason: string;
}

/** Why a search ended without deciding H*: only run errors so far. */
export type Undecided = 'run errors';

export type TrialKind = 'primary' | 'recheck';

/** success(H) decided on one set of seeds. `passed` is null while undecided. */
export interface Trial {
  H: number;
  kind: TrialKind;
  /** The trial's seed numbers, in the order they are started. */
  seeds: number[];
  successes: number;
  failures: number;
  passed: boolean | null;
}

export interface NonMonotone {
  /** The nearest width below `failed` whose trial passed. */
  succeeded: number;
  failed: number;
}

export interface SearchResult {
  /** H*: null when nothing up to max (or no value of the grid) passed, or when undecided. */
  minWidth: number | null;
  /** The largest failing width below H* (all of them when H* is null); null when none failed. */
  lo: number | null;
  /** The smallest passing width: H* itself, or null. */
  hi: number | null;
  nonMonotone: NonMonotone[];
  rechecks: { H: number; passed: boolean }[];
  /** Every run with an outcome, in the order recorded. */
  runs: RunOutcome[];
  /** Set when the search stopped on run errors: H* is then unknown, not absent. */
  undecided: Undecided | null;
  /** The runs that ended in error (none unless undecided). */
  errors: RunError[];
}

export type SearchPhase = 'expand' | 'gallop' | 'bisect' | 'recheck' | 'grid' | 'done';

export interface WidthSearchState {
  plan: WidthPlan;
  /** The allowed widths, ascending (search: see the header; values: the values). */
  grid: number[];
  phase: SearchPhase;
  lo: number | null;
  hi: number | null;
  /** Every trial so far, in the order opened; the undecided ones are open. */
  trials: Trial[];
  inFlight: Probe[];
  runs: RunOutcome[];
  /** Runs recorded with recordError; any makes the search stop (see the header). */
  errors: RunError[];
  result: SearchResult | null;
}

/**
 * A deep copy. States are plain JSON by design, and JSON is available everywhere, including the
 * sandbox Temporal runs workflow code in (structuredClone may not be).
 */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Guards against typos, not science limits: grids stay small enough to carry in workflow state. */
export const MAX_PER_OCTAVE = 64;

/** The allowed widths of a search plan (see the header). */
export function searchGrid(start: number, max: number, perOctave: number): number[] {
  const grid: number[] = [];
  for (let i = 0; ; i++) {
    const q = Math.floor(i / perOctave);
    const r = i % perOctave;
    const H = Math.round(start * 2 ** q * (r === 0 ? 1 : 2 ** (r / perOctave)));
    if (H >= max) break;
    if (grid.length === 0 || H > grid[grid.length - 1]) grid.push(H);
  }
  grid.push(max);
  return grid;
}

/** The gallop points: start·2^j below max, then max. */
function isGallopPoint(plan: Extract<WidthPlan, { mode: 'search' }>, H: number): boolean {
  if (H === plan.max) return true;
  const ratio = H / plan.start;
  return Number.isInteger(ratio) && (ratio & (ratio - 1)) === 0;
}

function checkPlan(plan: WidthPlan): void {
  const positiveInt = (x: number) => Number.isSafeInteger(x) && x >= 1;
  const ok =
    positiveInt(plan.seeds) &&
    positiveInt(plan.succeed) &&
    plan.succeed <= plan.seeds &&
    (plan.mode === 'search'
      ? positiveInt(plan.start) &&
        positiveInt(plan.max) &&
        plan.start <= plan.max &&
        positiveInt(plan.perOctave) &&
        plan.perOctave <= MAX_PER_OCTAVE &&
        (plan.guess === undefined || (typeof plan.guess === 'number' && positiveInt(plan.guess)))
      : plan.values.length > 0 &&
        plan.values.every(positiveInt) &&
        plan.values.every((v, i) => i === 0 || v > plan.values[i - 1]));
  // A plan comes from a validated sweep spec; a bad one here is a bug in the caller.
  if (plan.mode === 'search' && plan.guess === 'theory')
    throw new Error('width plan with guess: theory: resolve it for the cell first (cellSearchPlan)');
  if (!ok) throw new Error(`invalid width plan ${JSON.stringify(plan)}`);
}

function openTrial(state: WidthSearchState, H: number, kind: TrialKind): void {
  const s = state.plan.seeds;
  const first = kind === 'primary' ? 0 : s;
  state.trials.push({
    H,
    kind,
    seeds: Array.from({ length: s }, (_, i) => first + i),
    successes: 0,
    failures: 0,
    passed: null,
  });
}

/**
 * The index of the grid point nearest `guess` by ratio (the grid is geometric), the lower one on a
 * tie; a guess below or above the grid gives its first or last point.
 */
export function nearestGridIndex(grid: readonly number[], guess: number): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++)
    if (Math.abs(Math.log(grid[i] / guess)) < Math.abs(Math.log(grid[best] / guess))) best = i;
  return best;
}

export function initialSearch(plan: WidthPlan): WidthSearchState {
  checkPlan(plan);
  const grid = plan.mode === 'search' ? searchGrid(plan.start, plan.max, plan.perOctave) : [...plan.values];
  const guessed = plan.mode === 'search' && typeof plan.guess === 'number';
  const state: WidthSearchState = {
    plan: copy(plan),
    grid,
    phase: plan.mode === 'search' ? (guessed ? 'expand' : 'gallop') : 'grid',
    lo: null,
    hi: null,
    trials: [],
    inFlight: [],
    runs: [],
    errors: [],
    result: null,
  };
  if (plan.mode === 'search')
    openTrial(state, guessed ? grid[nearestGridIndex(grid, plan.guess as number)] : plan.start, 'primary');
  else for (const H of state.grid) openTrial(state, H, 'primary');
  return state;
}

function inFlightFor(state: WidthSearchState, trial: Trial): number {
  return state.inFlight.filter((p) => p.H === trial.H && trial.seeds.includes(p.seed)).length;
}

/** How many more runs the trial needs started now (see "Trials" in the header). */
function runsToStart(state: WidthSearchState, trial: Trial): number {
  const { seeds: s, succeed: m } = state.plan;
  const started = trial.successes + trial.failures + inFlightFor(state, trial);
  if (state.plan.mode === 'values') return s - started;
  return Math.min(m - trial.successes, s - m + 1 - trial.failures) - inFlightFor(state, trial);
}

/** The runs to start now, each returned once; the returned state holds them as in flight. */
export function nextProbes(state: WidthSearchState): { state: WidthSearchState; probes: Probe[] } {
  const next = copy(state);
  const probes: Probe[] = [];
  // After a run error nothing new starts: the search only waits for the runs in flight.
  if (errorsOf(next).length > 0) return { state: next, probes };
  for (const trial of next.trials) {
    if (trial.passed !== null) continue;
    const started = trial.successes + trial.failures + inFlightFor(next, trial);
    const count = runsToStart(next, trial);
    for (const seed of trial.seeds.slice(started, started + Math.max(0, count)))
      probes.push({ H: trial.H, seed });
  }
  next.inFlight.push(...probes);
  return { state: next, probes };
}

/** States carried from before run errors existed have no `errors`. */
function errorsOf(state: WidthSearchState): RunError[] {
  state.errors ??= [];
  return state.errors;
}

function takeInFlight(state: WidthSearchState, probe: Probe): void {
  const at = state.inFlight.findIndex((p) => p.H === probe.H && p.seed === probe.seed);
  if (at < 0) throw new Error(`run H=${probe.H} seed=${probe.seed} is not in flight`);
  state.inFlight.splice(at, 1);
}

/**
 * Records a run that nextProbes started and that ended without an outcome (it crashed after its
 * retries). It is no failure: the search stops, and ends undecided once nothing is in flight.
 */
export function recordError(state: WidthSearchState, error: RunError): WidthSearchState {
  const next = copy(state);
  takeInFlight(next, error);
  errorsOf(next).push({ H: error.H, seed: error.seed, reason: error.reason });
  if (next.inFlight.length === 0) finishUndecided(next);
  return next;
}

/** Records the outcome of a run that nextProbes started. */
export function record(state: WidthSearchState, outcome: RunOutcome): WidthSearchState {
  const next = copy(state);
  takeInFlight(next, outcome);
  next.runs.push({ H: outcome.H, seed: outcome.seed, succeeded: outcome.succeeded });
  const trial = next.trials.find(
    (t) => t.passed === null && t.H === outcome.H && t.seeds.includes(outcome.seed),
  );
  if (!trial) throw new Error(`run H=${outcome.H} seed=${outcome.seed} belongs to no open trial`);
  if (outcome.succeeded) trial.successes++;
  else trial.failures++;
  const { seeds: s, succeed: m } = next.plan;
  if (next.plan.mode === 'values') {
    if (trial.successes + trial.failures === s) trial.passed = trial.successes >= m;
  } else if (trial.successes >= m) trial.passed = true;
  else if (trial.failures >= s - m + 1) trial.passed = false;
  if (errorsOf(next).length > 0) {
    // Stopped on a run error: this run's trial is counted, but the bracket does not move.
    if (next.inFlight.length === 0) finishUndecided(next);
    return next;
  }
  if (trial.passed === null) return next;
  if (next.plan.mode === 'values') {
    if (next.trials.every((t) => t.passed !== null)) finishGrid(next);
  } else {
    afterSearchTrial(next, trial);
  }
  return next;
}

function gridIndex(state: WidthSearchState, H: number): number {
  const i = state.grid.indexOf(H);
  if (i < 0) throw new Error(`width ${H} is not on the grid`);
  return i;
}

/** Moves lo/hi after a decided search trial and opens the next trial, or finishes. */
function afterSearchTrial(state: WidthSearchState, trial: Trial): void {
  if (trial.kind === 'primary') {
    if (trial.passed) state.hi = trial.H;
    else state.lo = trial.H;
  } else if (trial.passed) {
    finishSearch(state, trial.H);
    return;
  } else {
    // The re-check refutes hi: it counts as failing, and the next candidate is the smallest
    // earlier pass above it (only primary passes above hi can exist: hi was the smallest).
    state.lo = trial.H;
    const above = state.trials
      .filter((t) => t.kind === 'primary' && t.passed && t.H > trial.H)
      .map((t) => t.H);
    state.hi = above.length > 0 ? Math.min(...above) : null;
  }
  if (state.phase === 'expand') {
    const H = nextExpansion(state);
    if (H !== null) {
      openTrial(state, H, 'primary');
      return;
    }
  }
  const plan = state.plan as Extract<WidthPlan, { mode: 'search' }>;
  if (state.hi === null) {
    const lo = state.lo;
    const H = state.grid.find((g) => (lo === null || g > lo) && isGallopPoint(plan, g));
    if (H === undefined) {
      finishSearch(state, null);
      return;
    }
    state.phase = 'gallop';
    openTrial(state, H, 'primary');
    return;
  }
  const iHi = gridIndex(state, state.hi);
  const iLo = state.lo === null ? -1 : gridIndex(state, state.lo);
  if (iHi - iLo > 1) {
    state.phase = 'bisect';
    openTrial(state, state.grid[Math.floor((iLo + iHi) / 2)], 'primary');
  } else if (plan.recheck) {
    state.phase = 'recheck';
    openTrial(state, state.hi, 'recheck');
  } else {
    finishSearch(state, state.hi);
  }
}

/**
 * The next width of the expansion (see "expand" in the header), or null once it is over: the
 * bracket is closed, or the open side has reached the grid's end. Only primary trials have run, all
 * decided, all of them passes (lo = null) or all failures (hi = null): after n of them the next lies
 * 2^n − 1 grid steps from the first, towards the open side.
 */
function nextExpansion(state: WidthSearchState): number | null {
  if (state.lo !== null && state.hi !== null) return null;
  const n = state.trials.length;
  const g = gridIndex(state, state.trials[0].H);
  const offset = 2 ** n - 1;
  const last = state.grid.length - 1;
  if (state.lo === null) {
    if (gridIndex(state, state.hi!) === 0) return null;
    return state.grid[Math.max(0, g - offset)];
  }
  if (gridIndex(state, state.lo) === last) return null;
  return state.grid[Math.min(last, g + offset)];
}

/** For each failing width above a passing one: that width and the nearest pass below it. */
function nonMonotoneOutcomes(trials: readonly Trial[]): NonMonotone[] {
  const passes = trials.filter((t) => t.passed === true).map((t) => t.H);
  const failures = [...new Set(trials.filter((t) => t.passed === false).map((t) => t.H))].sort(
    (a, b) => a - b,
  );
  const found: NonMonotone[] = [];
  for (const failed of failures) {
    const below = passes.filter((H) => H < failed);
    if (below.length > 0) found.push({ succeeded: Math.max(...below), failed });
  }
  return found;
}

function finish(state: WidthSearchState, minWidth: number | null): void {
  const failing = state.trials.filter((t) => t.passed === false && (minWidth === null || t.H < minWidth));
  state.phase = 'done';
  state.result = {
    minWidth,
    lo: failing.length > 0 ? Math.max(...failing.map((t) => t.H)) : null,
    hi: minWidth,
    nonMonotone: nonMonotoneOutcomes(state.trials),
    rechecks: state.trials
      .filter((t) => t.kind === 'recheck' && t.passed !== null)
      .map((t) => ({ H: t.H, passed: t.passed === true })),
    runs: state.runs,
    undecided: null,
    errors: [],
  };
}

/** Ends a search stopped by run errors: no H*, and the bracket as decided before them. */
function finishUndecided(state: WidthSearchState): void {
  state.phase = 'done';
  state.result = {
    minWidth: null,
    lo: state.lo,
    hi: state.hi,
    nonMonotone: nonMonotoneOutcomes(state.trials),
    rechecks: state.trials
      .filter((t) => t.kind === 'recheck' && t.passed !== null)
      .map((t) => ({ H: t.H, passed: t.passed === true })),
    runs: state.runs,
    undecided: 'run errors',
    errors: errorsOf(state),
  };
}

function finishSearch(state: WidthSearchState, minWidth: number | null): void {
  state.hi = minWidth;
  finish(state, minWidth);
}

function finishGrid(state: WidthSearchState): void {
  const passing = state.trials.filter((t) => t.passed).map((t) => t.H);
  const minWidth = passing.length > 0 ? Math.min(...passing) : null;
  finish(state, minWidth);
  state.lo = state.result!.lo;
  state.hi = minWidth;
}
