/**
 * Benchmark: building a group with all its real irreps and running every check on them
 * (homomorphism on all pairs, orthogonality, character table orthonormality, class count, Σd²).
 *
 * For each group: the time of the first build in this process ("cold", what a user waits for) and
 * the median of repeated builds ("warm"). Beside it, the reference library measured in the same run
 * (escnn, the library the paper's code uses; bench/reference/README.md says how to install it), and
 * the ratio reference / sgc. Without escnn the reference column says so.
 *
 *   npm run bench:groups               # default list
 *   npm run bench:groups -- O I S5     # chosen groups
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkIrreps } from '../src/algebra/irreps/checks.js';
import { irrepsOf } from '../src/algebra/irreps/index.js';
import { parseGroup } from '../src/algebra/parse.js';
import { formatTable } from '../src/cli/format.js';

const DEFAULT_GROUPS = [
  'C10',
  'C120',
  'D3',
  'D5',
  'D60',
  'C5xC5',
  'C10xC12',
  'C3xD4',
  'Q8',
  'A4',
  'S4',
  'O',
  'A5',
  'I',
  'S5',
  'C2xA5',
];
const REFERENCE_NAMES = new Set(['O', 'I', 'A5', 'S4']);
const WARM_REPEATS = 5;

function buildAndCheck(name: string): { seconds: number; ok: boolean; dims: string } {
  const started = performance.now();
  const group = parseGroup(name);
  const irreps = irrepsOf(group);
  const checks = checkIrreps(group, irreps, { allPairs: true });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, ok: checks.ok, dims: dimensionSummary(irreps.map((r) => r.dim)) };
}

/** `1×2 2×59`: how many real irreps of each dimension. */
function dimensionSummary(dims: number[]): string {
  const counts = new Map<number, number>();
  for (const d of dims) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([d, c]) => (c === 1 ? `${d}` : `${d}×${c}`))
    .join(' ');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** escnn's name for ours: it builds O and I as Octahedral/Icosahedral (≅ S4, A5), D_n, C_n, C_a×C_b. */
function referenceName(name: string): string | undefined {
  if (name === 'S4') return 'O';
  if (name === 'A5') return 'I';
  if (REFERENCE_NAMES.has(name) || /^(C\d+|D\d+|C\d+xC\d+)$/.test(name)) return name;
  return undefined;
}

function referencePython(): string | undefined {
  const candidates = [
    process.env.SGC_REF_PYTHON,
    join(import.meta.dirname, '..', '.venv-ref', 'bin', 'python'),
  ];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

function measureReference(python: string, names: string[]): Map<string, number | string> {
  const out = new Map<string, number | string>();
  const script = join(import.meta.dirname, 'reference', 'groups_escnn.py');
  const result = spawnSync(python, [script, ...names], { encoding: 'utf8', timeout: 30 * 60 * 1000 });
  for (const line of result.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const row = JSON.parse(line) as { group: string; seconds?: number; error?: string };
    out.set(row.group, row.seconds ?? `error: ${row.error}`);
  }
  return out;
}

const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_GROUPS;
const rows: (string | number)[][] = [];
const ours = new Map<string, number>();
for (const name of names) {
  const cold = buildAndCheck(name);
  const warm = median(Array.from({ length: WARM_REPEATS }, () => buildAndCheck(name).seconds));
  ours.set(name, cold.seconds);
  rows.push([
    name,
    parseGroup(name).order,
    cold.dims,
    cold.ok ? 'ok' : 'FAIL',
    cold.seconds.toFixed(4),
    warm.toFixed(4),
  ]);
  process.stderr.write(`  ${name} ${cold.seconds.toFixed(3)} s\n`);
}

const python = referencePython();
let reference = new Map<string, number | string>();
if (python) {
  const wanted = [...new Set(names.map(referenceName).filter((n): n is string => n !== undefined))];
  process.stderr.write(`measuring the escnn reference for ${wanted.join(' ')} (fresh process each) …\n`);
  reference = measureReference(python, wanted);
}
for (const row of rows) {
  const refName = referenceName(String(row[0]));
  const ref = refName === undefined ? undefined : reference.get(refName);
  if (typeof ref === 'number') row.push(ref.toFixed(3), (ref / ours.get(String(row[0]))!).toFixed(0));
  else row.push(python ? (ref ?? 'n/a') : 'unavailable', '');
}

console.log(
  formatTable(
    ['group', 'order', 'real irrep dims', 'checks', 'sgc cold s', 'sgc warm s', 'escnn s', 'escnn/sgc'],
    rows,
  ),
);
console.log(
  `\nsgc: first build in this process (cold) and median of ${WARM_REPEATS} rebuilds (warm), including all checks.` +
    `\nescnn: group construction with all irreps plus their matrices on every element, one fresh process per group` +
    `${python ? ` (${python})` : ' — not installed; see bench/reference/README.md'}. S4 and A5 are compared with escnn's O and I.`,
);
const slowest = Math.max(...[...ours].filter(([n]) => parseGroup(n).order <= 120).map(([, s]) => s));
console.log(`Slowest cold build at order ≤ 120: ${slowest.toFixed(3)} s (target: under 1 s).`);
