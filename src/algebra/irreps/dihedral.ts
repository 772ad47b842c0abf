/**
 * Closed-form real irreps of D_n (element index a + b·n is r^a f^b), all of real type:
 *  - trivial; sign: r^a f^b ↦ (−1)^b;
 *  - for even n also rsign: r^a f^b ↦ (−1)^a and rsign·sign: r^a f^b ↦ (−1)^(a+b);
 *  - rot_j for j = 1..⌊(n−1)/2⌋: r^a ↦ R(2πja/n), r^a f ↦ R(2πja/n)·diag(1, −1).
 * These are homomorphisms for the law (b,a)·(d,c) = (b+d, a + (−1)^b c) because
 * diag(1,−1)·R(θ)·diag(1,−1) = R(−θ). Dimensions: n odd: 2 + 4·(n−1)/2 = 2n; n even: 4 + 4·(n−2)/2 = 2n.
 */
import { writeRotation } from './cyclic.js';
import type { Irrep } from './irrep.js';

export function dihedralIrreps(n: number): Irrep[] {
  const order = 2 * n;
  const oneDim = (label: string, value: (a: number, b: number) => number): Irrep => ({
    label,
    dim: 1,
    type: 'real',
    matrices: Float64Array.from({ length: order }, (_, x) => value(x % n, Math.floor(x / n))),
  });
  const irreps: Irrep[] = [oneDim('trivial', () => 1), oneDim('sign', (_a, b) => (b ? -1 : 1))];
  if (n % 2 === 0) {
    irreps.push(oneDim('rsign', (a) => (a % 2 ? -1 : 1)));
    irreps.push(oneDim('rsign·sign', (a, b) => ((a + b) % 2 ? -1 : 1)));
  }
  for (let j = 1; 2 * j < n; j++) {
    const matrices = new Float64Array(order * 4);
    for (let x = 0; x < order; x++) writeRotation(matrices, x * 4, (2 * Math.PI * j * (x % n)) / n, x >= n);
    irreps.push({ label: `rot${j}`, dim: 2, type: 'real', matrices });
  }
  return irreps;
}
