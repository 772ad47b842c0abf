/**
 * Optimizers, as a specification and a plain-TypeScript reference update (engines implement the same
 * arithmetic in their own tensors and are tested against this).
 *
 * Every step: first global gradient-norm clipping, g ← g·min(1, c/(‖g‖ + 1e−6)) with ‖g‖ over all
 * parameters together; then the update.
 *  - per-neuron (scaled SGD): for hidden neuron i with weights θ_i (its incoming row and outgoing
 *    column, see neuronSlices), θ_i ← θ_i − η·‖θ_i‖^(1−degree)·g_i. This is the discretisation of the
 *    gradient flow in which every neuron moves at a speed independent of its scale. With
 *    `timeRescale`, η is multiplied by log(1/α) for the init scale α (the time-rescaled flow).
 *    Parameters outside the neuron slices (the tree's W_out) take a plain SGD step.
 *  - adam: Kingma & Ba (2015) with bias correction, β₁ = 0.9, β₂ = 0.999, ε = 1e−8.
 *  - hybrid (rnn only): per-neuron on W_in, W_drive, W_out, Adam on W_mix.
 */
import { InputError } from '../errors.js';
import { type ModelSpec, neuronSlices, type Parameters, parameterShapes } from './models/spec.js';

export type OptimizerKind = 'per-neuron' | 'adam' | 'hybrid';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['per-neuron', 'adam', 'hybrid'];

