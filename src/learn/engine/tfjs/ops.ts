/**
 * The few building blocks the models are made of, each a tf.customGrad op so that tfjs autodiff
 * composes them but their local gradients avoid tfjs's slow or missing paths:
 *
 *  - no matMul with a transposed operand anywhere (on tfjs-wasm that falls back to a scalar loop at
 *    about 3 GFLOP/s): transposes are explicit (weightGradient says which side, and why);
 *  - rows of the first-layer tables are read inside gatherSum, whose gradient is a scatter-add: tfjs's
 *    own gather gradient needs UnsortedSegmentSum, which tfjs-wasm does not have, and tf.gather itself
 *    is about 10× slower than tf.gatherND for the same rows on wasm;
 *  - activations a backward pass needs are held by reference, not copied (hold).
 *
 * Notation: a batch has B rows; weights are stored as in spec.ts (out × in), so a layer is x·Wᵀ.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TfjsBackend } from './backend.js';

/**
 * How gatherSum reads rows: `gather` (tf.gather), `gatherND` (tf.gatherND: a plain row copy on wasm)
 * or `matmul` (a one-hot selection matrix times the table, one product for all index sets).
 */
export type GatherMode = 'gather' | 'gatherND' | 'matmul';
export type GatherPolicy = GatherMode | 'auto';

/** What tf.customGrad passes: the inputs, then the save function. */
type Arg = tf.Tensor | tf.GradSaveFunc;

/**
 * Tensors a backward pass needs, held without tf.customGrad's save(): save() clones, and a clone on
 * wasm copies the data (B × H floats per saved activation). A reshape to the same shape shares the
 * data instead. Held only while gradients are being recorded; the session releases whatever is left
 * after each gradient computation (releaseHeld), so nothing outlives a step.
 */
const held: tf.Tensor[] = [];

function recording(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

function hold<T extends tf.Tensor>(t: T): T {
  const alias = tf.keep(tf.reshape(t, t.shape)) as T;
  held.push(alias);
  return alias;
}

/** Disposes the tensors held for backward passes. */
export function releaseHeld(): void {
  tf.dispose(held.splice(0));
}

/**
 * The mode `auto` picks. On wasm, gatherND (a row copy) beats both tf.gather (about 10× slower there)
 * and the one-hot matmul (XNNPACK reaches only 4–12 GFLOP/s on these thin K = k·n products; measured
 * at (|G|, k, H) = (10, 3, 2048) and (10, 4, 4096)). On cpu, tf.gather beats gatherND.
 */
export function chooseGatherMode(backend: TfjsBackend): GatherMode {
  return backend === 'wasm' ? 'gatherND' : 'gather';
}

/** One term of a gatherSum: the rows `index[b]` of `table`. */
export interface Rows {
  table: tf.Tensor2D;
  index: Int32Array;
}

/**
 * Σ_j table_j[index_j[b]] for b < B: a B × cols tensor, for terms j over one or several tables (a
 * table may appear in several terms). Gradient with respect to each table: the scatter-add of dy into
 * the rows its terms read.
 */
export function gatherSum(terms: Rows[], mode: GatherMode): tf.Tensor2D {
  const tables = [...new Set(terms.map((t) => t.table))];
  const tableOf = terms.map((t) => tables.indexOf(t.table));
  const B = terms[0].index.length;
  const op = tf.customGrad((...args: Arg[]) => {
    const inputs = args.slice(0, tables.length) as tf.Tensor2D[];
    let value: tf.Tensor2D;
    if (mode === 'matmul') {
      // S (B × rows of all tables): S[b, offset_j + index_j[b]] += 1, so S·[tables] = the sum.
      const offsets = inputs.map((_, i) => inputs.slice(0, i).reduce((o, t) => o + t.shape[0], 0));
      const rows = inputs.reduce((r, t) => r + t.shape[0], 0);
      const s = new Float32Array(B * rows);
      terms.forEach(({ index }, j) => {
        for (let b = 0; b < B; b++) s[b * rows + offsets[tableOf[j]] + index[b]] += 1;
      });
      value = tf.matMul(tf.tensor2d(s, [B, rows]), inputs.length === 1 ? inputs[0] : tf.concat(inputs));
    } else {
      const parts = terms.map(({ index }, j) =>
        mode === 'gather'
          ? tf.gather(inputs[tableOf[j]], tf.tensor1d(index, 'int32'))
          : tf.gatherND(inputs[tableOf[j]], tf.tensor2d(index, [B, 1], 'int32')),
      ) as tf.Tensor2D[];
      value = parts.length === 1 ? parts[0] : tf.addN(parts);
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor2D) =>
        tables.map((table, i) => {
          const scattered = terms.flatMap(({ index }, j) =>
            tableOf[j] === i ? [tf.scatterND(tf.tensor2d(index, [B, 1], 'int32'), dy, table.shape)] : [],
          );
          return scattered.length === 1 ? scattered[0] : tf.addN(scattered);
        }),
    };
  });
  return op(...tables);
}

