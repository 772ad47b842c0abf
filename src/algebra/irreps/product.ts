/**
 * Irreps of a direct product G₁ × … × G_m from those of the factors. Over C the irreps of a product
 * are exactly the tensor products ρ₁ ⊗ … ⊗ ρ_m. Over R, the tensor product of real forms
 * σ₁ ⊗ … ⊗ σ_m is irreducible when at most one factor is not of real type; otherwise it splits.
 *
 * Several factors of complex type split in closed form (complexSplit.ts): e.g. two rotation blocks
 * give R(α) ⊗ R(β) ≅ R(α+β) ⊕ R(α−β), the real forms of ρ₁⊗ρ₂ (piece [a]) and ρ₁⊗ρ̄₂ (piece [b]).
 * That covers every product of cyclic groups, so C64xC64 (order 4096) needs no numerical work.
 * Products with a quaternionic factor and another non-real one are split numerically
 * (decompose.ts), which also gives the pieces' types.
 */
import type { ConjugacyClasses } from '../classes.js';
import type { FiniteGroup } from '../group.js';
import { productComponents } from '../groups/product.js';
import { identity, kron } from '../linalg.js';
import { Random } from '../random.js';
import { complexPieces, restrict } from './complexSplit.js';
import { denseAction, randomDenseCommutant, splitByCommutant } from './decompose.js';
import { type Irrep, type IrrepType, isTrivial } from './irrep.js';

const ATTEMPTS = 5;

/** Piece names: [a], [b], … in the order the splitter returns them. */
const pieceLabel = (label: string, i: number, count: number): string =>
  count === 1 ? label : `${label}[${String.fromCharCode(97 + i)}]`;

/**
 * The labels and types productIrreps gives, from the factors' alone, in the same order; undefined
 * when some tuple needs the numerical split (its pieces are known only once computed).
 */
export function productIrrepNames(
  factorNames: readonly (readonly { label: string; type: IrrepType }[])[],
): { label: string; type: IrrepType }[] | undefined {
  let tuples: { label: string; type: IrrepType }[][] = [[]];
  for (const list of factorNames) tuples = tuples.flatMap((t) => list.map((name) => [...t, name]));
  const out: { label: string; type: IrrepType }[] = [];
  for (const parts of tuples) {
    const label = parts.every((p) => p.label === 'trivial') ? 'trivial' : parts.map((p) => p.label).join('⊗');
    const nonReal = parts.filter((p) => p.type !== 'real');
    if (nonReal.length <= 1) out.push({ label, type: nonReal[0]?.type ?? 'real' });
    else if (nonReal.every((p) => p.type === 'complex')) {
      const count = 2 ** (nonReal.length - 1);
      for (let i = 0; i < count; i++) out.push({ label: pieceLabel(label, i, count), type: 'complex' });
    } else return undefined;
  }
  return out;
}

export function productIrreps(
  group: FiniteGroup,
  factors: readonly FiniteGroup[],
  factorIrreps: readonly (readonly Irrep[])[],
  classes: () => ConjugacyClasses,
  seed = 1,
): Irrep[] {
  const rng = new Random(seed);
  const components = Array.from({ length: group.order }, (_, x) => productComponents(factors, x));
  const out: Irrep[] = [];
  // Every tuple of factor irreps, first factor slowest, so the all-trivial tuple comes first.
  const tuples: number[][] = [[]];
  for (const list of factorIrreps) {
    const next: number[][] = [];
    for (const t of tuples) for (let i = 0; i < list.length; i++) next.push([...t, i]);
    tuples.splice(0, tuples.length, ...next);
  }
  const scratch = { a: new Float64Array(0), b: new Float64Array(0) };
  for (const tuple of tuples) {
    const parts = tuple.map((i, f) => factorIrreps[f][i]);
    const dim = parts.reduce((acc, p) => acc * p.dim, 1);
    if (scratch.a.length < dim * dim) scratch.a = new Float64Array(dim * dim);
    if (scratch.b.length < dim * dim) scratch.b = new Float64Array(dim * dim);
    /** σ₁(g₁) ⊗ … ⊗ σ_m(g_m) for element x, or with identity matrices in every slot but `only`. */
    const tensor = (x: number, out: Float64Array, offset: number, only?: number): void =>
      writeTensor(
        only === undefined ? components[x] : components[x].map((g, f) => (f === only ? g : -1)),
        parts,
        out,
        offset,
        scratch,
      );
    const matrix = (x: number): Float64Array => {
      const m = new Float64Array(dim * dim);
      tensor(x, m, 0);
      return m;
    };
    /** The factor's matrix in its slot of the tensor product: I ⊗ … ⊗ A ⊗ … ⊗ I. */
    const inSlot = (slot: number, A: Float64Array): Float64Array => {
      let M: Float64Array = Float64Array.of(1);
      let d = 1;
      parts.forEach((p, f) => {
        M = kron(M, d, f === slot ? A : identity(p.dim), p.dim);
        d *= p.dim;
      });
      return M;
    };
    const label = parts.every(isTrivial) ? 'trivial' : parts.map((p) => p.label).join('⊗');
    const nonReal = parts.filter((p) => p.type !== 'real');
    if (nonReal.length <= 1) {
      const type: IrrepType = nonReal[0]?.type ?? 'real';
      const matrices = new Float64Array(group.order * dim * dim);
      for (let x = 0; x < group.order; x++) tensor(x, matrices, x * dim * dim);
      const irrep: Irrep = { label, dim, type, matrices };
      if (type === 'complex') {
        // J acts on the complex factor's slot: J_total = I ⊗ … ⊗ J_f ⊗ … ⊗ I.
        const slot = parts.findIndex((p) => p.type === 'complex');
        out.push({ ...irrep, complexStructure: inSlot(slot, parts[slot].complexStructure!) });
      } else out.push(irrep);
      continue;
    }
    if (nonReal.every((p) => p.type === 'complex')) {
      const structures = parts.flatMap((p, f) =>
        p.type === 'complex' ? [inSlot(f, p.complexStructure!)] : [],
      );
      const pieces = complexPieces(dim, structures);
      for (const [i, piece] of pieces.entries())
        out.push({
          label: pieceLabel(label, i, pieces.length),
          dim: piece.dim,
          type: 'complex',
          matrices: restrictProduct(group.order, factors, components, dim, piece, tensor),
          complexStructure: piece.complexStructure,
        });
      continue;
    }
    const action = denseAction(dim, matrix);
    let pieces: ReturnType<typeof splitByCommutant>;
    for (let attempt = 0; attempt < ATTEMPTS && pieces === undefined; attempt++)
      pieces = splitByCommutant(
        group,
        classes(),
        action,
        randomDenseCommutant(group.order, dim, matrix, rng),
        rng,
      );
    if (pieces === undefined)
      throw new Error(`${group.name}: could not split ${label} (${ATTEMPTS} attempts)`);
    for (const [i, p] of pieces.entries())
      out.push({
        label: pieceLabel(label, i, pieces.length),
        dim: p.dim,
        type: p.type,
        matrices: p.matrices,
        ...(p.complexStructure ? { complexStructure: p.complexStructure } : {}),
      });
  }
  return out;
}

