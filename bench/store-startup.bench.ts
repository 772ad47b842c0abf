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
import { attachEmbedded } from '../src/store/embedded/attach.js';
import { printTimes, timedNode } from './processTiming.js';

const REPEATS = Number(process.argv[2] ?? 5);
const sgcBin = fileURLToPath(new URL('../bin/sgc.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'sgc-bench-startup-'));
chmodSync(dir, 0o755); // as root, the embedded server runs as the postgres user
const home = join(dir, '.sgc');
const env: NodeJS.ProcessEnv = { ...process.env, SGC_HOME: home };
delete env['DATABASE_URL'];
delete env['TEMPORAL_ADDRESS'];

const timedProcess = (args: string[]) => timedNode(args, dir, env);

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
    const rows = [
      ["node -e ''", times.node],
      ['sgc sql "SELECT 1", server already running', times.warm],
      ['sgc sql "SELECT 1", server started and stopped', times.cold],
      ['sgc up, until ready (Temporal dev server, store, metrics)', times.up],
    ] as const;
    printTimes(rows, REPEATS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
