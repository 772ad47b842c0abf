import { irrepsOf } from '../../algebra/irreps/index.js';
import { GROUP_NAME_FORMS, parseGroup } from '../../algebra/parse.js';
import type { Command } from '../command.js';
import { formatTable } from '../format.js';
import { irrepDimsSummary } from './group.js';

export const groupsCommand: Command = {
  usage: 'usage: sgc groups\n\nLists the group names sgc accepts (in specs and on the command line).',
  run() {
    const rows = GROUP_NAME_FORMS.map((f) => {
      const g = parseGroup(f.example);
      return [f.form, f.meaning, f.example, g.order, irrepDimsSummary(irrepsOf(g))];
    });
    console.log(formatTable(['name', 'group', 'example', 'order', 'real irreps of the example'], rows));
    console.log(
      '\nIrrep dimensions are real dimensions; c marks the real form of a complex pair, q of a quaternionic irrep.' +
        '\nAny group can also be given as a JSON file with a Cayley table or permutation generators (see `sgc group --help`).',
    );
    return 0;
  },
};
