/**
 * The optimizer step of src/learn/optimizers.ts inside the graph, after the backward pass:
 *
 *   clip     c = min(1, clip/(‖g‖ + 1e−6)), ‖g‖ over all gradients together (c = 1 without clip)
 *   adam     m ← β₁m + (1−β₁)cg;  v ← β₂v + (1−β₂)(cg)²;  w ← w − lr·(m/c₁)/(√(v/c₂) + ε)
 *            with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ fed per step (`bias_correction`, computed from the step
 *            counter in Float64, where 1 − 0.999ᵗ would lose digits in Float32)
 *   neuron   s_i = lr·(‖θ_i‖²)^((1−degree)/2), ‖θ_i‖² summed over every slice of neuron i (rows of
 *            row-sliced parameters, columns of column-sliced ones) before the update; w ← w − c·s_i·g
 *   sgd      w ← w − lr·c·g for parameters that are neither (the tree's W_out)
 *
 * With `seeds` = S (the stacked seed graphs of seedGraphs.ts) every tensor has a leading seed axis:
 * parameters S × rows × cols, the bias correction S × 2, and c, ‖g‖ and s_i are taken per seed
 * (each seed's own clip and norms, as if it trained alone).
 */
import type { ModelSpec } from '../../models/spec.js';
import { parameterShapes } from '../../models/spec.js';
import {
  adamParameters,
  adamSettings,
  CLIP_EPSILON,
  effectiveLearningRate,
  type OptimizerSpec,
  perNeuronDegree,
  perNeuronSlices,
} from '../../optimizers.js';
import type { GraphBuilder } from './graph.js';
import { newMomentName, newName } from './stateTensors.js';

export interface UpdateValues {
  params: Record<string, string>;
  gradients: Record<string, string>;
  /** Adam's moments, for the Adam parameters only. */
  m: Record<string, string>;
  v: Record<string, string>;
  /** [c₁, c₂] (float, shape [2]); needed when any parameter is Adam's. */
  biasCorrection?: string;
}

/** How the updated values are named (a Loop's body names them apart from the outer graph's). */
export interface UpdateNames {
  param(p: string): string;
  moment(which: 'm' | 'v', p: string): string;
}
export const UPDATE_NAMES: UpdateNames = { param: newName, moment: newMomentName };

export function buildUpdate(
  g: GraphBuilder,
  model: ModelSpec,
  optimizer: OptimizerSpec,
  values: UpdateValues,
  out: UpdateNames = UPDATE_NAMES,
  seeds?: number,
): void {
  const { params, gradients } = values;
  const names = parameterShapes(model).map((s) => s.name);
  // `perSeed` reshapes a per-seed value (one per seed of a stacked graph) to broadcast over that
  // seed's rows and columns.
  const perSeed = (x: string, dims: number[]) => g.reshape(x, seeds === undefined ? dims : [seeds, ...dims]);

  // c as a scalar (S × 1 × 1 with seeds), or undefined when there is no clipping.
  let c: string | undefined;
  if (optimizer.clip !== undefined) {
    const squares = (grad: string) =>
      seeds === undefined ? g.reduceSumSquare(grad) : g.reduceSumSquareEach(grad, seeds);
    const norm = g.op('Sqrt', [g.sum(names.map((p) => squares(gradients[p])))]);
    const ratio = g.div(g.scalar(optimizer.clip), g.add(norm, g.scalar(CLIP_EPSILON)));
    c = g.op('Min', [ratio, g.scalar(1)]);
  }
  const clipped = (grad: string) => (c === undefined ? grad : g.mul(grad, c));

  const adam = new Set(adamParameters(model, optimizer));
  if (adam.size > 0) {
    const { beta1, beta2, epsilon } = adamSettings(optimizer);
    const [c1, c2] = g
      .split(values.biasCorrection!, seeds === undefined ? 0 : 1, 2)
      .map((half) => (seeds === undefined ? half : perSeed(half, [1, 1])));
    for (const p of adam) {
      // The clip coefficient is applied inside the moments, as in the reference.
      const grad = clipped(gradients[p]);
      const m = g.add(
        g.mul(values.m[p], g.scalar(beta1)),
        g.mul(grad, g.scalar(1 - beta1)),
        out.moment('m', p),
      );
      const v = g.add(
        g.mul(values.v[p], g.scalar(beta2)),
        g.mul(g.mul(grad, grad), g.scalar(1 - beta2)),
        out.moment('v', p),
      );
      const denominator = g.add(g.op('Sqrt', [g.div(v, c2)]), g.scalar(epsilon));
      const step = g.div(g.mul(g.div(m, c1), g.scalar(optimizer.lr)), denominator);
      g.sub(params[p], step, out.param(p));
    }
  }

  const slices = perNeuronSlices(model, optimizer);
  if (slices.length > 0) {
    const H = model.H;
    // ‖θ_i‖² as an (H × 1) column (S × H × 1).
    const squares = (param: string, axis: number) =>
      seeds === undefined
        ? g.reduceSumSquare(param, [axis], true)
        : g.reduceSumSquareEach(param, seeds, [axis + 1]);
    const parts = slices.map(({ name, axis }) =>
      axis === 'row' ? squares(params[name], 1) : perSeed(squares(params[name], 0), [H, 1]),
    );
    const exponent = (1 - perNeuronDegree(model, optimizer)) / 2;
    let scale = g.mul(
      g.op('Pow', [g.sum(parts), g.scalar(exponent)]),
      g.scalar(effectiveLearningRate(optimizer)),
    );
    if (c !== undefined) scale = g.mul(scale, c);
    const row = scale;
    const col = perSeed(scale, [1, H]);
    for (const { name, axis } of slices)
      g.sub(params[name], g.mul(gradients[name], axis === 'row' ? row : col), out.param(name));
  }

  const covered = new Set([...adam, ...slices.map((s) => s.name)]);
  for (const p of names) {
    if (covered.has(p)) continue;
    const step = g.mul(
      gradients[p],
      c === undefined ? g.scalar(optimizer.lr) : g.mul(c, g.scalar(optimizer.lr)),
    );
    g.sub(params[p], step, out.param(p));
  }
}
