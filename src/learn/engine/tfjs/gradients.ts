/**
 * Gradients of the standard tfjs kernels the models use between their custom-gradient blocks.
 *
 * tfjs-core's Node bundle registers no gradients (the `@tensorflow/tfjs` umbrella package does, from
 * ES-module files that plain Node cannot load), so autodiff would fail with "gradient function not
 * found". These are the same formulas as tfjs-core's own (src/gradients/*_grad.ts), registered only
 * for kernels that have none, so an umbrella package loaded by the user keeps its own.
 */
import * as tf from '@tensorflow/tfjs-core';

/** ∂ of a broadcasting binary op's operand: sum dy over the broadcast axes, back to its shape. */
function unbroadcast(dy: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

const CONFIGS: tf.GradConfig[] = [
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const perm = (attrs as unknown as tf.TransposeAttrs).perm;
      return { x: () => tf.transpose(dy as tf.Tensor, tf.backend_util.getUndoAxesPermutation(perm)) };
    },
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, saved[0].shape)[0];
      const parts = tf.split(
        dy as tf.Tensor,
        saved.map((t) => t.shape[axis]),
        axis,
      );
      return Object.fromEntries(parts.map((t, i) => [i, () => t]));
    },
  },
  {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { begin, size } = attrs as unknown as tf.SliceAttrs;
      const [start, length] = tf.slice_util.parseSliceParams(x, begin, size);
      const paddings = x.shape.map((d, i) => [start[i], d - start[i] - length[i]] as [number, number]);
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(dy as tf.Tensor, a.shape, out),
        b: () => unbroadcast(dy as tf.Tensor, b.shape, out),
      };
    },
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(dy as tf.Tensor, a.shape, out),
        b: () => tf.neg(unbroadcast(dy as tf.Tensor, b.shape, out)),
      };
    },
  },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(x, 2)) }),
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const count = axes.reduce((c, i) => c * x.shape[i], 1);
      return { x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.ones(x.shape)), count) };
    },
  },
];

let done = false;

/** Registers the gradients above where tfjs has none (idempotent). */
export function registerGradients(): void {
  if (done) return;
  done = true;
  for (const config of CONFIGS) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
