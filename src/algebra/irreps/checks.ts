/**
 * The checks every set of irreps must pass, for any group: each σ is an orthogonal homomorphism,
 * the complex characters are orthonormal (⟨χ_i, χ_j⟩ = (1/|G|) Σ_g χ_i(g) conj χ_j(g) = δ_ij), there
 * are as many complex irreps as conjugacy classes, and Σ d² over the complex irreps equals |G|.
 * Together these say the list is complete and has no duplicates (Burnside).
 */
import { characterTable } from '../characters.js';
import { type FiniteGroup, generatingSet } from '../group.js';
import { type Irrep, irrepsOf } from './index.js';

export interface IrrepChecks {
  /** max |ρ(gh) − ρ(g)ρ(h)| over the pairs checked. */
  homomorphismError: number;
  /** Which pairs were checked: all, or generators × all (which implies all). */
  pairsChecked: 'all' | 'generators';
  /** max |ρ(g)ρ(g)ᵀ − I|. */
  orthogonalityError: number;
  /** max |⟨χ_i, χ_j⟩ − δ_ij| over the complex characters. */
  characterOrthogonalityError: number;
  /** max |J² + I| and |Jσ(g) − σ(g)J| over complex-type irreps. */
  complexStructureError: number;
  classCount: number;
  complexIrrepCount: number;
  sumOfSquaredDims: number;
  order: number;
  ok: boolean;
}

export const CHECK_TOLERANCE = 1e-9;

export function checkIrreps(
  group: FiniteGroup,
  irreps: readonly Irrep[] = irrepsOf(group),
  options: { allPairs?: boolean } = {},
): IrrepChecks {
  const n = group.order;
  const allPairs = options.allPairs ?? n <= 64;
  const left = allPairs ? Array.from({ length: n }, (_, g) => g) : generatingSet(group);
  let homomorphismError = 0;
  let orthogonalityError = 0;
  let complexStructureError = 0;
  for (const irrep of irreps) {
    const D = irrep.dim;
    const M = irrep.matrices;
    const product = new Float64Array(D * D);
    for (const g of left)
      for (let h = 0; h < n; h++) {
        // ρ(g)ρ(h) vs ρ(gh)
        product.fill(0);
        for (let i = 0; i < D; i++)
          for (let k = 0; k < D; k++) {
            const a = M[g * D * D + i * D + k];
            for (let j = 0; j < D; j++) product[i * D + j] += a * M[h * D * D + k * D + j];
          }
        const gh = group.mul[g * n + h];
        for (let i = 0; i < D * D; i++)
          homomorphismError = Math.max(homomorphismError, Math.abs(product[i] - M[gh * D * D + i]));
      }
    for (let g = 0; g < n; g++)
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) {
          let t = 0;
          for (let k = 0; k < D; k++) t += M[g * D * D + i * D + k] * M[g * D * D + j * D + k];
          orthogonalityError = Math.max(orthogonalityError, Math.abs(t - (i === j ? 1 : 0)));
        }
    if (irrep.type === 'complex')
      complexStructureError = Math.max(complexStructureError, complexStructureDefect(irrep, n));
  }

  const table = characterTable(group, irreps);
  const sizes = table.classes.classes.map((c) => c.length);
  let characterOrthogonalityError = 0;
  for (const a of table.characters)
    for (const b of table.characters) {
      let re = 0;
      let im = 0;
      sizes.forEach((size, c) => {
        // χ_a · conj(χ_b)
        re += size * (a.re[c] * b.re[c] + a.im[c] * b.im[c]);
        im += size * (a.im[c] * b.re[c] - a.re[c] * b.im[c]);
      });
      const expected = a === b ? 1 : 0;
      characterOrthogonalityError = Math.max(
        characterOrthogonalityError,
        Math.hypot(re / n - expected, im / n),
      );
    }
  const sumOfSquaredDims = table.characters.reduce((acc, c) => acc + c.dim * c.dim, 0);
  const classCount = sizes.length;
  const complexIrrepCount = table.characters.length;
  const ok =
    homomorphismError < CHECK_TOLERANCE &&
    orthogonalityError < CHECK_TOLERANCE &&
    characterOrthogonalityError < CHECK_TOLERANCE &&
    complexStructureError < CHECK_TOLERANCE &&
    classCount === complexIrrepCount &&
    sumOfSquaredDims === n;
  return {
    homomorphismError,
    pairsChecked: allPairs ? 'all' : 'generators',
    orthogonalityError,
    characterOrthogonalityError,
    complexStructureError,
    classCount,
    complexIrrepCount,
    sumOfSquaredDims,
    order: n,
    ok,
  };
}

function complexStructureDefect(irrep: Irrep, order: number): number {
  const D = irrep.dim;
  const J = irrep.complexStructure;
  if (!J) return Number.POSITIVE_INFINITY;
  let err = 0;
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      let t = 0;
      for (let k = 0; k < D; k++) t += J[i * D + k] * J[k * D + j];
      err = Math.max(err, Math.abs(t + (i === j ? 1 : 0)));
    }
  for (let g = 0; g < order; g++) {
    const o = g * D * D;
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let js = 0;
        let sj = 0;
        for (let k = 0; k < D; k++) {
          js += J[i * D + k] * irrep.matrices[o + k * D + j];
          sj += irrep.matrices[o + i * D + k] * J[k * D + j];
        }
        err = Math.max(err, Math.abs(js - sj));
      }
  }
  return err;
}
