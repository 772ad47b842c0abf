import type { FiniteGroup, GroupElement } from './group.js';

export interface ConjugacyClasses {
  /** classes[c] lists the elements of class c in increasing order; class 0 holds the identity. */
  classes: GroupElement[][];
  /** classOf[g] = index of g's class. */
  classOf: Int32Array;
}

/** Conjugacy classes {h g h⁻¹ : h ∈ G}, numbered in order of their smallest element. O(|G|²). */
export function conjugacyClasses(group: FiniteGroup): ConjugacyClasses {
  const n = group.order;
  const classOf = new Int32Array(n).fill(-1);
  const classes: GroupElement[][] = [];
  const order = [
    group.identity,
    ...Array.from({ length: n }, (_, i) => i).filter((i) => i !== group.identity),
  ];
  for (const g of order) {
    if (classOf[g] >= 0) continue;
    const c = classes.length;
    const members: GroupElement[] = [];
    for (let h = 0; h < n; h++) {
      const x = group.mul[group.mul[h * n + g] * n + group.inv[h]];
      if (classOf[x] < 0) {
        classOf[x] = c;
        members.push(x);
      }
    }
    classes.push(members.sort((a, b) => a - b));
  }
  return { classes, classOf };
}
