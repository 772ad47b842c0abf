/**
 * Decoding a network's output: the predicted element is the one whose encoding is nearest in L2.
 * All translates x_h have the same norm, so argmin_h ‖y − x_h‖² = argmax_h ⟨y, x_h⟩.
 */
import type { GroupElement } from '../algebra/group.js';
import { type Encoding, encodingMatrix } from './encoding.js';

/** outputs: count×|G| row-major; returns the decoded element of each row. */
export function decode(encoding: Encoding, outputs: ArrayLike<number>, count: number): Int32Array {
  const n = encoding.group.order;
  const X = encodingMatrix(encoding);
  const predicted = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let h = 0; h < n; h++) {
      let score = 0;
      for (let u = 0; u < n; u++) score += outputs[i * n + u] * X[h * n + u];
      if (score > bestScore) {
        bestScore = score;
        best = h;
      }
    }
    predicted[i] = best;
  }
  return predicted;
}

/** Fraction of rows decoded to the true product. */
export function accuracy(
  encoding: Encoding,
  outputs: ArrayLike<number>,
  products: ArrayLike<GroupElement>,
): number {
  const count = products.length;
  if (count === 0) return Number.NaN;
  const predicted = decode(encoding, outputs, count);
  let correct = 0;
  for (let i = 0; i < count; i++) if (predicted[i] === products[i]) correct++;
  return correct / count;
}
