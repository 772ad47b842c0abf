import { InputError } from '../../errors.js';
import { type FiniteGroup, groupFromTable, MAX_GROUP_ORDER } from '../group.js';

/**
 * D_n, the symmetries of the regular n-gon, order 2n. Element index a + b·n is r^a f^b (rotation r,
 * reflection f), so the order is r^0..r^(n−1), then r^0 f..r^(n−1) f. Writing (b, a) for r^a f^b,
 * the law is (b,a)·(d,c) = ((b+d) mod 2, (a + (−1)^b c) mod n), from f r^c = r^(−c) f.
 */
export function dihedral(n: number): FiniteGroup {
  if (!Number.isInteger(n) || n < 2 || 2 * n > MAX_GROUP_ORDER)
    throw new InputError(
      `D${n}: the dihedral group D_n (order 2n) is built for 2 ≤ n ≤ ${MAX_GROUP_ORDER / 2}`,
    );
  const order = 2 * n;
  const mul = new Int32Array(order * order);
  for (let x = 0; x < order; x++) {
    const a = x % n;
    const b = Math.floor(x / n);
    for (let y = 0; y < order; y++) {
      const c = y % n;
      const d = Math.floor(y / n);
      const rot = (((a + (b === 0 ? c : -c)) % n) + n) % n;
      mul[x * order + y] = rot + ((b + d) % 2) * n;
    }
  }
  const rotation = (a: number): string => (a === 0 ? '' : a === 1 ? 'r' : `r^${a}`);
  const labels = Array.from({ length: order }, (_, x) => {
    const a = x % n;
    if (x < n) return a === 0 ? 'e' : rotation(a);
    return `${rotation(a)}f`;
  });
  return groupFromTable(`D${n}`, mul, labels, { kind: 'dihedral', n });
}
