/**
 * `sgc report <run folder> [--out dir]`: the figures (loss, power per irrep, accuracy; SVG and PNG) and
 * a self-contained report.html for one run folder written by `sgc train`.
 */
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { readRunFolder, writeRunReport } from '../../report/run-folder.js';
import { parseOptions } from '../args.js';
import type { Command } from '../command.js';

const usage = `usage: sgc report <run folder> [--out <dir>]

Writes report.html (self-contained: figures and data inline, nothing loaded from the network) and the
figures loss.svg/.png (the staircase: loss on log axes, predicted plateaus dashed, acquisitions
marked), power.svg/.png (output power per irrep against the encoding's) and accuracy.svg/.png into
--out (default: the run folder).`;

export const reportCommand: Command = {
  name: ['report'],
  summary: 'figures and a self-contained HTML report for a run folder',
  usage,
  async run(args) {
    const { values, positionals } = parseOptions(args, { out: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new InputError(`give one run folder\n${usage}`);
    const folder = positionals[0];
    const data = readRunFolder(folder);
    const out = values.out ?? folder;
    await writeRunReport(data, out);
    console.log(`report: ${join(out, 'report.html')} (figures: loss, power, accuracy as .svg and .png)`);
    return 0;
  },
};
