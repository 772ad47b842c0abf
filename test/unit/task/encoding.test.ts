import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { irrepsOf } from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';
import { plateauLevels, predictedIrrepOrder } from '../../../src/learn/theory.js';
import { encode, encodingMatrix, translate } from '../../../src/task/encoding.js';

function close(
  actual: ArrayLike<number>,
  expected: readonly number[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`,
    );
}

describe("the reference implementation's test vectors", () => {
  test('D3, powers [0, 30, 3000]: template and plateau levels 505, 5, 0', () => {
    const g = parseGroup('D3');
    assert.deepEqual(g.labels, ['e', 'r', 'r^2', 'f', 'rf', 'r^2f']);
    const e = encode(g, { kind: 'powers', powers: [0, 30, 3000] });
    close(e.template, [46.9574, -20.1246, -20.1246, -2.2361, -2.2361, -2.2361], 5e-5, 'template');
    close(plateauLevels(e.power, g.order), [505, 5, 0], 1e-9, 'levels');
    assert.deepEqual(
      predictedIrrepOrder(e.power).map((i) => irrepsOf(g)[i].label),
      ['rot1', 'sign'],
    );
  });

  test('O, 500 on the non-trivial 1-D irrep and 300 on the 2-D irrep: levels 33.333, 12.5, 0 and ‖t‖² = 800', () => {
    const g = parseGroup('O');
    const labels = irrepsOf(g).map((r) => r.label);
    const powers = labels.map((l) => (l === "1'" ? 500 : l === '2' ? 300 : 0));
    const e = encode(g, { kind: 'powers', powers });
    close(plateauLevels(e.power, g.order), [100 / 3, 12.5, 0], 1e-9, 'levels');
    assert.ok(Math.abs(e.template.reduce((a, x) => a + x * x, 0) - 800) < 1e-9);
  });

  test('I, 2000 and 1300 on the two 3-D irreps: levels 55, 21.667, 0', () => {
    const g = parseGroup('I');
    const e = encode(g, { kind: 'powers', powers: [0, 2000, 1300, 0, 0] });
    assert.deepEqual(
      irrepsOf(g)
        .slice(1, 3)
        .map((r) => r.dim),
      [3, 3],
    );
    close(plateauLevels(e.power, g.order), [55, 1300 / 60, 0], 1e-9, 'levels');
  });

  test('C10 one-hot at 0, amplitude 1: power 0.2 per frequency pair 1–4, 0.1 on frequency 5', () => {
    const g = parseGroup('C10');
    const e = encode(g, { kind: 'onehot', index: 0, amplitude: 1 });
    close(e.power, [0, 0.2, 0.2, 0.2, 0.2, 0.1], 1e-12, 'power');
    close(plateauLevels(e.power, g.order), [0.09, 0.07, 0.05, 0.03, 0.01, 0], 1e-12, 'levels');
    close(e.template, [0.9, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1], 1e-15, 'template');
  });
});

describe('encodings', () => {
  test('powers: the spectrum equals the requested powers exactly, for every irrep type', () => {
    for (const name of ['C7', 'D4', 'Q8', 'C3xQ8', 'C5xC5', 'S4']) {
      const g = parseGroup(name);
      const irreps = irrepsOf(g);
      const powers = irreps.map((_, i) => (i === 0 ? 0 : 10 * i + 1));
      const e = encode(g, { kind: 'powers', powers });
      close(e.power, powers, 1e-9 * powers.reduce((a, b) => a + b), `${name} power`);
      assert.ok(e.assumption.holds, `${name}: ${e.assumption.problems.join('; ')}`);
    }
  });

  test('every kind is mean-centred, and one-hot defaults to index 1, amplitude 10', () => {
    const g = parseGroup('S4');
    const specs = [
      { kind: 'onehot' },
      { kind: 'random', seed: 3 },
      { kind: 'vector', values: Array.from({ length: 24 }, (_, i) => i * i) },
      { kind: 'powers', powers: [0, 1, 2, 3, 4] },
    ] as const;
    for (const spec of specs) {
      const e = encode(g, spec);
      assert.ok(Math.abs(e.template.reduce((a, x) => a + x, 0)) < 1e-9, `${spec.kind} is centred`);
      assert.ok(Math.abs(e.power[0]) < 1e-9, `${spec.kind}: no trivial power`);
    }
    assert.deepEqual(encode(g, { kind: 'onehot' }).spec, { kind: 'onehot', index: 1, amplitude: 10 });
    const e = encode(g, { kind: 'onehot' });
    assert.ok(Math.abs(e.template[1] - (10 - 10 / 24)) < 1e-12);
  });

  test('random encodings are reproducible from the seed and differ across seeds', () => {
    const g = parseGroup('D5');
    const a = encode(g, { kind: 'random', seed: 1 }).template;
    assert.deepEqual(a, encode(g, { kind: 'random', seed: 1 }).template);
    assert.notDeepEqual(a, encode(g, { kind: 'random', seed: 2 }).template);
  });

  test('element g is encoded as the left translate x_g(u) = t(g⁻¹u)', () => {
    const g = parseGroup('D3');
    const e = encode(g, { kind: 'random', seed: 5 });
    const X = encodingMatrix(e);
    for (let x = 0; x < 6; x++)
      for (let u = 0; u < 6; u++) assert.equal(X[x * 6 + u], e.template[g.mul[g.inv[x] * 6 + u]]);
    // x_e = t, and x_{gh} = L(g) x_h.
    assert.deepEqual(translate(g, e.template, g.identity), e.template);
  });

  test('the theory assumption is reported when a Fourier block is singular or translates coincide', () => {
    const g = parseGroup('D3');
    // rot1's block of the class function 2·χ − χ(…) is invertible; a vector with a rank-1 block is not.
    const irreps = irrepsOf(g);
    const rot1 = irreps[2];
    // t(g) = σ(g)[0][0]: F = Σ σ(g)[0][0] σ(g)ᵀ has rank 1.
    const values = Array.from({ length: 6 }, (_, x) => rot1.matrices[x * 4]);
    const e = encode(g, { kind: 'vector', values });
    assert.equal(e.assumption.holds, false);
    assert.match(e.assumption.problems.join(), /rot1 is singular \(rank 1 of 2\)/);
    // Power only on the sign irrep: x_g depends only on whether g is a reflection.
    const sign = encode(g, { kind: 'powers', powers: [0, 1, 0] });
    assert.match(sign.assumption.problems.join(), /share their encoding/);
  });

  test('bad specs get clear InputErrors', () => {
    const g = parseGroup('D3');
    const cases: [Parameters<typeof encode>[1], RegExp][] = [
      [
        { kind: 'powers', powers: [0, 30] },
        /D3 has 3 irreps \(trivial, sign, rot1\) but 2 powers were given/,
      ],
      [{ kind: 'powers', powers: [0, -1, 3] }, /power 2 \(sign\) is -1; powers must be finite and ≥ 0/],
      [{ kind: 'powers', powers: [5, 1, 3] }, /trivial irrep and must be 0/],
      [{ kind: 'powers', powers: [0, 0, 0] }, /all powers are 0/],
      [{ kind: 'onehot', index: 6 }, /onehot index 6 is not an element of D3 \(0..5\)/],
      [{ kind: 'onehot', amplitude: 0 }, /amplitude 0 must be a non-zero number/],
      [{ kind: 'vector', values: [1, 2, 3] }, /vector has 3 values but D3 has 6 elements/],
      [{ kind: 'vector', values: [1, 1, 1, 1, 1, 1] }, /zero after mean-centring/],
      [{ kind: 'random', scale: -1 }, /scale -1 must be > 0/],
    ];
    for (const [spec, message] of cases)
      assert.throws(
        () => encode(g, spec),
        (e: unknown) => e instanceof InputError && message.test(e.message),
        String(message),
      );
  });
});
