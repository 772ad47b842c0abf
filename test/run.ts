/**
 * `npm test`: every test file under test/, against one PostgreSQL and one Temporal dev server that
 * the files share (test/helpers/postgres.ts and temporal.ts give each file its own databases and
 * namespaces there), in two phases:
 *
 *  1. the files that can run beside others, SGC_TEST_CONCURRENCY (default: the number of cores plus
 *     one, at least 3) at a time;
 *  2. the files that must run alone, one after another: those that assert how long something
 *     takes (a loaded machine would fail them).
 *
 * stack.test.ts, which puts a Temporal server on the default port 7233 when it is free, runs in
 * phase 1: no other file uses that port (every other server, store and metrics endpoint of the
 * tests is on a free port).
 *
 *   npm test                                  # everything
 *   npm test -- test/unit/sweep/spec.test.ts  # some files (still built and served as above)
 *
 * `npm test` builds dist/ first (pretest): the tests run the compiled CLI. The test files themselves
 * run compiled too: this script transpiles test/ to dist/test/ (esbuild, as scripts/build.ts does
 * src/, in about a second) and node runs those .js files, which import dist/src/. Loading each of
 * the ~90 test processes through tsx instead cost 0.2 s of CPU at its start and more for every
 * module it imported (Temporal's worker SDK: 1.0 s of CPU under tsx against 0.6 s compiled), about
 * a quarter of what the unit tests spent in all. Failures still name the sources' tests; stack
 * traces point into dist/test/, whose code is the source's line for line, types removed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startDevServer } from '../src/temporal/devServer.js';
import { SHARED_POSTGRES_ENV, startPostgres } from './helpers/postgres.js';
import { SHARED_TEMPORAL_ENV } from './helpers/temporal.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Files that must run alone, with why. */
const ALONE: Record<string, string> = {
  'test/integration/sweeps/outage.test.ts': 'timed outages of its own PostgreSQL server',
  'test/integration/sweeps/temporal-cancel.test.ts': 'a training stops within 5 s of cancel',
  'test/integration/sweeps/checkpoint-resume.test.ts': 'a worker killed a few seconds into a training',
  'test/integration/telemetry/store-gauges.test.ts': 'a scrape within 2.5 s while the store is down',
  'test/unit/telemetry/metrics.test.ts': 'a metrics update within 1 s',
  'test/integration/cli-run-limits.test.ts': 'sgc sweep check on C64xC64 within 20 s',
  'test/unit/algebra/product-irreps.test.ts': "C64xC64's irreps within 60 s",
};

/** The .ts files under `dir` (paths relative to the repository) whose names end in `suffix`. */
function tsFiles(dir: string, suffix = '.ts'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path, suffix);
    return entry.name.endsWith(suffix) ? [relative(root, path)] : [];
  });
}

/** Where a test source runs from: test/a/b.test.ts → dist/test/a/b.test.js. */
const compiled = (file: string) => join('dist', file.replace(/\.ts$/, '.js'));
/** The source of a compiled test file, for the figures printed: the inverse of `compiled`. */
const source = (file: string) => relative(join(root, 'dist'), join(root, file)).replace(/\.js$/, '.ts');

