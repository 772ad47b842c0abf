import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { characterTable } from '../../../src/algebra/characters.js';
import type { FiniteGroup } from '../../../src/algebra/group.js';
import { groupFromCayleyTable } from '../../../src/algebra/groups/cayley.js';
import { permutationGroup } from '../../../src/algebra/groups/permutation.js';
import { checkIrreps } from '../../../src/algebra/irreps/checks.js';
import { complexDim, irrepsOf } from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { Random } from '../../../src/algebra/random.js';

const TOL = 1e-9;

function assertIrrepsValid(group: FiniteGroup): void {
  const checks = checkIrreps(group, irrepsOf(group), { allPairs: group.order <= 120 });
  assert.ok(
    checks.homomorphismError < TOL,
    `${group.name}: ρ(gh) = ρ(g)ρ(h) off by ${checks.homomorphismError}`,
  );
  assert.ok(checks.orthogonalityError < TOL, `${group.name}: not orthogonal (${checks.orthogonalityError})`);
  assert.ok(
    checks.characterOrthogonalityError < TOL,
    `${group.name}: characters not orthonormal (${checks.characterOrthogonalityError})`,
  );
  assert.ok(
    checks.complexStructureError < TOL,
    `${group.name}: complex structure off by ${checks.complexStructureError}`,
  );
  assert.equal(checks.sumOfSquaredDims, group.order, `${group.name}: Σ d² ≠ |G|`);
  assert.equal(checks.complexIrrepCount, checks.classCount, `${group.name}: #irreps ≠ #classes`);
  assert.ok(checks.ok);
}

/** Complex dimensions of the complex irreps (each complex-type real irrep stands for two). */
function complexDims(group: FiniteGroup): number[] {
  return characterTable(group)
    .characters.map((c) => c.dim)
    .sort((a, b) => a - b);
}

describe('irreps of every family pass every check', () => {
  const names = [
    'C2',
    'C3',
    'C4',
    'C7',
    'C10',
    'C12',
    'C31',
    'D2',
    'D3',
    'D4',
    'D5',
    'D6',
    'D9',
    'D12',
    'S3',
    'S4',
    'S5',
    'A4',
    'A5',
    'Q8',
    'O',
    'I',
    'C2xC2',
    'C4xC4',
    'C3xD4',
    'C5xC5',
    'Q8xC3',
    'Q8xQ8',
    'D3xS3',
    'C2xC3xC5',
    'OxC2',
    'C4xQ8',
  ];
  for (const name of names) test(name, () => assertIrrepsValid(parseGroup(name)));

  test('random direct products of two or three factors', () => {
    const rng = new Random(2024);
    const pool = ['C2', 'C3', 'C4', 'C5', 'C6', 'D3', 'D4', 'Q8', 'S3', 'A4'];
    for (let trial = 0; trial < 8; trial++) {
      const count = 2 + rng.int(2);
      const factors = Array.from({ length: count }, () => pool[rng.int(pool.length)]);
      const group = parseGroup(factors.join('x'));
      if (group.order > 200) continue;
      assertIrrepsValid(group);
    }
  });

  test('groups given by permutation generators and by Cayley tables', () => {
    // The Frobenius group of order 20 (x ↦ ax + b over Z/5), given by generators.
    const f20 = permutationGroup('F20', [
      [1, 2, 3, 4, 0],
      [0, 2, 4, 1, 3],
    ]);
    assert.equal(f20.order, 20);
    assertIrrepsValid(f20);
    assert.deepEqual(complexDims(f20), [1, 1, 1, 1, 4]);
    // D4 again, from its table: the generic numerical path must agree with the closed form.
    const d4 = parseGroup('D4');
    const rows = Array.from({ length: 8 }, (_, i) => Array.from(d4.mul.subarray(i * 8, i * 8 + 8)));
    const generic = groupFromCayleyTable(rows, { name: 'D4 from a table' });
    assertIrrepsValid(generic);
    assert.deepEqual(complexDims(generic), complexDims(d4));
  });

  test('S6 and A6 (orders 720 and 360) are checked on generators', () => {
    for (const name of ['A6', 'S6']) assertIrrepsValid(parseGroup(name));
  });
});

