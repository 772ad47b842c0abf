/**
 * The few building blocks the models are made of, each a tf.customGrad op so that tfjs autodiff
 * composes them but their local gradients avoid tfjs's slow paths:
 *
 *  - no matMul with a transposed operand anywhere (on tfjs-wasm that falls back to a scalar loop at
 *    about 3 GFLOP/s): every transpose is explicit and put on the smaller operand;
 *  - no tf.gather on a trainable path: its gradient needs UnsortedSegmentSum, which tfjs-wasm does
 *    not have, and tf.gather itself is slow on wasm (about 10× a gatherND of the same rows). Rows are
 *    gathered by the fastest way each backend has and their gradient is a scatter-add (scatterND).
 *
 * Notation: a batch has B rows; weights are stored as in spec.ts (out × in), so a layer is x·Wᵀ.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TfjsBackend } from './backend.js';

/**
 * How gatherSum reads rows: `gather` (tf.gather), `gatherND` (tf.gatherND: a plain row copy on wasm),
 * `matmul` (one-hot selection matrix times the table: one XNNPACK matmul for all index sets, which
 * on wasm beats m gathers plus their sum from m = 2 on).
 */
export type GatherMode = 'gather' | 'gatherND' | 'matmul';
export type GatherPolicy = GatherMode | 'auto';

/** What tf.customGrad passes: the inputs, then the save function. */
type Arg = tf.Tensor | tf.GradSaveFunc;

/** The mode `auto` picks, from timings on tfjs-wasm (B = H = 4096) and tfjs-cpu. */
export function chooseGatherMode(backend: TfjsBackend, sets: number, tableRows: number): GatherMode {
  if (backend !== 'wasm') return 'gather';
  if (sets === 1) return 'gatherND';
  // Per output element, wasm: a row copy ≈ 2.1 ns, an m-way addN ≈ 1.5 + 0.5m ns; the one-hot
  // matmul ≈ 3.3 + 0.015·K ns for K table rows.
  return 3.3 + 0.015 * tableRows < 2.1 * sets + 1.5 + 0.5 * sets ? 'matmul' : 'gatherND';
}

/**
 * Σ_j table[indices_j[b]] for b < B: a B × cols tensor. `indices` are m index arrays of length B
 * into the table's rows. Gradient with respect to the table: Σ_j scatter-add of dy into rows indices_j.
 */
export function gatherSum(table: tf.Tensor2D, indices: Int32Array[], mode: GatherMode): tf.Tensor2D {
  const [rows, cols] = table.shape;
  const B = indices[0].length;
  const op = tf.customGrad((...args: Arg[]) => {
    const t = args[0] as tf.Tensor2D;
    let value: tf.Tensor2D;
    if (mode === 'matmul') {
      // S (B × rows): S[b, indices_j[b]] += 1, so S·table = Σ_j table[indices_j].
      const s = new Float32Array(B * rows);
      for (const idx of indices) for (let b = 0; b < B; b++) s[b * rows + idx[b]] += 1;
      value = tf.matMul(tf.tensor2d(s, [B, rows]), t);
    } else {
      const parts = indices.map((idx) =>
        mode === 'gather'
          ? tf.gather(t, tf.tensor1d(idx, 'int32'))
          : tf.gatherND(t, tf.tensor2d(idx, [B, 1], 'int32')),
      ) as tf.Tensor2D[];
      value = parts.length === 1 ? parts[0] : tf.addN(parts);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor2D) => {
        const scattered = indices.map((idx) =>
          tf.scatterND(tf.tensor2d(idx, [B, 1], 'int32'), dy, [rows, cols]),
        );
        return scattered.length === 1 ? scattered[0] : tf.addN(scattered);
      },
    };
  });
  return op(table);
}

/**
 * y = x^p · Wᵀ for x (B × in), W (out × in), p ≥ 1 an integer (elementwise power): a layer with its
 * activation on the input side, the shape every model here is built from.
 * Gradients: ∂x = (dy·(p W)) ⊙ x^(p−1) (p folded into the small W), ∂W = dyᵀ·x^p.
 */
export function powerLinear(x: tf.Tensor2D, W: tf.Tensor2D, p = 1): tf.Tensor2D {
  const op = tf.customGrad((...args: Arg[]) => {
    const [x2, w2, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    // x^(p−1) is kept for the backward pass; x^p = x^(p−1) ⊙ x.
    let lower: tf.Tensor2D = x2;
    for (let i = 2; i < p; i++) lower = tf.mul<tf.Tensor2D>(lower, x2);
    const a = p === 1 ? x2 : p === 2 ? tf.square(x2) : tf.mul<tf.Tensor2D>(lower, x2);
    save([a, lower, w2]);
    return {
      value: tf.matMul<tf.Tensor2D>(a, tf.transpose(w2)),
      gradFunc: (dy2: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [as, ls, ws] = saved as tf.Tensor2D[];
        const da = tf.matMul(dy2, p === 1 ? ws : tf.mul<tf.Tensor2D>(ws, p));
        const dx = p === 1 ? da : tf.mul(da, ls);
        // dyᵀ·a: transpose the B × out gradient, not the B × in activations.
        const dW = tf.matMul(tf.transpose(dy2), as);
        return [dx, dW];
      },
    };
  });
  return op(x, W);
}

/** y = x·Wᵀ. */
export function linear(x: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
  return powerLinear(x, W, 1);
}
