import { InputError } from '../../errors.js';
import { type FiniteGroup, groupFromTable, MAX_GROUP_ORDER } from '../group.js';

/**
 * The direct product G₁ × … × G_m with componentwise multiplication. Element indices are mixed-radix
 * with the first factor most significant: (g₁, …, g_m) ↦ ((g₁·|G₂| + g₂)·|G₃| + g₃)…  Nested products
 * are flattened, so (C2×C3)×C4 and C2×(C3×C4) are the same group.
 */
export function directProduct(...groups: FiniteGroup[]): FiniteGroup {
  if (groups.length === 0) throw new InputError('a direct product needs at least one factor');
  const factors = groups.flatMap((g) => (g.structure.kind === 'product' ? g.structure.factors : [g]));
  if (factors.length === 1) return factors[0];
  const order = factors.reduce((acc, g) => acc * g.order, 1);
  const name = factors.map((g) => g.name).join('x');
  if (order > MAX_GROUP_ORDER)
    throw new InputError(`${name}: order ${order} is above ${MAX_GROUP_ORDER}, the largest order sgc builds`);

  // digits[x·m + f] = the f-th component of element x.
  const m = factors.length;
  const digits = new Int32Array(order * m);
  for (let x = 0; x < order; x++) {
    let rest = x;
    for (let f = m - 1; f >= 0; f--) {
      digits[x * m + f] = rest % factors[f].order;
      rest = Math.floor(rest / factors[f].order);
    }
  }
  const mul = new Int32Array(order * order);
  for (let x = 0; x < order; x++)
    for (let y = 0; y < order; y++) {
      let z = 0;
      for (let f = 0; f < m; f++) {
        const g = factors[f];
        z = z * g.order + g.mul[digits[x * m + f] * g.order + digits[y * m + f]];
      }
      mul[x * order + y] = z;
    }
  const labels = Array.from(
    { length: order },
    (_, x) => `(${factors.map((g, f) => g.labels[digits[x * m + f]]).join(',')})`,
  );
  return groupFromTable(name, mul, labels, { kind: 'product', factors });
}

/** The components of element x of a product group, first factor first. */
export function productComponents(factors: readonly FiniteGroup[], x: number): number[] {
  const out = new Array<number>(factors.length);
  for (let f = factors.length - 1; f >= 0; f--) {
    out[f] = x % factors[f].order;
    x = Math.floor(x / factors[f].order);
  }
  return out;
}
