/**
 * Irreps of a direct product G₁ × … × G_m from those of the factors. Over C the irreps of a product
 * are exactly the tensor products ρ₁ ⊗ … ⊗ ρ_m. Over R, the tensor product of real forms
 * σ₁ ⊗ … ⊗ σ_m is irreducible when at most one factor is not of real type; otherwise it splits.
 *
 * Several factors of complex type split in closed form (complexSplit.ts): e.g. two rotation blocks
 * give R(α) ⊗ R(β) ≅ R(α+β) ⊕ R(α−β), the real forms of ρ₁⊗ρ₂ (piece [++]) and ρ₁⊗ρ̄₂ (piece [+-]).
 *
 * Labels of the pieces, one rule for every product: the factors' labels joined by ⊗, then one sign
 * per complex-type factor, in factor order: `+` for its complex irrep ρ_f (where its complex
 * structure J_f acts as +i; for a rotation block freq_j of C_n that is the character m ↦ e^(2πijm/n)),
 * `-` for the conjugate ρ̄_f. The first is always `+` (a piece holds a complex irrep and its
 * conjugate, ρ₀⊗… and ρ̄₀⊗…, so flipping every sign names the same piece). For cyclic factors the
 * signs are those of the frequencies: in C5xC5 freq1⊗freq2[+-] holds the characters (1,−2) and
 * (−1,2), i.e. (1,3) and (4,2).
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

/**
 * The signs of piece `b` of a closed-form split with `complexCount` complex factors (complexSplit.ts:
 * piece b conjugates factor i ≥ 1 when bit complexCount−1−i of b is set): `+`, then `+`/`-` each.
 */
export function pieceSigns(b: number, complexCount: number): string {
  let signs = '+';
  for (let i = 1; i < complexCount; i++) signs += (b >> (complexCount - 1 - i)) & 1 ? '-' : '+';
  return signs;
}

const pieceLabel = (label: string, signs: string): string => `${label}[${signs}]`;

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
      for (let i = 0; i < count; i++)
        out.push({ label: pieceLabel(label, pieceSigns(i, nonReal.length)), type: 'complex' });
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
          label: pieceLabel(label, pieceSigns(i, structures.length)),
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
    const named =
      pieces.length === 1
        ? [{ piece: pieces[0], label }]
        : signedPieces(pieces, parts, components, group.order).map(({ piece, signs }) => ({
            piece,
            label: pieceLabel(label, signs),
          }));
    for (const { piece: p, label: pieceName } of named)
      out.push({
        label: pieceName,
        dim: p.dim,
        type: p.type,
        matrices: p.matrices,
        ...(p.complexStructure ? { complexStructure: p.complexStructure } : {}),
      });
  }
  return out;
}

/**
 * Names the pieces of a numerical split (a quaternionic factor beside two or more complex ones) by
 * the same signs as the closed form, and puts them in its order. The piece with signs s is the real
 * form of ⊗_f ρ_f^{s_f} (quaternionic and real factors as they are), whose character is a positive
 * multiple of f_s(g) = Π_{f not complex} tr σ_f(g_f) · Re Π_{f complex} χ_f^{s_f}(g_f), where
 * χ_f = (tr σ_f − i·tr(J_f σ_f))/2 is the character of ρ_f (J_f is +i on ρ_f, −i on ρ̄_f). Distinct
 * irreps have orthogonal characters, so each piece correlates positively with its own f_s alone.
 */
function signedPieces<P extends { matrices: Float64Array; dim: number }>(
  pieces: readonly P[],
  parts: readonly Irrep[],
  components: readonly number[][],
  order: number,
): { piece: P; signs: string }[] {
  const complexSlots = parts.flatMap((p, f) => (p.type === 'complex' ? [f] : []));
  const count = 2 ** (complexSlots.length - 1);
  const trace = (M: Float64Array, offset: number, d: number) => {
    let t = 0;
    for (let i = 0; i < d; i++) t += M[offset + i * d + i];
    return t;
  };
  /** tr(J·σ(g)) for a complex-type irrep. */
  const traceJ = (p: Irrep, g: number) => {
    const d = p.dim;
    const J = p.complexStructure!;
    let t = 0;
    for (let i = 0; i < d; i++)
      for (let k = 0; k < d; k++) t += J[i * d + k] * p.matrices[g * d * d + k * d + i];
    return t;
  };
  const expected = Array.from({ length: count }, (_, b) => {
    const signs = pieceSigns(b, complexSlots.length);
    return Float64Array.from({ length: order }, (_, x) => {
      let real = 1;
      let re = 1;
      let im = 0;
      parts.forEach((p, f) => {
        const g = components[x][f];
        const slot = complexSlots.indexOf(f);
        if (slot < 0) {
          real *= trace(p.matrices, g * p.dim * p.dim, p.dim);
          return;
        }
        const cr = trace(p.matrices, g * p.dim * p.dim, p.dim) / 2;
        const ci = (signs[slot] === '+' ? -1 : 1) * (traceJ(p, g) / 2);
        [re, im] = [re * cr - im * ci, re * ci + im * cr];
      });
      return real * re;
    });
  });
  const named = pieces.map((piece) => {
    const chi = Float64Array.from({ length: order }, (_, x) =>
      trace(piece.matrices, x * piece.dim * piece.dim, piece.dim),
    );
    const scores = expected.map((f) => f.reduce((acc, v, x) => acc + v * chi[x], 0));
    const best = scores.indexOf(Math.max(...scores));
    return { piece, b: best, signs: pieceSigns(best, complexSlots.length) };
  });
  if (new Set(named.map((n) => n.b)).size !== pieces.length)
    throw new Error(`could not tell the ${pieces.length} pieces of a product apart by their characters`);
  return named.sort((p, q) => p.b - q.b);
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
