/**
 * A throwaway real PostgreSQL server for integration tests and benchmarks: Debian's `postgresql`
 * binaries, a fresh cluster in a temporary directory, a free port on 127.0.0.1, the socket in /tmp.
 * Stopped by its own pg_ctl (never by process name) and deleted when stop() is called, or when the
 * process exits without calling it.
 *
 * Under `npm test` (test/run.ts) one server serves the test files that only need databases:
 * SGC_TEST_POSTGRES_URL names it, and createDatabase() gives each a database of its own there. Tests
 * that stop the server, or create roles (roles belong to the whole cluster, so two files would
 * collide), ask for `{ own: true }`.
 *
 *   const pg = await startPostgres();
 *   const url = await pg.createDatabase();  // an empty database of its own
 *   ...
 *   await pg.stopServer();                  // an outage: the server goes, its data stays
 *   await pg.startServer();                 // …and comes back on the same port and data
 *   ...
 *   await pg.stop();
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/net.js';

export interface PostgresServer {
  /** postgresql://postgres@127.0.0.1:<port>/postgres (with the password, when one was set) */
  url: string;
  port: number;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Stops the server as a restart or an outage does (`pg_ctl stop -m fast`: sessions are
   * terminated), keeping its data directory and port; startServer brings it back.
   */
  stopServer(): Promise<void>;
  /** Starts the stopped server again, on the same data directory and port. */
  startServer(): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  /** A server of this test's own even under `npm test`: for tests that stop it or create roles. */
  own?: boolean;
  /**
   * Trade durability for speed (fsync and synchronous commit off): right for tests, whose data is
   * thrown away. Benchmarks keep the defaults so their numbers mean something.
   */
  durable?: boolean;
  /** TLS on (`ssl=on`) with this certificate and key; plain connections are still accepted. */
  ssl?: { cert: string; key: string };
  /** Password logins (scram-sha-256) over TCP for `postgres` with this password, instead of trust. */
  password?: string;
}

/** The env variable naming the server that test/run.ts shares among the test files. */
export const SHARED_POSTGRES_ENV = 'SGC_TEST_POSTGRES_URL';

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const shared = process.env[SHARED_POSTGRES_ENV];
  if (shared && !options.own && !options.durable && !options.ssl && !options.password)
    return sharedServer(shared);
  const bin = findPostgresBin();
  if (!bin)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql; .ci/run does this on CI)');
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUid() : undefined;
  if (asRoot && !owner) throw new Error('running as root but there is no `postgres` user to run the server');
  const dir = mkdtempSync(join(tmpdir(), 'sgc-pg-'));
  const data = join(dir, 'data');
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const run = (file: string, args: string[]) => {
    const command = [join(bin, file), ...args];
    if (owner) execFileSync('su', ['postgres', '-c', command.map(shellQuote).join(' ')], { stdio: 'pipe' });
    else execFileSync(command[0], command.slice(1), { stdio: 'pipe' });
  };
  const port = await freePort();
  const settings = [`-p ${port}`, '-c listen_addresses=127.0.0.1', '-k /tmp'];
  if (!options.durable) settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  if (options.ssl) {
    // The server reads its key only if the key belongs to it and others cannot read it.
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    copyFileSync(options.ssl.cert, cert);
    copyFileSync(options.ssl.key, key);
    chmodSync(key, 0o600);
    if (owner) for (const f of [cert, key]) chownSync(f, owner.uid, owner.gid);
    settings.push('-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
  }
  const initdbAuth = ['--auth=trust'];
  if (options.password) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    initdbAuth.splice(0, 1, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  let started = false;
  const logFile = join(dir, 'server.log');
  const startServer = () =>
    run('pg_ctl', ['-D', data, '-w', '-l', logFile, '-o', settings.join(' '), 'start']);
  const stopNow = () => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stopNow);
  try {
    run('initdb', ['-D', data, '-U', 'postgres', ...initdbAuth, '--no-sync', '-E', 'UTF8', '--locale=C']);
    startServer();
    started = true;
  } catch (error) {
    stopNow();
    process.off('exit', stopNow);
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`could not start PostgreSQL: ${(error as Error).message}\n${stderr}`);
  }
  const login = options.password ? `postgres:${encodeURIComponent(options.password)}` : 'postgres';
  const url = `postgresql://${login}@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    url,
    port,
    async createDatabase() {
      const name = `sgc_test_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgresql://${login}@127.0.0.1:${port}/${name}`;
    },
    async stopServer() {
      if (!started) throw new Error('the PostgreSQL server is not running');
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      started = false;
    },
    async startServer() {
      if (started) throw new Error('the PostgreSQL server is already running');
      startServer();
      started = true;
    },
    async stop() {
      stopNow();
      process.off('exit', stopNow);
    },
  };
}

/** The shared server, seen from one test process: its own databases, no control over the server. */
function sharedServer(url: string): PostgresServer {
  let databases = 0;
  const refuse = async () => {
    throw new Error('the PostgreSQL server is shared by the test files: start one with { own: true }');
  };
  return {
    url,
    port: Number(new URL(url).port),
    async createDatabase() {
      // Unique across the processes that share the server.
      const name = `sgc_test_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const database = new URL(url);
      database.pathname = `/${name}`;
      return database.toString();
    },
    stopServer: refuse,
    startServer: refuse,
    async stop() {},
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