/** Transpiles every .ts file under test/ (tests, helpers, fixtures) to dist/test/, afresh. */
async function compileTests(): Promise<void> {
  rmSync(join(root, 'dist/test'), { recursive: true, force: true });
  await build({
    entryPoints: tsFiles(join(root, 'test')).filter((file) => file !== 'test/run.ts'),
    absWorkingDir: root,
    outdir: join(root, 'dist/test'),
    outbase: join(root, 'test'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'warning',
  });
}

/** Runs `files` under node:test; returns the exit code and the seconds each file took (fileTimes.mjs). */
async function runNodeTest(
  files: string[],
  concurrency: number,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; seconds: Record<string, number> }> {
  if (files.length === 0) return { code: 0, seconds: {} };
  const timesDir = mkdtempSync(join(tmpdir(), 'sgc-test-times-'));
  const times = join(timesDir, 'times.json');
  const args = [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'test/fileTimes.mjs')}`,
    `--test-reporter-destination=${times}`,
  ];
  const child = spawn(process.execPath, [...args, ...files.map(compiled)], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  const code = await new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  let seconds: Record<string, number> = {};
  try {
    seconds = JSON.parse(readFileSync(times, 'utf8')) as Record<string, number>;
  } catch {
    // A run killed before its end writes no times: the exit code says what happened.
  }
  rmSync(timesDir, { recursive: true, force: true });
  return { code, seconds };
}

/** The slowest files of a phase, one line each, e.g. `#   112 s  test/integration/sweeps/temporal.test.ts`. */
function printSlowest(seconds: Record<string, number>, most = 8) {
  const rows = Object.entries(seconds)
    .map(([file, s]) => [source(relative(root, file)), s] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, most);
  if (rows.length) console.log('# slowest files:');
  for (const [file, s] of rows) console.log(`#   ${s.toFixed(0).padStart(4)} s  ${file}`);
}

// Arguments are test files or folders of them, e.g. `npm test -- test/unit` (npm run test:unit).
const chosen = process.argv.slice(2).flatMap((arg) => {
  const path = join(process.cwd(), arg);
  if (!existsSync(path)) {
    console.error(`npm test: no test file or folder ${arg}`);
    process.exit(2);
  }
  return statSync(path).isDirectory() ? tsFiles(path, '.test.ts') : [relative(root, path)];
});
const files = (chosen.length ? chosen : tsFiles(join(root, 'test'), '.test.ts')).sort();
const alone = files.filter((f) => f in ALONE);
const together = files.filter((f) => !(f in ALONE));
// One file more than cores: the files spend much of their time waiting on processes they start (sgc,
// workers, servers). On 2 quiet cores 3 at a time took phase 1 from 538 s to 394–469 s (two green
// runs), while 4 at a time on 2 loaded cores had pushed the heaviest files past their timeouts.
const concurrency = Number(process.env['SGC_TEST_CONCURRENCY'] ?? Math.max(3, availableParallelism() + 1));

/** The shared Temporal server's errors (it logs at level error), shown when a test fails. */
const temporalLog = join(root, 'test-artifacts/temporal-dev-server.log');
rmSync(temporalLog, { force: true });

/** The last lines of the shared Temporal server's log, after a failure: a hang may start there. */
function printTemporalLog(most = 40) {
  const text = existsSync(temporalLog) ? readFileSync(temporalLog, 'utf8') : '';
  // Less its banner (version, addresses): the log lines name their level.
  const lines = text.split('\n').filter((line) => /level|error|panic/i.test(line));
  if (lines.length === 0) return console.log('# the shared Temporal server logged no error');
  console.log(
    `# the shared Temporal server's errors, last ${Math.min(most, lines.length)} of ${lines.length}:`,
  );
  for (const line of lines.slice(-most)) console.log(`#   ${line.slice(0, 400)}`);
}

const started = performance.now();
await compileTests();
const [postgres, temporal] = await Promise.all([
  startPostgres({ own: true }),
  startDevServer({ uiPort: null, startTimeoutMs: 90_000, logFile: temporalLog }),
]);
const stopServers = () => Promise.all([postgres.stop(), temporal.stop()]);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopServers().finally(() => process.exit(130)));
const env = { ...process.env, [SHARED_POSTGRES_ENV]: postgres.url, [SHARED_TEMPORAL_ENV]: temporal.address };

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(0);
let failed = false;
try {
  const phase1 = performance.now();
  console.log(`# phase 1: ${together.length} files, ${concurrency} at a time`);
  const first = await runNodeTest(together, concurrency, env);
  if (first.code !== 0) failed = true;
  printSlowest(first.seconds);
  console.log(`# phase 1: ${seconds(phase1)} s`);
  const phase2 = performance.now();
  console.log(`# phase 2: ${alone.length} files one at a time:`);
  for (const file of alone) console.log(`#   ${file}: ${ALONE[file]}`);
  const second = await runNodeTest(alone, 1, env);
  if (second.code !== 0) failed = true;
  printSlowest(second.seconds);
  console.log(`# phase 2: ${seconds(phase2)} s`);
} finally {
  await stopServers();
}
if (failed) printTemporalLog();
console.log(`# npm test: ${seconds(started)} s in all${failed ? ', with failures (see above)' : ''}`);
process.exitCode = failed ? 1 : 0;