/**
 * Writes σ₁(g₁) ⊗ … ⊗ σ_m(g_m) at out[offset …]; a component of −1 stands for the identity matrix.
 * Builds the product factor by factor in two scratch buffers, so that no element allocates.
 */
function writeTensor(
  comps: readonly number[],
  parts: readonly Irrep[],
  out: Float64Array,
  offset: number,
  scratch: { a: Float64Array; b: Float64Array },
): void {
  let cur = scratch.a;
  let next = scratch.b;
  cur[0] = 1;
  let d = 1;
  for (let f = 0; f < parts.length; f++) {
    const q = parts[f].dim;
    const g = comps[f];
    const M = parts[f].matrices;
    const o = g * q * q;
    const n = d * q;
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        const c = cur[i * d + j];
        for (let k = 0; k < q; k++)
          for (let l = 0; l < q; l++)
            next[(i * q + k) * n + j * q + l] = c * (g < 0 ? (k === l ? 1 : 0) : M[o + k * q + l]);
      }
    [cur, next] = [next, cur];
    d = n;
  }
  for (let i = 0; i < d * d; i++) out[offset + i] = cur[i];
}

/**
 * A piece's matrix for every element. An element of the product is the product of its components
 * placed in their factors, (g₁, …, g_m) = (g₁, e, …)(e, g₂, …)…, so its matrix is the product of
 * those elements' matrices: only Σ_f |G_f| matrices are restricted to the piece (128 of 4096 for
 * C64xC64), then multiplied together (d × d each).
 */
function restrictProduct(
  order: number,
  factors: readonly FiniteGroup[],
  components: readonly number[][],
  dim: number,
  piece: { basis: Float64Array; dim: number },
  tensor: (x: number, out: Float64Array, offset: number, only?: number) => void,
): Float64Array {
  const d = piece.dim;
  const dd = d * d;
  const full = new Float64Array(dim * dim);
  // axis[f][g]: the restriction of the element with component g in factor f, identity elsewhere.
  const axis = factors.map((factor, f) => {
    const m = new Float64Array(factor.order * dd);
    for (let g = 0; g < factor.order; g++) {
      // The element (e, …, g, …, e) in the mixed-radix numbering (first factor most significant);
      // `only` ignores its other components anyway.
      const x = g * factors.slice(f + 1).reduce((acc, h) => acc * h.order, 1);
      tensor(x, full, 0, f);
      restrict(full, 0, piece.basis, dim, d, m, g * dd);
    }
    return m;
  });
  // Element x's matrix: axis[0][c₀]·axis[1][c₁]·…, multiplied into `matrices` in place (no views:
  // at 4096 elements × 2000 pieces, allocating per element costs more than the arithmetic).
  const matrices = new Float64Array(order * dd);
  const tmp = new Float64Array(dd);
  for (let x = 0; x < order; x++) {
    const c = components[x];
    const o = x * dd;
    const first = axis[0];
    for (let i = 0; i < dd; i++) matrices[o + i] = first[c[0] * dd + i];
    for (let f = 1; f < factors.length; f++) {
      const A = axis[f];
      const a = c[f] * dd;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let t = 0;
          for (let k = 0; k < d; k++) t += matrices[o + i * d + k] * A[a + k * d + j];
          tmp[i * d + j] = t;
        }
      for (let i = 0; i < dd; i++) matrices[o + i] = tmp[i];
    }
  }
  return matrices;
}
