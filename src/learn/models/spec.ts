/**
 * The three networks, as data: which parameters they have, their shapes, how they are initialised
 * and which weights belong to each hidden neuron. The equations are written here once; every engine
 * implements exactly these (src/learn/models/reference.ts is the plain-TypeScript ground truth).
 *
 * Notation: n = |G|, x_g ∈ Rⁿ the encoding of g, a sequence (g_1, …, g_k), H the hidden width.
 *
 * mlp (two-layer):
 *     z = W_in·[x_{g_1}; …; x_{g_k}] = Σ_j U_j x_{g_j}      (U_j = columns j·n … (j+1)·n − 1 of W_in)
 *     y = W_out·z^p                                        (elementwise power p = degree, default k)
 *   W_in: H × kn, W_out: n × H; init s·N(0,1)/√(kn) and s·N(0,1)/√H.
 *
 * rnn (quadratic recurrent):
 *     h_1 = (W_in x_{g_1} + W_drive x_{g_2})²
 *     h_t = (W_mix h_{t−1} + W_drive x_{g_{t+1}})²,   t = 2 … k−1
 *     y   = W_out h_{k−1}
 *   W_in, W_drive: H × n, W_mix: H × H, W_out: n × H; init s/√n, s/√n, s/√H, s/√H. The same weights
 *   serve every k ≥ 2.
 *
 * tree (pairs composed in parallel, ⌈log₂ k⌉ levels):
 *     level 0: v = (x_{g_1}, …, x_{g_k})
 *     each level: (v_1, v_2, v_3, v_4, …) ↦ (b(v_1, v_2), b(v_3, v_4), …), an odd last v passing through
 *     b(u, w) = V·(A u + B w)²                             (one block, shared by all pairs and levels)
 *     y = W_out·v                                          (once one vector is left)
 *   A, B: H × n, V: n × H, W_out: n × n; init s/√n, s/√n, s/√H, s/√n. Since b maps Rⁿ × Rⁿ → Rⁿ it
 *   can learn binary composition once and apply it at every level: width need not grow with k.
 *
 * No biases anywhere. The loss is L = (1/(B·n)) Σ_b ‖y_b − x_{target_b}‖² over a batch of B sequences,
 * so the zero output has loss ‖t‖²/n, the first plateau of src/learn/theory.ts.
 */

import { Random } from '../../algebra/random.js';
import { InputError } from '../../errors.js';

export type ModelKind = 'mlp' | 'rnn' | 'tree';
export const MODEL_KINDS: readonly ModelKind[] = ['mlp', 'rnn', 'tree'];

export interface ModelSpec {
  kind: ModelKind;
  /** |G|. */
  n: number;
  /** Sequence length. */
  k: number;
  /** Hidden width. */
  H: number;
  /** mlp only: the elementwise power p (default k; `square` in configs means 2). rnn and tree square. */
  degree: number;
}

export interface ParameterShape {
  name: string;
  rows: number;
  cols: number;
  /** Standard deviation of the Gaussian init, before the init scale s. */
  std: number;
}

/** A parameter set: one row-major matrix per parameter name, in `parameterShapes` order. */
export type Parameters = Record<string, Float64Array>;

export function makeModelSpec(kind: ModelKind, n: number, k: number, H: number, degree?: number): ModelSpec {
  if (!MODEL_KINDS.includes(kind))
    throw new InputError(`model "${kind}" is not one of ${MODEL_KINDS.join(', ')}`);
  if (!Number.isInteger(k) || k < 2) throw new InputError(`k = ${k}: k must be an integer ≥ 2`);
  if (!Number.isInteger(H) || H < 1) throw new InputError(`width H = ${H} must be a positive integer`);
  const p = kind === 'mlp' ? (degree ?? k) : 2;
  if (kind !== 'mlp' && degree !== undefined && degree !== 2)
    throw new InputError(`degree ${degree}: the ${kind} model's activation is the square (degree 2)`);
  if (!Number.isInteger(p) || p < 1) throw new InputError(`degree ${p} must be a positive integer`);
  return { kind, n, k, H, degree: p };
}

export function parameterShapes(spec: ModelSpec): ParameterShape[] {
  const { n, k, H } = spec;
  switch (spec.kind) {
    case 'mlp':
      return [
        { name: 'W_in', rows: H, cols: k * n, std: 1 / Math.sqrt(k * n) },
        { name: 'W_out', rows: n, cols: H, std: 1 / Math.sqrt(H) },
      ];
    case 'rnn':
      return [
        { name: 'W_in', rows: H, cols: n, std: 1 / Math.sqrt(n) },
        { name: 'W_drive', rows: H, cols: n, std: 1 / Math.sqrt(n) },
        { name: 'W_mix', rows: H, cols: H, std: 1 / Math.sqrt(H) },
        { name: 'W_out', rows: n, cols: H, std: 1 / Math.sqrt(H) },
      ];
    case 'tree':
      return [
        { name: 'A', rows: H, cols: n, std: 1 / Math.sqrt(n) },
        { name: 'B', rows: H, cols: n, std: 1 / Math.sqrt(n) },
        { name: 'V', rows: n, cols: H, std: 1 / Math.sqrt(H) },
        { name: 'W_out', rows: n, cols: n, std: 1 / Math.sqrt(n) },
      ];
  }
}

/** Gaussian init, drawn parameter by parameter in shape order from one seeded stream. */
export function initParameters(spec: ModelSpec, seed: number, scale: number): Parameters {
  const rng = new Random(seed);
  const params: Parameters = {};
  for (const shape of parameterShapes(spec)) {
    const w = new Float64Array(shape.rows * shape.cols);
    for (let i = 0; i < w.length; i++) w[i] = scale * shape.std * rng.normal();
    params[shape.name] = w;
  }
  return params;
}

/**
 * The weights of hidden neuron i, for the per-neuron optimizer: its incoming weights (row i) and its
 * outgoing weights (column i). Parameters not listed (tree's W_out) are not per-neuron.
 */
export function neuronSlices(spec: ModelSpec): { name: string; axis: 'row' | 'col' }[] {
  switch (spec.kind) {
    case 'mlp':
      return [
        { name: 'W_in', axis: 'row' },
        { name: 'W_out', axis: 'col' },
      ];
    case 'rnn':
      return [
        { name: 'W_in', axis: 'row' },
        { name: 'W_drive', axis: 'row' },
        { name: 'W_mix', axis: 'row' },
        { name: 'W_out', axis: 'col' },
      ];
    case 'tree':
      return [
        { name: 'A', axis: 'row' },
        { name: 'B', axis: 'row' },
        { name: 'V', axis: 'col' },
      ];
  }
}

/** Number of tree levels, ⌈log₂ k⌉. */
export function treeLevels(k: number): number {
  return Math.ceil(Math.log2(k));
}
