/**
 * The two operations that exploit the input structure: every input block is one of the n encodings,
 * so a weight block U (H × n) meets the batch only through the table P = X·Uᵀ (n × H, row g = U x_g):
 *
 *   forward   z_b = Σ_j P_j[g_{b,j}]                      rows picked from a table
 *   backward  ∂P_j[g] = Σ_{b : g_{b,j} = g} dz_b          rows added into a table; ∂U_j = ∂P_jᵀ·X
 *
 * Measured on ORT-CPU (2 cores, B = 4096, H = 4096, a busy machine, so ±20%): picking rows with a
 * one-hot MatMul M·P (M_{b,g} = [g_b = g]) ran as fast as or faster than Gather + ReduceSum (Gather is
 * single-threaded, and the mlp needs a (B, k, H) intermediate to sum); adding rows with the one-hot
 * product Mᵀ·dz (a Gemm with transA) beat ScatterND (reduction = add) at n = 10, ScatterND won at
 * n = 24 (52 vs 61 ms per step) and n = 60 (35 vs 44 ms, H = 2048): its cost does not grow with n.
 */
import type { GraphBuilder } from './graph.js';

/** Largest n for which the scatter-add is a one-hot Gemm; above it, ScatterND. */
export const GEMM_SCATTER_MAX_N = 16;

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
 * alpha·Σ_b over rows with the same index: (B) indices and (B × H) values → (n × H). `hot` is the
 * one-hot of the indices when the caller has it already (it is built otherwise).
 */
export function scatterRows(
  g: GraphBuilder,
  indices: string,
  values: string,
  n: number,
  H: number,
  alpha = 1,
  hot?: string,
): string {
  if (n <= GEMM_SCATTER_MAX_N) return g.gemm(hot ?? oneHot(g, indices, n), values, { transA: true, alpha });
  const zeros = g.op('ConstantOfShape', [g.int64s([n, H])]);
  const index = g.op('Unsqueeze', [g.op('Cast', [indices], { to: 7 }), g.int64s([1])]);
  const sum = g.op('ScatterND', [zeros, index, values], { reduction: 'add' });
  return alpha === 1 ? sum : g.mul(sum, g.scalar(alpha));
}

/**
 * The mlp's k scatters at once: (B × k) indices, dz (B × H) → (k·n × H), block j = Σ over column j.
 * `hot` is the (B × k·n) one-hot of the indices.
 */
export function scatterBlocks(
  g: GraphBuilder,
  elements: string,
  hot: string,
  values: string,
  n: number,
  k: number,
  H: number,
): string {
  if (n <= GEMM_SCATTER_MAX_N) return g.gemm(hot, values, { transA: true });
  return g.concat(
    Array.from({ length: k }, (_, j) => scatterRows(g, column(g, elements, j), values, n, H)),
    0,
  );
}
