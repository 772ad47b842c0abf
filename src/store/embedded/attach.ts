/**
 * Using the embedded store: every sgc process that needs it attaches, and the server runs while at
 * least one attached process lives.
 *
 * - attach: under `.sgc/pg.lock`, create the cluster when there is none (only where the caller may
 *   create a store), start the server when it is not running (or adopt one left running by a
 *   killed process), and register this process in `.sgc/pg.users/<pid>`.
 * - release: under the same lock, unregister; the last live user stops the server.
 *
 * So `sgc up`, `sgc run` and `sgc db serve` keep it running for as long as they live, and a one-shot
 * command (`sgc sql`, `results`, …) uses the running server or has one for its own duration. A user
 * killed with SIGKILL leaves a file naming a dead pid, which does not count; the server it leaves
 * behind is adopted by the next command. The lock only orders starts and stops: PostgreSQL's own
 * postmaster.pid is what keeps two servers off one data directory.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { freePort } from '../../net.js';
import { isAlive } from '../../processes.js';
import {
  loginUrl,
  newCredentials,
  readCredentials,
  type StoreCredentials,
  writeCredentials,
} from './credentials.js';
import {
  initdb,
  isInitialised,
  type RunningServer,
  runningServer,
  startServer,
  stopServer,
} from './postmaster.js';
import { createRoles } from './roles.js';

export interface EmbeddedPaths {
  home: string;
  dataDir: string;
  logFile: string;
  lockFile: string;
  usersDir: string;
}

export function embeddedPaths(home: string): EmbeddedPaths {
  return {
    home,
    dataDir: join(home, 'pg'),
    logFile: join(home, 'pg.log'),
    lockFile: join(home, 'pg.lock'),
    usersDir: join(home, 'pg.users'),
  };
}

/** Whether `home` holds an embedded store (created, whether or not its server runs). */
export function hasEmbeddedStore(home: string): boolean {
  const paths = embeddedPaths(home);
  return isInitialised(paths.dataDir) && readCredentials(home) !== undefined;
}

export interface AttachOptions {
  /** Create the store when `home` has none (commands that start things); otherwise an InputError. */
  create: boolean;
  /** Who attaches, recorded in the users file (for `sgc db serve`'s and errors' messages). */
  command: string;
  /** Addresses to listen on besides loopback; only when this process starts the server. */
  extraAddresses?: string[];
  /** The port to start on (sgc db serve --port); kept as the store's port from then on. */
  port?: number;
  /** Lines for the user (created the store, started the server). */
  log?: (line: string) => void;
}

export interface AttachedStore {
  home: string;
  credentials: StoreCredentials;
  port: number;
  ownerUrl: string;
  readerUrl: string;
  /** What attaching did: `created`, `started`, or `running` (someone else's server, or an orphan). */
  how: 'created' | 'started' | 'running';
  /**
   * For long-lived attachers (`sgc up`, workers): checks every few seconds that the server runs and
   * starts it again (same data, same port) if it stopped under them — killed, crashed, or stopped by
   * hand — logging one line each time. Connections in flight fail meanwhile and are retried.
   */
  keepRunning(log: (line: string) => void): void;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The start/stop lock: a file created exclusively, naming its holder; waits for a live holder (a
 * server start takes a moment), takes over from a dead one.
 */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new InputError(
          `the embedded store's lock ${path} is held by process ${holder} for over 3 minutes`,
        );
      await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function liveUsers(usersDir: string, except?: number): number[] {
  let names: string[];
  try {
    names = readdirSync(usersDir);
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    if (pid !== except && isAlive(pid)) live.push(pid);
    else if (pid !== except) rmSync(join(usersDir, name), { force: true });
  }
  return live;
}

/** The processes using the store's server now, with the command each named. */
export function storeUsers(home: string): { pid: number; command: string }[] {
  const { usersDir } = embeddedPaths(home);
  return liveUsers(usersDir).map((pid) => {
    let command = '?';
    try {
      command = readFileSync(join(usersDir, String(pid)), 'utf8').trim();
    } catch {
      // gone meanwhile
    }
    return { pid, command };
  });
}

async function start(
  paths: EmbeddedPaths,
  credentials: StoreCredentials,
  options: AttachOptions,
): Promise<{ server: RunningServer; credentials: StoreCredentials }> {
  let port = options.port ?? credentials.port;
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await startServer(paths, { port, extraAddresses: options.extraAddresses });
    if ('started' in result) {
      if (port !== credentials.port) {
        credentials = { ...credentials, port };
        writeCredentials(paths.home, credentials);
      }
      return { server: result.started, credentials };
    }
    if (options.port !== undefined)
      throw new InputError(`port ${options.port} on 127.0.0.1 is in use; pick another with --port`);
    // The store's own port was taken by something else meanwhile: move to a free one and keep it.
    const previous = port;
    port = await freePort();
    options.log?.(`port ${previous} is in use: the results store moves to port ${port}`);
  }
  throw new InputError(`the embedded PostgreSQL found no free port to listen on`);
}

