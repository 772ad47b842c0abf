/**
 * The two operations that exploit the input structure: every input block is one of the n encodings,
 * so a weight block U (H × n) meets the batch only through the table P = X·Uᵀ (n × H, row g = U x_g):
 *
 *   forward   z_b = Σ_j P_j[g_{b,j}]                      rows picked from a table
 *   backward  ∂P_j[g] = Σ_{b : g_{b,j} = g} dz_b          rows added into a table; ∂U_j = ∂P_jᵀ·X
 *
 * Two ways, chosen by n. Small n: one-hot products, M·P to pick (M_{b,g} = [g_b = g]) and Mᵀ·dz to
 * add (a Gemm with transA), multithreaded and cheap while n is small. Large n: Gather and ScatterND
 * (reduction = add), whose cost does not grow with n. Measured on ORT-CPU (2 busy cores, ±20%,
 * B = 4096, the train graph in slices): at n = 10, H = 4096 the one-hot way was faster (scatter:
 * 83 vs 105 ms per step, before slicing); at n = 24, H = 4096 and n = 60, H = 2048 Gather +
 * ScatterND were (52 vs 61 and 35 vs 44 ms for the scatter; the gather a few % faster).
 */
import type { GraphBuilder } from './graph.js';

/** Largest n for the one-hot way; above it, Gather and ScatterND. */
export const ONE_HOT_MAX_N = 16;

/** Column j of the (B × k) int32 element indices: a (B) vector. */
export function column(g: GraphBuilder, elements: string, j: number): string {
  return g.op('Gather', [elements, g.int64s([j], [])], { axis: 1 });
}

/**
 * The one-hot matrix (B × n) float of a (B) index vector; of a (B × m) index matrix, the (B × m·n)
 * matrix whose column block j is the one-hot of column j.
 */
export function oneHot(g: GraphBuilder, indices: string, n: number, blocks = 1): string {
  const range = g.int32s(Array.from({ length: n }, (_, i) => i));
  const equal = g.op('Equal', [g.op('Unsqueeze', [indices, g.int64s([-1])]), range]);
  const hot = g.op('Cast', [equal], { to: 1 });
  return blocks === 1 ? hot : g.reshape(hot, [-1, blocks * n]);
}

/**
 * alpha·Σ_b over rows with the same index: (B) indices and (B × H) values → (n × H).
 */
export function scatterRows(
  g: GraphBuilder,
  indices: string,
  values: string,
  n: number,
  H: number,
  alpha = 1,
): string {
  if (n <= ONE_HOT_MAX_N) return g.gemm(oneHot(g, indices, n), values, { transA: true, alpha });
  const zeros = g.op('ConstantOfShape', [g.int64s([n, H])]);
  const index = g.op('Unsqueeze', [g.op('Cast', [indices], { to: 7 }), g.int64s([1])]);
  const sum = g.op('ScatterND', [zeros, index, values], { reduction: 'add' });
  return alpha === 1 ? sum : g.mul(sum, g.scalar(alpha));
}

/**
 * The mlp's z = Σ_j T[j·n + g_j] for the stacked tables T (k·n × H): k gathers, added pairwise (a
 * chain of Adds measured a little faster than one variadic Sum).
 */
export function gatherSum(g: GraphBuilder, T: string, elements: string, n: number, k: number): string {
  const rows = Array.from({ length: k }, (_, j) => {
    const column_j = column(g, elements, j);
    return g.gather(T, j === 0 ? column_j : g.add(column_j, g.int32s([j * n], [])));
  });
  return rows.reduce((sum, row) => g.add(sum, row));
}

/**
 * The mlp's k scatters at once: (B × k) indices, dz (B × H) → (k·n × H), block j = Σ over column j.
 * `hot` is the (B × k·n) one-hot of the indices, when n is small enough for the one-hot way.
 */
export function scatterBlocks(
  g: GraphBuilder,
  elements: string,
  hot: string | undefined,
  values: string,
  n: number,
  k: number,
  H: number,
): string {
  if (hot !== undefined) return g.gemm(hot, values, { transA: true });
  return g.concat(
    Array.from({ length: k }, (_, j) => scatterRows(g, column(g, elements, j), values, n, H)),
    0,
  );
}
