import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fourierTransform, inverseFourier, powerSpectrum } from '../../../src/algebra/fourier.js';
import { irrepsOf } from '../../../src/algebra/irreps/index.js';
import { parseGroup } from '../../../src/algebra/parse.js';
import { Random } from '../../../src/algebra/random.js';
import { translate } from '../../../src/task/encoding.js';

// Groups covering every irrep type: real (D5, S4, O, I), complex (C7, C3xD4, C5xC5), quaternionic (Q8, C3xQ8).
const groups = ['C7', 'C10', 'D5', 'D6', 'S4', 'Q8', 'O', 'I', 'C3xD4', 'C5xC5', 'C3xQ8', 'A4'];

describe('Fourier transform over real irreps', () => {
  for (const name of groups)
    test(`${name}: round trip to 1e-10, Plancherel, translation invariance`, () => {
      const group = parseGroup(name);
      const irreps = irrepsOf(group);
      const rng = new Random(7);
      const t = Float64Array.from({ length: group.order }, () => rng.normal());
      const back = inverseFourier(group, irreps, fourierTransform(group, irreps, t));
      for (let g = 0; g < group.order; g++) assert.ok(Math.abs(back[g] - t[g]) < 1e-10, `t(${g}) round trip`);

      const power = powerSpectrum(group, irreps, t);
      const norm2 = t.reduce((a, x) => a + x * x, 0);
      const total = power.reduce((a, x) => a + x, 0);
      assert.ok(Math.abs(total - norm2) < 1e-10 * norm2, `Σ P = ${total} vs ‖t‖² = ${norm2}`);

      for (const g of [1, group.order - 1]) {
        const shifted = powerSpectrum(group, irreps, translate(group, t, g));
        for (const [s, p] of power.entries())
          assert.ok(Math.abs(shifted[s] - p) < 1e-9 * norm2, `power of ${irreps[s].label} after translation`);
      }
    });

  test('a single irrep coefficient has power only there', () => {
    const group = parseGroup('D5');
    const irreps = irrepsOf(group);
    const F = irreps.map((r) => new Float64Array(r.dim * r.dim));
    F[2][1] = 3; // off-diagonal entry of rot1
    const t = inverseFourier(group, irreps, F);
    const power = powerSpectrum(group, irreps, t);
    for (const [s, p] of power.entries()) assert.ok(s === 2 ? p > 0 : Math.abs(p) < 1e-20, irreps[s].label);
  });
});
