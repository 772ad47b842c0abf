/**
 * Irreps of any finite group, numerically, from its regular representation: every irrep occurs in
 * it, so splitting it (decompose.ts) and keeping one piece per character gives them all. Used for
 * S_n, A_n, Q8, O, I and groups given by generators or tables. O(|G|³) for the eigendecomposition.
 */
import type { ConjugacyClasses } from '../classes.js';
import type { FiniteGroup } from '../group.js';
import { Random } from '../random.js';
import {
  type IrreduciblePiece,
  randomRegularCommutant,
  regularAction,
  splitByCommutant,
} from './decompose.js';
import { commutantDim } from './irrep.js';

const ATTEMPTS = 5;

export function regularIrreps(group: FiniteGroup, classes: ConjugacyClasses, seed = 1): IrreduciblePiece[] {
  const rng = new Random(seed);
  const action = regularAction(group);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const pieces = splitByCommutant(group, classes, action, randomRegularCommutant(group, rng), rng);
    if (pieces === undefined) continue;
    // The regular representation holds D/m copies of each real irrep σ of dimension D, so the
    // pieces are complete exactly when Σ D²/m = |G|.
    const total = pieces.reduce((acc, p) => acc + (p.dim * p.dim) / commutantDim(p.type), 0);
    if (Math.abs(total - group.order) < 1e-6) return pieces;
  }
  throw new Error(
    `${group.name}: could not split the regular representation into irreps (${ATTEMPTS} attempts)`,
  );
}
