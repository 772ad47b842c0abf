/**
 * The three models of src/learn/models/spec.ts as ONNX subgraphs: the parameters' tables once, then
 * for each slice of the batch a forward pass that yields the outputs y (B × n) and the hand-derived
 * backward pass of src/learn/models/reference.ts, batched.
 * Conventions: a batch is B rows; row-vector form, so W·x becomes x·Wᵀ (a Gemm with transB), and
 * ∂W = dyᵀ·x (a Gemm with transA). Constant factors (the power's p, the square's 2) are folded into
 * Gemm's alpha instead of costing an elementwise pass over B × H.
 */
import type { ModelSpec } from '../../models/spec.js';
import type { GraphBuilder } from './graph.js';
import { column, gatherSum, ONE_HOT_MAX_N, oneHot, scatterBlocks, scatterRows } from './rows.js';

/**
 * A model in a graph. The parameters' tables are built once; `slice` then adds the forward pass for
 * one B × k block of element indices (the train graph runs its batch in several), whose backward
 * returns gradient pieces: partial sums with the same names for every slice. `gradients` turns the
 * pieces summed over slices into the parameters' gradients (the steps that are linear and
 * independent of the batch, like ∂W = ∂Pᵀ·X, run once).
 */
export interface Model {
  slice(elements: string): Slice;
  gradients(pieces: Record<string, string>): Record<string, string>;
}

export interface Slice {
  /** The outputs, B × n. */
  y: string;
  /** Adds the backward pass for dy = ∂L/∂y (B × n); returns the gradient pieces. */
  backward(dy: string): Record<string, string>;
}

export interface ModelInputs {
  /** Parameter name → graph value (spec layout, row-major). */
  params: Record<string, string>;
  /** The encodings, n × n, row g = x_g. */
  X: string;
}

export function buildModel(g: GraphBuilder, spec: ModelSpec, inputs: ModelInputs): Model {
  switch (spec.kind) {
    case 'mlp':
      return mlp(g, spec, inputs);
    case 'rnn':
      return rnn(g, spec, inputs);
    case 'tree':
      return tree(g, spec, inputs);
  }
}

/** The table P = X·Wᵀ (n × H) of a weight block W (H × n): row g is W x_g. */
function table(g: GraphBuilder, X: string, W: string): string {
  return g.gemm(X, W, { transB: true });
}

/** ∂W (H × n) from the scattered table gradient ∂P (n × H): ∂W = ∂Pᵀ·X. */
function fromTable(g: GraphBuilder, dP: string, X: string): string {
  return g.gemm(dP, X, { transA: true });
}

/**
 * mlp: z = Σ_j P_j[g_j] with all k tables stacked as T (k·n × H), row j·n + g = U_j x_g, so the
 * forward is z = M·T with M the (B × k·n) one-hot of the k columns (or k gathers, for large n);
 * a = z^p; y = a·W_outᵀ. Backward: ∂W_out = dyᵀ·a; dz = p·(dy·W_out) ⊙ z^(p−1); ∂T = the rows of dz
 * added by index (Mᵀ·dz, or ScatterND); ∂U_j = ∂T_jᵀ·X.
 */
