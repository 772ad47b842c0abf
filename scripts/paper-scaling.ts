/**
 * `npm run paper-scaling`: the paper's one-hot scaling sweep beside sgc's width search
 * (examples/paper-onehot-scaling.yaml; README "The paper's scaling sweep").
 *
 *   npm run paper-scaling -- --extract <scaling_sweep_lightweight.npz>
 *       the paper's grid and boundaries as CSVs (docs/results/paper-scaling/paper_grid.csv,
 *       paper_boundary.csv), read from its published data file
 *   npm run paper-scaling -- --run [--until 08:40] [--k 2,3] [--groups C2,C3]
 *       trains the spec one cell at a time, smallest first (k = 2 for every group, then k = 3, …),
 *       each cell as its own sweep <name>-k<k>-<group> through `sgc run` (a running `sgc up` in this
 *       folder is used), its search starting at a guess predicted from the cells already in the
 *       store (neighbourGuess: from H*(p, k−1) times the growth per k measured at a smaller p′, and
 *       H*(p′, k)·p/p′; theory = 2^(k−1)·p where none is known), printed beside its result;
 *       cells the store holds as searched are skipped and runs already stored are cache hits, so
 *       a second --run trains only what is missing; --until: start no cell after that UTC time;
 *       --name: the sweeps' name instead of the spec's, to search the cells again from scratch
 *       (every run already stored is a cache hit: what a search costs with today's guesses)
 *   npm run paper-scaling -- --check [--k 4] [--groups C4] [--width 54] [--steps 200000]
 *       trains each disputed cell again (more than one of the paper's grid steps between sgc's H*
 *       and the paper's boundary; disputedWidth says at which width) with 3 seeds and a longer step
 *       cap (default 10 times the spec's), as the one-cell sweep <name>-check-k<k>-<group>-h<H>;
 *       --width: that width instead, for any selected cell
 *   npm run paper-scaling -- --export
 *       the store's results for those sweeps as CSVs (sgc_cells.csv, runs.csv, checks.csv), then
 *       --from-csv
 *   npm run paper-scaling -- --from-csv
 *       from the committed CSVs: comparison.csv, the README's table between the paper-scaling
 *       markers and the heat-map figure; prints the step cost fitted to runs.csv, the estimated
 *       training time of the whole spec and of the cells not run yet, the cells within one of the
 *       paper's grid steps, and the runs per cell
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { groupOrderOf } from '../src/algebra/parse.js';
import { formatCsv } from '../src/cli/commands/sql-format.js';
import { loadSweepSpecFile } from '../src/cli/sweepSpecFile.js';
import { InputError } from '../src/errors.js';
import { writeFileAtomic } from '../src/files.js';
import { findHome } from '../src/home.js';
import { readNpz } from '../src/report/npz.js';
import {
  boundaryCsv,
  buildComparison,
  comparisonCsv,
  comparisonTable,
  decided,
  disputedWidth,
  gridCsv,
  neighbourGuess,
  paperBoundaries,
  paperGrid,
  readBoundaryCsv,
  readSgcCellsCsv,
  type SgcCell,
} from '../src/report/paper-scaling.js';
import { paperScalingSpec } from '../src/report/paper-scaling-figure.js';
import { renderFigure, svgToPng } from '../src/report/render.js';
import { replaceBetweenMarkers } from '../src/report/results-tables.js';
import { openStore } from '../src/store/open-store.js';
import { theoryWidth } from '../src/sweep/guess.js';
import { type SweepSpec, stepsAt } from '../src/sweep/spec.js';

const root = join(import.meta.dirname, '..');
const sgc = join(root, 'bin', 'sgc.js');
const SPEC_FILE = join(root, 'examples', 'paper-onehot-scaling.yaml');
const out = join(root, 'docs', 'results', 'paper-scaling');

/** The paper's data file → paper_grid.csv and paper_boundary.csv. */
function extract(npzFile: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(npzFile);
  } catch (error) {
    throw new InputError(`--extract ${npzFile}: ${(error as Error).message}`);
  }
  const grid = paperGrid(readNpz(bytes, npzFile));
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'paper_grid.csv'), gridCsv(grid));
  const boundaries = paperBoundaries(grid);
  writeFileAtomic(join(out, 'paper_boundary.csv'), boundaryCsv(boundaries));
  console.error(
    `wrote docs/results/paper-scaling/paper_grid.csv (${grid.length} runs) and paper_boundary.csv (${boundaries.length} cells)`,
  );
}

