/**
 * The three models' forward passes in tfjs ops, exactly the equations of src/learn/models/spec.ts, in
 * row-batch form: a batch of B sequences gives a B × n output, a layer is x·Wᵀ.
 *
 * Inputs are element indices. A block W·x_g is row g of the table X·Wᵀ (n × H, X the n × n encoding
 * matrix, row g = x_g), so each first layer is one small table and a gather of its rows (ops.ts),
 * never a dense (B × kn)·(kn × H) product.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../models/reference.js';
import type { ModelSpec } from '../../models/spec.js';
import {
  constantLinear,
  type GatherMode,
  gatherSum,
  linear,
  powerLinear,
  type Rows,
  releaseHeld,
} from './ops.js';

export type Weights = Record<string, tf.Tensor2D>;

/** Column j of the count × k element matrix, plus `offset`. */
function position(batch: Batch, k: number, j: number, offset = 0): Int32Array {
  const out = new Int32Array(batch.count);
  for (let b = 0; b < batch.count; b++) out[b] = batch.elements[b * k + j] + offset;
  return out;
}

/** Rows B·q … B·(q+1) − 1 of a position-major stack of B-row blocks. */
function block(stack: tf.Tensor2D, q: number, B: number): tf.Tensor2D {
  return tf.slice(stack, [q * B, 0], [B, stack.shape[1]]);
}

/**
 * Consecutive positions grouped so that each group's blocks are summed in advance for every
 * combination of its elements: with groups [[0, 1], [2]], z = T_01[g_1·n + g_2] + U_3 x_{g_3} where
 * T_01 (n² × H) holds every U_1 x_a + U_2 x_b. That costs s·n^s table rows per group of s positions
 * and saves one gather over the batch (and one scatter back) per position folded in; the partition
 * minimises (groups)·B + Σ s·n^s rows copied.
 */
export function groupPositions(n: number, k: number, B: number): number[][] {
  // best[j]: the cheapest partition of positions 0 … j−1.
  const best: { cost: number; groups: number[][] }[] = [{ cost: 0, groups: [] }];
  for (let j = 1; j <= k; j++) {
    best[j] = { cost: Number.POSITIVE_INFINITY, groups: [] };
    for (let s = 1; s <= j; s++) {
      const rows = n ** s;
      // A single position always stands alone; a table larger than the batch never pays.
      if (s > 1 && rows > B) break;
      const cost = best[j - s].cost + B + s * rows;
      if (cost < best[j].cost) {
        const group = Array.from({ length: s }, (_, i) => j - s + i);
        best[j] = { cost, groups: [...best[j - s].groups, group] };
      }
    }
  }
  return best[k].groups;
}

/** Σ_j U_j x_{g_j} for the batch, from the blocks table (row j·n + g = U_j x_g), by grouped gathers. */
function groupedGatherSum(
  blocks: tf.Tensor2D,
  batch: Batch,
  n: number,
  k: number,
  mode: GatherMode,
): tf.Tensor2D {
  const B = batch.count;
  const terms = groupPositions(n, k, B).map((group): Rows => {
    if (group.length === 1) return { table: blocks, index: position(batch, k, group[0], group[0] * n) };
    // Row r = Σ_i g_i·n^(s−1−i) of the group's table sums the blocks of its elements g_1 … g_s.
    const rows = n ** group.length;
    const parts = group.map((j, i): Rows => {
      const stride = n ** (group.length - 1 - i);
      return {
        table: blocks,
        index: Int32Array.from({ length: rows }, (_, r) => j * n + (Math.floor(r / stride) % n)),
      };
    });
    const index = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let r = 0;
      for (const j of group) r = r * n + batch.elements[b * k + j];
      index[b] = r;
    }
    return { table: gatherSum(parts, mode), index };
  });
  return gatherSum(terms, mode);
}

