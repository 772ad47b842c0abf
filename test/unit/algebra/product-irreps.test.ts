/**
 * The closed-form irreps of direct products with several complex-type factors (complexSplit.ts):
 * every check a set of irreps must pass, which piece is which, the labels known without matrices,
 * and C64xC64 (order 4096, the largest) in seconds, checked against its known characters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { powerSpectrum } from '../../../src/algebra/fourier.js';
import { generatingSet } from '../../../src/algebra/group.js';
import { checkIrreps } from '../../../src/algebra/irreps/checks.js';
import {
  complexDim,
  fourierWeight,
  irrepLabels,
  irrepsOf,
  realCharacter,
  regularMultiplicityTotal,
} from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { Random } from '../../../src/algebra/random.js';

const TOL = 1e-9;

describe('products with several complex-type factors', () => {
  for (const name of ['C5xC5', 'C4xC6', 'C3xC4xC5', 'C3xC3xC3', 'A4xC3', 'C6xD3', 'Q8xC3', 'C7xC9']) {
    test(`${name}: homomorphisms, orthogonal, characters orthonormal, Σ d² = |G|, one irrep per class`, () => {
      const group = parseGroup(name);
      const checks = checkIrreps(group, irrepsOf(group), { allPairs: true });
      assert.ok(checks.homomorphismError < TOL, `ρ(gh) = ρ(g)ρ(h) off by ${checks.homomorphismError}`);
      assert.ok(checks.orthogonalityError < TOL, `not orthogonal (${checks.orthogonalityError})`);
      assert.ok(checks.characterOrthogonalityError < TOL, `${checks.characterOrthogonalityError}`);
      assert.ok(checks.complexStructureError < TOL, `J off by ${checks.complexStructureError}`);
      assert.equal(checks.sumOfSquaredDims, group.order);
      assert.equal(checks.complexIrrepCount, checks.classCount);
      assert.equal(regularMultiplicityTotal(irrepsOf(group)), group.order);
    });
  }

  test('piece [++] of freq_i⊗freq_j is R(α+β) (frequencies add), [+-] is R(α−β)', () => {
    const group = parseGroup('C5xC7');
    const x = group.labels.indexOf('(1,1)');
    let seen = 0;
    for (const irrep of irrepsOf(group)) {
      const m = /^freq(\d+)⊗freq(\d+)\[\+([+-])\]$/.exec(irrep.label);
      if (!m) continue;
      seen++;
      const [i, j] = [Number(m[1]), Number(m[2])];
      const angle = 2 * Math.PI * (i / 5 + (m[3] === '+' ? 1 : -1) * (j / 7));
      const chi = realCharacter(irrep, group.order)[x];
      assert.ok(Math.abs(chi - 2 * Math.cos(angle)) < TOL, `${irrep.label}: χ(1,1) = ${chi}`);
      assert.equal(irrep.type, 'complex');
      assert.equal(fourierWeight(irrep), 1);
    }
    assert.equal(seen, 2 * 2 * 3);
  });

  test('three complex factors split into four pieces, [+++] = ρ₁⊗ρ₂⊗ρ₃ … [+--] = ρ₁⊗ρ̄₂⊗ρ̄₃', () => {
    const group = parseGroup('C3xC5xC7');
    const pieces = irrepsOf(group).filter((r) => r.label.startsWith('freq1⊗freq2⊗freq3'));
    assert.deepEqual(
      pieces.map((r) => [r.label, r.dim]),
      ['+++', '++-', '+-+', '+--'].map((p) => [`freq1⊗freq2⊗freq3[${p}]`, 2]),
    );
    const x = group.labels.indexOf('(1,1,1)');
    const signs = [
      [1, 1],
      [1, -1],
      [-1, 1],
      [-1, -1],
    ];
    pieces.forEach((piece, p) => {
      const angle = 2 * Math.PI * (1 / 3 + (signs[p][0] * 2) / 5 + (signs[p][1] * 3) / 7);
      assert.ok(Math.abs(realCharacter(piece, group.order)[x] - 2 * Math.cos(angle)) < TOL, piece.label);
    });
  });

  /**
   * The rule on every split piece of products of cyclic groups: a label's signs times the factors'
   * frequencies are the characters the piece holds, (s₁j₁, s₂j₂, …) and its negative. The C5xC5 of
   * the issue: freq1⊗freq1[++] = {(1,1), (4,4)} and freq2⊗freq2[++] = {(2,2), (3,3)}, one rule.
   */
  test('the signs say which characters a piece holds, in every product of cyclic groups', () => {
    for (const name of ['C5xC5', 'C4xC6', 'C3xC4xC5', 'C7xC9', 'C3xC3xC3']) {
      const group = parseGroup(name);
      const orders = name.split('x').map((f) => Number(f.slice(1)));
      let split = 0;
      for (const irrep of irrepsOf(group)) {
        const m = /^(.*)\[([+-]+)\]$/.exec(irrep.label);
        if (!m) continue;
        split++;
        const names = m[1].split('⊗');
        const signs = [...m[2]];
        let complexIndex = 0;
        // freq_j of a complex factor carries the next sign; trivial and sign carry none.
        const frequencies = names.map((part, f) => {
          if (part === 'trivial') return 0;
          if (part === 'sign') return orders[f] / 2;
          const j = Number(/^freq(\d+)$/.exec(part)![1]);
          return signs[complexIndex++] === '+' ? j : orders[f] - j;
        });
        assert.equal(complexIndex, signs.length, `${name} ${irrep.label}: one sign per complex factor`);
        const chi = realCharacter(irrep, group.order);
        for (let x = 0; x < group.order; x++) {
          const c = group.labels[x].slice(1, -1).split(',').map(Number);
          const phase = c.reduce((acc, cf, f) => acc + (frequencies[f] * cf) / orders[f], 0);
          assert.ok(
            Math.abs(chi[x] - 2 * Math.cos(2 * Math.PI * phase)) < TOL,
            `${name} ${irrep.label} at ${group.labels[x]}`,
          );
        }
      }
      assert.ok(split > 0, name);
    }
  });

  test('a numerical split (a quaternionic factor beside two complex ones) gets the same signs, in the same order', () => {
    const group = parseGroup('Q8xC3xC3');
    const pieces = irrepsOf(group).filter((r) => r.label.startsWith('4⊗freq1⊗freq1'));
    assert.deepEqual(
      pieces.map((r) => r.label),
      ['4⊗freq1⊗freq1[++]', '4⊗freq1⊗freq1[+-]'],
    );
    // At (e, 1, 1): the real form of Q8's 2-D quaternionic irrep has trace 4, i.e. 2 per copy of
    // ρ; ρ⊗χ₁⊗χ₁ gives 2·2cos(2π·2/3) = −2, ρ⊗χ₁⊗χ̄₁ gives 2·2cos(0) = 4.
    const x = group.labels.indexOf('(1,1,1)'); // Q8's identity is labelled 1
    const identityOfQ8 = irrepsOf(group).find((r) => r.label === '4⊗trivial⊗trivial')!;
    assert.ok(
      Math.abs(realCharacter(identityOfQ8, group.order)[x] - 4) < TOL,
      `${group.labels[x]} is (e,1,1)`,
    );
    const chi = pieces.map((p) => realCharacter(p, group.order)[x]);
    assert.ok(Math.abs(chi[0] + 2) < TOL, `[++]: ${chi[0]}`);
    assert.ok(Math.abs(chi[1] - 4) < TOL, `[+-]: ${chi[1]}`);
  });

  test('Plancherel: the power spectrum of any template sums to ‖t‖² (the Fourier weights are right)', () => {
    for (const name of ['C4xC6', 'C3xC3xC3', 'A4xC3']) {
      const group = parseGroup(name);
      const rng = new Random(7);
      const t = Float64Array.from({ length: group.order }, () => rng.normal());
      const total = powerSpectrum(group, irrepsOf(group), t).reduce((a, b) => a + b, 0);
      const norm = t.reduce((a, b) => a + b * b, 0);
      assert.ok(Math.abs(total - norm) < 1e-9 * norm, `${name}: ${total} vs ${norm}`);
    }
  });

  test('irrepLabels gives the labels of irrepsOf, in its order, for every kind of group', () => {
    for (const name of [
      'C6',
      'D4',
      'C5xC5',
      'C3xD4',
      'Q8xC3',
      'Q8xQ8',
      'A4xC3',
      'C2xC4xC6',
      'S3xC4',
      'C3xC3xC3',
    ]) {
      const fresh = parseGroup(name); // before irrepsOf has cached anything for this object
      const labels = irrepLabels(fresh);
      assert.deepEqual(
        labels,
        irrepsOf(parseGroup(name)).map((r) => r.label),
        name,
      );
    }
  });
});

