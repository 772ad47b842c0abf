/**
 * How a sweep looks on a terminal: a one-line summary (cells solved, runs, throughput, ETA), the
 * cells with their brackets, and the minimal-width table a finished sweep ends with.
 */
import type { Client } from '@temporalio/client';
import { GrpcCode, grpcStatus } from '../errors.js';
import { successRuleText } from '../learn/success.js';
import type { SqlSession } from '../store/sql-driver.js';
import type { CellStatus, SweepStatus, Waiting } from '../sweep/messages.js';
import type { SweepSpec } from '../sweep/spec.js';
import { formatTable } from './format.js';
import { trueSweepStatus } from './sweepTruth.js';
import { widthRowsOf, widthTableText } from './widthTable.js';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

const ENDED = new Set(['done', 'undecided', 'failed', 'stopped', 'cancelled']);

/**
 * `waiting: store unreachable since 12:03:04 (2:10)`: work held up by the store, not failed; it
 * resumes by itself when the store is back. Undefined when nothing waits.
 */
export function waitingText(waiting: Waiting | null | undefined, now: Date = new Date()): string | undefined {
  if (!waiting) return undefined;
  const since = new Date(waiting.since);
  const clock = since.toISOString().slice(11, 19);
  return `waiting: ${waiting.reason} since ${clock} UTC (${duration((now.getTime() - since.getTime()) / 1000)})`;
}

/**
 * Seconds from the sweep's start to its end, or to `now` while it runs: an ended sweep's elapsed
 * time (and so its throughput) no longer moves.
 */
export function elapsedSeconds(
  status: Pick<SweepStatus, 'startedAt' | 'endedAt'>,
  now: Date = new Date(),
): number {
  const end = status.endedAt ? new Date(status.endedAt) : now;
  return (end.getTime() - new Date(status.startedAt).getTime()) / 1000;
}

/**
 * `3 training, 2 queued`: runs whose training activity a worker has started, and runs claimed or
 * scheduled that wait for one. `5 in flight` where the split is not known (no store to count from).
 */
export function inFlightText(status: Pick<SweepStatus, 'runsInFlight' | 'runsTraining'>): string {
  if (status.runsTraining === undefined) return `${status.runsInFlight} in flight`;
  const queued = Math.max(0, status.runsInFlight - status.runsTraining);
  return `${status.runsTraining} training, ${queued} queued`;
}

/**
 * The summary line. Throughput counts trained runs (not cache hits) per minute of the sweep's time
 * (up to its end); the ETA extrapolates the time per ended cell to the cells left, which is rough
 * while few have ended.
 */
export function summaryLine(status: SweepStatus, now: Date = new Date()): string {
  const elapsed = elapsedSeconds(status, now);
  const total = status.cells.length;
  const ended = status.cells.filter((c) => ENDED.has(c.state)).length;
  // Only an ended cell has its H*: a cell searched again still has its old one in memory.
  const solved = status.cells.filter((c) => ENDED.has(c.state) && c.minWidth !== null).length;
  const undecided = status.cells.filter((c) => c.state === 'undecided').length;
  const runErrors = status.cells.reduce((n, c) => n + (c.runErrors ?? 0), 0);
  const trained = status.runsDone - status.cachedRuns;
  const perMinute = elapsed > 0 ? (trained / elapsed) * 60 : 0;
  // A sweep that has ended (stopped or cancelled with cells left) expects nothing more.
  const eta = status.endedAt
    ? '0:00'
    : ended > 0 && ended < total
      ? duration((elapsed / ended) * (total - ended))
      : ended === total
        ? '0:00'
        : '?';
  const waiting = waitingText(status.waiting, now);
  return [
    `sweep ${status.sweepId}: ${status.state}`,
    ...(waiting ? [waiting] : []),
    `cells ${ended}/${total} ended, ${solved} with H*${undecided > 0 ? `, ${undecided} undecided: run errors` : ''}`,
    `runs ${status.runsDone} done (${status.cachedRuns} cached${runErrors > 0 ? `, ${runErrors} error` : ''}), ${inFlightText(status)}`,
    `${perMinute.toFixed(1)} runs/min`,
    `elapsed ${duration(elapsed)}`,
    `ETA ${eta}`,
  ].join(' · ');
}

