/**
 * A cell's first guess of its minimal width H*, where its width search starts (`width.search.guess`,
 * src/sweep/widthSearch.ts "expand"). A guess says only where the search starts: it is part of no
 * run's identity (configHash) and of no spec's (specIdentity), and under monotone outcomes a search
 * with any guess ends with the same H* and lo as one without.
 *
 * Pure: workflow code resolves a cell's plan with cellSearchPlan.
 */
import { groupOrderOf } from '../algebra/parse.js';
import type { WidthPlan } from './widthSearch.js';

/**
 * The theory guide 2^(k−1)·|G| for the two-layer network: the width its minimal width grows like
 * (the paper's lower line; the guide the H*(k) figures draw).
 */
export function theoryWidth(k: number, groupOrder: number): number {
  return 2 ** (k - 1) * groupOrder;
}

/** The width plan one cell's search runs: `guess: theory` becomes that cell's theoryWidth. */
export function cellSearchPlan(plan: WidthPlan, cell: { group: string; k: number }): WidthPlan {
  if (plan.mode !== 'search' || plan.guess !== 'theory') return plan;
  return { ...plan, guess: theoryWidth(cell.k, groupOrderOf(cell.group)) };
}