/** The UTC time `HH:MM` today, as a Date. */
function todayAt(hhmm: string): Date {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new InputError(`--until ${JSON.stringify(hhmm)}: give a UTC time as HH:MM`);
  const at = new Date();
  at.setUTCHours(Number(match[1]), Number(match[2]), 0, 0);
  return at;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** "k,p" of a cell C_p at k; undefined for a group that is not cyclic. */
function cellKeyOf(k: number, group: string): string | undefined {
  return /^C\d+$/.test(group) ? `${k},${group.slice(1)}` : undefined;
}

/**
 * The spec's cells the store holds (one row per (k, p), as in sgc_cells.csv); none when this folder
 * has no store yet.
 */
async function storedCells(name: string, caps: CapsByK): Promise<Map<string, SgcCell>> {
  if (!process.env.DATABASE_URL && findHome() === undefined) return new Map();
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore({ create: false, command: 'npm run paper-scaling' });
  } catch (error) {
    // A folder whose store has not been created yet (attach.ts: "no results store in <home>").
    if (error instanceof InputError && /\bno results store in\b/.test(error.message)) return new Map();
    throw error;
  }
  try {
    const result = await store.driver.readOnly((tx) =>
      tx.queryTabular(cellsSql(name, caps), [], { raw: true }),
    );
    const cells = readSgcCellsCsv(`${formatCsv(result)}\r\n`);
    return new Map(cells.map((c) => [`${c.k},${c.p}`, c]));
  } finally {
    await store.close();
  }
}

/**
 * The H* of every cell searched at its k's cap that found one: what neighbourGuess predicts from (an
 * H* found at a shorter cap is wider than the one the spec's cap will find).
 */
function knownWidths(cells: ReadonlyMap<string, SgcCell>, caps: CapsByK): Map<string, number> {
  const known = new Map<string, number>();
  for (const [key, cell] of cells)
    if (decided(cell) && cell.h !== undefined && (cell.cap === undefined || cell.cap === caps.get(cell.k)))
      known.set(key, cell.h);
  return known;
}

/** The spec's step cap for each of its k. */
type CapsByK = ReadonlyMap<number, number>;
function capsByK(spec: { k: readonly number[]; train: SweepSpec['train'] }): CapsByK {
  return new Map(spec.k.map((k) => [k, stepsAt(spec.train, k)]));
}

/** "H* = 25 (23, 25], 8 runs" or "no H* up to 1536, 20 runs" or the cell's status. */
function resultText(cell: SgcCell | undefined, max: number): string {
  if (!cell) return 'not in the store';
  if (!decided(cell)) return `${cell.status}, ${cell.runs} runs`;
  if (cell.h === undefined) return `no H* up to ${max}, ${cell.runs} runs`;
  return `H* = ${cell.h} (${cell.lo ?? ''}, ${cell.h}], ${cell.runs} runs`;
}

/** The guess a cell's search starts at, and why. */
function cellGuess(
  k: number,
  group: string,
  known: ReadonlyMap<string, number>,
  start: number,
): { guess: number | 'theory'; why: string } {
  const key = cellKeyOf(k, group);
  const neighbour = key ? neighbourGuess(k, Number(group.slice(1)), known, start) : null;
  if (neighbour) return { guess: neighbour.guess, why: neighbour.from };
  return {
    guess: 'theory',
    why: `2^(k−1)·|G| = ${theoryWidth(k, groupOrderOf(group))}, no neighbour searched yet`,
  };
}

/** The spec's cells that --k and --groups select, checked against the spec. */
function selectedCells(
  spec: { k: number[]; groups: string[] },
  options: { k?: string; groups?: string },
): { ks: number[]; groups: string[] } {
  const ks = list(options.k)?.map(Number) ?? spec.k;
  const groups = list(options.groups) ?? spec.groups;
  for (const k of ks)
    if (!spec.k.includes(k)) throw new InputError(`--k ${k}: the spec has k = ${spec.k.join(', ')}`);
  for (const g of groups)
    if (!spec.groups.includes(g))
      throw new InputError(`--groups ${g}: the spec has ${spec.groups.join(', ')}`);
  return { ks: [...ks].sort((a, b) => a - b), groups };
}