describe('known dimensions and types', () => {
  const realDims = (name: string) => irrepsOf(parseGroup(name)).map((r) => r.dim);
  test('D3 [1,1,2], D5 [1,1,2,2], O {1,1,2,3,3}, I {1,3,3,4,5}', () => {
    assert.deepEqual(realDims('D3'), [1, 1, 2]);
    assert.deepEqual(realDims('D5'), [1, 1, 2, 2]);
    assert.deepEqual(realDims('O'), [1, 1, 2, 3, 3]);
    assert.deepEqual(realDims('I'), [1, 3, 3, 4, 5]);
    assert.deepEqual(complexDims(parseGroup('S5')), [1, 1, 4, 4, 5, 5, 6]);
    assert.deepEqual(complexDims(parseGroup('S6')), [1, 1, 5, 5, 5, 5, 9, 9, 10, 10, 16]);
  });

  test('Frobenius–Schur types: cyclic pairs are complex, Q8 has a quaternionic irrep', () => {
    const c5 = irrepsOf(parseGroup('C5'));
    assert.deepEqual(
      c5.map((r) => [r.dim, r.type]),
      [
        [1, 'real'],
        [2, 'complex'],
        [2, 'complex'],
      ],
    );
    const q8 = irrepsOf(parseGroup('Q8'));
    const quaternionic = q8.filter((r) => r.type === 'quaternionic');
    assert.equal(quaternionic.length, 1);
    assert.equal(quaternionic[0].dim, 4);
    assert.equal(complexDim(quaternionic[0]), 2);
    // Q8 × Q8: the tensor square of the quaternionic irrep contains a real 4-dim irrep (4 copies).
    const q8q8 = irrepsOf(parseGroup('Q8xQ8'));
    assert.equal(
      q8q8
        .filter((r) => r.label === '4⊗4')
        .map((r) => r.type)
        .join(),
      'real',
    );
  });

  test('the tensor product of two rotation blocks splits into R(α+β) ⊕ R(α−β)', () => {
    const g = parseGroup('C5xC5');
    const irreps = irrepsOf(g);
    assert.equal(irreps.length, 13); // 1 + (25 − 1)/2
    const split = irreps.filter((r) => r.label.startsWith('freq1⊗freq1'));
    assert.deepEqual(
      split.map((r) => [r.dim, r.type]),
      [
        [2, 'complex'],
        [2, 'complex'],
      ],
    );
    // Their characters at (1,1): 2cos(2π·2/5) and 2cos(0) = 2, in some order.
    const x = g.labels.indexOf('(1,1)');
    const traces = split.map((r) => r.matrices[x * 4] + r.matrices[x * 4 + 3]).sort((a, b) => a - b);
    assert.ok(Math.abs(traces[0] - 2 * Math.cos((4 * Math.PI) / 5)) < 1e-9);
    assert.ok(Math.abs(traces[1] - 2) < 1e-9);
  });
});

describe('closed forms', () => {
  test('cyclic: r^m ↦ R(2πjm/n), sign m ↦ (−1)^m, trivial first and sign last', () => {
    const n = 10;
    const irreps = irrepsOf(parseGroup(`C${n}`));
    assert.deepEqual(
      irreps.map((r) => r.label),
      ['trivial', 'freq1', 'freq2', 'freq3', 'freq4', 'sign'],
    );
    for (let j = 1; j <= 4; j++)
      for (let m = 0; m < n; m++) {
        const M = irreps[j].matrices.subarray(m * 4, m * 4 + 4);
        const t = (2 * Math.PI * j * m) / n;
        assert.deepEqual(
          Array.from(M, (v) => +v.toFixed(12)),
          [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)].map((v) => +v.toFixed(12)),
        );
      }
    assert.deepEqual(Array.from(irreps[5].matrices), [1, -1, 1, -1, 1, -1, 1, -1, 1, -1]);
  });

  test('dihedral: r^m f ↦ R(2πjm/n)·diag(1,−1), and the extra 1-D irreps for even n', () => {
    const n = 6;
    const g = parseGroup(`D${n}`);
    const irreps = irrepsOf(g);
    assert.deepEqual(
      irreps.map((r) => r.label),
      ['trivial', 'sign', 'rsign', 'rsign·sign', 'rot1', 'rot2'],
    );
    const rot2 = irreps[5];
    const m = 1;
    const x = g.labels.indexOf('rf');
    const t = (2 * Math.PI * 2 * m) / n;
    const expected = [Math.cos(t), Math.sin(t), Math.sin(t), -Math.cos(t)];
    for (const [i, v] of rot2.matrices.subarray(x * 4, x * 4 + 4).entries())
      assert.ok(Math.abs(v - expected[i]) < 1e-12);
    assert.equal(irreps[2].matrices[g.labels.indexOf('r')], -1);
    assert.equal(irreps[2].matrices[g.labels.indexOf('f')], 1);
  });
});