const show = (x: number | null) => (x === null ? '—' : x);

export function cellsTable(cells: readonly CellStatus[]): string {
  return formatTable(
    ['cell', 'state', 'phase', 'lo', 'hi', 'H*', 'runs', 'training', 'queued'],
    cells.map((c) => [
      c.cellKey,
      c.waiting ? `${c.state}, waiting` : c.state,
      c.phase ?? '',
      show(c.lo),
      show(c.hi),
      show(c.minWidth),
      c.runsDone,
      // Without the split (no store), every run in flight shows under training, as before.
      c.runsTraining ?? c.runsInFlight,
      c.runsTraining === undefined ? '' : Math.max(0, c.runsInFlight - c.runsTraining),
    ]),
  );
}

/** The line above the H* table: what H* and a successful run mean for this sweep. */
export function successHeader(spec: Pick<SweepSpec, 'train' | 'width'>): string {
  const { seeds, succeed } = spec.width;
  const seedsText = seeds === 1 ? 'its run succeeds' : `≥ ${succeed} of ${seeds} seeds succeed`;
  return `H* = the smallest width at which ${seedsText}; success = ${successRuleText(spec.train)}`;
}

/**
 * The result a researcher asked for: H* per k for each (group, encoding, model), the table
 * `sgc results <sweep>` prints from the store (src/cli/widthTable.ts).
 */
export function minWidthTable(status: SweepStatus): string {
  return widthTableText(widthRowsOf(status));
}

/** The same rows as JSON, the columns of min_width_by_k the sweep's status knows. */
export function minWidthJson(status: SweepStatus): string {
  return JSON.stringify(
    widthRowsOf(status).map(({ non_monotone: _, results_version: __, ...row }) => row),
    null,
    2,
  );
}

export interface WatchOptions {
  intervalMs?: number;
  write?: (text: string) => void;
  /** Redraw in place (a terminal) instead of printing a line whenever something changed. */
  live?: boolean;
  /** The results store to count cells and runs from (the workflow's own counters without one). */
  store?: SqlSession;
}

/** Status queries in a row that may time out (each waits about 10 s) before watching gives up. */
const MAX_UNANSWERED = 6;

/** Follows a sweep until it ends; returns its final status. */
export async function watchSweep(
  client: Client,
  sweepId: string,
  options: WatchOptions = {},
): Promise<SweepStatus> {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const live = options.live ?? false;
  let drawnLines = 0;
  let lastCounts = '';
  let unanswered = 0;
  for (;;) {
    let answer: Awaited<ReturnType<typeof trueSweepStatus>>;
    try {
      answer = await trueSweepStatus(client, sweepId, options.store);
    } catch (error) {
      // A query times out while no worker can take the sweep's workflow task, as when a worker
      // has just restarted: ask again, for up to about a minute, before giving up.
      if (grpcStatus(error)?.code !== GrpcCode.deadlineExceeded || ++unanswered > MAX_UNANSWERED) throw error;
      continue;
    }
    unanswered = 0;
    const { status, ended } = answer;
    if (live) {
      const text = `${summaryLine(status)}\n${cellsTable(status.cells)}\n`;
      write(`${drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[J` : ''}${text}`);
      drawnLines = text.split('\n').length - 1;
    } else {
      const counts = [
        status.state,
        status.waiting?.since ?? '',
        status.runsDone,
        status.runsInFlight,
        status.runsTraining ?? '',
        status.cells.map((c) => c.state).join(),
      ].join('|');
      if (counts !== lastCounts || ended) write(`${summaryLine(status)}\n`);
      lastCounts = counts;
    }
    if (ended) return status;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 1000));
  }
}
