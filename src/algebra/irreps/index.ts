/**
 * The real irreps of any group sgc builds: closed forms for cyclic and dihedral groups, tensor
 * products for direct products, the regular representation otherwise. Results are cached per group
 * object, so callers may ask as often as they like.
 */
import { type ConjugacyClasses, conjugacyClasses } from '../classes.js';
import type { FiniteGroup } from '../group.js';
import { cyclicIrreps } from './cyclic.js';
import type { IrreduciblePiece } from './decompose.js';
import { dihedralIrreps } from './dihedral.js';
import { commutantDim, type Irrep, type IrrepType } from './irrep.js';
import { productIrrepNames, productIrreps } from './product.js';
import { regularIrreps } from './regular.js';

export * from './irrep.js';

const irrepCache = new WeakMap<FiniteGroup, readonly Irrep[]>();
const classCache = new WeakMap<FiniteGroup, ConjugacyClasses>();

/** Conjugacy classes, cached per group. */
export function classesOf(group: FiniteGroup): ConjugacyClasses {
  let c = classCache.get(group);
  if (!c) classCache.set(group, (c = conjugacyClasses(group)));
  return c;
}

/** The real irreps of `group`, trivial first, in a fixed documented order. */
export function irrepsOf(group: FiniteGroup): readonly Irrep[] {
  let list = irrepCache.get(group);
  if (list) return list;
  const s = group.structure;
  switch (s.kind) {
    case 'cyclic':
      list = cyclicIrreps(s.n);
      break;
    case 'dihedral':
      list = dihedralIrreps(s.n);
      break;
    case 'product':
      list = productIrreps(group, s.factors, s.factors.map(irrepsOf), () => classesOf(group));
      break;
    default:
      list = labelNumericIrreps(regularIrreps(group, classesOf(group)), classesOf(group));
  }
  irrepCache.set(group, list);
  return list;
}

/** An irrep's name and Frobenius–Schur type, without its matrices. */
export interface IrrepName {
  label: string;
  type: IrrepType;
}

/**
 * The labels of irrepsOf(group), in its order, without building the irreps where the group's
 * structure gives them: cyclic and dihedral groups, and products whose tuples need no numerical
 * split (productIrreps' rules). Validating a `powers` list needs only these: on C64xC64 that is
 * 2050 names instead of 2050 × 4096 matrices.
 */
export function irrepLabels(group: FiniteGroup): readonly string[] {
  return irrepNames(group).map((r) => r.label);
}

function irrepNames(group: FiniteGroup): readonly IrrepName[] {
  const built = irrepCache.get(group);
  if (built) return built;
  const s = group.structure;
  if (s.kind === 'cyclic') {
    const names: IrrepName[] = [{ label: 'trivial', type: 'real' }];
    for (let j = 1; 2 * j < s.n; j++) names.push({ label: `freq${j}`, type: 'complex' });
    if (s.n % 2 === 0) names.push({ label: 'sign', type: 'real' });
    return names;
  }
  if (s.kind === 'product') {
    const names = productIrrepNames(s.factors.map(irrepNames));
    if (names) return names;
  }
  // Dihedral irreps cost O(|G|); generic groups (order ≤ 720 here) are decomposed anyway.
  return irrepsOf(group);
}

const typeRank = { real: 0, complex: 1, quaternionic: 2 } as const;

/**
 * Numerical irreps come in eigenvalue order; sort them into a canonical order — trivial first, then
 * by dimension, type, and character (descending, class by class) — and name them by dimension with
 * primes: `trivial`, `1'`, `2`, `3`, `3'` (the usual names for S4 and O; I has 1, 3, 3', 4, 5).
 */
function labelNumericIrreps(pieces: IrreduciblePiece[], classes: ConjugacyClasses): Irrep[] {
  const classChar = (p: IrreduciblePiece): number[] =>
    classes.classes.map((members) => p.character[members[0]]);
  const isTrivialPiece = (p: IrreduciblePiece): boolean =>
    p.dim === 1 && p.character.every((x) => Math.abs(x - 1) < 1e-9);
  const sorted = [...pieces].sort((a, b) => {
    if (isTrivialPiece(a) !== isTrivialPiece(b)) return isTrivialPiece(a) ? -1 : 1;
    if (a.dim !== b.dim) return a.dim - b.dim;
    if (a.type !== b.type) return typeRank[a.type] - typeRank[b.type];
    const ca = classChar(a);
    const cb = classChar(b);
    for (let i = 0; i < ca.length; i++) if (Math.abs(ca[i] - cb[i]) > 1e-6) return cb[i] - ca[i];
    return 0;
  });
  const seenDims = new Map<number, number>();
  return sorted.map((p) => {
    let label: string;
    if (isTrivialPiece(p)) label = 'trivial';
    else {
      // The trivial irrep already used one prime-less `1`.
      const count = seenDims.get(p.dim) ?? (p.dim === 1 ? 1 : 0);
      seenDims.set(p.dim, count + 1);
      label = `${p.dim}${"'".repeat(count)}`;
    }
    const irrep: Irrep = { label, dim: p.dim, type: p.type, matrices: p.matrices };
    return p.complexStructure ? { ...irrep, complexStructure: p.complexStructure } : irrep;
  });
}

/** Σ over real irreps of D²/m = |G| (each real irrep's copies in the regular representation). */
export function regularMultiplicityTotal(list: readonly Irrep[]): number {
  return list.reduce((acc, p) => acc + (p.dim * p.dim) / commutantDim(p.type), 0);
}