function mlp(g: GraphBuilder, spec: ModelSpec, { params: P, X }: ModelInputs): Model {
  const { n, k, H, degree: p } = spec;
  // W_in (H × k·n) → (k, n, H) with [j, c, i] = U_j[i, c]; X·that → T[j, g, i] = (U_j x_g)_i.
  const blocks = g.transpose(g.reshape(P.W_in, [H, k, n]), [1, 2, 0]);
  const T = g.reshape(g.matmul(X, blocks), [k * n, H]);
  return {
    slice(elements) {
      // Small n: the one-hot of all k columns (B × k·n), z = M·T picks and sums the k rows at once.
      const hot = n <= ONE_HOT_MAX_N ? oneHot(g, elements, n, k) : undefined;
      const z = hot === undefined ? gatherSum(g, T, elements, n, k) : g.matmul(hot, T);
      // z^(p−1) (undefined for p = 1) and a = z^p, by repeated products: p is a small integer.
      let zp1: string | undefined;
      for (let i = 1; i < p; i++) zp1 = zp1 === undefined ? z : g.mul(zp1, z);
      const a = zp1 === undefined ? z : g.mul(zp1, z);
      return {
        y: g.gemm(a, P.W_out, { transB: true }),
        backward(dy) {
          const da = g.gemm(dy, P.W_out, { alpha: p });
          const dz = zp1 === undefined ? da : g.mul(da, zp1);
          return { T: scatterBlocks(g, elements, hot, dz, n, k, H), W_out: g.gemm(dy, a, { transA: true }) };
        },
      };
    },
    gradients({ T: dT, W_out }) {
      // (k·n × H) → (H, k, n)·X → ∂W_in[i, j·n + c] = Σ_g ∂T[j, g, i] X[g, c].
      const W_in = g.reshape(g.matmul(g.transpose(g.reshape(dT, [k, n, H]), [2, 0, 1]), X), [H, k * n]);
      return { W_in, W_out };
    },
  };
}

/**
 * rnn, unrolled over the k − 1 steps: s_1 = P_in[g_1] + P_drive[g_2], s_t = h_{t−1}·W_mixᵀ +
 * P_drive[g_{t+1}], h_t = s_t², y = h_{k−1}·W_outᵀ. BPTT with e_t = dh_t ⊙ s_t (so ds_t = 2e_t, the 2
 * folded into alpha): ∂P_drive += scatter(2e_t by g_{t+1}); ∂W_mix += 2e_tᵀ·h_{t−1};
 * dh_{t−1} = 2e_t·W_mix; ∂P_in = scatter(2e_1 by g_1).
 */
function rnn(g: GraphBuilder, spec: ModelSpec, { params: P, X }: ModelInputs): Model {
  const { n, k, H } = spec;
  const Pin = table(g, X, P.W_in);
  const Pdrive = table(g, X, P.W_drive);
  return {
    slice(elements) {
      const cols = Array.from({ length: k }, (_, j) => column(g, elements, j));
      const s: string[] = [g.add(g.gather(Pin, cols[0]), g.gather(Pdrive, cols[1]))];
      const h: string[] = [g.mul(s[0], s[0])];
      for (let t = 1; t < k - 1; t++) {
        s.push(g.add(g.gemm(h[t - 1], P.W_mix, { transB: true }), g.gather(Pdrive, cols[t + 1])));
        h.push(g.mul(s[t], s[t]));
      }
      const last = h[h.length - 1];
      return {
        y: g.gemm(last, P.W_out, { transB: true }),
        backward(dy) {
          const pieces: Record<string, string> = { W_out: g.gemm(dy, last, { transA: true }) };
          let dh = g.gemm(dy, P.W_out);
          const dDrive: string[] = [];
          const dMix: string[] = [];
          for (let t = s.length - 1; t >= 0; t--) {
            const e = g.mul(dh, s[t]);
            dDrive.push(scatterRows(g, cols[t + 1], e, n, H, 2));
            if (t > 0) {
              dMix.push(g.gemm(e, h[t - 1], { transA: true, alpha: 2 }));
              dh = g.gemm(e, P.W_mix, { alpha: 2 });
            } else pieces.Pin = scatterRows(g, cols[0], e, n, H, 2);
          }
          pieces.Pdrive = g.sum(dDrive);
          // k = 2 has no W_mix in the graph: no piece, and a zero gradient below.
          if (dMix.length > 0) pieces.W_mix = g.sum(dMix);
          return pieces;
        },
      };
    },
    gradients(pieces) {
      return {
        W_in: fromTable(g, pieces.Pin, X),
        W_drive: fromTable(g, pieces.Pdrive, X),
        W_mix: pieces.W_mix ?? g.mul(P.W_mix, g.scalar(0)),
        W_out: pieces.W_out,
      };
    },
  };
}