/**
 * Ctrl-C reaches `sgc run` (same process group), which stops and keeps what ended. This process
 * waits for it and then stops without opening the store: dying on the signal between opening and
 * closing the store would leave its PostgreSQL server running with no one to stop it.
 */
let interrupted = false;
function watchInterrupts(): void {
  process.on('SIGINT', () => (interrupted = true));
  process.on('SIGTERM', () => (interrupted = true));
}

/**
 * Writes a one-cell sweep spec to `folder` and runs it with `sgc run` (the running `sgc up` here if
 * any); exits 130 when interrupted. Returns `sgc run`'s exit status.
 */
function runSweep(
  folder: string,
  doc: { name: string } & Record<string, unknown>,
  replace = false,
): number | null {
  const file = join(folder, `${doc.name}.yaml`);
  writeFileSync(file, stringify(doc));
  const result = spawnSync(
    process.execPath,
    [sgc, 'run', file, '--concurrency', '1', '--metrics-port', '0', ...(replace ? ['--replace'] : [])],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // A Ctrl-C during spawnSync reaches the handler only later: `sgc run`'s 130 tells it now.
  if (interrupted || result.signal || result.status === 130) {
    console.error(`paper-scaling: interrupted; ${doc.name} continues where it stopped when run again`);
    process.exit(130);
  }
  return result.status;
}

const utcNow = () => new Date().toISOString().slice(11, 19);

/** The spec file as YAML (to derive one-cell specs from) and as a validated width search. */
function searchSpec() {
  const base = parseYaml(readFileSync(SPEC_FILE, 'utf8')) as {
    width: { search: Record<string, unknown> };
    train: Record<string, unknown>;
  } & Record<string, unknown>;
  const { spec } = loadSweepSpecFile(SPEC_FILE);
  if (spec.width.mode !== 'search') throw new InputError(`${SPEC_FILE}: expected a width search`);
  return { base, spec, width: spec.width };
}

/**
 * Trains the spec's cells one at a time, smallest first, each as its own one-cell sweep whose search
 * starts at the cell's guess (cellGuess). A cell the store holds as searched is skipped: run again,
 * its new guess could try widths its search never needed.
 */
async function run(options: { until?: string; k?: string; groups?: string; name?: string }): Promise<void> {
  const { base, spec: fromFile, width: plan } = searchSpec();
  const spec = { ...fromFile, name: options.name ?? fromFile.name };
  const { ks, groups } = selectedCells(spec, options);
  const until = options.until ? todayAt(options.until) : undefined;
  const folder = mkdtempSync(join(tmpdir(), 'sgc-paper-scaling-'));
  watchInterrupts();
  const caps = capsByK(spec);
  let stored = await storedCells(spec.name, caps);
  for (const k of ks)
    for (const group of groups) {
      const name = `${spec.name}-k${k}-${group}`;
      const key = cellKeyOf(k, group);
      const before = key ? stored.get(key) : undefined;
      const cap = stepsAt(spec.train, k);
      // A cell searched at another cap (the spec's cap for its k has changed since) is searched
      // again; its one-cell sweep, if it has one, is archived (`sgc run --replace`), not lost.
      const otherCap = before?.cap !== undefined && before.cap !== cap;
      if (before && decided(before) && !otherCap) {
        console.error(`=== ${name}: searched before: ${resultText(before, plan.max)}`);
        continue;
      }
      if (interrupted) process.exit(130);
      if (until && Date.now() >= until.getTime()) {
        console.error(`paper-scaling: ${options.until} UTC reached; no more cells started`);
        return;
      }
      const { guess, why } = cellGuess(k, group, knownWidths(stored, caps), plan.start);
      const width = { ...base.width, search: { ...base.width.search, guess } };
      const started = Date.now();
      if (otherCap)
        console.error(`\n=== ${name}: searched before at ${before.cap} steps, now searched at ${cap}`);
      console.error(`\n=== ${name} (${utcNow()} UTC): guess ${guess} (${why}), up to ${cap} steps`);
      const cell = { ...base, name, groups: [group], k: [k], width, train: { ...base.train, steps: cap } };
      const status = runSweep(folder, cell, otherCap);
      stored = await storedCells(spec.name, caps);
      console.error(
        `=== ${name}: guess ${guess} → ${resultText(key ? stored.get(key) : undefined, plan.max)}; ` +
          `${((Date.now() - started) / 1000).toFixed(0)} s, exit ${status}`,
      );
      if (status !== 0) process.exit(status ?? 1);
    }
}

/**
 * The sweeps' name of a second search of the cells from scratch (`--run --name <this>`): with every
 * run already stored a cache hit, it measures what a search costs with today's guesses.
 */
const replayName = (name: string) => `${name}-replay`;

/** Seeds of a check, 2 of which must reach 99.9 %, as in the spec's search. */
const CHECK_SEEDS = { seeds: 3, succeed: 2 };

/**
 * Trains the disputed cells again (disputedWidth: the paper's boundary where sgc's H* is larger,
 * else the paper's grid width at or above sgc's H*) with 3 seeds and a longer step cap, each as a
 * one-cell sweep `<name>-check-k<k>-<group>-h<H>` on a plain grid of that width; --width picks the width
 * instead (for a cell still searching, say). What they found goes to checks.csv with --export.
 */
async function check(options: {
  k?: string;
  groups?: string;
  width?: string;
  steps?: string;
}): Promise<void> {
  const { base, spec, width: plan } = searchSpec();
  const { ks, groups } = selectedCells(spec, options);
  const forcedSteps = options.steps === undefined ? undefined : Number(options.steps);
  if (forcedSteps !== undefined && (!Number.isSafeInteger(forcedSteps) || forcedSteps < 1))
    throw new InputError(`--steps ${options.steps}: give a whole number of steps`);
  const forced = options.width === undefined ? undefined : Number(options.width);
  if (forced !== undefined && (!Number.isSafeInteger(forced) || forced < 1))
    throw new InputError(`--width ${options.width}: give a width, a whole number`);
  const boundaries = new Map(readBoundaryCsv(read('paper_boundary.csv')).map((b) => [`${b.k},${b.p}`, b.h]));
  const folder = mkdtempSync(join(tmpdir(), 'sgc-paper-scaling-'));
  watchInterrupts();
  const stored = await storedCells(spec.name, capsByK(spec));
  for (const k of ks)
    for (const group of groups) {
      const steps = forcedSteps ?? 10 * stepsAt(spec.train, k);
      const key = cellKeyOf(k, group);
      const cell = key ? stored.get(key) : undefined;
      const paper = key ? boundaries.get(key) : undefined;
      const width = forced ?? (cell ? disputedWidth(paper, cell) : undefined);
      if (width === undefined) {
        console.error(
          `=== ${spec.name}-check-k${k}-${group}: not disputed (${cell ? `sgc ${resultText(cell, plan.max)}` : 'not searched'}, the paper's boundary ${paper ?? 'none ≤ 378'})`,
        );
        continue;
      }
      if (interrupted) process.exit(130);
      // One sweep per width: a plain grid's widths are its spec, which a stored sweep keeps.
      const name = `${spec.name}-check-k${k}-${group}-h${width}`;
      console.error(
        `\n=== ${name} (${utcNow()} UTC): H = ${width}, ${CHECK_SEEDS.seeds} seeds, up to ${steps} steps`,
      );
      const status = runSweep(folder, {
        ...base,
        name,
        groups: [group],
        k: [k],
        width: { values: [width], ...CHECK_SEEDS },
        train: { ...base.train, steps },
      });
      if (status !== 0) process.exit(status ?? 1);
    }
}

/**
 * The sweeps of the spec's cells: `<name>` itself and the one-cell sweeps `<name>-k<k>-<group>`;
 * `column` names the sweep column (`m.sweep` where the query joins).
 */
function sweepFilter(name: string, column = 'sweep'): string {
  return `(${column} = '${name.replace(/'/g, "''")}' OR ${column} LIKE '${likeEscaped(name)}-k%')`;
}

/** `text` quoted for a LIKE pattern inside '…': quotes doubled, _ and % taken literally. */
function likeEscaped(text: string): string {
  return text.replace(/'/g, "''").replace(/[_%]/g, '\\$&');
}

/**
 * One row per cell of the spec, with the step cap its runs had. Where a cell ran in several sweeps (a
 * one-cell sweep and the whole spec, or at two caps, the older one archived as `<name>@<time>` by
 * `--run`), the one decided at the spec's cap for its k; else a decided one (a search at the spec's
 * cap still under way shows the H* of another cap until it decides; the table's cap column says
 * which); else the one at the spec's cap; else a live one; else the one with the most runs.
 */
function cellsSql(name: string, caps: CapsByK): string {
  const specCap = `CASE m.k ${[...caps].map(([k, cap]) => `WHEN ${k} THEN ${cap}`).join(' ')} END`;
  return `SELECT DISTINCT ON (m.k, p) m.k, substring(m.group_name FROM 2)::integer AS p,
        m.min_width, m.lo, m.hi, m.runs, coalesce(t.training_s, 0) AS training_s, m.status, t.cap
      FROM min_width_by_k m
      LEFT JOIN (SELECT s.sweep, s.group_name, s.k, round(sum(s.duration_s)::numeric, 1) AS training_s,
                        max((r.config->'train'->>'steps')::integer) AS cap
                 FROM run_summary s JOIN run r ON r.id = s.run_id GROUP BY s.sweep, s.group_name, s.k) t
        ON t.sweep = m.sweep AND t.group_name = m.group_name AND t.k = m.k
      WHERE ${sweepFilter(name, 'm.sweep')}
      ORDER BY m.k, p, (m.status = 'done' AND t.cap IS NOT DISTINCT FROM ${specCap}) DESC,
        (m.status = 'done') DESC, (t.cap IS NOT DISTINCT FROM ${specCap}) DESC,
        (m.sweep NOT LIKE '%@%') DESC, m.runs DESC`;
}

/** The store's results for the spec's cells → sgc_cells.csv and runs.csv. */
async function exportCsv(): Promise<void> {
  const { spec } = loadSweepSpecFile(SPEC_FILE);
  const caps = capsByK(spec);
  const queries: Record<string, string> = {
    'sgc_cells.csv': cellsSql(spec.name, caps),
    'replay_cells.csv': cellsSql(replayName(spec.name), caps),
    'runs.csv': `SELECT DISTINCT ON (s.k, p, s.h, cap, s.seed) s.k, substring(s.group_name FROM 2)::integer AS p,
        s.h, s.seed, s.outcome, s.steps, round(s.duration_s::numeric, 2) AS duration_s,
        (r.config->'train'->>'steps')::integer AS cap
      FROM run_summary s JOIN run r ON r.id = s.run_id
      WHERE ${sweepFilter(spec.name, 's.sweep')} AND s.outcome IN ('succeeded', 'failed')
      ORDER BY s.k, p, s.h, cap, s.seed`,
    'checks.csv': `SELECT DISTINCT ON (s.k, p, s.h, cap, s.seed) s.k, substring(s.group_name FROM 2)::integer AS p,
        s.h, (r.config->'train'->>'steps')::integer AS cap, s.seed, s.outcome, s.steps,
        round(s.duration_s::numeric, 2) AS duration_s
      FROM run_summary s JOIN run r ON r.id = s.run_id
      WHERE s.sweep LIKE '${likeEscaped(`${spec.name}-check-k`)}%' AND s.outcome IN ('succeeded', 'failed')
      ORDER BY s.k, p, s.h, cap, s.seed`,
  };
  const store = await openStore({ create: false, command: 'npm run paper-scaling' });
  try {
    mkdirSync(out, { recursive: true });
    for (const [file, sql] of Object.entries(queries)) {
      const result = await store.driver.readOnly((tx) => tx.queryTabular(sql, [], { raw: true }));
      writeFileAtomic(join(out, file), `${formatCsv(result)}\r\n`);
      console.error(`wrote docs/results/paper-scaling/${file} (${result.rows.length} rows)`);
    }
  } finally {
    await store.close();
  }
}

const read = (file: string) => readFileSync(join(out, file), 'utf8');

/** The comparison (comparison.csv, README table, figure) from the committed CSVs. */
async function fromCsv(): Promise<void> {
  const { spec } = loadSweepSpecFile(SPEC_FILE);
  if (spec.width.mode !== 'search') throw new InputError(`${SPEC_FILE}: expected a width search`);
  const { grid, rows, cost, successSteps, fullS, notRunS } = buildComparison(spec, {
    grid: read('paper_grid.csv'),
    boundary: read('paper_boundary.csv'),
    sgcCells: read('sgc_cells.csv'),
    runs: read('runs.csv'),
    ...(existsSync(join(out, 'checks.csv')) ? { checks: read('checks.csv') } : {}),
  });
  writeFileAtomic(join(out, 'comparison.csv'), comparisonCsv(rows));
  const readmePath = join(root, 'README.md');
  const table = comparisonTable(rows, spec.width.max);
  writeFileAtomic(
    readmePath,
    replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), 'paper-scaling', table),
  );
  const { svg, view } = await renderFigure(paperScalingSpec(grid, rows));
  view.finalize();
  writeFileAtomic(join(out, 'paper-scaling.svg'), svg);
  writeFileAtomic(join(out, 'paper-scaling.png'), svgToPng(svg));
  const ran = rows.filter((r) => r.sgc);
  const decidedRows = ran.filter((r) => r.withinOneStep !== undefined);
  const within = decidedRows.filter((r) => r.withinOneStep).length;
  const hours = (s: number) => (s / 3600).toFixed(1);
  const runsPerCell = ran.map((r) => r.sgc!.runs);
  console.error(
    [
      `step cost fitted to runs.csv: ${(cost.a * 1000).toFixed(2)} ms + ${(cost.b * 1e9).toFixed(1)} ns · H·(k+1)·p per step; a success taken as ${successSteps} steps (the median)`,
      `the whole spec (${rows.length} cells) is estimated at ${hours(fullS)} core-hours of training; the ${rows.length - ran.length} cells not run yet at ${hours(notRunS)}`,
      `cells run: ${ran.length}, decided: ${decidedRows.length}, within one grid step (18) of the paper's boundary: ${within} of ${decidedRows.length}`,
      `runs per cell: ${runsPerCell.join(', ')} (mean ${(runsPerCell.reduce((s, n) => s + n, 0) / Math.max(1, ran.length)).toFixed(1)}; the paper's grid: 21)`,
      'wrote docs/results/paper-scaling/comparison.csv, paper-scaling.svg and .png, and the README table',
    ].join('\n'),
  );
  if (existsSync(join(out, 'replay_cells.csv'))) console.error(replaySummary(rows, read('replay_cells.csv')));
}

