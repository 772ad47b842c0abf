import { type FiniteGroup, groupFromTable } from '../group.js';

/**
 * Q8 = {±1, ±i, ±j, ±k} with i² = j² = k² = ijk = −1. Element index 2u + s is (−1)^s·unit_u with
 * units (1, i, j, k), so the order is 1, −1, i, −i, j, −j, k, −k.
 */
export function quaternion(): FiniteGroup {
  // unitProduct[u][v] = [sign, unit] of unit_u · unit_v.
  const unitProduct: [number, number][][] = [
    [
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ],
    [
      [0, 1],
      [1, 0],
      [0, 3],
      [1, 2],
    ],
    [
      [0, 2],
      [1, 3],
      [1, 0],
      [0, 1],
    ],
    [
      [0, 3],
      [0, 2],
      [1, 1],
      [1, 0],
    ],
  ];
  const mul = new Int32Array(64);
  for (let x = 0; x < 8; x++)
    for (let y = 0; y < 8; y++) {
      const [s, u] = unitProduct[x >> 1][y >> 1];
      mul[x * 8 + y] = 2 * u + ((s + (x & 1) + (y & 1)) % 2);
    }
  const names = ['1', 'i', 'j', 'k'];
  const labels = Array.from({ length: 8 }, (_, x) => (x & 1 ? '-' : '') + names[x >> 1]);
  return groupFromTable('Q8', mul, labels);
}
