/**
 * Splitting a real orthogonal representation R of G into irreducible pieces, numerically.
 *
 * Why it works: the matrices commuting with R form an algebra ⊕_σ M_{n_σ}(K_σ) (K = R, C or H, one
 * block per irrep σ occurring n_σ times). A random symmetric H in that algebra is, block by block, a
 * random self-adjoint n_σ×n_σ matrix over K; its eigenspaces are single copies of σ, each of real
 * dimension dim σ. So the eigenspaces of H are irreducible invariant subspaces, and σ(g) = Vᵀ R(g) V
 * for an orthonormal basis V of one of them. Accidental eigenvalue collisions are caught by the
 * Frobenius–Schur test of the piece's character, and the caller retries with another H.
 */
import type { ConjugacyClasses } from '../classes.js';
import type { FiniteGroup, GroupElement } from '../group.js';
import { symmetricEigen } from '../linalg.js';
import type { Random } from '../random.js';
import { classifyCharacter, type IrrepType } from './irrep.js';

/** A representation as an action on bases: only Vᵀ R(g) V is ever needed. */
export interface RepresentationAction {
  readonly dim: number;
  /** Vᵀ R(g) V for V row-major dim×D with orthonormal columns; D×D row-major. */
  restrict(g: GroupElement, V: Float64Array, D: number): Float64Array;
  /** tr(Vᵀ R(g) V). */
  restrictedTrace(g: GroupElement, V: Float64Array, D: number): number;
}

/** An irreducible piece before it gets a label. */
export interface IrreduciblePiece {
  dim: number;
  type: IrrepType;
  matrices: Float64Array;
  complexStructure?: Float64Array;
  /** The real character, one value per element. */
  character: Float64Array;
}

/** The left regular representation L(g)e_u = e_{gu}: Vᵀ L(g) V = Σ_u V[gu,:]ᵀ V[u,:]. */
export function regularAction(group: FiniteGroup): RepresentationAction {
  const n = group.order;
  return {
    dim: n,
    restrict(g, V, D) {
      const out = new Float64Array(D * D);
      for (let u = 0; u < n; u++) {
        const gu = group.mul[g * n + u];
        for (let i = 0; i < D; i++) {
          const a = V[gu * D + i];
          if (a === 0) continue;
          for (let j = 0; j < D; j++) out[i * D + j] += a * V[u * D + j];
        }
      }
      return out;
    },
    restrictedTrace(g, V, D) {
      let t = 0;
      for (let u = 0; u < n; u++) {
        const gu = group.mul[g * n + u];
        for (let i = 0; i < D; i++) t += V[gu * D + i] * V[u * D + i];
      }
      return t;
    },
  };
}

/** A representation given by dense N×N matrices, computed on demand. */
export function denseAction(dim: number, matrix: (g: GroupElement) => Float64Array): RepresentationAction {
  const apply = (g: GroupElement, V: Float64Array, D: number): Float64Array => {
    const R = matrix(g);
    const RV = new Float64Array(dim * D);
    for (let a = 0; a < dim; a++)
      for (let b = 0; b < dim; b++) {
        const r = R[a * dim + b];
        if (r === 0) continue;
        for (let j = 0; j < D; j++) RV[a * D + j] += r * V[b * D + j];
      }
    return RV;
  };
  return {
    dim,
    restrict(g, V, D) {
      const RV = apply(g, V, D);
      const out = new Float64Array(D * D);
      for (let a = 0; a < dim; a++)
        for (let i = 0; i < D; i++) {
          const v = V[a * D + i];
          if (v === 0) continue;
          for (let j = 0; j < D; j++) out[i * D + j] += v * RV[a * D + j];
        }
      return out;
    },
    restrictedTrace(g, V, D) {
      const RV = apply(g, V, D);
      let t = 0;
      for (let k = 0; k < dim * D; k++) t += V[k] * RV[k];
      return t;
    },
  };
}

/**
 * The distinct irreducible constituents of R, given a random symmetric H commuting with R. Returns
 * undefined when an eigenspace is not irreducible (an accidental eigenvalue collision): retry with
 * another H.
 */
