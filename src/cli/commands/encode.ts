import { irrepsOf } from '../../algebra/irreps/index.js';
import { InputError } from '../../errors.js';
import { plateauLevels, predictedIrrepOrder } from '../../learn/theory.js';
import { encode } from '../../task/encoding.js';
import { defineCommand } from '../command.js';
import { ENCODING_OPTIONS, ENCODING_USAGE, encodingFrom } from '../encodingOptions.js';
import { formatNumber, formatTable } from '../format.js';
import { resolveGroup } from '../groupArgument.js';

const usage = `usage: sgc encode <group> [encoding] [--json]

Builds an encoding (template) of a group's elements and shows it: the template, its power per
irrep, and the theory's predicted plateau levels and order of irrep acquisition.

${ENCODING_USAGE}

Options:
  --json                       machine-readable output`;

export const encodeCommand = defineCommand({
  usage,
  options: { ...ENCODING_OPTIONS, json: { type: 'boolean' } },
  examples: ['sgc encode D3 --powers 0,30,3000', 'sgc encode C10 --onehot 0 --amplitude 1 --json'],
  run({ values, positionals }) {
    if (positionals.length > 1)
      throw new InputError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
    const group = resolveGroup(positionals[0]);
    const encoding = encode(group, encodingFrom(values));
    const irreps = irrepsOf(group);
    const levels = plateauLevels(encoding.power, group.order);
    const order = predictedIrrepOrder(encoding.power);
    const norm2 = encoding.template.reduce((a, x) => a + x * x, 0);
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            group: group.name,
            encoding: encoding.spec,
            elements: group.labels,
            template: Array.from(encoding.template),
            normSquared: norm2,
            irreps: irreps.map((r, i) => ({
              label: r.label,
              dim: r.dim,
              type: r.type,
              power: encoding.power[i],
            })),
            plateauLevels: levels,
            predictedOrder: order.map((i) => irreps[i].label),
            assumption: encoding.assumption,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(`${group.name}, encoding ${JSON.stringify(encoding.spec)}, ‖t‖² = ${formatNumber(norm2)}`);
      if (group.order <= 64)
        console.log(
          `\nTemplate t (element g is encoded as x_g(u) = t(g⁻¹u))\n${formatTable(
            ['element', 't'],
            group.labels.map((l, g) => [l, formatNumber(encoding.template[g])]),
          )}`,
        );
      console.log(
        `\nPower per irrep\n${formatTable(
          ['label', 'dim', 'type', 'power'],
          // Powers below 1e-12·‖t‖² are round-off (the trivial irrep's, after centring).
          irreps.map((r, i) => [
            r.label,
            r.dim,
            r.type,
            formatNumber(encoding.power[i] < 1e-12 * norm2 ? 0 : encoding.power[i]),
          ]),
        )}`,
      );
      console.log(
        `\nPredicted staircase (loss = (1/|G|)·‖ŷ − y‖²): the irreps are acquired by decreasing power\n${formatTable(
          ['step', 'acquired', 'power', 'loss after'],
          [
            ['0', '', '', formatNumber(levels[0])],
            ...order.map((i, j) => [
              String(j + 1),
              irreps[i].label,
              formatNumber(encoding.power[i]),
              formatNumber(levels[j + 1]),
            ]),
          ],
        )}`,
      );
    }
    for (const problem of encoding.assumption.problems) console.error(`warning: ${problem}`);
    return 0;
  },
});