async function create(paths: EmbeddedPaths, options: AttachOptions) {
  if (existsSync(paths.dataDir) && readdirSync(paths.dataDir).length > 0)
    throw new InputError(
      `${paths.dataDir} is not empty but holds no PostgreSQL cluster; nothing in it was changed. ` +
        'Move it away to start a new store there.',
    );
  if (existsSync(join(paths.home, 'db')))
    options.log?.(
      `note: ${join(paths.home, 'db')} is a results store of sgc 0.1 (PGlite), which this version does not read; see docs/store.md`,
    );
  let credentials = newCredentials(await freePort());
  let server: RunningServer | undefined;
  try {
    initdb(paths, credentials.admin);
    const started = await start(paths, credentials, options);
    server = started.server;
    credentials = started.credentials;
    await createRoles(credentials);
  } catch (error) {
    // Nothing of the user's is in a cluster that was never finished: take it away whole, so that
    // the next attempt starts clean instead of meeting a cluster without its logins.
    if (server) await stopServer(server);
    rmSync(paths.dataDir, { recursive: true, force: true });
    throw error;
  }
  // Written only once the cluster is complete: a store.json always belongs to a usable cluster.
  writeCredentials(paths.home, credentials);
  return { server, credentials };
}

export async function attachEmbedded(home: string, options: AttachOptions): Promise<AttachedStore> {
  const paths = embeddedPaths(home);
  if (!options.create && !existsSync(home))
    throw new InputError(
      `no results store in ${home}: start one with \`sgc up\` or \`sgc db migrate\`, or set DATABASE_URL`,
    );
  mkdirSync(home, { recursive: true });
  const { server, credentials, how } = await withLock(paths.lockFile, async () => {
    let credentials = readCredentials(home);
    if (!credentials || !isInitialised(paths.dataDir)) {
      if (!options.create)
        throw new InputError(
          `no results store in ${home} yet: start one with \`sgc up\` or \`sgc db migrate\`, or set DATABASE_URL`,
        );
      if (isInitialised(paths.dataDir))
        throw new InputError(
          `${paths.dataDir} holds a PostgreSQL cluster but ${join(home, 'store.json')}, its logins, is missing; nothing was changed`,
        );
      const made = await create(paths, options);
      registerUser(paths, options.command);
      return { ...made, how: 'created' as const };
    }
    let server = runningServer(paths.dataDir);
    let how: AttachedStore['how'] = 'running';
    if (server && options.port !== undefined && server.port !== options.port)
      throw new InputError(
        `the results store is running on port ${server.port} already (used by ${describeUsers(home)}); ` +
          'stop those commands first to move it, or leave out --port',
      );
    if (server && options.extraAddresses?.length)
      throw new InputError(
        `the results store is running already, on loopback only (used by ${describeUsers(home)}); stop those commands first to expose it`,
      );
    if (!server) {
      const started = await start(paths, credentials, options);
      server = started.server;
      credentials = started.credentials;
      how = 'started';
    } else if (server.status !== 'ready') server = await waitReady(paths.dataDir);
    registerUser(paths, options.command);
    return { server, credentials, how };
  });
  const port = server.port;
  let released = false;
  const userFile = join(paths.usersDir, String(process.pid));
  // A process that exits without releasing (process.exit, a crash) must not look like a user.
  const forget = () => rmSync(userFile, { force: true });
  process.on('exit', forget);
  let watch: NodeJS.Timeout | undefined;
  return {
    home,
    credentials,
    port,
    ownerUrl: loginUrl(credentials.owner, port, credentials.database),
    readerUrl: loginUrl(credentials.reader, port, credentials.database),
    how,
    keepRunning(log) {
      let restarting = false;
      watch = setInterval(() => {
        if (restarting || released || runningServer(paths.dataDir)) return;
        restarting = true;
        log(`the results store's PostgreSQL stopped (see ${paths.logFile}); starting it again`);
        withLock(paths.lockFile, async () => {
          if (released || runningServer(paths.dataDir)) return;
          const started = await startServer(paths, { port: credentials.port });
          if ('portInUse' in started) throw new InputError(`port ${credentials.port} is taken meanwhile`);
          registerUser(paths, options.command);
        })
          .then(() => log(`the results store's PostgreSQL runs again on 127.0.0.1:${credentials.port}`))
          .catch((error) =>
            log(`could not start the results store's PostgreSQL again: ${(error as Error).message}`),
          )
          .finally(() => {
            restarting = false;
          });
      }, 3000);
      watch.unref();
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(watch);
      process.off('exit', forget);
      await withLock(paths.lockFile, async () => {
        forget();
        if (liveUsers(paths.usersDir, process.pid).length > 0) return;
        const running = runningServer(paths.dataDir);
        if (running) await stopServer(running);
      });
    },
  };
}

/** Another process's server that is still starting (or recovering after a crash). */
async function waitReady(dataDir: string): Promise<RunningServer> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const server = runningServer(dataDir);
    if (server?.status === 'ready') return server;
    if (!server) throw new InputError(`the embedded PostgreSQL in ${dataDir} stopped while starting`);
    await sleep(50);
  }
  throw new InputError(`the embedded PostgreSQL in ${dataDir} did not become ready in 120 s`);
}

function registerUser(paths: EmbeddedPaths, command: string): void {
  mkdirSync(paths.usersDir, { recursive: true, mode: 0o700 });
  const file = join(paths.usersDir, String(process.pid));
  const fd = openSync(file, 'w', 0o600);
  writeSync(fd, command);
  closeSync(fd);
}

function describeUsers(home: string): string {
  const users = storeUsers(home).filter((u) => u.pid !== process.pid);
  return users.length ? users.map((u) => `${u.command} (pid ${u.pid})`).join(', ') : 'no live sgc process';
}