export interface OptimizerSpec {
  kind: OptimizerKind;
  lr: number;
  /** Global gradient-norm clip c; none when undefined. */
  clip?: number;
  /** per-neuron: the exponent's degree (default: the model's activation degree, k for the mlp). */
  degree?: number;
  /** per-neuron: multiply η by log(1/α), with α this init scale. */
  timeRescale?: { initScale: number };
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** Adam's β₁, β₂, ε: the spec's where given, else the defaults (an explicit undefined is not given). */
export function adamSettings(optimizer: OptimizerSpec): { beta1: number; beta2: number; epsilon: number } {
  return {
    beta1: optimizer.beta1 ?? ADAM_DEFAULTS.beta1,
    beta2: optimizer.beta2 ?? ADAM_DEFAULTS.beta2,
    epsilon: optimizer.epsilon ?? ADAM_DEFAULTS.epsilon,
  };
}
export const CLIP_EPSILON = 1e-6;

/** Optimizer state that survives checkpoints: the step count and Adam's moments. */
export interface OptimizerState {
  step: number;
  m: Parameters;
  v: Parameters;
}

/** Which parameters Adam updates; the rest are per-neuron (or plain SGD outside neuron slices). */
export function adamParameters(model: ModelSpec, optimizer: OptimizerSpec): string[] {
  if (optimizer.kind === 'adam') return parameterShapes(model).map((s) => s.name);
  if (optimizer.kind === 'hybrid') return ['W_mix'];
  return [];
}

/** The neuron slices the per-neuron rule scales (hybrid leaves W_mix to Adam). */
export function perNeuronSlices(model: ModelSpec, optimizer: OptimizerSpec) {
  if (optimizer.kind === 'adam') return [];
  const adam = new Set(adamParameters(model, optimizer));
  return neuronSlices(model).filter((s) => !adam.has(s.name));
}

export function validateOptimizer(model: ModelSpec, optimizer: OptimizerSpec): void {
  if (!OPTIMIZER_KINDS.includes(optimizer.kind))
    throw new InputError(`optimizer "${optimizer.kind}" is not one of ${OPTIMIZER_KINDS.join(', ')}`);
  if (optimizer.kind === 'hybrid' && model.kind !== 'rnn')
    throw new InputError(
      `optimizer "hybrid" is for the rnn model (it puts Adam on W_mix); ${model.kind} has no W_mix`,
    );
  if (!(optimizer.lr > 0) || !Number.isFinite(optimizer.lr))
    throw new InputError(`lr ${optimizer.lr} must be > 0`);
  if (optimizer.clip !== undefined && !(optimizer.clip > 0))
    throw new InputError(`clip ${optimizer.clip} must be > 0`);
  const alpha = optimizer.timeRescale?.initScale;
  if (alpha !== undefined && !(alpha > 0 && alpha < 1))
    throw new InputError(`timeRescale needs an init scale α in (0, 1) (log(1/α) > 0), got ${alpha}`);
}

/** The learning rate the per-neuron rule uses: η, or η·log(1/α) on the time-rescaled flow. */
export function effectiveLearningRate(optimizer: OptimizerSpec): number {
  const alpha = optimizer.timeRescale?.initScale;
  return alpha === undefined ? optimizer.lr : optimizer.lr * Math.log(1 / alpha);
}

export function perNeuronDegree(model: ModelSpec, optimizer: OptimizerSpec): number {
  return optimizer.degree ?? model.degree;
}

export function initialOptimizerState(model: ModelSpec): OptimizerState {
  const zeros = (): Parameters =>
    Object.fromEntries(parameterShapes(model).map((s) => [s.name, new Float64Array(s.rows * s.cols)]));
  return { step: 0, m: zeros(), v: zeros() };
}

/** The clipping coefficient min(1, c/(‖g‖ + 1e−6)). */
export function clipCoefficient(gradients: Parameters, clip: number | undefined): number {
  if (clip === undefined) return 1;
  let norm2 = 0;
  for (const g of Object.values(gradients)) for (const x of g) norm2 += x * x;
  return Math.min(1, clip / (Math.sqrt(norm2) + CLIP_EPSILON));
}

/** One reference update, in place on `params` and `state`. */
export function referenceUpdate(
  model: ModelSpec,
  optimizer: OptimizerSpec,
  params: Parameters,
  gradients: Parameters,
  state: OptimizerState,
): void {
  const c = clipCoefficient(gradients, optimizer.clip);
  const shapes = new Map(parameterShapes(model).map((s) => [s.name, s]));
  const adam = new Set(adamParameters(model, optimizer));
  state.step += 1;

  // Adam parameters.
  const { beta1, beta2, epsilon } = adamSettings(optimizer);
  const correction1 = 1 - beta1 ** state.step;
  const correction2 = 1 - beta2 ** state.step;
  for (const name of adam) {
    const [w, g, m, v] = [params[name], gradients[name], state.m[name], state.v[name]];
    for (let i = 0; i < w.length; i++) {
      const gi = c * g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      w[i] -= (optimizer.lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  }
  if (optimizer.kind === 'adam') return;

  // Per-neuron: the norm of each neuron's weights, over all its slices, before the update.
  const slices = perNeuronSlices(model, optimizer);
  const lr = effectiveLearningRate(optimizer);
  const degree = perNeuronDegree(model, optimizer);
  const H = model.H;
  const norm2 = new Float64Array(H);
  const visit = (name: string, axis: 'row' | 'col', f: (neuron: number, index: number) => void): void => {
    const { rows, cols } = shapes.get(name)!;
    for (let r = 0; r < rows; r++)
      for (let col = 0; col < cols; col++) f(axis === 'row' ? r : col, r * cols + col);
  };
  for (const { name, axis } of slices) visit(name, axis, (i, idx) => (norm2[i] += params[name][idx] ** 2));
  const scale = Float64Array.from(norm2, (s) => lr * Math.sqrt(s) ** (1 - degree));
  for (const { name, axis } of slices)
    visit(name, axis, (i, idx) => (params[name][idx] -= scale[i] * c * gradients[name][idx]));

  // Plain SGD for whatever is neither Adam's nor in a neuron slice.
  const covered = new Set([...adam, ...slices.map((s) => s.name)]);
  for (const name of Object.keys(params)) {
    if (covered.has(name)) continue;
    const [w, g] = [params[name], gradients[name]];
    for (let i = 0; i < w.length; i++) w[i] -= optimizer.lr * c * g[i];
  }
}
