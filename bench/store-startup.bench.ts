/**
 * Benchmark: what the embedded store costs a user in wall time, beside `node -e ''` measured in the
 * same run (these machines are noisy; read the ratios):
 *
 * - `sgc sql "SELECT 1"` while the store's server is already running (another process holds it);
 * - `sgc sql "SELECT 1"` when it must start the server and stop it again;
 * - `sgc up` until it prints `ready` (Temporal dev server, store, metrics; no worker), stopped each time.
 *
 *   npm run bench:store-startup            # 5 repeats of each
 *   npm run bench:store-startup -- 9       # 9 repeats
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../src/cli/commands/sql-format.js';
import { attachEmbedded } from '../src/store/embedded/attach.js';

const REPEATS = Number(process.argv[2] ?? 5);
const sgcBin = fileURLToPath(new URL('../bin/sgc.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-startup-'));
chmodSync(dir, 0o755); // as root, the embedded server runs as the postgres user
const home = join(dir, '.sgc');
const env: NodeJS.ProcessEnv = { ...process.env, SGC_HOME: home };
delete env['DATABASE_URL'];
delete env['TEMPORAL_ADDRESS'];

function timedProcess(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, cwd: dir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return ms;
}

/** `sgc up` from start to its `ready` line, then stopped (Ctrl-C) before the next. */
function timedUp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [sgcBin, 'up', '--concurrency', '0', '--metrics-port', '0'], {
      env,
      cwd: dir,
    });
    let stderr = '';
    let ms: number | undefined;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (ms === undefined && /^ready: /m.test(stderr)) {
        ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code, signal) =>
      ms !== undefined && code === 0
        ? resolve(ms)
        : reject(new Error(`sgc up: ${code} ${signal}\n${stderr}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  try {
    // Create the store first (initdb, roles, migrations): a one-off cost, not what is measured.
    const setup = spawnSync(process.execPath, [sgcBin, 'db', 'migrate'], { env, cwd: dir, encoding: 'utf8' });
    if (setup.status !== 0) throw new Error(`sgc db migrate: ${setup.stderr}`);
    const times: Record<string, number[]> = { node: [], warm: [], cold: [], up: [] };
    for (let i = 0; i < REPEATS; i++) {
      times.node.push(timedProcess(['-e', '']));
      times.cold.push(timedProcess([sgcBin, 'sql', 'SELECT 1']));
      const holder = await attachEmbedded(home, { create: false, command: 'bench holder' });
      try {
        times.warm.push(timedProcess([sgcBin, 'sql', 'SELECT 1']));
      } finally {
        await holder.release();
      }
      times.up.push(await timedUp());
    }
    const reference = median(times.node);
    const rows = [
      ["node -e ''", times.node],
      ['sgc sql "SELECT 1", server already running', times.warm],
      ['sgc sql "SELECT 1", server started and stopped', times.cold],
      ['sgc up, until ready (Temporal dev server, store, metrics)', times.up],
    ] as const;
    console.log(`Wall time per command, median of ${REPEATS} (min–max), beside node -e '' in the same run`);
    console.log(
      formatTable({
        columns: ['command', 'median ms', 'min–max ms', '× node -e'],
        types: [25, 701, 25, 701],
        rows: rows.map(([name, xs]) => [
          name,
          median(xs).toFixed(0),
          `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`,
          (median(xs) / reference).toFixed(1),
        ]),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
