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

/** One factor of a group name: a family and its parameter (Q8, O and I have none). */
type Factor = { family: 'C' | 'D' | 'S' | 'A'; n: number } | { family: 'Q8' | 'O' | 'I' };

function parseFactor(text: string, whole: string): Factor {
  if (text === 'Q8' || text === 'O' || text === 'I') return { family: text };
  const m = /^([CDSA])(\d+)$/.exec(text);
  if (!m) {
    const what =
      text === ''
        ? `an empty factor in "${whole}"`
        : `unknown group "${text}"${text === whole ? '' : ` in "${whole}"`}`;
    throw new InputError(`${what}; ${accepted}`);
  }
  return { family: m[1] as 'C' | 'D' | 'S' | 'A', n: Number(m[2]) };
}

function parseFactors(name: string): Factor[] {
  const whole = name.replace(/\s+/g, '');
  if (whole === '') throw new InputError(`empty group name; ${accepted}`);
  return whole.split(/[x×]/).map((f) => parseFactor(f, whole));
}

function buildFactor(factor: Factor): FiniteGroup {
  switch (factor.family) {
    case 'Q8':
      return quaternion();
    case 'O':
      return octahedral();
    case 'I':
      return icosahedral();
    case 'C':
      return cyclic(factor.n);
    case 'D':
      return dihedral(factor.n);
    case 'S':
      return symmetric(factor.n);
    default:
      return alternating(factor.n);
  }
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** |factor| from its name alone (GROUP_NAME_FORMS): Cn n, Dn 2n, Sn n!, An n!/2, Q8 8, O 24, I 60. */
function factorOrder(factor: Factor): number {
  switch (factor.family) {
    case 'Q8':
      return 8;
    case 'O':
      return 24;
    case 'I':
      return 60;
    case 'C':
      return factor.n;
    case 'D':
      return 2 * factor.n;
    case 'S':
      return factorial(factor.n);
    default:
      return factorial(factor.n) / 2;
  }
}

/** Parses a group name; throws an InputError naming the problem and the accepted forms. */
export function parseGroup(name: string): FiniteGroup {
  return directProduct(...parseFactors(name).map(buildFactor));
}

/**
 * |G| of a group name without building the group (no Cayley table): for code that needs only the
 * order, such as a workflow resolving a width guess. The name must be one parseGroup accepts.
 */
export function groupOrderOf(name: string): number {
  return parseFactors(name).reduce((order, factor) => order * factorOrder(factor), 1);
}
