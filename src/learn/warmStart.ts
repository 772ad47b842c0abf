/**
 * The pair warm start of the deep models: train the rnn or tree at k = 2 first, where it learns to
 * compose one pair, then turn that pair solution into a k-step network and train on from there.
 *
 * Why: trained from a small random init at k ≥ 4, both deep models stall with the loss at exactly
 * the share of the irreps they have not learned (C5 one-hot: 8.00 of 16, one of its two 2-D irreps
 * learned, accuracy already 1 because that irrep is faithful). The stall is structural. The block
 * squares a linear function of its two inputs u ≈ x_g and w ≈ x_h, so its output is a sum of terms
 * quadratic in u, quadratic in w, and bilinear in (u, w). As a function of the pair (g, h), only the
 * bilinear terms can depend on gh, and the σ-component of x_{gh}, linear in the entries of
 * σ(gh) = σ(g)σ(h), needs σ in both inputs (Schur orthogonality over G × G). So once a level's outputs carry only the irreps learned so far,
 * the level above cannot produce another one: a new irrep appears at the top only if every level
 * produces it at once, and the gradient toward that is of high order in the small weights. Starting
 * all levels from one pair solution removes the trap, so the width a deep model needs is measured
 * rather than the luck of its init.
 *
 * The pair solution carries over exactly (src/learn/models/spec.ts has the equations):
 *  - rnn: at k = 2, y = W_out·h_1 ≈ x_{g1 g2}. With W_mix ← W_in·W_out, W_mix·h_{t−1} ≈ W_in·x_{g1⋯gt},
 *    so each later step is the pair step again on (prefix product, next element).
 *  - tree: at k = 2, y = W_out·V·(A u + B w)². Folding the readout into the block (V ← W_out·V,
 *    W_out ← I) leaves the k = 2 function unchanged and makes the block itself output x_{gh}, the
 *    input the next level expects.
 * The mlp has no such map: its W_in is H × k|G|, one block of columns per position.
 */
import { identity, matmul } from '../algebra/linalg.js';
import { InputError } from '../errors.js';
import type { ModelKind, ModelSpec, Parameters } from './models/spec.js';

/** The sequence length the warm start trains at. */
export const WARM_START_K = 2;

export function checkWarmStart(kind: ModelKind): void {
  if (kind === 'mlp')
    throw new InputError(
      'train.warmStart is for the rnn and tree models: the mlp’s W_in has one block of columns per ' +
        'position, so a k = 2 solution does not give a k-step network',
    );
}

/** The k-step network's starting weights from the weights the same model reached at k = 2. */
export function carryPairSolution(spec: ModelSpec, pair: Parameters): Parameters {
  const { n, H } = spec;
  switch (spec.kind) {
    case 'rnn':
      return { ...pair, W_mix: matmul(pair.W_in, pair.W_out, H, n, H) };
    case 'tree':
      return { ...pair, V: matmul(pair.W_out, pair.V, n, n, H), W_out: identity(n) };
    case 'mlp':
      checkWarmStart(spec.kind);
      return pair;
  }
}
