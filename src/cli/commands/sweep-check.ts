/**
 * `sgc sweep check <spec.yaml>`: a dry run of a sweep. It loads the spec exactly as `sgc sweep start`
 * and `sgc run` do (src/cli/sweepSpecFile.ts) and prints what they would start: the cells, the
 * (group, encoding) pairs left out, the widths a cell may try and how many runs that can take.
 * It touches neither Temporal nor the store, so it is safe to run on any spec at any time.
 */
import { InputError } from '../../errors.js';
import { formatBytes, formatDuration } from '../../learn/resources.js';
import { encodingKey, modelKey } from '../../sweep/keys.js';
import { cellRunBound } from '../../sweep/runBound.js';
import { type SweepSpec, stepsAt } from '../../sweep/spec.js';
import type { WidthPlan } from '../../sweep/widthSearch.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../format.js';
import { limitFlags, limitFlagsUsage, runLimits } from '../runLimits.js';
import { loadSweepSpecFile } from '../sweepSpecFile.js';

const usage = `usage: sgc sweep check <spec.yaml> [--json] [--memory-budget SIZE] [--allow-large]

Validates a sweep spec as \`sgc sweep start\` would, without starting anything, and prints the cells
(one per group × encoding × k × model), the (group, encoding) pairs that powersMismatch: skip leaves
out, the widths each cell may try, how many runs the sweep can take, and the memory and rough time
of its largest run. Exit 0 when the spec is valid and its runs fit this machine; otherwise one line
naming the field, the value and the limit, and exit 2.

Options:
  --json                 the same as one JSON object
${limitFlagsUsage}`;

export { type CellRunBound, cellRunBound } from '../../sweep/runBound.js';

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function describePlan(plan: WidthPlan): string {
  const seeds = `${count(plan.seeds, 'seed')} per width, success = ≥ ${plan.succeed} succeed`;
  if (plan.mode === 'values') return `plain grid of ${count(plan.values.length, 'width')}; ${seeds}`;
  const recheck = plan.recheck ? 're-check H* with fresh seeds' : 'no re-check';
  const guess =
    plan.guess === undefined
      ? ''
      : `, starting at ${plan.guess === 'theory' ? 'theory (2^(k−1)·|G| per cell)' : plan.guess}`;
  return `search from ${plan.start} to ${plan.max}${guess}, ${plan.perOctave} per octave, ${recheck}; ${seeds}`;
}

/** "at most 20,000 per run", or the cap of each k: "at most 20,000 per run at k = 2, 3; 1,000,000 at k = 4". */
function describeSteps(spec: SweepSpec): string {
  const byCap = new Map<number, number[]>();
  for (const k of [...spec.k].sort((a, b) => a - b)) {
    const cap = stepsAt(spec.train, k);
    byCap.set(cap, [...(byCap.get(cap) ?? []), k]);
  }
  const caps = [...byCap].map(([cap, ks]) => `${cap.toLocaleString('en-US')} at k = ${ks.join(', ')}`);
  return caps.length === 1
    ? `at most ${[...byCap.keys()][0].toLocaleString('en-US')} per run`
    : `at most ${caps.join('; ')} per run`;
}

export const sweepCheckCommand = defineCommand({
  usage,
  options: { json: { type: 'boolean' }, ...limitFlags },
  examples: ['sgc sweep check examples/sweep-small.yaml', 'sgc sweep check spec.yaml --json'],
  run({ values, positionals }) {
    if (positionals.length !== 1)
      throw new InputError(
        `give one spec.yaml (got ${positionals.length} arguments); see sgc sweep check --help`,
      );
    const file = positionals[0];
    const limits = runLimits(values);
    const { spec, expansion, runsPerWidth, largestRun } = loadSweepSpecFile(file, limits);
    const largest = largestRun && {
      cellKey: largestRun.cell.cellKey,
      H: largestRun.H,
      memoryBytes: Math.round(largestRun.estimate.bytes),
      seconds: Math.round(largestRun.estimate.seconds),
      memoryBudgetBytes: Math.round(limits.memoryBytes),
    };
    const bound = cellRunBound(spec.width);
    const cells = expansion.cells.map((c) => ({
      cellKey: c.cellKey,
      group: c.group,
      encoding: encodingKey(c.encoding),
      k: c.k,
      model: modelKey(c.model),
    }));
    const runs = {
      runsPerWidth,
      perCell: { expected: bound.expected, max: bound.max },
      expected: bound.expected * cells.length,
      max: bound.max * cells.length,
    };
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            file,
            name: spec.name,
            cells,
            skipped: expansion.skipped,
            width: { ...spec.width, widths: bound.widths },
            runs,
            largestRun: largest,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const estimate =
      spec.width.mode === 'values'
        ? `${count(runs.max, 'run')}: ${count(cells.length, 'cell')} × ${count(spec.width.values.length, 'width')} × ${count(spec.width.seeds, 'seed')}`
        : `at most ${runs.expected} runs when no re-check of H* fails (${bound.expected} per cell); ` +
          `never more than ${runs.max} (${bound.max} per cell: every width, re-checked)`;
    const lines = [
      `${file}: sweep ${spec.name} is valid: ${count(cells.length, 'cell')} (${count(spec.groups.length, 'group')}` +
        ` × ${count(spec.encodings.length, 'encoding')} × ${spec.k.length} k × ${count(spec.models.length, 'model')}` +
        `${expansion.skipped.length ? `, ${count(expansion.skipped.length, 'pair')} skipped` : ''})`,
      '',
      formatTable(
        ['cell', 'group', 'encoding', 'k', 'model'],
        cells.map((c) => [c.cellKey, c.group, c.encoding, c.k, c.model]),
      ),
    ];
    if (expansion.skipped.length)
      lines.push(
        '',
        'Skipped (powersMismatch: skip):',
        formatTable(
          ['group', 'encoding', 'reason'],
          expansion.skipped.map((s) => [s.group, s.encoding, s.reason]),
        ),
      );
    lines.push(
      '',
      `Widths: ${describePlan(spec.width)}`,
      `  ${spec.width.mode === 'search' ? 'grid' : 'values'} (${bound.widths.length}): ${bound.widths.join(', ')}`,
      `Runs: ${estimate}`,
      `Steps: ${describeSteps(spec)}`,
    );
    if (largestRun)
      lines.push(
        `Largest run: cell ${largestRun.cell.cellKey} at H = ${largestRun.H}: about ` +
          `${formatBytes(largestRun.estimate.bytes)} of memory (budget ${formatBytes(limits.memoryBytes)}), ` +
          `roughly ${formatDuration(largestRun.estimate.seconds)} of training on 2 cores for its whole step budget`,
      );
    console.log(lines.join('\n'));
    return 0;
  },
});
