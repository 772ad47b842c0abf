import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';
import { accuracy, decode } from '../../../src/task/decode.js';
import { encode, encodingMatrix } from '../../../src/task/encoding.js';
import {
  composeSequence,
  exhaustiveSequences,
  OnlineBatches,
  sampledSequences,
} from '../../../src/task/sequences.js';

describe('sequences and targets', () => {
  const d3 = parseGroup('D3');
  const [r, f] = [d3.labels.indexOf('r'), d3.labels.indexOf('f')];

  test('left accumulation: (g1, g2) ↦ g2·g1; right: g1·g2', () => {
    // f·r = r²f (= r^-1 f) and r·f = rf: D3 is non-abelian, so the order shows.
    assert.equal(d3.labels[composeSequence(d3, [r, f])], 'r^2f');
    assert.equal(d3.labels[composeSequence(d3, [r, f], 'right')], 'rf');
    // k = 3: g3·g2·g1
    const [a, b, c] = [r, f, d3.labels.indexOf('r^2')];
    const expected = d3.mul[d3.mul[c * 6 + b] * 6 + a];
    assert.equal(composeSequence(d3, [a, b, c]), expected);
  });

  test('exhaustive: all |G|^k sequences, g1 slowest, with their products', () => {
    const set = exhaustiveSequences(d3, 3);
    assert.equal(set.count, 216);
    assert.deepEqual(Array.from(set.elements.subarray(0, 6)), [0, 0, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(set.elements.subarray(215 * 3)), [5, 5, 5]);
    for (let i = 0; i < set.count; i += 17)
      assert.equal(set.products[i], composeSequence(d3, set.elements.subarray(i * 3, i * 3 + 3)));
    // Every product is hit equally often (|G|^(k−1) times).
    const hits = new Array(6).fill(0);
    for (const p of set.products) hits[p]++;
    assert.deepEqual(hits, [36, 36, 36, 36, 36, 36]);
  });

  test('exhaustive above the cap fails clearly and suggests sampling', () => {
    assert.throws(
      () => exhaustiveSequences(parseGroup('C10'), 7),
      (e: unknown) =>
        e instanceof InputError &&
        /10,000,000 sequences, above the exhaustive cap of 1,000,000; sample instead/.test(e.message),
    );
    assert.equal(exhaustiveSequences(parseGroup('C10'), 4, { cap: 10_000 }).count, 10_000);
    assert.throws(() => exhaustiveSequences(d3, 1), /k must be an integer ≥ 2/);
  });

  test('sampled sets and online batches are reproducible; a restored batch stream continues identically', () => {
    const a = sampledSequences(d3, 4, 100, 9);
    assert.deepEqual(a, sampledSequences(d3, 4, 100, 9));
    assert.notDeepEqual(a.elements, sampledSequences(d3, 4, 100, 10).elements);
    const stream = new OnlineBatches(d3, 3, 32, 1);
    stream.next();
    const saved = stream.state();
    const next = stream.next();
    const resumed = new OnlineBatches(d3, 3, 32, 999);
    resumed.restore(saved);
    assert.deepEqual(resumed.next(), next);
  });
});

describe('decoding and accuracy', () => {
  test('exact targets decode to their products; noise within half the gap still does', () => {
    const g = parseGroup('C3xD4');
    const e = encode(g, { kind: 'random', seed: 4 });
    const X = encodingMatrix(e);
    const set = exhaustiveSequences(g, 2);
    const n = g.order;
    const outputs = new Float64Array(set.count * n);
    for (let i = 0; i < set.count; i++)
      outputs.set(X.subarray(set.products[i] * n, (set.products[i] + 1) * n), i * n);
    assert.equal(accuracy(e, outputs, set.products), 1);
    // Replace every output by the encoding of the next element: accuracy 0.
    const wrong = Int32Array.from(set.products, (p) => (p + 1) % n);
    assert.equal(accuracy(e, outputs, wrong), 0);
    assert.deepEqual(decode(e, outputs, 3), set.products.subarray(0, 3));
  });

  test('the zero output decodes somewhere, and accuracy counts correctly', () => {
    const g = parseGroup('C4');
    const e = encode(g, { kind: 'onehot', index: 0, amplitude: 1 });
    const outputs = new Float64Array(4 * 4);
    outputs.set([1, 0, 0, 0], 0); // decodes to 0
    outputs.set([0, 1, 0, 0], 4); // decodes to 1
    outputs.set([0, 0, 0, 1], 8); // decodes to 3
    outputs.set([0, 0, 0, 1], 12); // decodes to 3
    assert.equal(accuracy(e, outputs, Int32Array.of(0, 1, 2, 3)), 0.75);
  });
});
