import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';
import { referenceEngine } from '../../../src/learn/engine/reference.js';
import {
  type Batch,
  referenceForward,
  referenceLoss,
  referenceLossAndGradients,
} from '../../../src/learn/models/reference.js';
import { initParameters, type ModelKind, makeModelSpec, treeLevels } from '../../../src/learn/models/spec.js';
import { clipCoefficient, initialOptimizerState, referenceUpdate } from '../../../src/learn/optimizers.js';
import { encode, encodingMatrix } from '../../../src/task/encoding.js';
import { exhaustiveSequences, sampledSequences } from '../../../src/task/sequences.js';

const group = parseGroup('D3');
const X = encodingMatrix(encode(group, { kind: 'random', seed: 1 }));

function batchOf(k: number, count: number, seed: number): Batch {
  const s = sampledSequences(group, k, count, seed);
  return { elements: s.elements, targets: s.products, count: s.count };
}

describe('reference models', () => {
  const cases: [ModelKind, number][] = [
    ['mlp', 2],
    ['mlp', 3],
    ['rnn', 2],
    ['rnn', 4],
    ['tree', 2],
    ['tree', 3],
    ['tree', 5],
  ];
  for (const [kind, k] of cases)
    test(`${kind}, k = ${k}: gradients match central finite differences`, () => {
      const spec = makeModelSpec(kind, group.order, k, 5);
      const P = initParameters(spec, 3, 1);
      const batch = batchOf(k, 6, 2);
      const { loss, gradients } = referenceLossAndGradients(spec, P, X, batch);
      assert.ok(Math.abs(loss - referenceLoss(spec, P, X, batch)) < 1e-12 * loss);
      for (const name of Object.keys(P))
        for (let i = 0; i < P[name].length; i += 2) {
          const old = P[name][i];
          const h = 1e-6;
          P[name][i] = old + h;
          const plus = referenceLoss(spec, P, X, batch);
          P[name][i] = old - h;
          const minus = referenceLoss(spec, P, X, batch);
          P[name][i] = old;
          const numeric = (plus - minus) / (2 * h);
          const analytic = gradients[name][i];
          const scale = Math.abs(numeric) + Math.abs(analytic) + 1e-6;
          assert.ok(Math.abs(numeric - analytic) / scale < 1e-5, `${name}[${i}]: ${analytic} vs ${numeric}`);
        }
    });

  test('mlp output is W_out·(W_in x)^p: a hand-computed case', () => {
    const spec = makeModelSpec('mlp', 6, 2, 1);
    const W_in = new Float64Array(12);
    W_in[0] = 1; // z = x_{g1}(0)
    W_in[6 + 1] = 2; // + 2·x_{g2}(1)
    const W_out = Float64Array.from([1, 0, 0, 0, 0, -1]);
    const y = referenceForward(spec, { W_in, W_out }, X, {
      elements: Int32Array.of(3, 4),
      targets: Int32Array.of(0),
      count: 1,
    });
    const z = X[3 * 6 + 0] + 2 * X[4 * 6 + 1];
    assert.ok(Math.abs(y[0] - z * z) < 1e-12);
    assert.ok(Math.abs(y[5] + z * z) < 1e-12);
  });

  test('the tree has ⌈log₂ k⌉ levels', () => {
    assert.deepEqual([2, 3, 4, 5, 8, 9].map(treeLevels), [1, 2, 2, 3, 3, 4]);
  });

  test('the zero network has loss ‖t‖²/n, the first plateau', () => {
    const e = encode(group, { kind: 'powers', powers: [0, 30, 3000] });
    const spec = makeModelSpec('mlp', 6, 2, 4);
    const zero = initParameters(spec, 1, 0);
    const s = exhaustiveSequences(group, 2);
    const loss = referenceLoss(spec, zero, encodingMatrix(e), {
      elements: s.elements,
      targets: s.products,
      count: s.count,
    });
    assert.ok(Math.abs(loss - 505) < 1e-9);
  });

  test('init is seeded and scaled', () => {
    const spec = makeModelSpec('rnn', 6, 3, 50);
    const a = initParameters(spec, 1, 1e-3);
    assert.deepEqual(a, initParameters(spec, 1, 1e-3));
    assert.notDeepEqual(a.W_mix, initParameters(spec, 2, 1e-3).W_mix);
    const std = Math.sqrt(a.W_mix.reduce((s, x) => s + x * x, 0) / a.W_mix.length);
    assert.ok(Math.abs(std - 1e-3 / Math.sqrt(50)) < 0.1 * (1e-3 / Math.sqrt(50)));
  });

  test('bad model settings are InputErrors', () => {
    assert.throws(() => makeModelSpec('mlp', 6, 1, 4), InputError);
    assert.throws(() => makeModelSpec('rnn', 6, 3, 0), /width H = 0/);
    assert.throws(() => makeModelSpec('gru' as ModelKind, 6, 3, 4), /not one of mlp, rnn, tree/);
    assert.throws(() => makeModelSpec('rnn', 6, 3, 4, 3), /square/);
  });
});

