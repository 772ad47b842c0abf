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
import { type GatherMode, gatherSum, linear, powerLinear } from './ops.js';

export type Weights = Record<string, tf.Tensor2D>;

/** Chooses the row-gather mode for `sets` index arrays into a table of `rows` rows. */
export type GatherChooser = (sets: number, rows: number) => GatherMode;

/** Column j of the count × k element matrix, plus `offset`. */
function position(batch: Batch, k: number, j: number, offset = 0): Int32Array {
  const out = new Int32Array(batch.count);
  for (let b = 0; b < batch.count; b++) out[b] = batch.elements[b * k + j] + offset;
  return out;
}

function gathered(table: tf.Tensor2D, indices: Int32Array[], choose: GatherChooser): tf.Tensor2D {
  return gatherSum(table, indices, choose(indices.length, table.shape[0]));
}

/** Rows B·q … B·(q+1) − 1 of a position-major stack of B-row blocks. */
function block(stack: tf.Tensor2D, q: number, B: number): tf.Tensor2D {
  return tf.slice(stack, [q * B, 0], [B, stack.shape[1]]);
}

/** Model outputs, count × n. */
export function forward(
  spec: ModelSpec,
  w: Weights,
  X: tf.Tensor2D,
  batch: Batch,
  choose: GatherChooser,
): tf.Tensor2D {
  const { n, k, H } = spec;
  const B = batch.count;
  switch (spec.kind) {
    case 'mlp': {
      // Table for all blocks at once: row j·n + g is U_j x_g. W_in (H × kn) read as (H·k × n) has
      // row i·k + j = U_j[i, :]; X·that (n × Hk) → (n, H, k) → (k, n, H) → (kn × H).
      const R = linear(X, tf.reshape(w.W_in, [H * k, n]));
      const table = tf.reshape(tf.transpose(tf.reshape(R, [n, H, k]), [2, 0, 1]), [k * n, H]) as tf.Tensor2D;
      const indices = Array.from({ length: k }, (_, j) => position(batch, k, j, j * n));
      const z = gathered(table, indices, choose);
      return powerLinear(z, w.W_out, spec.degree);
    }
    case 'rnn': {
      const drive = linear(X, w.W_drive);
      // h_1's pre-activation: W_in x_1 + W_drive x_2, one gather from the stacked tables.
      const first = tf.concat([linear(X, w.W_in), drive]) as tf.Tensor2D;
      let s = gathered(first, [position(batch, k, 0), position(batch, k, 1, n)], choose);
      for (let t = 2; t < k; t++)
        s = tf.add(powerLinear(s, w.W_mix, 2), gathered(drive, [position(batch, k, t)], choose));
      return powerLinear(s, w.W_out, 2);
    }
    case 'tree': {
      // Level 0: pair q composes positions 2q, 2q+1; all pairs stacked along the batch (position-major).
      const pairs = Math.floor(k / 2);
      const u = new Int32Array(pairs * B);
      const v = new Int32Array(pairs * B);
      for (let q = 0; q < pairs; q++) {
        u.set(position(batch, k, 2 * q), q * B);
        v.set(position(batch, k, 2 * q + 1, n), q * B);
      }
      const table = tf.concat([linear(X, w.A), linear(X, w.B)]) as tf.Tensor2D;
      let level = powerLinear(gathered(table, [u, v], choose), w.V, 2);
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
export function loss(
  spec: ModelSpec,
  w: Weights,
  X: tf.Tensor2D,
  batch: Batch,
  choose: GatherChooser,
): tf.Scalar {
  const y = forward(spec, w, X, batch, choose);
  const target = tf.gather(X, tf.tensor1d(batch.targets.subarray(0, batch.count), 'int32'));
  return tf.mean(tf.square(tf.sub(y, target)));
}
