import { irrepsOf } from '../../algebra/irreps/index.js';
import { InputError } from '../../errors.js';
import { simulateAgf } from '../../learn/agf.js';
import { plateauLevels, predictedIrrepOrder } from '../../learn/theory.js';
import { encode } from '../../task/encoding.js';
import { parseFinite, parseInteger } from '../args.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { ENCODING_OPTIONS, ENCODING_USAGE, encodingFrom } from '../encodingOptions.js';
import { formatNumber, formatTable } from '../format.js';
import { resolveGroup } from '../groupArgument.js';

const usage = `usage: sgc theory <group> [encoding] --k K [--agf [--width W] [--init α] [--activations N]] [--json]

The theory's predictions for the two-layer network on sequences of length K: the plateau levels
of the loss and the order in which irreps are learned. With --agf, also simulates Alternating
Gradient Flow: dormant neurons grow along their utility until one activates, then the active ones
minimise the loss; it prints each activation's (per-neuron) time, the loss after it (it never
rises) and the irrep it brought in: the one whose part of the loss fell most.

${ENCODING_USAGE}

Options:
  --k K            sequence length (default 2)
  --agf            simulate Alternating Gradient Flow
  --width W        neurons in the AGF simulation (default 16)
  --init α         init scale: a neuron activates after accumulating log(1/α) (default 1e-3)
  --activations N  stop the simulation after N activations (default: the width)
  --json           machine-readable output`;

export const theoryCommand = defineCommand({
  usage,
  options: {
    ...ENCODING_OPTIONS,
    k: { type: 'string' },
    agf: { type: 'boolean' },
    width: { type: 'string' },
    init: { type: 'string' },
    activations: { type: 'string' },
    json: { type: 'boolean' },
  },
  examples: ['sgc theory D3 --powers 0,30,3000 --k 2 --agf', 'sgc theory C6 --k 3 --json'],
  run({ values, positionals }) {
    if (positionals.length > 1)
      throw new InputError(`unexpected arguments: ${positionals.slice(1).join(' ')} (${seeHelp(usage)})`);
    const group = resolveGroup(positionals[0]);
    const encoding = encode(group, encodingFrom(values));
    const k = values.k === undefined ? 2 : parseInteger(values.k, '--k');
    if (k < 2) throw new InputError(`--k ${k}: sequences have length ≥ 2`);
    const irreps = irrepsOf(group);
    const levels = plateauLevels(encoding.power, group.order);
    const order = predictedIrrepOrder(encoding.power).map((i) => irreps[i].label);
    let agf: ReturnType<typeof simulateAgf> | undefined;
    if (values.agf) {
      const width = values.width === undefined ? 16 : parseInteger(values.width, '--width');
      const initScale = values.init === undefined ? 1e-3 : parseFinite(values.init, '--init');
      if (width < 1) throw new InputError(`--width ${width} must be ≥ 1`);
      if (!(initScale > 0 && initScale < 1)) throw new InputError(`--init ${initScale} must be in (0, 1)`);
      if (group.order ** k > 50_000)
        throw new InputError(
          `the AGF simulation runs on all ${group.order}^${k} sequences; keep |G|^k ≤ 50,000`,
        );
      const maxActivations =
        values.activations === undefined ? width : parseInteger(values.activations, '--activations');
      const started = performance.now();
      agf = simulateAgf(group, encoding, {
        k,
        width,
        initScale,
        maxActivations,
        // Long simulations show progress on stderr, one line per activation.
        onEvent: (e, i) =>
          process.stderr.write(
            `  AGF activation ${i + 1}/${maxActivations}: τ ${formatNumber(e.time, 4)}, loss ${formatNumber(e.loss, 5)}, ${e.irrep} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
          ),
      });
    }
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            group: group.name,
            k,
            encoding: encoding.spec,
            plateauLevels: levels,
            predictedOrder: order,
            agf,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    console.log(`${group.name}, k = ${k}, encoding ${JSON.stringify(encoding.spec)}`);
    console.log(`predicted plateaus: ${levels.map((l) => formatNumber(l, 5)).join(' → ')}`);
    console.log(`predicted order: ${order.join(', ')}`);
    if (agf) {
      console.log(
        `\nAlternating Gradient Flow (initial loss ${formatNumber(agf.initialLoss, 5)})\n${formatTable(
          ['activation', 'time τ', 'loss after', 'irrep'],
          agf.events.map((e, i) => [
            String(i + 1),
            formatNumber(e.time, 4),
            formatNumber(e.loss, 5),
            e.irrep,
          ]),
        )}\n\nirrep: the irrep whose part of the loss fell most with the activation; none: no irrep's part\nfell measurably (the neurons only refit what varies from sequence to sequence).`,
      );
    }
    for (const problem of encoding.assumption.problems) console.error(`warning: ${problem}`);
    return 0;
  },
});