export function splitByCommutant(
  group: FiniteGroup,
  classes: ConjugacyClasses,
  action: RepresentationAction,
  H: Float64Array,
  rng: Random,
): IrreduciblePiece[] | undefined {
  const N = action.dim;
  const { values, vectors } = symmetricEigen(H, N);
  let spread = 0;
  for (const v of values) spread = Math.max(spread, Math.abs(v));
  const tolerance = 1e-9 * Math.max(1, spread);

  const pieces: IrreduciblePiece[] = [];
  const seen: Float64Array[] = []; // class characters of the pieces kept
  for (let start = 0; start < N; ) {
    let end = start + 1;
    while (end < N && values[end] - values[end - 1] < tolerance) end++;
    const D = end - start;
    const V = new Float64Array(N * D);
    for (let a = 0; a < N; a++) for (let i = 0; i < D; i++) V[a * D + i] = vectors[a * N + start + i];
    start = end;

    // Compare on class representatives first: cheap, and enough to tell irreps apart.
    const classChar = Float64Array.from(classes.classes, (members) =>
      action.restrictedTrace(members[0], V, D),
    );
    if (seen.some((c) => c.every((x, i) => Math.abs(x - classChar[i]) < 1e-6))) continue;
    seen.push(classChar);

    const character = Float64Array.from(classes.classOf, (c) => classChar[c]);
    const type = classifyCharacter(group, character);
    if (type === undefined) return undefined;
    const matrices = new Float64Array(group.order * D * D);
    for (let g = 0; g < group.order; g++) matrices.set(action.restrict(g, V, D), g * D * D);
    const piece: IrreduciblePiece = { dim: D, type, matrices, character };
    if (type === 'complex') {
      const J = complexStructureOf(group.order, matrices, D, rng);
      if (J === undefined) return undefined;
      piece.complexStructure = J;
    }
    pieces.push(piece);
  }
  return pieces;
}

/**
 * For an irrep of complex type, the commutant is span{I, J} with J² = −I. Averaging a random
 * antisymmetric A over the group, Σ_g σ(g) A σ(g)ᵀ, lands in the commutant's antisymmetric part,
 * i.e. on a multiple λ^½·J; we normalise so that J² = −I.
 */
export function complexStructureOf(
  order: number,
  matrices: Float64Array,
  D: number,
  rng: Random,
): Float64Array | undefined {
  const A = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = i + 1; j < D; j++) {
      const v = rng.normal();
      A[i * D + j] = v;
      A[j * D + i] = -v;
    }
  const J = new Float64Array(D * D);
  const SA = new Float64Array(D * D);
  for (let g = 0; g < order; g++) {
    const o = g * D * D;
    SA.fill(0);
    for (let i = 0; i < D; i++)
      for (let k = 0; k < D; k++) {
        const s = matrices[o + i * D + k];
        if (s === 0) continue;
        for (let j = 0; j < D; j++) SA[i * D + j] += s * A[k * D + j];
      }
    // J += (σA)·σᵀ
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let t = 0;
        for (let k = 0; k < D; k++) t += SA[i * D + k] * matrices[o + j * D + k];
        J[i * D + j] += t;
      }
  }
  // J² = −λI: λ = −tr(J²)/D = ‖J‖²_F/D for antisymmetric J.
  let norm2 = 0;
  for (const x of J) norm2 += x * x;
  const lambda = norm2 / D;
  if (lambda < 1e-12) return undefined;
  const scale = 1 / Math.sqrt(lambda);
  for (let i = 0; i < J.length; i++) J[i] *= scale;
  return J;
}

/** A random symmetric c on G with c(x) = c(x⁻¹), as the matrix H[u,v] = c(v⁻¹u) of right multiplication. */
export function randomRegularCommutant(group: FiniteGroup, rng: Random): Float64Array {
  const n = group.order;
  const c = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const y = group.inv[x];
    if (y < x) c[x] = c[y];
    else c[x] = rng.normal();
  }
  const H = new Float64Array(n * n);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) H[u * n + v] = c[group.mul[group.inv[v] * n + u]];
  return H;
}

/** A random symmetric matrix commuting with a dense representation: H = Σ_g R(g) X R(g)ᵀ, X symmetric. */
export function randomDenseCommutant(
  order: number,
  dim: number,
  matrix: (g: GroupElement) => Float64Array,
  rng: Random,
): Float64Array {
  const X = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++)
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      X[i * dim + j] = v;
      X[j * dim + i] = v;
    }
  const H = new Float64Array(dim * dim);
  const RX = new Float64Array(dim * dim);
  for (let g = 0; g < order; g++) {
    const R = matrix(g);
    RX.fill(0);
    for (let i = 0; i < dim; i++)
      for (let k = 0; k < dim; k++) {
        const r = R[i * dim + k];
        if (r === 0) continue;
        for (let j = 0; j < dim; j++) RX[i * dim + j] += r * X[k * dim + j];
      }
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        let t = 0;
        for (let k = 0; k < dim; k++) t += RX[i * dim + k] * R[j * dim + k];
        H[i * dim + j] += t;
      }
  }
  return H;
}
