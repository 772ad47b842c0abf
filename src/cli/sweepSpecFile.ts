/**
 * The one loader of a sweep spec file for every command that acts on a sweep (`sgc sweep check`,
 * `sweep start`, `sweep extend`, `sgc run`). It reads, parses, validates and expands the spec and
 * builds one run config per cell, so that every problem a spec can have surfaces here, before a
 * command touches Temporal or the store: a spec that loads is a spec whose runs can all start.
 *
 * Every problem is an InputError of one line that starts with the file's path (and, for YAML
 * syntax, `path:line:column`), because the command line prints it as the whole answer to the user.
 *
 * A valid spec can still ask for runs this machine cannot do (src/cli/runLimits.ts): every cell is
 * checked at its largest width against the memory budget and the exhaustive-data cap, and the whole
 * sweep against the run-count limit, from |G| and the config alone (no group is Fourier-analysed).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument, YAMLError } from 'yaml';
import { InputError } from '../errors.js';
import type { RunEstimate } from '../learn/resources.js';
import type { RunConfig } from '../learn/runConfig.js';
import { expandSweep, runConfig, type SweepCell, type SweepExpansion } from '../sweep/expand.js';
import { groupFacts } from '../sweep/fit.js';
import { cellRunBound } from '../sweep/runBound.js';
import { parseSweepSpec, type SweepSpec } from '../sweep/spec.js';
import { checkRun, type RunLimits, runLimits } from './runLimits.js';

/**
 * More cells than this is a typo (a k list pasted twice, a generated group list), not a sweep: each
 * cell is a workflow with its own width search. It also bounds the work of loading.
 */
export const MAX_SWEEP_CELLS = 100_000;

/** A sweep spec file beyond this size is not a hand-written spec; refusing it keeps YAML parsing cheap. */
const MAX_FILE_BYTES = 1 << 20;

export interface LoadedSweepSpec {
  /** The spec as written (the YAML data): what a SweepWorkflow is started with and stores. */
  raw: Record<string, unknown>;
  spec: SweepSpec;
  expansion: SweepExpansion;
  /**
   * The most runs one trial at one width of one cell starts: `width.seeds` (a re-check of H* starts
   * that many again, with fresh seeds).
   */
  runsPerWidth: number;
  /** The most memory-hungry run of the sweep (a cell at its largest width), and what it costs. */
  largestRun: { cell: SweepCell; H: number; estimate: RunEstimate } | undefined;
}

