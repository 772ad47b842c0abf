/**
 * Real irreducible representations. sgc works over the reals (encodings and networks are real), so
 * each irrep is a real orthogonal matrix per group element. Over C, a real irrep σ is one of
 * (Frobenius–Schur):
 *  - real type:          σ ⊗ C = ρ, one complex irrep of dimension d = dim σ;
 *  - complex type:       σ ⊗ C = ρ ⊕ ρ̄ with ρ ≇ ρ̄, so dim σ = 2d;
 *  - quaternionic type:  σ ⊗ C = ρ ⊕ ρ, so dim σ = 2d.
 * The matrices commuting with σ form R, C or H respectively; their dimension m = 1, 2, 4 (the
 * "commutant dimension") is what corrects Fourier weights and class-function formulas below.
 */
import type { FiniteGroup, GroupElement } from '../group.js';

export type IrrepType = 'real' | 'complex' | 'quaternionic';

export interface Irrep {
  /** Readable name, e.g. `trivial`, `sign`, `rot1`, `3'`, `freq1⊗rot2`. */
  readonly label: string;
  /** Real dimension D of the matrices. */
  readonly dim: number;
  readonly type: IrrepType;
  /** order × D × D, row-major; the matrix of element g starts at g·D². Orthogonal. */
  readonly matrices: Float64Array;
  /**
   * Complex type only: a matrix J with J² = −I that commutes with every σ(g). It makes σ a complex
   * representation ρ of dimension D/2, with character χ_ρ(g) = (tr σ(g) − i·tr(J σ(g)))/2.
   */
  readonly complexStructure?: Float64Array;
}

/** dim_R of the commutant: 1 (real), 2 (complex), 4 (quaternionic). */
export function commutantDim(type: IrrepType): 1 | 2 | 4 {
  return type === 'real' ? 1 : type === 'complex' ? 2 : 4;
}

/** Dimension d of the complex irrep(s) inside σ. */
export function complexDim(irrep: Irrep): number {
  return irrep.type === 'real' ? irrep.dim : irrep.dim / 2;
}

/**
 * The weight c_σ = D/m of σ in the Fourier inversion formula t(g) = (1/|G|) Σ_σ c_σ tr(σ(g) F_σ).
 * It is the complex dimension d for real and complex type, and d/2 for quaternionic type: the central
 * idempotent of σ in R[G] is (c_σ/|G|) Σ_g χ_σ(g⁻¹) g, with χ_σ = χ_ρ + χ_ρ̄ or 2χ_ρ.
 */
export function fourierWeight(irrep: Irrep): number {
  return irrep.dim / commutantDim(irrep.type);
}

/** σ(g) as a view into the matrices (no copy). */
export function irrepMatrix(irrep: Irrep, g: GroupElement): Float64Array {
  const d2 = irrep.dim * irrep.dim;
  return irrep.matrices.subarray(g * d2, (g + 1) * d2);
}

/** The real character χ_σ(g) = tr σ(g) for every element. */
export function realCharacter(irrep: Irrep, order: number): Float64Array {
  const D = irrep.dim;
  const chi = new Float64Array(order);
  for (let g = 0; g < order; g++) {
    let t = 0;
    for (let i = 0; i < D; i++) t += irrep.matrices[g * D * D + i * D + i];
    chi[g] = t;
  }
  return chi;
}

export function isTrivial(irrep: Irrep): boolean {
  return irrep.dim === 1 && irrep.matrices.every((x) => Math.abs(x - 1) < 1e-12);
}

/**
 * Frobenius–Schur data of a real character: ⟨χ,χ⟩ = (1/|G|) Σ χ(g)² equals m (1, 2, 4) for an
 * irreducible σ, and (1/|G|) Σ χ(g²) equals 1, 0, −2 for real, complex, quaternionic type (the
 * indicator of ρ times the number of copies of ρ, ρ̄ in σ ⊗ C). Any other pair means σ is reducible.
 */
export function classifyCharacter(
  group: FiniteGroup,
  chi: Float64Array,
  tolerance = 1e-6,
): IrrepType | undefined {
  const n = group.order;
  let norm = 0;
  let indicator = 0;
  for (let g = 0; g < n; g++) {
    norm += chi[g] * chi[g];
    indicator += chi[group.mul[g * n + g]];
  }
  norm /= n;
  indicator /= n;
  const near = (a: number, b: number): boolean => Math.abs(a - b) < tolerance;
  if (near(norm, 1) && near(indicator, 1)) return 'real';
  if (near(norm, 2) && near(indicator, 0)) return 'complex';
  if (near(norm, 4) && near(indicator, -2)) return 'quaternionic';
  return undefined;
}