/** The cells searched again from scratch (replay_cells.csv) against their first search. */
function replaySummary(rows: readonly { k: number; p: number; sgc?: SgcCell }[], csv: string): string {
  const replay = readSgcCellsCsv(csv).filter(decided);
  if (replay.length === 0) return 'replay: no cell searched again yet';
  const runs = replay.map((c) => c.runs);
  const moved = replay
    .map((c) => ({ c, first: rows.find((r) => r.k === c.k && r.p === c.p)?.sgc }))
    .filter(({ c, first }) => first?.h !== c.h)
    .map(({ c, first }) => `k ${c.k} C${c.p}: ${first?.h ?? 'none'} → ${c.h ?? 'none'}`);
  return [
    `replay (${replayName('<name>')}: the cells searched again from scratch, today's guesses, stored runs cache hits): ${replay.length} cells`,
    `  runs per cell: ${runs.join(', ')} (mean ${(runs.reduce((s, n) => s + n, 0) / runs.length).toFixed(1)}, max ${Math.max(...runs)})`,
    `  H* as the first search found it in ${replay.length - moved.length} of ${replay.length}${moved.length > 0 ? `; moved: ${moved.join('; ')}` : ''}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      extract: { type: 'string' },
      run: { type: 'boolean' },
      until: { type: 'string' },
      k: { type: 'string' },
      groups: { type: 'string' },
      name: { type: 'string' },
      check: { type: 'boolean' },
      width: { type: 'string' },
      steps: { type: 'string' },
      export: { type: 'boolean' },
      'from-csv': { type: 'boolean' },
    },
  });
  const modes = [values.extract !== undefined, values.run, values.check, values.export, values['from-csv']];
  if (!modes.some(Boolean))
    throw new InputError(
      'give --extract <file.npz>, --run, --check, --export or --from-csv (see scripts/paper-scaling.ts)',
    );
  if ((values.width !== undefined || values.steps !== undefined) && !values.check)
    throw new InputError('--width and --steps go with --check');
  if (values.name !== undefined && (!values.run || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.name)))
    throw new InputError('--name goes with --run and takes a sweep name (letters, digits, . _ -)');
  if (values.extract !== undefined) extract(values.extract);
  if (values.run) await run(values);
  if (values.check) await check(values);
  if (values.export) await exportCsv();
  if (values.export || values['from-csv']) await fromCsv();
}

try {
  await main();
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (!(error instanceof InputError) && !code.startsWith('ERR_PARSE_ARGS')) throw error;
  console.error(`npm run paper-scaling: ${(error as Error).message}`);
  process.exit(2);
}
