/**
 * The pair warm start: the carried weights make the k-step network repeat the k = 2 network exactly,
 * the mlp is refused, and a warm-started deep model learns a case where training from scratch stalls.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEngine } from '../../../src/learn/engine/index.js';
import { referenceForward } from '../../../src/learn/models/reference.js';
import { initParameters, makeModelSpec, type Parameters } from '../../../src/learn/models/spec.js';
import { RunConfigSchema } from '../../../src/learn/runConfig.js';
import { type Progress, resolveRun, runTraining } from '../../../src/learn/trainer.js';
import { carryPairSolution } from '../../../src/learn/warmStart.js';

const n = 3;
const H = 5;
// Distinct, non-orthogonal input vectors, so that nothing cancels by accident.
const X = Float64Array.from([1, 0.2, -0.3, 0.1, 0.9, 0.4, -0.5, 0.3, 0.7]);
const x = (g: number) => X.subarray(g * n, (g + 1) * n);

/** y = M·v for M rows × cols. */
function apply(M: Float64Array, v: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i] += M[i * cols + j] * v[j];
  return out;
}
const squared = (v: Float64Array) => v.map((a) => a * a);
const sum = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

function forward(kind: 'rnn' | 'tree', k: number, P: Parameters, elements: number[]): Float64Array {
  const spec = makeModelSpec(kind, n, k, H);
  const batch = { elements: Int32Array.from(elements), targets: Int32Array.from([0]), count: 1 };
  return referenceForward(spec, P, X, batch);
}

function assertClose(actual: Float64Array, expected: Float64Array): void {
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-12 * (1 + Math.abs(expected[i])),
      `entry ${i}: ${actual[i]} against ${expected[i]}`,
    );
}

describe('carrying the pair solution', () => {
  test('rnn: with W_mix = W_in·W_out, the k = 3 network is the k = 2 network applied twice', () => {
    const pair = initParameters(makeModelSpec('rnn', n, 2, H), 7, 1);
    // The k = 2 network: f(u, w) = W_out·(W_in u + W_drive w)².
    const f = (u: ArrayLike<number>, w: ArrayLike<number>) =>
      apply(pair.W_out, squared(sum(apply(pair.W_in, u, H, n), apply(pair.W_drive, w, H, n))), n, H);
    const carried = carryPairSolution(makeModelSpec('rnn', n, 3, H), pair);
    assertClose(forward('rnn', 3, carried, [0, 1, 2]), f(f(x(0), x(1)), x(2)));
    assertClose(forward('rnn', 3, carried, [2, 2, 1]), f(f(x(2), x(2)), x(1)));
  });

  test('tree: folding W_out into V keeps the k = 2 network and makes k = 4 its pairs of pairs', () => {
    const pair = initParameters(makeModelSpec('tree', n, 2, H), 7, 1);
    // The k = 2 network: f(u, w) = W_out·V·(A u + B w)².
    const f = (u: ArrayLike<number>, w: ArrayLike<number>) =>
      apply(
        pair.W_out,
        apply(pair.V, squared(sum(apply(pair.A, u, H, n), apply(pair.B, w, H, n))), n, H),
        n,
        n,
      );
    const carried = carryPairSolution(makeModelSpec('tree', n, 4, H), pair);
    assertClose(forward('tree', 2, carried, [1, 2]), f(x(1), x(2)));
    assertClose(forward('tree', 4, carried, [0, 1, 2, 1]), f(f(x(0), x(1)), f(x(2), x(1))));
    // k = 3: the odd last element passes through the first level.
    assertClose(forward('tree', 3, carried, [2, 0, 1]), f(f(x(2), x(0)), x(1)));
  });
});

function config(model: string, k: number, train: Record<string, unknown>) {
  return RunConfigSchema.parse({
    group: 'C5',
    encoding: { kind: 'onehot' },
    k,
    model: { kind: model, H: 11 },
    train: { optimizer: 'adam', lr: 0.003, init: 0.1, clip: 1, lossReduction: 0.98, ...train },
  });
}

describe('training with a pair warm start', () => {
  test('the mlp is refused with a message naming the field', () => {
    assert.throws(
      () => resolveRun(config('mlp', 3, { steps: 10, warmStart: { steps: 10 } })),
      (e: Error) => e.name === 'InputError' && /train\.warmStart is for the rnn and tree/.test(e.message),
    );
  });

  test('tree, C5 one-hot, k = 4, H = 11: from scratch it stalls with one irrep; warm-started it learns both', async () => {
    const engine = await createEngine('onnx');
    const scratch = await runTraining(config('tree', 4, { steps: 1500 }), engine);
    // The stall: accuracy 1 (the learned 2-D irrep is faithful) but half the loss left, 8 of 16.
    assert.equal(scratch.outcome, 'failed');
    assert.equal(scratch.finalAccuracy, 1);
    assert.ok(Math.abs(scratch.finalLoss - 8) < 0.1, `final loss ${scratch.finalLoss}`);

    const progress: Progress[] = [];
    const warm = await runTraining(config('tree', 4, { steps: 1500, warmStart: { steps: 1500 } }), engine, {
      onProgress: (p) => progress.push(p),
    });
    // Progress shows the warm start first, then the run's own steps.
    assert.equal(progress[0]?.warmStart, true);
    assert.equal(progress.at(-1)?.warmStart, undefined);
    assert.equal(warm.outcome, 'succeeded', warm.reason);
    assert.ok(warm.finalLoss < 0.02 * 16, `final loss ${warm.finalLoss}`);
    assert.equal(warm.metrics.warmStart?.outcome, 'succeeded');
    assert.ok(warm.metrics.warmStart.steps < 1500);
    assert.match(warm.reason, /after a pair warm start at k = 2 \(succeeded in \d+ steps\)/);
  });

  test('success is judged against the zero output, not a large initial loss', async () => {
    // Init 0.5 starts the k = 5 rnn at a loss of about 10¹¹; falling 98% below that is not learning.
    const engine = await createEngine('onnx');
    const r = await runTraining(config('rnn', 5, { init: 0.5, steps: 300 }), engine);
    assert.ok(r.initialLoss > 1e6, `initial loss ${r.initialLoss}`);
    assert.notEqual(r.outcome, 'succeeded', `${r.reason}, final loss ${r.finalLoss}`);
  });
});
