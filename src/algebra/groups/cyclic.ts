import { InputError } from '../../errors.js';
import { type FiniteGroup, groupFromTable, MAX_GROUP_ORDER } from '../group.js';

/** C_n = Z/nZ: element m is the rotation r^m, written `m`; m·m' = (m + m') mod n. */
export function cyclic(n: number): FiniteGroup {
  if (!Number.isInteger(n) || n < 2 || n > MAX_GROUP_ORDER)
    throw new InputError(`C${n}: the cyclic group C_n is built for 2 ≤ n ≤ ${MAX_GROUP_ORDER}`);
  const mul = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mul[i * n + j] = (i + j) % n;
  const labels = Array.from({ length: n }, (_, m) => String(m));
  return groupFromTable(`C${n}`, mul, labels, { kind: 'cyclic', n });
}
