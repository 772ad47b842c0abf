/**
 * Group names as written in specs and on the command line: factors joined by `x`, e.g. `C10`,
 * `C4xC4`, `D5`, `S4`, `A5`, `Q8`, `O`, `I`, `C3xD4`. Whitespace and `×` are accepted.
 */
import { InputError } from '../errors.js';
import type { FiniteGroup } from './group.js';
import { cyclic } from './groups/cyclic.js';
import { dihedral } from './groups/dihedral.js';
import { alternating, symmetric } from './groups/permutation.js';
import { directProduct } from './groups/product.js';
import { quaternion } from './groups/quaternion.js';
import { icosahedral, octahedral } from './groups/rotation.js';

/** The accepted forms, for help texts and error messages. */
export const GROUP_NAME_FORMS: readonly { form: string; meaning: string; example: string }[] = [
  { form: 'Cn', meaning: 'cyclic group of order n (n ≥ 2)', example: 'C10' },
  { form: 'Dn', meaning: 'dihedral group of order 2n (n ≥ 2)', example: 'D5' },
  { form: 'Sn', meaning: 'symmetric group, 2 ≤ n ≤ 6', example: 'S4' },
  { form: 'An', meaning: 'alternating group, 3 ≤ n ≤ 6', example: 'A5' },
  { form: 'Q8', meaning: 'quaternion group', example: 'Q8' },
  { form: 'O', meaning: 'rotations of the cube, order 24 (≅ S4)', example: 'O' },
  { form: 'I', meaning: 'rotations of the icosahedron, order 60 (≅ A5)', example: 'I' },
  { form: 'GxH…', meaning: 'direct product of any of the above', example: 'C3xD4' },
];

const accepted = `accepted: ${GROUP_NAME_FORMS.map((f) => f.form).join(', ')} (e.g. ${GROUP_NAME_FORMS.map((f) => f.example).join(', ')})`;

function parseFactor(text: string, whole: string): FiniteGroup {
  if (text === 'Q8') return quaternion();
  if (text === 'O') return octahedral();
  if (text === 'I') return icosahedral();
  const m = /^([CDSA])(\d+)$/.exec(text);
  if (!m) {
    const what =
      text === ''
        ? `an empty factor in "${whole}"`
        : `unknown group "${text}"${text === whole ? '' : ` in "${whole}"`}`;
    throw new InputError(`${what}; ${accepted}`);
  }
  const n = Number(m[2]);
  switch (m[1]) {
    case 'C':
      return cyclic(n);
    case 'D':
      return dihedral(n);
    case 'S':
      return symmetric(n);
    default:
      return alternating(n);
  }
}

/** Parses a group name; throws an InputError naming the problem and the accepted forms. */
export function parseGroup(name: string): FiniteGroup {
  const whole = name.replace(/\s+/g, '');
  if (whole === '') throw new InputError(`empty group name; ${accepted}`);
  const factors = whole.split(/[x×]/).map((f) => parseFactor(f, whole));
  return directProduct(...factors);
}
