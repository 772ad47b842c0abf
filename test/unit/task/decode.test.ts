import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { Random } from '../../../src/algebra/random.js';
import { accuracy, decode } from '../../../src/task/decode.js';
import { type EncodingSpec, encode, encodingMatrix } from '../../../src/task/encoding.js';

/** The nearest encoding by its definition: argmin_h ‖y − x_h‖² (the first h on a tie). */
function nearest(X: Float64Array, n: number, y: ArrayLike<number>, row: number): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let h = 0; h < n; h++) {
    let d = 0;
    for (let u = 0; u < n; u++) d += (y[row * n + u] - X[h * n + u]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = h;
    }
  }
  return best;
}

for (const [group, spec] of [
  ['S4', { kind: 'onehot' }],
  ['D5', { kind: 'onehot', index: 3, amplitude: 2 }],
  ['C7', { kind: 'onehot', index: 2, amplitude: -1.5 }],
  ['S4', { kind: 'random', seed: 3 }],
] as [string, EncodingSpec][])
  test(`decode on ${group}, ${JSON.stringify(spec)}: the nearest encoding of every output`, () => {
    const g = parseGroup(group);
    const encoding = encode(g, spec);
    const n = g.order;
    const X = encodingMatrix(encoding);
    const rng = new Random(11);
    const random = () => rng.uniform();
    // Outputs near encodings (as a trained network gives) and far from all of them.
    const count = 300;
    const outputs = new Float64Array(count * n);
    const truth = new Int32Array(count);
    for (let row = 0; row < count; row++) {
      truth[row] = Math.floor(random() * n);
      const noise = row < count / 2 ? 0.3 : 3;
      for (let u = 0; u < n; u++) outputs[row * n + u] = X[truth[row] * n + u] + noise * (random() - 0.5);
    }
    const predicted = decode(encoding, outputs, count);
    for (let row = 0; row < count; row++)
      assert.equal(predicted[row], nearest(X, n, outputs, row), `row ${row}`);
    const exact = Array.from(predicted).filter((p, row) => p === truth[row]).length / count;
    assert.equal(accuracy(encoding, outputs, truth), exact);
  });