describe('reference optimizers', () => {
  const spec = makeModelSpec('mlp', 2, 2, 2);
  const params = () => ({
    W_in: Float64Array.of(3, 0, 0, 4, 1, 0, 0, 0),
    W_out: Float64Array.of(0, 1, 0, 0),
  });
  const grads = () => ({ W_in: Float64Array.of(1, 1, 1, 1, 1, 1, 1, 1), W_out: Float64Array.of(1, 1, 1, 1) });

  test('per-neuron: θ_i −= η‖θ_i‖^(1−degree) g_i, norms over the incoming row and outgoing column', () => {
    const P = params();
    referenceUpdate(spec, { kind: 'per-neuron', lr: 0.1 }, P, grads(), initialOptimizerState(spec));
    // neuron 0: row (3,0,0,4), column (0,0) → ‖θ‖ = 5, factor 5^(1−2) = 0.2; neuron 1: (1,0,0,0),(1,0) → √2.
    const f0 = 0.1 * 0.2;
    const f1 = 0.1 / Math.SQRT2;
    assert.deepEqual(
      Array.from(P.W_in, (x) => +x.toFixed(12)),
      [3 - f0, -f0, -f0, 4 - f0, 1 - f1, -f1, -f1, -f1].map((x) => +x.toFixed(12)),
    );
    assert.deepEqual(
      Array.from(P.W_out, (x) => +x.toFixed(12)),
      [-f0, 1 - f1, -f0, -f1].map((x) => +x.toFixed(12)),
    );
  });

  test('time rescaling multiplies η by log(1/α); clipping scales the gradient by c/(‖g‖ + 1e−6)', () => {
    const P = params();
    referenceUpdate(
      spec,
      { kind: 'per-neuron', lr: 0.1, timeRescale: { initScale: Math.exp(-2) } },
      P,
      grads(),
      initialOptimizerState(spec),
    );
    assert.ok(Math.abs(P.W_in[0] - (3 - 0.2 * 0.2)) < 1e-12);
    const c = clipCoefficient(grads(), 1);
    assert.ok(Math.abs(c - 1 / (Math.sqrt(12) + 1e-6)) < 1e-15);
    assert.equal(clipCoefficient(grads(), 100), 1);
  });

  test('adam: the first step moves every weight by lr·sign(g)', () => {
    const P = params();
    const state = initialOptimizerState(spec);
    referenceUpdate(spec, { kind: 'adam', lr: 0.01 }, P, grads(), state);
    assert.equal(state.step, 1);
    assert.ok(Math.abs(P.W_in[0] - (3 - 0.01)) < 1e-9);
    assert.ok(Math.abs(P.W_out[1] - (1 - 0.01)) < 1e-9);
  });

  test('adam settings left undefined fall back to the defaults', () => {
    const P = params();
    referenceUpdate(
      spec,
      { kind: 'adam', lr: 0.01, beta1: undefined, epsilon: undefined },
      P,
      grads(),
      initialOptimizerState(spec),
    );
    assert.ok(Math.abs(P.W_in[0] - (3 - 0.01)) < 1e-9);
  });

  test('hybrid is for the rnn: Adam on W_mix, per-neuron elsewhere', async () => {
    const rnn = makeModelSpec('rnn', 6, 3, 4);
    await assert.rejects(
      referenceEngine.open({
        model: spec,
        optimizer: { kind: 'hybrid', lr: 0.1 },
        encodings: X,
        batchSize: 1,
        parameters: params(),
      }),
      /hybrid" is for the rnn/,
    );
    const P = initParameters(rnn, 1, 1);
    const G = Object.fromEntries(Object.entries(P).map(([k, v]) => [k, v.map(() => 1)]));
    const before = Float64Array.from(P.W_mix);
    referenceUpdate(rnn, { kind: 'hybrid', lr: 0.01 }, P, G, initialOptimizerState(rnn));
    for (let i = 0; i < before.length; i++) assert.ok(Math.abs(P.W_mix[i] - (before[i] - 0.01)) < 1e-9);
  });
});
