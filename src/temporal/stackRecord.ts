/**
 * `.sgc/stack.json`: the one embedded stack of an sgc home, claimed by the `sgc up` (or `sgc run`)
 * that runs it. Created exclusively, so that of two stacks started at once in one folder exactly
 * one runs; it names its owner's pid and, once they are up, the Temporal dev server (address and
 * pid), the store's port and the metrics URL, so that other commands use that stack and nothing else.
 *
 * A record whose owner is dead was left by a crash (SIGKILL, a power cut): its Temporal dev server
 * may still be running on the same state file, and is stopped before a new stack claims the folder,
 * so that no two servers ever share `.sgc/temporal.db`.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import { isAlive } from '../processes.js';

export interface StackRecord {
  pid: number;
  command: string;
  since: string;
  state: 'starting' | 'ready';
  temporal?: string;
  temporalPid?: number;
  storePort?: number;
  metricsUrl?: string;
}

export function stackFile(home: string): string {
  return join(home, 'stack.json');
}

export function readStackRecord(home: string | undefined): StackRecord | undefined {
  if (!home) return undefined;
  try {
    return JSON.parse(readFileSync(stackFile(home), 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

/** The record of a stack whose owner is alive, or undefined. */
export function liveStack(home: string | undefined): StackRecord | undefined {
  const record = readStackRecord(home);
  return record && isAlive(record.pid) ? record : undefined;
}

/** One line saying what runs where, for messages. */
export function describeStack(record: StackRecord): string {
  const parts = [`${record.command} (pid ${record.pid}, since ${record.since})`];
  if (record.temporal) parts.push(`Temporal at ${record.temporal}`);
  if (record.storePort) parts.push(`results store on 127.0.0.1:${record.storePort}`);
  if (record.metricsUrl) parts.push(`metrics at ${record.metricsUrl}`);
  if (record.state === 'starting') parts.push('still starting');
  return parts.join(', ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` runs the Temporal CLI (not a pid the kernel reused for something else). */
function isTemporal(pid: number): boolean {
  try {
    return /temporal/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return isAlive(pid);
  }
}

/** Stops the Temporal dev server a dead owner left behind. */
async function stopOrphan(record: StackRecord, log: (line: string) => void): Promise<void> {
  const pid = record.temporalPid;
  if (!pid || !isAlive(pid) || !isTemporal(pid)) return;
  log(
    `stopping the Temporal dev server (pid ${pid}) left running by ${record.command} (pid ${record.pid}), which ended without stopping it`,
  );
  for (const [signal, waitMs] of [
    ['SIGTERM', 15_000],
    ['SIGKILL', 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return;
      await sleep(50);
    }
  }
}

export type Claim = { claimed: StackClaim } | { running: StackRecord };

export interface StackClaim {
  update(fields: Partial<StackRecord>): void;
  release(): void;
}

/**
 * Claims the home's stack for this process, or returns the record of the live stack that holds it.
 * A record left by a dead owner is cleaned up (its Temporal server stopped) and taken over.
 */
export async function claimStack(home: string, command: string, log: (line: string) => void): Promise<Claim> {
  const path = stackFile(home);
  let record: StackRecord = { pid: process.pid, command, since: new Date().toISOString(), state: 'starting' };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(record));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw error;
      const other = readStackRecord(home);
      if (other && isAlive(other.pid)) return { running: other };
      if (other) await stopOrphan(other, log);
      rmSync(path, { force: true });
    }
  }
  let released = false;
  const forget = () => release();
  function release() {
    if (released) return;
    released = true;
    process.off('exit', forget);
    if (readStackRecord(home)?.pid === process.pid) rmSync(path, { force: true });
  }
  process.on('exit', forget);
  return {
    claimed: {
      update(fields) {
        record = { ...record, ...fields };
        writeFileAtomic(path, JSON.stringify(record));
      },
      release,
    },
  };
}
