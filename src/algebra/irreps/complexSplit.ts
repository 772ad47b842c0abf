/**
 * The closed-form split of a tensor product of real irreps of complex type, σ₀ ⊗ σ₁ ⊗ … (with any
 * real-type factors in between), for a direct product of groups.
 *
 * Each complex-type σ_f comes with J_f (J_f² = −I, commuting with σ_f) that makes it a complex irrep
 * ρ_f: σ_f ⊗ C = ρ_f ⊕ ρ̄_f, where J_f acts as +i on ρ_f and −i on ρ̄_f. In the tensor product the
 * J_f act on their own slots and commute, so M_i = J₀J_i (i ≥ 1) are commuting symmetric orthogonal
 * involutions that commute with σ₀ ⊗ σ₁ ⊗ …. On the part where ρ₀ meets ρ_i (or ρ̄₀ meets ρ̄_i) M_i is
 * (±i)² = −1; where ρ₀ meets ρ̄_i it is +1. So the joint eigenspaces of M₁, …, M_{c−1} are exactly
 * the real forms of ρ₀ ⊗ ρ₁^{±} ⊗ …: 2^{c−1} pieces, each irreducible (a tensor product of irreps
 * of the factors is irreducible for the product group) and of complex type (ρ₀ ≇ ρ̄₀, so no piece
 * is isomorphic to its conjugate), each with complex structure J₀ restricted to it.
 *
 * Piece order: piece b conjugates factor i (i = 1 … c−1) when bit c−1−i of b is set, so piece [a]
 * is ρ₀ ⊗ ρ₁ ⊗ … (for two rotation blocks R(α) ⊗ R(β): R(α+β), frequencies add) and the last
 * conjugates every factor after the first (R(α−β)). No randomness, no eigendecomposition: the basis
 * of each piece is Gram–Schmidt on the columns of its projector Π_i (I ∓ M_i)/2.
 */
import { matmul } from '../linalg.js';

export interface ComplexPieceBasis {
  /** dim × d, orthonormal columns spanning the piece. */
  basis: Float64Array;
  /** d = dim / 2^(c−1). */
  dim: number;
  /** J₀ restricted to the piece (d × d): its complex structure. */
  complexStructure: Float64Array;
}

/** Columns below this norm after orthogonalisation are in the span of the earlier ones. */
const DEPENDENT = 1e-8;

/**
 * The pieces of a tensor product of dimension `dim` with `structures` = J_f of each complex-type
 * factor, already placed in its slot (dim × dim), first factor first. The piece's matrices are
 * Vᵀ σ(g) V (restrict).
 */
export function complexPieces(dim: number, structures: readonly Float64Array[]): ComplexPieceBasis[] {
  const [J0, ...rest] = structures;
  const involutions = rest.map((Ji) => matmul(J0, Ji, dim, dim, dim));
  const count = 2 ** involutions.length;
  const pieceDim = dim / count;
  const pieces: ComplexPieceBasis[] = [];
  for (let b = 0; b < count; b++) {
    // P = Π_i (I + s_i M_i)/2: s_i = +1 selects ρ̄_i (M_i = +1), −1 selects ρ_i (M_i = −1).
    let P = identityMatrix(dim);
    involutions.forEach((M, i) => {
      const s = (b >> (involutions.length - 1 - i)) & 1 ? 1 : -1;
      const half = new Float64Array(dim * dim);
      for (let j = 0; j < dim * dim; j++) half[j] = (s * M[j]) / 2;
      for (let j = 0; j < dim; j++) half[j * dim + j] += 0.5;
      P = matmul(P, half, dim, dim, dim);
    });
    const basis = orthonormalColumns(P, dim, pieceDim);
    const complexStructure = new Float64Array(pieceDim * pieceDim);
    restrict(J0, 0, basis, dim, pieceDim, complexStructure, 0);
    pieces.push({ basis, dim: pieceDim, complexStructure });
  }
  return pieces;
}

function identityMatrix(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** An orthonormal basis (dim × rank, row-major) of the column space of P, by Gram–Schmidt in column order. */
function orthonormalColumns(P: Float64Array, dim: number, rank: number): Float64Array {
  const V = new Float64Array(dim * rank);
  let found = 0;
  const v = new Float64Array(dim);
  for (let c = 0; c < dim && found < rank; c++) {
    for (let r = 0; r < dim; r++) v[r] = P[r * dim + c];
    // Twice, for vectors that lose most of their length to the first pass.
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < found; k++) {
        let dot = 0;
        for (let r = 0; r < dim; r++) dot += V[r * rank + k] * v[r];
        for (let r = 0; r < dim; r++) v[r] -= dot * V[r * rank + k];
      }
    let norm = 0;
    for (let r = 0; r < dim; r++) norm += v[r] * v[r];
    norm = Math.sqrt(norm);
    if (norm < DEPENDENT) continue;
    for (let r = 0; r < dim; r++) V[r * rank + found] = v[r] / norm;
    found++;
  }
  if (found !== rank) throw new Error(`complex split: found ${found} of ${rank} basis vectors`);
  return V;
}

/** out[outOffset …] = Vᵀ·S·V for S = source[offset …] (dim × dim) and V (dim × d). */
export function restrict(
  source: Float64Array,
  offset: number,
  V: Float64Array,
  dim: number,
  d: number,
  out: Float64Array,
  outOffset: number,
): void {
  const SV = new Float64Array(dim * d);
  for (let i = 0; i < dim; i++)
    for (let k = 0; k < dim; k++) {
      const s = source[offset + i * dim + k];
      if (s === 0) continue;
      for (let j = 0; j < d; j++) SV[i * d + j] += s * V[k * d + j];
    }
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let t = 0;
      for (let k = 0; k < dim; k++) t += V[k * d + i] * SV[k * d + j];
      out[outOffset + i * d + j] = t;
    }
}
