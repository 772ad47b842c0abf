/**
 * Irreps of a direct product G₁ × … × G_m from those of the factors. Over C the irreps of a product
 * are exactly the tensor products ρ₁ ⊗ … ⊗ ρ_m. Over R, the tensor product of real forms
 * σ₁ ⊗ … ⊗ σ_m is irreducible when at most one factor is not of real type; otherwise it splits,
 * e.g. two rotation blocks of complex type give R(α) ⊗ R(β) ≅ R(α+β) ⊕ R(α−β), the real forms of
 * ρ₁⊗ρ₂ and ρ₁⊗ρ̄₂. Those are split numerically (decompose.ts), which also gives their types.
 */
import type { ConjugacyClasses } from '../classes.js';
import type { FiniteGroup } from '../group.js';
import { productComponents } from '../groups/product.js';
import { identity, kron } from '../linalg.js';
import { Random } from '../random.js';
import { denseAction, randomDenseCommutant, splitByCommutant } from './decompose.js';
import { type Irrep, type IrrepType, isTrivial } from './irrep.js';

const ATTEMPTS = 5;

export function productIrreps(
  group: FiniteGroup,
  factors: readonly FiniteGroup[],
  factorIrreps: readonly (readonly Irrep[])[],
  classes: ConjugacyClasses,
  seed = 1,
): Irrep[] {
  const rng = new Random(seed);
  const components = Array.from({ length: group.order }, (_, x) => productComponents(factors, x));
  const out: Irrep[] = [];
  // Every tuple of factor irreps, first factor slowest, so the all-trivial tuple comes first.
  const tuples: number[][] = [[]];
  for (const list of factorIrreps) {
    const next: number[][] = [];
    for (const t of tuples) for (let i = 0; i < list.length; i++) next.push([...t, i]);
    tuples.splice(0, tuples.length, ...next);
  }
  for (const tuple of tuples) {
    const parts = tuple.map((i, f) => factorIrreps[f][i]);
    const dim = parts.reduce((acc, p) => acc * p.dim, 1);
    const matrix = (x: number): Float64Array => {
      let m: Float64Array = Float64Array.of(1);
      let d = 1;
      parts.forEach((p, f) => {
        const g = components[x][f];
        m = kron(m, d, p.matrices.subarray(g * p.dim * p.dim, (g + 1) * p.dim * p.dim), p.dim);
        d *= p.dim;
      });
      return m;
    };
    const label = parts.every(isTrivial) ? 'trivial' : parts.map((p) => p.label).join('⊗');
    const nonReal = parts.filter((p) => p.type !== 'real');
    if (nonReal.length <= 1) {
      const type: IrrepType = nonReal[0]?.type ?? 'real';
      const matrices = new Float64Array(group.order * dim * dim);
      for (let x = 0; x < group.order; x++) matrices.set(matrix(x), x * dim * dim);
      const irrep: Irrep = { label, dim, type, matrices };
      if (type === 'complex') {
        // J acts on the complex factor's slot: J_total = I ⊗ … ⊗ J_f ⊗ … ⊗ I.
        let J: Float64Array = Float64Array.of(1);
        let d = 1;
        for (const p of parts) {
          J = kron(J, d, p.type === 'complex' ? p.complexStructure! : identity(p.dim), p.dim);
          d *= p.dim;
        }
        out.push({ ...irrep, complexStructure: J });
      } else out.push(irrep);
      continue;
    }
    const action = denseAction(dim, matrix);
    let pieces: ReturnType<typeof splitByCommutant>;
    for (let attempt = 0; attempt < ATTEMPTS && pieces === undefined; attempt++)
      pieces = splitByCommutant(
        group,
        classes,
        action,
        randomDenseCommutant(group.order, dim, matrix, rng),
        rng,
      );
    if (pieces === undefined)
      throw new Error(`${group.name}: could not split ${label} (${ATTEMPTS} attempts)`);
    for (const [i, p] of pieces.entries())
      out.push({
        label: pieces.length === 1 ? label : `${label}[${String.fromCharCode(97 + i)}]`,
        dim: p.dim,
        type: p.type,
        matrices: p.matrices,
        ...(p.complexStructure ? { complexStructure: p.complexStructure } : {}),
      });
  }
  return out;
}
