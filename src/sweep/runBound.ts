/**
 * How many runs a cell of a sweep can take under its width plan: what `sgc sweep check` prints and
 * what the run-count limit of a sweep (src/cli/runLimits.ts) is checked against.
 */
import { searchGrid, type WidthPlan } from './widthSearch.js';

/** How many runs one cell can take under `plan`, and the widths it may try. */
export interface CellRunBound {
  /** The widths a cell may try: the search grid, or the listed values. */
  widths: number[];
  /** Search: at most this many runs when no re-check of H* fails. Values: every value × seed. */
  expected: number;
  /** No cell takes more runs than this, whatever the outcomes. */
  max: number;
}

/**
 * Bounds from the search's invariants (src/sweep/widthSearch.ts): a trial runs at most `seeds` runs;
 * each grid width gets at most one primary trial and one re-check. Without re-check failures, the
 * search gallops over the octave points (start·2^j and max), then bisects a bracket that holds at
 * most perOctave − 1 grid widths (⌈log₂ perOctave⌉ trials), then re-checks once. With a guess it
 * takes at most 2·⌈log₂(d + 2)⌉ trials before the re-check, d the guess's distance from H* in grid
 * steps; d ≤ n − 1 for an H* on the n-point grid (and none up to max takes 1 + ⌈log₂ n⌉), so at
 * most 2·⌈log₂(n + 1)⌉ whatever the guess (the plan's `theory` is resolved per cell).
 */
export function cellRunBound(plan: WidthPlan): CellRunBound {
  if (plan.mode === 'values') {
    const runs = plan.values.length * plan.seeds;
    return { widths: plan.values, expected: runs, max: runs };
  }
  const widths = searchGrid(plan.start, plan.max, plan.perOctave);
  const gallop = widths.filter((H) => H === plan.max || Number.isInteger(Math.log2(H / plan.start))).length;
  const rechecks = plan.recheck ? 1 : 0;
  const search =
    plan.guess === undefined
      ? gallop + Math.ceil(Math.log2(plan.perOctave))
      : 2 * Math.ceil(Math.log2(widths.length + 1));
  return {
    widths,
    expected: Math.min(search + rechecks, widths.length * (1 + rechecks)) * plan.seeds,
    max: widths.length * (1 + rechecks) * plan.seeds,
  };
}
