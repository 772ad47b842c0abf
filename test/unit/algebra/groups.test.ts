import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conjugacyClasses } from '../../../src/algebra/classes.js';
import {
  elementOrder,
  type FiniteGroup,
  generatingSet,
  isAbelian,
  multiply,
} from '../../../src/algebra/group.js';
import { groupFromCayleyTable } from '../../../src/algebra/groups/cayley.js';
import { cyclic } from '../../../src/algebra/groups/cyclic.js';
import { dihedral } from '../../../src/algebra/groups/dihedral.js';
import { alternating, permutationGroup, symmetric } from '../../../src/algebra/groups/permutation.js';
import { directProduct } from '../../../src/algebra/groups/product.js';
import { quaternion } from '../../../src/algebra/groups/quaternion.js';
import { icosahedral, octahedral } from '../../../src/algebra/groups/rotation.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { InputError } from '../../../src/errors.js';

/** Every group axiom, checked directly (n³ associativity: only for the small groups used here). */
function assertGroupAxioms(g: FiniteGroup): void {
  const n = g.order;
  assert.equal(g.mul.length, n * n);
  assert.equal(g.labels.length, n);
  assert.equal(new Set(g.labels).size, n, `${g.name}: labels are distinct`);
  for (let i = 0; i < n; i++) {
    assert.equal(multiply(g, g.identity, i), i);
    assert.equal(multiply(g, i, g.identity), i);
    assert.equal(multiply(g, i, g.inv[i]), g.identity);
    assert.equal(multiply(g, g.inv[i], i), g.identity);
  }
  if (n <= 60)
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++)
        for (let c = 0; c < n; c++)
          if (multiply(g, multiply(g, a, b), c) !== multiply(g, a, multiply(g, b, c)))
            assert.fail(`${g.name}: (${a}·${b})·${c} ≠ ${a}·(${b}·${c})`);
}

