/**
 * The complex character table, read off the real irreps: a real-type σ is one complex irrep with
 * character tr σ; a complex-type σ is ρ ⊕ ρ̄ with χ_ρ(g) = (tr σ(g) − i·tr(J σ(g)))/2 for its
 * complex structure J; a quaternionic-type σ is ρ ⊕ ρ with χ_ρ = tr σ / 2.
 */
import type { ConjugacyClasses } from './classes.js';
import type { FiniteGroup } from './group.js';
import { classesOf, type Irrep, irrepsOf } from './irreps/index.js';
import { traceOfProduct } from './linalg.js';

export interface ComplexCharacter {
  label: string;
  /** Complex dimension χ(e). */
  dim: number;
  /** Index of the real irrep it comes from. */
  realIrrep: number;
  /** Real and imaginary parts, one value per conjugacy class. */
  re: Float64Array;
  im: Float64Array;
}

export interface CharacterTable {
  classes: ConjugacyClasses;
  characters: ComplexCharacter[];
}

export function characterTable(
  group: FiniteGroup,
  irreps: readonly Irrep[] = irrepsOf(group),
): CharacterTable {
  const classes = classesOf(group);
  const reps = classes.classes.map((members) => members[0]);
  const characters: ComplexCharacter[] = [];
  irreps.forEach((irrep, index) => {
    const D = irrep.dim;
    const tr = Float64Array.from(reps, (g) => {
      let t = 0;
      for (let i = 0; i < D; i++) t += irrep.matrices[g * D * D + i * D + i];
      return t;
    });
    const zero = new Float64Array(reps.length);
    if (irrep.type === 'real')
      characters.push({ label: irrep.label, dim: D, realIrrep: index, re: tr, im: zero });
    else if (irrep.type === 'quaternionic')
      characters.push({
        label: irrep.label,
        dim: D / 2,
        realIrrep: index,
        re: tr.map((x) => x / 2),
        im: zero,
      });
    else {
      const J = irrep.complexStructure;
      if (!J) throw new Error(`irrep ${irrep.label} of complex type has no complex structure`);
      const re = tr.map((x) => x / 2);
      const im = Float64Array.from(reps, (g) => -traceOfProduct(J, irrep.matrices, D, 0, g * D * D) / 2);
      characters.push({ label: irrep.label, dim: D / 2, realIrrep: index, re, im });
      characters.push({ label: `${irrep.label}*`, dim: D / 2, realIrrep: index, re, im: im.map((x) => -x) });
    }
  });
  return { classes, characters };
}