/** A tree-level vector: an input position (an index column, so A·x is a table row) or dense (B × n). */
type Vec = { index: string } | { dense: string };

/**
 * tree: each block b(u, w) = V·(A u + B w)², pairs composed level by level, an odd last vector passing
 * through; y = W_out·root. A·u is a table row P_A[g] when u is an input, a Gemm u·Aᵀ otherwise.
 * Backward through a block with dv: ∂V += dvᵀ·q (q = s²); e = (dv·V) ⊙ s, ds = 2e; ∂A += 2eᵀ·u (or
 * a scatter into ∂P_A when u is an input); du = 2e·A; likewise B, w.
 */
function tree(g: GraphBuilder, spec: ModelSpec, { params: P, X }: ModelInputs): Model {
  const { n, k, H } = spec;
  const PA = table(g, X, P.A);
  const PB = table(g, X, P.B);
  const apply = (v: Vec, W: string, Ptable: string) =>
    'index' in v ? g.gather(Ptable, v.index) : g.gemm(v.dense, W, { transB: true });
  interface Block {
    u: Vec;
    w: Vec;
    s: string;
    q: string;
  }
  return {
    slice(elements) {
      const levels: Block[][] = [];
      let level: Vec[] = Array.from({ length: k }, (_, j) => ({ index: column(g, elements, j) }));
      while (level.length > 1) {
        const blocks: Block[] = [];
        const next: Vec[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) {
          const [u, w] = [level[i], level[i + 1]];
          const s = g.add(apply(u, P.A, PA), apply(w, P.B, PB));
          const q = g.mul(s, s);
          blocks.push({ u, w, s, q });
          next.push({ dense: g.gemm(q, P.V, { transB: true }) });
        }
        if (level.length % 2 === 1) next.push(level[level.length - 1]);
        levels.push(blocks);
        level = next;
      }
      const root = (level[0] as { dense: string }).dense;
      return {
        y: g.gemm(root, P.W_out, { transB: true }),
        backward(dy) {
          // Pieces: A and B from dense inputs (Gemms), PA and PB from input positions (scatters).
          const terms: Record<'A' | 'B' | 'PA' | 'PB' | 'V', string[]> = {
            A: [],
            B: [],
            PA: [],
            PB: [],
            V: [],
          };
          // Gradient of each vector at the current level, from the root down.
          let dLevel: string[] = [g.gemm(dy, P.W_out)];
          const into = (v: Vec, e: string, name: 'A' | 'B'): string => {
            if ('index' in v) {
              terms[`P${name}`].push(scatterRows(g, v.index, e, n, H, 2));
              return ''; // an input position needs no gradient
            }
            terms[name].push(g.gemm(e, v.dense, { transA: true, alpha: 2 }));
            return g.gemm(e, P[name], { alpha: 2 });
          };
          for (let l = levels.length - 1; l >= 0; l--) {
            const below: string[] = [];
            levels[l].forEach((block, i) => {
              const dv = dLevel[i];
              terms.V.push(g.gemm(dv, block.q, { transA: true }));
              const e = g.mul(g.gemm(dv, P.V), block.s);
              below.push(into(block.u, e, 'A'), into(block.w, e, 'B'));
            });
            if (dLevel.length > levels[l].length) below.push(dLevel[levels[l].length]);
            dLevel = below;
          }
          const pieces: Record<string, string> = { W_out: g.gemm(dy, root, { transA: true }) };
          for (const [name, list] of Object.entries(terms)) if (list.length > 0) pieces[name] = g.sum(list);
          return pieces;
        },
      };
    },
    gradients(pieces) {
      const full = (name: 'A' | 'B') => {
        const parts = pieces[name] === undefined ? [] : [pieces[name]];
        if (pieces[`P${name}`] !== undefined) parts.push(fromTable(g, pieces[`P${name}`], X));
        return g.sum(parts);
      };
      return { A: full('A'), B: full('B'), V: pieces.V, W_out: pieces.W_out };
    },
  };
}