describe('group families', () => {
  const cases: [string, () => FiniteGroup, number][] = [
    ['C2', () => cyclic(2), 2],
    ['C10', () => cyclic(10), 10],
    ['D3', () => dihedral(3), 6],
    ['D4', () => dihedral(4), 8],
    ['D7', () => dihedral(7), 14],
    ['S3', () => symmetric(3), 6],
    ['S4', () => symmetric(4), 24],
    ['A4', () => alternating(4), 12],
    ['A5', () => alternating(5), 60],
    ['Q8', quaternion, 8],
    ['O', octahedral, 24],
    ['I', icosahedral, 60],
    ['C2xC3xD3', () => directProduct(cyclic(2), cyclic(3), dihedral(3)), 36],
  ];
  for (const [name, build, order] of cases)
    test(`${name} has order ${order} and satisfies the group axioms`, () => {
      const g = build();
      assert.equal(g.order, order);
      assert.equal(g.name, name);
      assertGroupAxioms(g);
    });

  test('S5, S6 and A6 have orders 120, 720, 360', () => {
    assert.equal(symmetric(5).order, 120);
    assert.equal(symmetric(6).order, 720);
    assert.equal(alternating(6).order, 360);
  });

  test('the dihedral law is (b,a)·(d,c) = (b+d mod 2, a + (−1)^b c mod n) for r^a f^b at index a + b·n', () => {
    for (const n of [3, 4, 5, 8]) {
      const g = dihedral(n);
      for (let x = 0; x < 2 * n; x++)
        for (let y = 0; y < 2 * n; y++) {
          const [a, b, c, d] = [x % n, Math.floor(x / n), y % n, Math.floor(y / n)];
          const rot = (((a + (b ? -c : c)) % n) + n) % n;
          assert.equal(multiply(g, x, y), rot + ((b + d) % 2) * n);
        }
      assert.deepEqual(g.labels.slice(0, 3), ['e', 'r', 'r^2']);
      assert.equal(g.labels[n], 'f');
      assert.equal(g.labels[n + 1], 'rf');
    }
  });

  test('Q8 satisfies i² = j² = k² = ijk = −1', () => {
    const q = quaternion();
    const [minusOne, i, j, k] = ['-1', 'i', 'j', 'k'].map((l) => q.labels.indexOf(l));
    for (const x of [i, j, k]) assert.equal(multiply(q, x, x), minusOne);
    assert.equal(multiply(q, multiply(q, i, j), k), minusOne);
    assert.equal(isAbelian(q), false);
  });

  test('O and I: element orders match the rotations of the solids', () => {
    const histogram = (g: FiniteGroup) => {
      const h: Record<number, number> = {};
      for (let x = 0; x < g.order; x++) h[elementOrder(g, x)] = (h[elementOrder(g, x)] ?? 0) + 1;
      return h;
    };
    // O ≅ S4: identity, 9 half turns (3 face + 6 edge axes), 8 third turns, 6 quarter turns.
    assert.deepEqual(histogram(octahedral()), { 1: 1, 2: 9, 3: 8, 4: 6 });
    // I ≅ A5: identity, 15 half turns, 20 third turns, 24 fifth turns.
    assert.deepEqual(histogram(icosahedral()), { 1: 1, 2: 15, 3: 20, 5: 24 });
  });

  test('direct products multiply componentwise and flatten', () => {
    const g = directProduct(cyclic(3), dihedral(4));
    assert.equal(g.order, 24);
    assert.equal(g.labels[0], '(0,e)');
    // (1, r)·(2, f) = (0, rf)
    const x = g.labels.indexOf('(1,r)');
    const y = g.labels.indexOf('(2,f)');
    assert.equal(g.labels[multiply(g, x, y)], '(0,rf)');
    const nested = directProduct(directProduct(cyclic(2), cyclic(3)), cyclic(4));
    assert.equal(nested.name, 'C2xC3xC4');
    assert.equal(nested.structure.kind === 'product' && nested.structure.factors.length, 3);
  });

  test('permutation groups close over their generators and label in cycle notation', () => {
    const s3 = permutationGroup('S3', [
      [1, 0, 2],
      [1, 2, 0],
    ]);
    assert.equal(s3.order, 6);
    assert.ok(s3.labels.includes('(1 2)'));
    assert.ok(s3.labels.includes('(1 2 3)'));
    assert.equal(s3.labels[s3.identity], 'e');
    assert.throws(
      () =>
        permutationGroup(
          'big',
          [
            [1, 2, 3, 4, 5, 6, 0],
            [1, 0, 2, 3, 4, 5, 6],
          ],
          1000,
        ),
      {
        name: 'InputError',
        message: /more than 1000 elements/,
      },
    );
    assert.throws(() => permutationGroup('bad', [[0, 0, 1]]), /not a permutation/);
    assert.throws(
      () =>
        permutationGroup('bad', [
          [1, 0],
          [1, 2, 0],
        ]),
      /moves 3 points/,
    );
  });

  test('generating sets generate', () => {
    for (const g of [symmetric(4), directProduct(cyclic(4), cyclic(6)), icosahedral()]) {
      const gens = generatingSet(g);
      assert.ok(gens.length <= 4);
      const seen = new Set([g.identity]);
      const queue = [g.identity];
      for (let q = 0; q < queue.length; q++)
        for (const s of gens) {
          const x = multiply(g, queue[q], s);
          if (!seen.has(x)) {
            seen.add(x);
            queue.push(x);
          }
        }
      assert.equal(seen.size, g.order);
    }
  });
});

describe('conjugacy classes', () => {
  test('class sizes of known groups', () => {
    const sizes = (g: FiniteGroup) =>
      conjugacyClasses(g)
        .classes.map((c) => c.length)
        .sort((a, b) => a - b);
    assert.deepEqual(sizes(dihedral(3)), [1, 2, 3]);
    assert.deepEqual(sizes(symmetric(4)), [1, 3, 6, 6, 8]);
    assert.deepEqual(sizes(octahedral()), [1, 3, 6, 6, 8]);
    assert.deepEqual(sizes(icosahedral()), [1, 12, 12, 15, 20]);
    assert.deepEqual(sizes(quaternion()), [1, 1, 2, 2, 2]);
    assert.equal(conjugacyClasses(cyclic(7)).classes.length, 7);
  });

  test('classes partition the group and are closed under conjugation', () => {
    const g = symmetric(5);
    const { classes, classOf } = conjugacyClasses(g);
    assert.equal(classes.flat().length, g.order);
    assert.deepEqual(classes[0], [g.identity]);
    for (let x = 0; x < g.order; x++)
      for (let h = 0; h < g.order; h += 7)
        assert.equal(classOf[multiply(g, multiply(g, h, x), g.inv[h])], classOf[x]);
  });
});

