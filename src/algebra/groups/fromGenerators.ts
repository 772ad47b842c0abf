/**
 * Closure of a set of generators under a composition law, turned into a Cayley table. Permutation
 * groups and matrix groups (the rotation groups O and I) are both built this way.
 */
import { InputError } from '../../errors.js';
import { type FiniteGroup, type GroupStructure, groupFromTable, MAX_GROUP_ORDER } from '../group.js';

export interface CompositionLaw<T> {
  identity: T;
  /** a·b */
  compose(a: T, b: T): T;
  /** Equal elements, and only they, have equal keys. */
  key(a: T): string | number;
  label(a: T): string;
}

export interface GeneratedGroup<T> {
  group: FiniteGroup;
  /** The elements in group order: elements[i] is the element with index i. */
  elements: T[];
}

/**
 * Breadth-first closure from the identity under right multiplication by the generators; the element
 * order is the order of discovery, so the identity is element 0. Refuses to grow past `maxOrder`.
 */
export function groupFromGenerators<T>(
  name: string,
  generators: readonly T[],
  law: CompositionLaw<T>,
  maxOrder: number = MAX_GROUP_ORDER,
  structure: GroupStructure = { kind: 'generic' },
): GeneratedGroup<T> {
  const elements: T[] = [law.identity];
  const index = new Map<string | number, number>([[law.key(law.identity), 0]]);
  for (let q = 0; q < elements.length; q++) {
    for (const s of generators) {
      const x = law.compose(elements[q], s);
      const k = law.key(x);
      if (index.has(k)) continue;
      if (elements.length >= maxOrder)
        throw new InputError(
          `${name}: the generators produce a group of more than ${maxOrder} elements (the largest order sgc builds)`,
        );
      index.set(k, elements.length);
      elements.push(x);
    }
  }
  const n = elements.length;
  const mul = new Int32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const k = index.get(law.key(law.compose(elements[i], elements[j])));
      if (k === undefined) throw new Error(`${name}: closure is not closed (bug)`);
      mul[i * n + j] = k;
    }
  return { group: groupFromTable(name, mul, elements.map(law.label), structure), elements };
}