/** Model outputs, count × n. */
export function forward(
  spec: ModelSpec,
  w: Weights,
  X: tf.Tensor2D,
  batch: Batch,
  mode: GatherMode,
): tf.Tensor2D {
  const { n, k, H } = spec;
  const B = batch.count;
  switch (spec.kind) {
    case 'mlp': {
      // Table for all blocks at once: row j·n + g is U_j x_g. W_in (H × kn) read as (H·k × n) has
      // row i·k + j = U_j[i, :]; X·that (n × Hk) → (n, H, k) → (k, n, H) → (kn × H).
      const R = constantLinear(X, tf.reshape(w.W_in, [H * k, n]));
      const blocks = tf.reshape(tf.transpose(tf.reshape(R, [n, H, k]), [2, 0, 1]), [k * n, H]) as tf.Tensor2D;
      return powerLinear(groupedGatherSum(blocks, batch, n, k, mode), w.W_out, spec.degree);
    }
    case 'rnn': {
      const drive = constantLinear(X, w.W_drive);
      // h_1's pre-activation: W_in x_1 + W_drive x_2.
      const first = { table: constantLinear(X, w.W_in), index: position(batch, k, 0) };
      let s = gatherSum([first, { table: drive, index: position(batch, k, 1) }], mode);
      for (let t = 2; t < k; t++)
        s = tf.add(
          powerLinear(s, w.W_mix, 2),
          gatherSum([{ table: drive, index: position(batch, k, t) }], mode),
        );
      return powerLinear(s, w.W_out, 2);
    }
    case 'tree': {
      // Level 0: pair q composes positions 2q, 2q+1; all pairs stacked along the batch (position-major).
      const pairs = Math.floor(k / 2);
      const u = new Int32Array(pairs * B);
      const v = new Int32Array(pairs * B);
      for (let q = 0; q < pairs; q++) {
        u.set(position(batch, k, 2 * q), q * B);
        v.set(position(batch, k, 2 * q + 1), q * B);
      }
      const pre = gatherSum(
        [
          { table: constantLinear(X, w.A), index: u },
          { table: constantLinear(X, w.B), index: v },
        ],
        mode,
      );
      let level = powerLinear(pre, w.V, 2);
      let count = pairs;
      if (k % 2 === 1) {
        level = tf.concat([
          level,
          tf.gather(X, tf.tensor1d(position(batch, k, k - 1), 'int32')) as tf.Tensor2D,
        ]);
        count += 1;
      }
      while (count > 1) {
        const p = Math.floor(count / 2);
        const stack = (parity: number) =>
          (p === 1
            ? block(level, parity, B)
            : tf.concat(Array.from({ length: p }, (_, q) => block(level, 2 * q + parity, B)))) as tf.Tensor2D;
        const s = tf.add<tf.Tensor2D>(linear(stack(0), w.A), linear(stack(1), w.B));
        const next = powerLinear(s, w.V, 2);
        level = count % 2 === 1 ? tf.concat([next, block(level, count - 1, B)]) : next;
        count = p + (count % 2);
      }
      return linear(level, w.W_out);
    }
  }
}

/** L = (1/(B·n)) Σ ‖y_b − x_{target_b}‖². */
export function loss(spec: ModelSpec, w: Weights, X: tf.Tensor2D, batch: Batch, mode: GatherMode): tf.Scalar {
  const y = forward(spec, w, X, batch, mode);
  const target = gatherSum([{ table: X, index: batch.targets.subarray(0, batch.count) }], mode);
  return tf.mean(tf.square(tf.sub(y, target)));
}

/**
 * The loss on `batch` and its gradient for every parameter, by tfjs autodiff. Call inside tf.tidy. A
 * weight with no path to the loss (the rnn's W_mix at k = 2) gets no gradient from tfjs: zero.
 */
export function lossAndGradients(
  spec: ModelSpec,
  params: Map<string, tf.Variable>,
  X: tf.Tensor2D,
  batch: Batch,
  mode: GatherMode,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const weights = Object.fromEntries(params) as Weights;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => loss(spec, weights, X, batch, mode), [...params.values()]);
  } finally {
    releaseHeld();
  }
  const grads = new Map(
    [...params].map(([name, variable]) => [name, result.grads[variable.name] ?? tf.zerosLike(variable)]),
  );
  return { value: result.value, grads };
}
