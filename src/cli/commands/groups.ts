import { irrepsOf } from '../../algebra/irreps/index.js';
import { GROUP_NAME_FORMS, parseGroup } from '../../algebra/parse.js';
import { InputError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../format.js';
import { irrepDimsSummary } from './group.js';

const usage = `usage: sgc groups [--json]

Lists the group names sgc accepts (in specs and on the command line), each with an example, its
order and the real dimensions of the example's irreps.

Options:
  --json   the same as a JSON list`;

export const groupsCommand = defineCommand({
  usage,
  options: { json: { type: 'boolean' } },
  examples: ['sgc groups', 'sgc groups --json'],
  run({ values, positionals }) {
    if (positionals.length) throw new InputError(`unexpected argument "${positionals[0]}"`);
    const rows = GROUP_NAME_FORMS.map((f) => {
      const g = parseGroup(f.example);
      return {
        name: f.form,
        group: f.meaning,
        example: f.example,
        order: g.order,
        irreps: irrepDimsSummary(irrepsOf(g)),
      };
    });
    if (values.json) {
      console.log(JSON.stringify(rows, null, 2));
      return 0;
    }
    console.log(
      formatTable(
        ['name', 'group', 'example', 'order', 'real irreps of the example'],
        rows.map((r) => [r.name, r.group, r.example, r.order, r.irreps]),
      ),
    );
    console.log(
      '\nIrrep dimensions are real dimensions; c marks the real form of a complex pair, q of a quaternionic irrep.' +
        '\nAny group can also be given as a JSON file with a Cayley table or permutation generators (see `sgc group --help`).',
    );
    return 0;
  },
});
