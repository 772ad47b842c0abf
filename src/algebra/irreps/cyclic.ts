/**
 * Closed-form real irreps of C_n. The complex characters are m ↦ e^(2πijm/n), j = 0..n−1; j and n−j
 * are conjugate, so over R they pair into the rotation blocks r^m ↦ R(2πjm/n) for
 * j = 1..⌊(n−1)/2⌋ (complex type), plus the trivial irrep and, for even n, the sign m ↦ (−1)^m.
 * Order: by frequency j, so the sign (j = n/2) comes last.
 */
import type { Irrep } from './irrep.js';

/** R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]], written into out at offset. */
export function writeRotation(out: Float64Array, offset: number, theta: number, reflect = false): void {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  // R(θ)·diag(1, −1) negates the second column.
  const k = reflect ? -1 : 1;
  out[offset] = c;
  out[offset + 1] = -s * k;
  out[offset + 2] = s;
  out[offset + 3] = c * k;
}

/** J = R(π/2): the complex structure of a rotation block, so that χ(r^m) = e^(2πijm/n). */
export const ROTATION_COMPLEX_STRUCTURE = Float64Array.of(0, -1, 1, 0);

export function cyclicIrreps(n: number): Irrep[] {
  const irreps: Irrep[] = [{ label: 'trivial', dim: 1, type: 'real', matrices: new Float64Array(n).fill(1) }];
  for (let j = 1; 2 * j < n; j++) {
    const matrices = new Float64Array(n * 4);
    for (let m = 0; m < n; m++) writeRotation(matrices, m * 4, (2 * Math.PI * j * m) / n);
    irreps.push({
      label: `freq${j}`,
      dim: 2,
      type: 'complex',
      matrices,
      complexStructure: ROTATION_COMPLEX_STRUCTURE,
    });
  }
  if (n % 2 === 0)
    irreps.push({
      label: 'sign',
      dim: 1,
      type: 'real',
      matrices: Float64Array.from({ length: n }, (_, m) => (m % 2 ? -1 : 1)),
    });
  return irreps;
}
