/**
 * `npm run results`: the headline experiment, regenerated. Runs every spec below with `sgc run` (in
 * this folder's embedded stack, so runs already in `.sgc/db` are cache hits and a rerun only trains
 * what is missing), then writes docs/results/:
 *
 *   min_width_by_k.csv        the view of the same name, for the sweeps below
 *   runs.csv                  run_summary for them: every run each search used
 *   growth.csv                per (sweep, group, encoding, model): the fitted ratio per step of k
 *   staircase_loss.csv        loss_curve of the staircase runs
 *   staircase_irrep_power.csv irrep_power_curve of the staircase runs
 *   staircase_events.csv      the step at which each irrep was acquired in the staircase runs
 *   sweeps.csv                per sweep: cells, runs, training seconds
 *   <sweep>/                  `sgc report` of each sweep (report.html, min-width.svg/.png; the
 *                             staircases also loss.* and power.*, the run's figures)
 *   width-vs-depth-<group>.*  H*(k) of the two-layer network beside the RNN and the tree, warm-started
 *                             and from scratch, on the one-hot cells of C5 and D3
 *
 * and rewrites the README's tables between the `results:` markers from those CSVs.
 *
 *   npm run results                        # run what is missing, then export
 *   npm run results -- --export-only       # export what the store holds, run nothing
 *   npm run results -- --only staircase-o  # run these sweeps (comma-separated names), export all
 *   npm run results -- --from-csv          # no store: redraw the reports and figures from the CSVs
 *                                          # committed here (after a change to the figures)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatCsv } from '../src/cli/commands/sql-format.js';
import { loadSweepSpecFile } from '../src/cli/sweepSpecFile.js';
import { InputError } from '../src/errors.js';
import { writeFileAtomic } from '../src/files.js';
import { formatFactor } from '../src/report/growth.js';
import { renderFigure, svgToPng } from '../src/report/render.js';
import { type ResultsCsv, sweepReportFromCsv } from '../src/report/results-csv.js';
import {
  comparisonCells,
  replaceBetweenMarkers,
  resultSections,
  staircaseTable,
} from '../src/report/results-tables.js';
import { minWidthSpec } from '../src/report/sweep-figures.js';
import { writeSweepReport } from '../src/report/sweep-report.js';
import { openStore } from '../src/store/open-store.js';

const root = join(import.meta.dirname, '..');
const sgc = join(root, 'bin', 'sgc.js');
const out = join(root, 'docs', 'results');

/** In the order they run: the width sweeps first, the budget check of the two-layer sweep, then the staircases. */
const SPECS = [
  { file: 'examples/width-vs-k-mlp.yaml', kind: 'width' },
  { file: 'examples/width-vs-k-rnn.yaml', kind: 'width' },
  { file: 'examples/width-vs-k-tree.yaml', kind: 'width' },
  { file: 'examples/width-vs-k-deep-scratch.yaml', kind: 'width' },
  { file: 'examples/width-budget-check.yaml', kind: 'budget' },
  { file: 'examples/staircase-d3.yaml', kind: 'staircase' },
  { file: 'examples/staircase-d5.yaml', kind: 'staircase' },
  { file: 'examples/staircase-o.yaml', kind: 'staircase' },
  { file: 'examples/staircase-i.yaml', kind: 'staircase' },
  { file: 'examples/staircase-c5xc5.yaml', kind: 'staircase' },
] as const;

/** The lines of the width-vs-depth figures: each sweep, and what its model is labelled with. */
const COMPARISON = new Map([
  ['width-vs-k-mlp', ''],
  ['width-vs-k-rnn-warm', 'warm start'],
  ['width-vs-k-tree-warm', 'warm start'],
  ['width-vs-k-deep-scratch', 'from scratch'],
]);
const COMPARISON_GROUPS = ['C5', 'D3'];

/** The sweep whose cells the budget check repeats with more steps. */
const BUDGET_BASE = 'width-vs-k-mlp';