/** x^e elementwise for an integer e ≥ 0, by repeated squaring (fewer passes over x than e − 1 products). */
function power(x: tf.Tensor2D, e: number): tf.Tensor2D {
  if (e === 0) return tf.onesLike(x);
  if (e === 1) return x;
  const half = power(x, Math.floor(e / 2));
  const square = tf.square(half);
  return e % 2 === 0 ? square : tf.mul<tf.Tensor2D>(square, x);
}

/** Above this many elements, wasm transposes go through tiles (see transpose). */
export const TILED_TRANSPOSE_MIN = 1 << 20;
const TILE = 64;

/**
 * mᵀ. tfjs-wasm's transpose walks the input with the row stride; at 4096 × 4096 that runs at about
 * 10 ns an element (cache and TLB misses on every read; sides that are not multiples of large powers
 * of two do much better). Large matrices whose sides are multiples of 64 go through 64 × 64 tiles
 * instead, in two passes over contiguous runs: 3–4× faster there. Elsewhere, and on other backends,
 * tf.transpose.
 */
export function transpose(m: tf.Tensor2D, tiledMin = TILED_TRANSPOSE_MIN): tf.Tensor2D {
  const [R, C] = m.shape;
  if (tf.getBackend() !== 'wasm' || R * C < tiledMin || R % TILE !== 0 || C % TILE !== 0)
    return tf.transpose(m);
  return tf.tidy(() => {
    const t = TILE;
    // (R/t, t, C/t, t) → (C/t, R/t, t, t): moves runs of t floats; then each t × t tile is transposed.
    const tiles = tf.transpose(tf.reshape(m, [R / t, t, C / t, t]), [2, 0, 1, 3]);
    return tf.reshape(tf.transpose(tiles, [0, 3, 1, 2]), [C, R]) as tf.Tensor2D;
  });
}

/**
 * ∂W = dyᵀ·a for dy (B × out), a (B × in). XNNPACK, under tfjs-wasm's matMul, repacks its right
 * operand on every call (a strided, slow walk for a large one), and a transposed operand falls back to
 * a scalar loop. So: when the output side is the smaller, transpose a once and multiply aᵀ·dy (dy, small,
 * is packed), then transpose the small result; otherwise dyᵀ·a.
 */
function weightGradient(dy: tf.Tensor2D, a: tf.Tensor2D): tf.Tensor2D {
  if (dy.shape[1] <= a.shape[1]) return tf.transpose(tf.matMul<tf.Tensor2D>(transpose(a), dy));
  return tf.matMul(transpose(dy), a);
}

/**
 * y = x^p · Wᵀ for x (B × in), W (out × in), p ≥ 1 an integer (elementwise power): a layer with its
 * activation on the input side, the shape every model here is built from.
 * Gradients: ∂x = (dy·(p W)) ⊙ x^(p−1) (p folded into the small W), ∂W = dyᵀ·x^p (weightGradient).
 */
export function powerLinear(x: tf.Tensor2D, W: tf.Tensor2D, p = 1): tf.Tensor2D {
  const op = tf.customGrad((...args: Arg[]) => {
    const [x2, w2] = args as [tf.Tensor2D, tf.Tensor2D];
    // x^(p−1) is kept for the backward pass; x^p = x^(p−1) ⊙ x.
    const lower = p === 1 ? x2 : power(x2, p - 1);
    const a = p === 1 ? x2 : p === 2 ? tf.square(x2) : tf.mul<tf.Tensor2D>(lower, x2);
    const value = tf.matMul<tf.Tensor2D>(a, tf.transpose(w2));
    if (!recording()) return { value, gradFunc: () => [] };
    const [as, ls, ws] = [hold(a), p === 1 ? undefined : hold(lower), hold(w2)];
    return {
      value,
      gradFunc: (dy2: tf.Tensor2D) => {
        const da = tf.matMul(dy2, p === 1 ? ws : tf.mul<tf.Tensor2D>(ws, p));
        const dx = ls ? tf.mul(da, ls) : da;
        return [dx, weightGradient(dy2, as)];
      },
    };
  });
  return op(x, W);
}

/** y = x·Wᵀ. */
export function linear(x: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
  return powerLinear(x, W, 1);
}

/**
 * y = c·Wᵀ for a constant c that outlives the gradient computation (the encoding matrix): only ∂W
 * is computed, not the unused ∂c.
 */
export function constantLinear(c: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: Arg[]) => {
    const w = args[0] as tf.Tensor2D;
    return {
      value: tf.matMul<tf.Tensor2D>(c, tf.transpose(w)),
      gradFunc: (dy: tf.Tensor2D) => [weightGradient(dy, c)],
    };
  });
  return op(W);
}
