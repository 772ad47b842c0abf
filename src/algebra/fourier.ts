/**
 * The group Fourier transform over the real irreps, for functions t: G → R (templates).
 *
 *   forward:  F_σ = Σ_g t(g) σ(g)ᵀ                          (a D_σ×D_σ matrix per irrep)
 *   inverse:  t(g) = (1/|G|) Σ_σ c_σ tr(σ(g) F_σ)
 *   power:    P_σ = c_σ ‖F_σ‖²_F / |G|,   so that Σ_σ P_σ = ‖t‖² (Plancherel)
 *
 * with c_σ = D_σ/m_σ (irrep.ts): the complex dimension d for real- and complex-type σ, d/2 for
 * quaternionic σ. For real-type irreps this is the textbook d_ρ; the correction makes Plancherel
 * hold for the real forms of complex and quaternionic irreps too. The power spectrum is invariant
 * under translating t by any group element, since F_σ only picks up an orthogonal factor.
 */
import type { FiniteGroup } from './group.js';
import { fourierWeight, type Irrep } from './irreps/irrep.js';

export function fourierTransform(
  group: FiniteGroup,
  irreps: readonly Irrep[],
  t: ArrayLike<number>,
): Float64Array[] {
  return irreps.map((irrep) => {
    const D = irrep.dim;
    const F = new Float64Array(D * D);
    for (let g = 0; g < group.order; g++) {
      const tg = t[g];
      if (tg === 0) continue;
      const o = g * D * D;
      // F[i][j] += t(g)·σ(g)[j][i]
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) F[i * D + j] += tg * irrep.matrices[o + j * D + i];
    }
    return F;
  });
}

export function inverseFourier(
  group: FiniteGroup,
  irreps: readonly Irrep[],
  F: readonly Float64Array[],
): Float64Array {
  const t = new Float64Array(group.order);
  irreps.forEach((irrep, s) => {
    const D = irrep.dim;
    const c = fourierWeight(irrep) / group.order;
    const Fs = F[s];
    for (let g = 0; g < group.order; g++) {
      const o = g * D * D;
      // tr(σ(g)·F) = Σ_ij σ(g)[i][j]·F[j][i]
      let tr = 0;
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) tr += irrep.matrices[o + i * D + j] * Fs[j * D + i];
      t[g] += c * tr;
    }
  });
  return t;
}

/** P_σ = c_σ‖F_σ‖²/|G| for each irrep, in the irreps' order. */
export function powerSpectrum(
  group: FiniteGroup,
  irreps: readonly Irrep[],
  t: ArrayLike<number>,
): Float64Array {
  const F = fourierTransform(group, irreps, t);
  return Float64Array.from(irreps, (irrep, s) => {
    let norm2 = 0;
    for (const x of F[s]) norm2 += x * x;
    return (fourierWeight(irrep) * norm2) / group.order;
  });
}