describe('C64xC64, the largest order', () => {
  test('its irreps are closed forms: built in seconds, and exactly the 4096 characters of Z64 × Z64', () => {
    const group = parseGroup('C64xC64');
    const started = performance.now();
    const irreps = irrepsOf(group);
    const seconds = (performance.now() - started) / 1000;
    // Minutes with the numerical split; 2–3 s on 2 free cores now, 15 s when six processes share them.
    assert.ok(seconds < 60, `irrepsOf took ${seconds.toFixed(1)} s`);
    assert.equal(irreps.length, 2050); // 4 real (trivial, signs) + (4096 − 4)/2 complex pairs
    assert.equal(regularMultiplicityTotal(irreps), 4096);
    assert.deepEqual(
      irrepLabels(parseGroup('C64xC64')),
      irreps.map((r) => r.label),
    );

    // Homomorphism on generators (which implies it on all pairs) and orthogonality, every irrep.
    const n = group.order;
    const generators = generatingSet(group);
    let homomorphismError = 0;
    let orthogonalityError = 0;
    for (const irrep of irreps) {
      const D = irrep.dim;
      const M = irrep.matrices;
      for (const g of generators)
        for (let h = 0; h < n; h++) {
          const gh = group.mul[g * n + h];
          for (let i = 0; i < D; i++)
            for (let j = 0; j < D; j++) {
              let t = 0;
              for (let k = 0; k < D; k++) t += M[g * D * D + i * D + k] * M[h * D * D + k * D + j];
              homomorphismError = Math.max(homomorphismError, Math.abs(t - M[gh * D * D + i * D + j]));
            }
        }
      for (let g = 0; g < n; g++)
        for (let i = 0; i < D; i++)
          for (let j = 0; j < D; j++) {
            let t = 0;
            for (let k = 0; k < D; k++) t += M[g * D * D + i * D + k] * M[g * D * D + j * D + k];
            orthogonalityError = Math.max(orthogonalityError, Math.abs(t - (i === j ? 1 : 0)));
          }
    }
    assert.ok(homomorphismError < TOL, `homomorphism error ${homomorphismError}`);
    assert.ok(orthogonalityError < TOL, `orthogonality error ${orthogonalityError}`);

    // Each complex character is some χ_(j1,j2)(g1, g2) = e^{2πi(j1·g1 + j2·g2)/64}, and together they
    // are each of the 4096 exactly once: complete, no duplicates, types and structures right. (The
    // group is abelian: every element is its own class, so characters are computed element-wise:
    // real type χ = tr σ; complex type χ_ρ = (tr σ − i·tr(Jσ))/2, and its conjugate.)
    const characters: { re: Float64Array; im: Float64Array }[] = [];
    for (const irrep of irreps) {
      const D = irrep.dim;
      const tr = realCharacter(irrep, n);
      if (irrep.type === 'real') {
        assert.equal(D, 1);
        characters.push({ re: tr, im: new Float64Array(n) });
        continue;
      }
      assert.equal(irrep.type, 'complex');
      const J = irrep.complexStructure!;
      const re = tr.map((x) => x / 2);
      const im = new Float64Array(n);
      for (let g = 0; g < n; g++) {
        let t = 0;
        for (let i = 0; i < D; i++)
          for (let k = 0; k < D; k++) t += J[i * D + k] * irrep.matrices[g * D * D + k * D + i];
        im[g] = -t / 2;
      }
      characters.push({ re, im }, { re, im: im.map((x) => -x) });
    }
    const e10 = group.labels.indexOf('(1,0)');
    const e01 = group.labels.indexOf('(0,1)');
    const frequency = (re: number, im: number) =>
      ((Math.round((Math.atan2(im, re) * 64) / (2 * Math.PI)) % 64) + 64) % 64;
    const seen = new Set<number>();
    let characterError = 0;
    for (const chi of characters) {
      const j1 = frequency(chi.re[e10], chi.im[e10]);
      const j2 = frequency(chi.re[e01], chi.im[e01]);
      seen.add(j1 * 64 + j2);
      for (let x = 0; x < n; x++) {
        const angle = (2 * Math.PI * (j1 * Math.floor(x / 64) + j2 * (x % 64))) / 64;
        characterError = Math.max(
          characterError,
          Math.abs(chi.re[x] - Math.cos(angle)),
          Math.abs(chi.im[x] - Math.sin(angle)),
        );
      }
    }
    assert.ok(characterError < TOL, `characters off by ${characterError}`);
    assert.equal(characters.length, 4096);
    assert.equal(seen.size, 4096);
    assert.equal(
      irreps.reduce((acc, r) => acc + complexDim(r) ** 2 * (r.type === 'complex' ? 2 : 1), 0),
      4096,
    );
  });
});
