import { characterTable } from '../../algebra/characters.js';
import { isAbelian } from '../../algebra/group.js';
import { checkIrreps } from '../../algebra/irreps/checks.js';
import { classesOf, complexDim, type Irrep, irrepsOf } from '../../algebra/irreps/index.js';
import { defineCommand } from '../command.js';
import { formatNumber, formatTable } from '../format.js';
import { resolveGroup } from '../groupArgument.js';

const usage = `usage: sgc group <name | file.json> [--json]

Shows a group: its order, conjugacy classes, real irreps (dimension, Frobenius–Schur type, label),
its character table and the checks every irrep set must pass.

  <name>        a built-in group: C10, D5, S4, A5, Q8, O, I, C3xD4, … (see \`sgc groups\`)
  <file.json>   {"table": [[…], …]} (a Cayley table, validated) or {"generators": [[…], …]}
                (permutations of 0..d−1, closed into a group); optional "name" and "labels"
  --json        machine-readable output`;

/** `1 2c 2c 1`: real dimension with c (complex type) or q (quaternionic type). */
export function irrepDimsSummary(irreps: readonly Irrep[]): string {
  return irreps
    .map((r) => `${r.dim}${r.type === 'complex' ? 'c' : r.type === 'quaternionic' ? 'q' : ''}`)
    .join(' ');
}

export const groupCommand = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  examples: ['sgc group D3', 'sgc group C3xD4 --json', 'sgc group my-group.json'],
  run({ values, positionals }) {
    const group = resolveGroup(positionals[0]);
    const started = performance.now();
    const irreps = irrepsOf(group);
    const checks = checkIrreps(group, irreps);
    const seconds = (performance.now() - started) / 1000;
    const classes = classesOf(group);
    const table = characterTable(group, irreps);
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            name: group.name,
            order: group.order,
            abelian: isAbelian(group),
            elements: group.labels,
            classes: classes.classes.map((c) => c.map((g) => group.labels[g])),
            irreps: irreps.map((r) => ({
              label: r.label,
              dim: r.dim,
              type: r.type,
              complexDim: complexDim(r),
            })),
            characters: table.characters.map((c) => ({
              label: c.label,
              dim: c.dim,
              re: Array.from(c.re),
              im: Array.from(c.im),
            })),
            checks,
            seconds,
          },
          null,
          2,
        ),
      );
      return checks.ok ? 0 : 1;
    }
    console.log(
      `${group.name}: order ${group.order}${isAbelian(group) ? ', abelian' : ''}, ${classes.classes.length} conjugacy classes`,
    );
    const shown = (members: number[]): string =>
      members.length <= 6
        ? members.map((g) => group.labels[g]).join(' ')
        : `${members
            .slice(0, 5)
            .map((g) => group.labels[g])
            .join(' ')} …`;
    console.log(
      `\nConjugacy classes\n${formatTable(
        ['class', 'size', 'elements'],
        classes.classes.map((c, i) => [i + 1, c.length, shown(c)]),
      )}`,
    );
    console.log(
      `\nReal irreps (in the order encodings take their powers)\n${formatTable(
        ['#', 'label', 'dim', 'type', 'complex dim'],
        irreps.map((r, i) => [i + 1, r.label, r.dim, r.type, complexDim(r)]),
      )}`,
    );
    const complexCell = (re: number, im: number): string => {
      const r = formatNumber(Math.abs(re) < 1e-12 ? 0 : re, 4);
      if (Math.abs(im) < 1e-12) return r;
      return `${r}${im < 0 ? '-' : '+'}${formatNumber(Math.abs(im), 4)}i`;
    };
    if (table.classes.classes.length <= 16)
      console.log(
        `\nCharacter table (columns: classes above)\n${formatTable(
          ['χ', ...table.classes.classes.map((_, i) => String(i + 1))],
          table.characters.map((c) => [c.label, ...Array.from(c.re, (re, i) => complexCell(re, c.im[i]))]),
        )}`,
      );
    else console.log(`\nCharacter table: ${table.characters.length} characters (use --json to see them)`);
    const mark = (ok: boolean): string => (ok ? 'ok  ' : 'FAIL');
    console.log(
      [
        '',
        `Checks (${seconds.toFixed(3)} s to build and check)`,
        `  ${mark(checks.homomorphismError < 1e-9)} ρ(gh) = ρ(g)ρ(h), max error ${checks.homomorphismError.toExponential(1)} (${checks.pairsChecked === 'all' ? 'all pairs' : 'generators × all elements'})`,
        `  ${mark(checks.orthogonalityError < 1e-9)} ρ(g) orthogonal, max error ${checks.orthogonalityError.toExponential(1)}`,
        `  ${mark(checks.characterOrthogonalityError < 1e-9)} characters orthonormal, max error ${checks.characterOrthogonalityError.toExponential(1)}`,
        `  ${mark(checks.classCount === checks.complexIrrepCount)} ${checks.complexIrrepCount} complex irreps = ${checks.classCount} classes`,
        `  ${mark(checks.sumOfSquaredDims === group.order)} Σ d² = ${checks.sumOfSquaredDims} = |G| = ${group.order}`,
      ].join('\n'),
    );
    return checks.ok ? 0 : 1;
  },
});
