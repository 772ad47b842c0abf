/**
 * `sgc report <run folder | sweep> [--out dir] [--runs N]`: the figures and a self-contained
 * report.html for one run folder written by `sgc train`, or for a sweep in the results store.
 *
 * Which one: a folder holding a run's files is a run folder; otherwise a word a sweep could be named
 * (letters, digits, . _ -) is looked up as a sweep; anything else (a path) is a run folder, so a
 * mistyped path still gets the run folder's message.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import type { readSweepReport } from '../../report/sweep-data.js';
import { parseInteger } from '../args.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';

const usage = `usage: sgc report <run folder | sweep> [--out <dir>] [--runs <N>]

For a run folder: writes report.html (self-contained: figures and data inline, nothing loaded from
the network) and the figures loss.svg/.png (the staircase: loss on log axes, predicted plateaus
dashed, acquisitions marked), power.svg/.png (output power per irrep against the encoding's) and
accuracy.svg/.png into --out (default: the run folder).

For a sweep in the results store (DATABASE_URL, or the embedded database in .sgc/db): writes
min-width.svg/.png (H* vs k per group, encoding and model, brackets as error bars, the two-layer
guide 2^(k-1)·|G| dashed), the loss and power figures of chosen runs (per cell with an H*, the run at
H* with the lowest seed; at most --runs of them, default 6) and report.html with tables of cells and
runs into --out (default: reports/<sweep>/).`;

const RUN_FILES = ['config.json', 'result.json', 'metrics.json'];

export const reportCommand = defineCommand({
  usage,
  options: { out: { type: 'string' }, runs: { type: 'string' } },
  examples: [
    'sgc report runs/D3-mlp-k2-H180-20261203T101500',
    'sgc report small-width --out reports/small-width --runs 3',
  ],
  async run({ values, positionals }) {
    if (positionals.length !== 1)
      throw new InputError(`give one run folder or sweep name (${seeHelp(usage)})`);
    const target = positionals[0];
    const isRunFolder = RUN_FILES.some((f) => existsSync(join(target, f)));
    // Loaded here: rendering (Vega) and the store take a second to load, which other commands skip.
    const [
      { readRunFolder, writeRunReport },
      { readSweepReport, SWEEP_NAME },
      { writeSweepReport },
      { openStore },
    ] = await Promise.all([
      import('../../report/run-folder.js'),
      import('../../report/sweep-data.js'),
      import('../../report/sweep-report.js'),
      import('../../store/open-store.js'),
    ]);
    if (isRunFolder || !SWEEP_NAME.test(target)) {
      if (values.runs !== undefined) throw new InputError('--runs applies to sweep reports only');
      const data = readRunFolder(target);
      const out = values.out ?? target;
      await writeRunReport(data, out);
      console.log(`report: ${join(out, 'report.html')} (figures: loss, power, accuracy as .svg and .png)`);
      return 0;
    }
    const maxRuns = values.runs === undefined ? 6 : parseInteger(values.runs, '--runs');
    if (maxRuns < 0) throw new InputError(`--runs ${maxRuns}: give 0 or more`);
    const store = await openStore({ command: 'sgc report' });
    let data: Awaited<ReturnType<typeof readSweepReport>>;
    try {
      data = await readSweepReport(store.driver, target, { maxRuns });
    } catch (error) {
      // A folder that is neither a run folder nor a sweep: the run folder's message says what it lacks.
      if (error instanceof InputError && existsSync(target)) readRunFolder(target);
      throw error;
    } finally {
      await store.close();
    }
    const out = values.out ?? join('reports', target);
    const written = await writeSweepReport(data, out);
    const figures = written.filter((p) => p.endsWith('.svg')).length;
    console.log(
      `report: ${join(out, 'report.html')} (${data.cells.length} cells, ${data.runs.length} runs; ${figures} figures as .svg and .png)`,
    );
    for (const note of data.notes) console.log(`note: ${note}`);
    return 0;
  },
});
