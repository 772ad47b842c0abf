/**
 * Predictions of the learning-dynamics theory for two-layer networks (Alternating Gradient Flows):
 * the network acquires the encoding's irreps one at a time, in decreasing order of their power, and
 * the loss sits on a plateau between acquisitions.
 *
 * With the loss L = (1/|G|)·mean over sequences of ‖ŷ − y‖² and the powers sorted descending,
 * P_(1) ≥ P_(2) ≥ … ≥ P_(m) > 0, the plateau after j irreps have been learned is
 *
 *     level_j = (1/|G|) Σ_{i>j} P_(i),   j = 0..m,
 *
 * so level_0 = ‖t‖²/|G| is the loss of the zero output and level_m = 0.
 */
import type { Irrep } from '../algebra/irreps/irrep.js';

/** Irrep indices with non-zero power, by decreasing power (ties keep irrep order). */
export function predictedIrrepOrder(power: ArrayLike<number>, tolerance = 1e-12): number[] {
  const total = Array.from(power).reduce((a, b) => a + b, 0);
  return Array.from(power, (p, i) => ({ p, i }))
    .filter(({ p }) => p > tolerance * Math.max(1, total))
    .sort((a, b) => b.p - a.p || a.i - b.i)
    .map(({ i }) => i);
}

/** level_0 … level_m as above. */
export function plateauLevels(power: ArrayLike<number>, order: number): number[] {
  const sorted = predictedIrrepOrder(power).map((i) => power[i]);
  const levels: number[] = [];
  let rest = sorted.reduce((a, b) => a + b, 0);
  levels.push(rest / order);
  for (const p of sorted) {
    rest -= p;
    levels.push(Math.max(0, rest) / order);
  }
  levels[levels.length - 1] = 0;
  return levels;
}

export interface PlateauStep {
  /** The irrep acquired at this step of the staircase. */
  irrep: string;
  power: number;
  /** Loss before and after it is acquired. */
  from: number;
  to: number;
}

/** The staircase as a list of acquisitions, for printing. */
export function staircase(irreps: readonly Irrep[], power: ArrayLike<number>, order: number): PlateauStep[] {
  const levels = plateauLevels(power, order);
  return predictedIrrepOrder(power).map((i, j) => ({
    irrep: irreps[i].label,
    power: power[i],
    from: levels[j],
    to: levels[j + 1],
  }));
}