/** The text of `path`, or an InputError saying in one line why it cannot be read. */
function readSpecText(path: string): string {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new InputError(`${path}: is a directory, not a sweep spec file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
  if (size > MAX_FILE_BYTES)
    throw new InputError(`${path}: ${size} bytes; a sweep spec is at most ${MAX_FILE_BYTES} bytes`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The YAML library's first message line, without its own "at line L, column C" (we lead with it). */
function yamlReason(error: Error): string {
  return error.message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

/** The parsed YAML of `text`, or an InputError naming `path:line:column` and the syntax problem. */
function parseYaml(text: string, path: string): unknown {
  const doc = parseDocument(text);
  const [first] = doc.errors;
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? `${path}:${at.line}:${at.col}` : path;
    throw new InputError(`${where}: YAML syntax error: ${yamlReason(first)}`);
  }
  try {
    return doc.toJS();
  } catch (error) {
    // Aliases are resolved here: an undefined anchor or an alias bomb (the library caps expansion).
    if (error instanceof YAMLError || error instanceof ReferenceError)
      throw new InputError(`${path}: YAML error: ${yamlReason(error)}`);
    throw error;
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

/**
 * `error` as one line that starts with `path`. parseWithSchema lists several problems on several
 * lines under its source; a command prints one line, so they become `path: N problems: a; b; …`.
 * `source` is the prefix the error's producer put before its problems (stripped: path replaces it).
 */
function oneLine(error: InputError, path: string, source: string, context = ''): InputError {
  const text = error.message.startsWith(`${source}: `)
    ? error.message.slice(source.length + 2)
    : error.message;
  const all = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  // zod can report one field twice (`k: ""` is not an array, and also too short; 1e308 is beyond
  // the safe integers, and also above the maximum). A field's first schema problem is its cause, but
  // a bound of the field's own beats the safe-integer bound zod adds to .int(). Problems of the
  // spec's own checks (an encoding with each group) all stay.
  const fieldOf = (problem: string) =>
    problem.match(/^([\w.]+): .* — (Too small|Too big|Invalid input)/)?.[1];
  const generic = (problem: string) => problem.includes(String(Number.MAX_SAFE_INTEGER));
  const problems = all.filter((problem, i) => {
    const field = fieldOf(problem);
    if (field === undefined) return all.indexOf(problem) === i;
    const same = all.filter((p) => fieldOf(p) === field);
    return problem === (same.find((p) => !generic(p)) ?? same[0]) && all.indexOf(problem) === i;
  });
  const what = problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`;
  return new InputError(`${path}: ${context}${what}`);
}

/**
 * Refuses an expansion beyond MAX_SWEEP_CELLS before validation, which would compute every group's
 * irreps and check every cell: cheap on the raw lists, and it names each list's length.
 */
function checkSize(data: Record<string, unknown>, path: string): void {
  const lists = ['groups', 'encodings', 'k', 'models'] as const;
  const lengths = lists.map((field) => (Array.isArray(data[field]) ? (data[field] as unknown[]).length : 1));
  const cells = lengths.reduce((a, b) => a * b, 1);
  if (cells > MAX_SWEEP_CELLS) {
    const product = lists.map((field, i) => `${field} (${lengths[i]})`).join(' × ');
    throw new InputError(
      `${path}: ${product} = ${cells} cells; a sweep has at most ${MAX_SWEEP_CELLS} (split it into several sweeps)`,
    );
  }
}

/**
 * Reads, validates and expands the sweep spec in `path` and checks its runs against `limits`; throws
 * a one-line InputError for any problem.
 */
export function loadSweepSpecFile(path: string, limits: RunLimits = runLimits()): LoadedSweepSpec {
  const data = parseYaml(readSpecText(path), path);
  if (data === null || data === undefined)
    throw new InputError(`${path}: empty; a sweep spec is a YAML mapping (name:, groups:, encodings:, …)`);
  if (typeof data !== 'object' || Array.isArray(data))
    throw new InputError(
      `${path}: a sweep spec is a YAML mapping (name:, groups:, encodings:, …), found ${kindOf(data)}`,
    );
  checkSize(data as Record<string, unknown>, path);
  let spec: SweepSpec;
  let expansion: SweepExpansion;
  try {
    spec = parseSweepSpec(data, path);
  } catch (error) {
    if (error instanceof InputError) throw oneLine(error, path, path);
    throw error;
  }
  try {
    expansion = expandSweep(spec);
  } catch (error) {
    if (error instanceof InputError) throw oneLine(error, path, `sweep ${spec.name}`);
    throw error;
  }
  // The spec's blocks were validated on their own; a run config checks them together, with H and
  // the cell's group, k and model in place: what `sgc train` would refuse is refused now.
  const firstWidth = spec.width.mode === 'search' ? spec.width.start : spec.width.values[0];
  const configs: RunConfig[] = [];
  for (const cell of expansion.cells) {
    try {
      configs.push(runConfig(cell, firstWidth, 0));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const source = `run ${cell.sweep}/${cell.cellKey}/H${firstWidth}/seed0`;
      throw oneLine(error, path, source, `cell ${cell.cellKey} (H = ${firstWidth}): `);
    }
  }
  const largestRun = checkRunsFit(path, spec, expansion.cells, configs, limits);
  const bound = cellRunBound(spec.width);
  const runs = bound.max * expansion.cells.length;
  if (runs > limits.maxRuns && !limits.allowLarge)
    throw new InputError(
      `${path}: runs: up to ${runs.toLocaleString('en')} (${expansion.cells.length.toLocaleString('en')} cells × ` +
        `${bound.max.toLocaleString('en')} per cell at most), above the limit of ${limits.maxRuns.toLocaleString('en')} ` +
        'a sweep starts without --allow-large',
    );
  return {
    raw: data as Record<string, unknown>,
    spec,
    expansion,
    runsPerWidth: spec.width.seeds,
    largestRun,
  };
}

/**
 * Every cell at its largest width (memory grows with H), then, when that does not fit, at its
 * smallest, to tell a width that is too large from a cell that cannot run at any width. Returns the
 * run with the largest estimate.
 */
function checkRunsFit(
  path: string,
  spec: SweepSpec,
  cells: readonly SweepCell[],
  configs: readonly RunConfig[],
  limits: RunLimits,
): LoadedSweepSpec['largestRun'] {
  const plan = spec.width;
  const widest = plan.mode === 'search' ? plan.max : Math.max(...plan.values);
  const narrowest = plan.mode === 'search' ? plan.start : Math.min(...plan.values);
  const widthField = plan.mode === 'search' ? 'width.search.max' : 'width.values';
  const at = (config: RunConfig, H: number): RunConfig => ({ ...config, model: { ...config.model, H } });
  let largest: LoadedSweepSpec['largestRun'];
  cells.forEach((cell, i) => {
    const n = groupFacts(cell.group).order;
    const { estimate, problem } = checkRun(at(configs[i], widest), cell.group, n, limits);
    if (problem?.field === 'k')
      throw new InputError(`${path}: k: ${problem.value} (cell ${cell.cellKey}): ${problem.reason}`);
    if (problem) {
      const narrow =
        narrowest < widest ? checkRun(at(configs[i], narrowest), cell.group, n, limits).problem : undefined;
      if (narrow)
        throw new InputError(
          `${path}: cell ${cell.cellKey}: even at the smallest width H = ${narrowest}, ${narrow.reason}`,
        );
      throw new InputError(`${path}: ${widthField}: ${widest} (cell ${cell.cellKey}): ${problem.reason}`);
    }
    if (estimate && (!largest || estimate.bytes > largest.estimate.bytes))
      largest = { cell, H: widest, estimate };
  });
  return largest;
}