describe('group names', () => {
  test('parses built-ins and products', () => {
    const expect: [string, string, number][] = [
      ['C10', 'C10', 10],
      ['C4xC4', 'C4xC4', 16],
      ['D5', 'D5', 10],
      ['S4', 'S4', 24],
      ['A5', 'A5', 60],
      ['Q8', 'Q8', 8],
      ['O', 'O', 24],
      ['I', 'I', 60],
      ['C3xD4', 'C3xD4', 24],
      [' C2 × C3 ', 'C2xC3', 6],
    ];
    for (const [text, name, order] of expect) {
      const g = parseGroup(text);
      assert.equal(g.name, name);
      assert.equal(g.order, order);
    }
  });

  test('bad names get one clear InputError listing what is accepted', () => {
    const bad: [string, RegExp][] = [
      ['X5', /unknown group "X5"; accepted: Cn, Dn, Sn, An, Q8, O, I/],
      ['C', /unknown group "C"/],
      ['C4xZ3', /unknown group "Z3" in "C4xZ3"/],
      ['C4x', /empty factor in "C4x"/],
      ['', /empty group name/],
      ['S7', /S_n is built for 2 ≤ n ≤ 6/],
      ['A2', /A_n is built for 3 ≤ n ≤ 6/],
      ['C1', /C_n is built for 2 ≤ n/],
      ['C5000', /C_n is built for 2 ≤ n ≤ 4096/],
      ['C64xC64x C2', /order 8192 is above 4096/],
    ];
    for (const [text, message] of bad)
      assert.throws(
        () => parseGroup(text),
        (e: unknown) => e instanceof InputError && message.test(e.message),
        `"${text}" should fail with ${message}`,
      );
  });
});

describe('groups from Cayley tables', () => {
  const c3 = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
  ];

  test('a valid table gives the group, with any element as identity', () => {
    const g = groupFromCayleyTable(c3, { name: 'Z3' });
    assert.equal(g.order, 3);
    assert.equal(g.identity, 0);
    // The same group with the identity at index 2: relabel x ↦ (x + 2) mod 3.
    const shifted = c3.map((_, i) => c3.map((__, j) => (c3[(i + 1) % 3][(j + 1) % 3] + 2) % 3));
    assert.equal(groupFromCayleyTable(shifted).identity, 2);
    // A big valid table goes through Light's test quickly.
    const d = dihedral(40);
    const rows = Array.from({ length: d.order }, (_, i) =>
      Array.from(d.mul.subarray(i * d.order, (i + 1) * d.order)),
    );
    assert.equal(groupFromCayleyTable(rows).order, 80);
  });

  test('each violation is named', () => {
    const cases: [number[][], RegExp][] = [
      [[], /empty/],
      [[[0, 1], [1]], /row 1 has 1 entries, expected 2/],
      [
        [
          [0, 1],
          [1, 2],
        ],
        /not closed: row 1 \(1\), column 1 \(1\) holds 2/,
      ],
      [
        [
          [1, 0],
          [0, 0],
        ],
        /no identity/,
      ],
      [
        [
          [0, 1, 2],
          [1, 1, 1],
          [2, 1, 0],
        ],
        /no inverse: element 1/,
      ],
      // Identity and inverses, but not associative: a Latin square of order 5 that is no group.
      [
        [
          [0, 1, 2, 3, 4],
          [1, 0, 3, 4, 2],
          [2, 4, 0, 1, 3],
          [3, 2, 4, 0, 1],
          [4, 3, 1, 2, 0],
        ],
        /not associative: \(\d·\d\)·\d = \d but \d·\(\d·\d\) = \d/,
      ],
    ];
    for (const [table, message] of cases)
      assert.throws(
        () => groupFromCayleyTable(table),
        (e: unknown) => e instanceof InputError && message.test(e.message),
        `expected ${message}`,
      );
  });
});
