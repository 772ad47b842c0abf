/**
 * Global gradient-norm clipping and the optimizer update as tf ops: the arithmetic of
 * referenceUpdate (src/learn/optimizers.ts), in the same order (clip, then update; per-neuron norms
 * taken before any weight moves). Runs inside the caller's tidy; writes the variables.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelSpec, parameterShapes } from '../../models/spec.js';
import {
  adamParameters,
  adamSettings,
  CLIP_EPSILON,
  effectiveLearningRate,
  type OptimizerSpec,
  perNeuronDegree,
  perNeuronSlices,
} from '../../optimizers.js';

export interface UpdateState {
  /** The step number after this update (1 on the first). */
  step: number;
  /** Adam's first and second moments, for the parameters Adam updates. */
  m: Map<string, tf.Variable>;
  v: Map<string, tf.Variable>;
}

/** min(1, c/(‖g‖ + 1e−6)) as a scalar tensor, or undefined without clipping. */
function clipCoefficient(gradients: Map<string, tf.Tensor>, clip: number | undefined): tf.Scalar | undefined {
  if (clip === undefined) return undefined;
  const norm2 = tf.addN([...gradients.values()].map((g) => tf.sum(tf.square(g))));
  return tf.minimum(1, tf.div(clip, tf.add(tf.sqrt(norm2), CLIP_EPSILON))) as tf.Scalar;
}

/**
 * ‖θ‖^e from ‖θ‖² for the per-neuron scale. For integer e ≤ 0 (every integer degree ≥ 1) by
 * reciprocals, rsqrt and products: tfjs-wasm's Pow kernel costs about 0.5 µs an element.
 */
function normPower(norm2: tf.Tensor, e: number): tf.Tensor {
  if (!Number.isInteger(e) || e > 0) return tf.pow(norm2, e / 2);
  if (e === 0) return tf.onesLike(norm2);
  // ‖θ‖^e = (1/‖θ‖²)^(−e/2), with one rsqrt for odd e.
  const inverse = tf.reciprocal(norm2);
  let out: tf.Tensor | undefined = -e % 2 === 1 ? tf.rsqrt(norm2) : undefined;
  for (let i = 0; i < Math.floor(-e / 2); i++) out = out ? tf.mul(out, inverse) : inverse;
  return out!;
}

export function applyUpdate(
  model: ModelSpec,
  optimizer: OptimizerSpec,
  params: Map<string, tf.Variable>,
  rawGradients: Map<string, tf.Tensor>,
  state: UpdateState,
): void {
  const c = clipCoefficient(rawGradients, optimizer.clip);
  const gradients = new Map([...rawGradients].map(([name, g]) => [name, c ? tf.mul(g, c) : g]));
  const next = new Map<string, tf.Tensor>();

  // Adam, with bias correction (the corrections computed in double precision, as the reference does).
  const { beta1, beta2, epsilon } = adamSettings(optimizer);
  const correction1 = 1 - beta1 ** state.step;
  const correction2 = 1 - beta2 ** state.step;
  for (const name of adamParameters(model, optimizer)) {
    const g = gradients.get(name)!;
    const [m, v] = [state.m.get(name)!, state.v.get(name)!];
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const stepSize = tf.div(tf.div(m1, correction1), tf.add(tf.sqrt(tf.div(v1, correction2)), epsilon));
    next.set(name, tf.sub(params.get(name)!, tf.mul(stepSize, optimizer.lr)));
    m.assign(m1);
    v.assign(v1);
  }

  // Per-neuron: ‖θ_i‖ over neuron i's rows and columns in every slice, before the update.
  const slices = perNeuronSlices(model, optimizer);
  if (slices.length > 0) {
    const norm2 = tf.addN(
      slices.map(({ name, axis }) => tf.sum(tf.square(params.get(name)!), axis === 'row' ? 1 : 0)),
    );
    const degree = perNeuronDegree(model, optimizer);
    const scale = tf.mul(normPower(norm2, 1 - degree), effectiveLearningRate(optimizer));
    const H = model.H;
    for (const { name, axis } of slices) {
      const s = tf.reshape(scale, axis === 'row' ? [H, 1] : [1, H]);
      next.set(name, tf.sub(params.get(name)!, tf.mul(gradients.get(name)!, s)));
    }
  }

  // Plain SGD for what is neither Adam's nor in a neuron slice (the tree's W_out).
  for (const { name } of parameterShapes(model))
    if (!next.has(name))
      next.set(name, tf.sub(params.get(name)!, tf.mul(gradients.get(name)!, optimizer.lr)));

  for (const [name, value] of next) params.get(name)!.assign(value);
}
