/**
 * `sgc worker` as a user starts it, in a process of its own: the fleet and telemetry tests run
 * several, each with its own folder, environment and flags.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { sgcBin } from './sgc.js';
import { waitFor } from './temporal.js';

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log(): string;
  /** Its /metrics address. */
  url: string;
}

/**
 * Starts `sgc worker --metrics-port 0 …args` in `cwd` with exactly `env`, and resolves once it
 * serves /metrics (it polls its queues by then). Start workers one at a time on a small machine:
 * each bundles the workflow code, which takes most of two shared cores.
 */
export async function startWorkerProcess(
  name: string,
  args: string[],
  { cwd, env }: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<WorkerProcess> {
  let log = '';
  const child = spawn(process.execPath, [sgcBin, 'worker', '--metrics-port', '0', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  try {
    const url = await waitFor(
      `worker ${name} to serve /metrics`,
      () => {
        if (child.exitCode !== null) throw new Error(`worker ${name} exited ${child.exitCode}:\n${log}`);
        return /metrics at (http:\/\/\S+)/.exec(log)?.[1];
      },
      180_000,
      200,
    );
    return { name, child, log: () => log, url };
  } catch (error) {
    // Never ready: it is nobody's to stop but ours.
    child.kill('SIGKILL');
    throw error;
  }
}

/** SIGINT to every worker still running, and SIGKILL to any that has not ended 10 s later. */
export async function stopWorkerProcesses(workers: readonly WorkerProcess[]): Promise<void> {
  const running = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;
  for (const w of workers) if (running(w)) w.child.kill('SIGINT');
  await Promise.all(
    workers.map(async (w) => {
      for (let i = 0; i < 100 && running(w); i++) await sleep(100);
      if (running(w)) w.child.kill('SIGKILL');
    }),
  );
}