function sgcRun(args: string[]): void {
  const result = spawnSync(process.execPath, [sgc, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm run results: \`sgc ${args.join(' ')}\` ended with code ${result.status}; stopping`);
    process.exit(result.status ?? 1);
  }
}

function sqlList(names: readonly string[]): string {
  return names.map((n) => `'${n.replace(/'/g, "''")}'`).join(', ');
}

/** The step budget of a spec, for the budget table's header. */
function stepsOf(file: string): number {
  const { steps } = loadSweepSpecFile(join(root, file)).spec.train;
  if (typeof steps !== 'number')
    throw new Error(`${file}: the budget table needs one step cap, not one per k`);
  return steps;
}

/** The CSVs a previous run of this script left in docs/results/. */
function committedCsv(): ResultsCsv {
  const read = (file: string) => readFileSync(join(out, file), 'utf8');
  return {
    minWidthByK: read('min_width_by_k.csv'),
    runs: read('runs.csv'),
    loss: read('staircase_loss.csv'),
    power: read('staircase_irrep_power.csv'),
    events: read('staircase_events.csv'),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'export-only': { type: 'boolean' },
      'from-csv': { type: 'boolean' },
      only: { type: 'string' },
      concurrency: { type: 'string', default: '2' },
    },
  });
  const specs = SPECS.map((s) => ({ ...s, name: loadSweepSpecFile(join(root, s.file)).spec.name }));
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !specs.some((s) => s.name === name));
  if (unknown?.length) {
    console.error(
      `npm run results: no sweep named ${unknown.join(', ')} (sweeps: ${specs.map((s) => s.name).join(', ')})`,
    );
    process.exit(2);
  }

  const fromCsv = values['from-csv'] === true;
  if (!values['export-only'] && !fromCsv) {
    for (const spec of specs) {
      if (only && !only.includes(spec.name)) continue;
      const started = Date.now();
      console.error(`\n=== ${spec.name}: sgc run ${spec.file}`);
      sgcRun(['run', spec.file, '--concurrency', values.concurrency, '--metrics-port', '0']);
      console.error(`=== ${spec.name}: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    }
  }

  // Reports first: `sgc report` opens the store itself.
  mkdirSync(out, { recursive: true });
  const recorded = fromCsv ? committedCsv() : undefined;
  for (const spec of specs) {
    const dir = join(out, spec.name);
    const runs = spec.kind === 'staircase' ? 1 : 0;
    if (!recorded) {
      rmSync(dir, { recursive: true, force: true });
      sgcRun(['report', spec.name, '--out', dir, '--runs', String(runs)]);
      continue;
    }
    const data = sweepReportFromCsv(recorded, loadSweepSpecFile(join(root, spec.file)).spec, runs);
    if (data.cells.length === 0 || data.chosen.length < runs) {
      // The spec no longer describes the recorded runs (an encoding changed): keep what is there.
      console.error(
        `npm run results: ${spec.name}: the CSVs do not match the spec; its report is left as it was`,
      );
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
    await writeSweepReport(data, dir);
    console.error(`wrote docs/results/${spec.name}/ from the CSVs`);
  }

  const names = (kind?: string) => specs.filter((s) => !kind || s.kind === kind).map((s) => s.name);
  const queries: Record<string, string> = {
    'min_width_by_k.csv': `SELECT sweep, group_name AS "group", encoding, model, k, min_width, lo, hi, seeds, runs, status, non_monotone
      FROM min_width_by_k WHERE sweep IN (${sqlList(names())}) ORDER BY sweep, group_name, encoding, model, k`,
    'runs.csv': `SELECT sweep, group_name AS "group", encoding, model, k, h, seed, outcome, final_loss, final_accuracy, steps,
        round(duration_s::numeric, 2) AS duration_s, config_hash
      FROM run_summary WHERE sweep IN (${sqlList(names())}) ORDER BY sweep, group_name, encoding, model, k, h, seed`,
    'staircase_loss.csv': `SELECT sweep, group_name AS "group", encoding, h, step, loss, accuracy
      FROM loss_curve WHERE sweep IN (${sqlList(names('staircase'))}) ORDER BY sweep, step`,
    'staircase_irrep_power.csv': `SELECT sweep, group_name AS "group", encoding, h, step, irrep, power
      FROM irrep_power_curve WHERE sweep IN (${sqlList(names('staircase'))}) ORDER BY sweep, step, irrep`,
    'staircase_events.csv': `SELECT s.name AS sweep, c."group", c.encoding, e.step, e.irrep
      FROM run_event e JOIN cell_run cr ON cr.run_id = e.run_id JOIN cell c ON c.id = cr.cell_id
      JOIN sweep s ON s.id = c.sweep_id
      WHERE e.kind = 'irrep_acquired' AND s.name IN (${sqlList(names('staircase'))}) ORDER BY sweep, e.step, e.irrep`,
    'sweeps.csv': `SELECT sweep, count(DISTINCT (group_name, encoding, model, k))::integer AS cells,
        count(*)::integer AS runs, round(sum(duration_s)::numeric, 1) AS training_s
      FROM run_summary WHERE sweep IN (${sqlList(names())}) GROUP BY sweep ORDER BY sweep`,
  };
  if (!fromCsv) {
    const store = await openStore({ create: true, command: 'npm run results' });
    try {
      for (const [file, sql] of Object.entries(queries)) {
        const result = await store.driver.readOnly((tx) => tx.queryTabular(sql, [], { raw: true }));
        writeFileAtomic(join(out, file), `${formatCsv(result)}\r\n`);
        console.error(`wrote docs/results/${file} (${result.rows.length} rows)`);
      }
    } finally {
      await store.close();
    }
  }

  const csv = readFileSync(join(out, 'min_width_by_k.csv'), 'utf8');
  for (const group of COMPARISON_GROUPS) {
    const cells = comparisonCells(csv, group, 'onehot', COMPARISON);
    const { svg, view } = await renderFigure(
      minWidthSpec(cells, `${group} one-hot, two-layer network vs RNN and tree`),
    );
    view.finalize();
    const file = join(out, `width-vs-depth-${group.toLowerCase()}`);
    writeFileAtomic(`${file}.svg`, svg);
    writeFileAtomic(`${file}.png`, svgToPng(svg));
    console.error(`wrote docs/results/width-vs-depth-${group.toLowerCase()}.svg and .png`);
  }
  const budget = specs.find((s) => s.kind === 'budget')!;
  const base = specs.find((s) => s.name === BUDGET_BASE)!;
  const sections = resultSections(
    csv,
    { width: names('width'), base: BUDGET_BASE, budget: budget.name },
    { base: stepsOf(base.file), budget: stepsOf(budget.file) },
  );
  const growth = [
    'sweep,group,encoding,model,ratio_per_k,over_guide',
    ...sections.series.map((s) =>
      [s.sweep, s.group, s.encoding, s.model, formatFactor(s.ratio), formatFactor(s.overGuide)].join(','),
    ),
  ];
  writeFileAtomic(join(out, 'growth.csv'), `${growth.join('\r\n')}\r\n`);
  const readmePath = join(root, 'README.md');
  let readme = readFileSync(readmePath, 'utf8');
  readme = replaceBetweenMarkers(readme, 'min-width', sections.minWidth);
  readme = replaceBetweenMarkers(readme, 'budget', sections.budget);
  readme = replaceBetweenMarkers(
    readme,
    'staircases',
    staircaseTable(readFileSync(join(out, 'staircase_events.csv'), 'utf8'), names('staircase')),
  );
  writeFileAtomic(readmePath, readme);
  console.error('rewrote the README tables between the results: markers');
}

try {
  await main();
} catch (error) {
  // Bad input (an unknown option, a spec that no longer validates) gets one line and exit 2.
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!(error instanceof InputError) && !code.startsWith('ERR_PARSE_ARGS')) throw error;
  console.error(`npm run results: ${(error as Error).message}`);
  process.exit(2);
}
