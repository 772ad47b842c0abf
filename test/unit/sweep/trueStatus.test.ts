/**
 * The pure parts of a sweep's true status (issue 15): elapsed time and throughput stop at the end,
 * training apart from queued, H* counted only for ended cells, the state a closed workflow or a wait
 * for the store gives, and the store's cells merged with what only the workflow knows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closedState, mergeCells, shownState } from '../../../src/cli/sweepTruth.js';
import { cellsTable, elapsedSeconds, inFlightText, summaryLine } from '../../../src/cli/sweepView.js';
import type { StoredCellFigures, StoredSweepFigures } from '../../../src/store/sweep-status.js';
import type { CellStatus, SweepStatus } from '../../../src/sweep/messages.js';

function cell(cellKey: string, fields: Partial<CellStatus> = {}): CellStatus {
  return {
    cellKey,
    state: 'running',
    phase: 'gallop',
    lo: null,
    hi: null,
    minWidth: null,
    runsDone: 0,
    runsInFlight: 0,
    cachedRuns: 0,
    trainingSeconds: 0,
    ...fields,
  };
}

function status(cells: CellStatus[], fields: Partial<SweepStatus> = {}): SweepStatus {
  return {
    sweepId: 's',
    state: 'running',
    startedAt: '2026-12-03T10:00:00.000Z',
    cells,
    cellsByState: {},
    runsDone: cells.reduce((n, c) => n + c.runsDone, 0),
    runsInFlight: cells.reduce((n, c) => n + c.runsInFlight, 0),
    cachedRuns: 0,
    trainingSeconds: 0,
    skipped: [],
    ...fields,
  };
}

describe('elapsed time and throughput', () => {
  test('stop at the end: the same line an hour later', () => {
    const ended = status([cell('C3/onehot/k2/mlp', { state: 'done', minWidth: 4, runsDone: 10 })], {
      state: 'done',
      endedAt: '2026-12-03T10:05:00.000Z',
      runsDone: 10,
    });
    const soon = summaryLine(ended, new Date('2026-12-03T10:06:00.000Z'));
    const later = summaryLine(ended, new Date('2026-12-03T11:06:00.000Z'));
    assert.equal(soon, later);
    assert.match(soon, /elapsed 5:00/);
    assert.match(soon, /2\.0 runs\/min/);
    assert.equal(elapsedSeconds(ended, new Date('2027-01-01T00:00:00Z')), 300);
    // Cancelled with a cell left: nothing more is expected of it.
    const cancelled = { ...ended, state: 'cancelled' as const, cells: [...ended.cells, cell('b')] };
    assert.match(summaryLine(cancelled), /ETA 0:00$/);
  });

  test('run on with the clock while the sweep runs', () => {
    const running = status([cell('C3/onehot/k2/mlp', { runsDone: 10 })], { runsDone: 10 });
    assert.match(summaryLine(running, new Date('2026-12-03T10:10:00.000Z')), /elapsed 10:00 · ETA/);
    assert.match(summaryLine(running, new Date('2026-12-03T10:10:00.000Z')), /1\.0 runs\/min/);
    assert.equal(elapsedSeconds(running, new Date('2026-12-03T10:00:30.000Z')), 30);
  });
});

describe('training and queued', () => {
  test('told apart where the split is known, one count otherwise', () => {
    assert.equal(inFlightText({ runsInFlight: 6, runsTraining: 1 }), '1 training, 5 queued');
    assert.equal(inFlightText({ runsInFlight: 0, runsTraining: 0 }), '0 training, 0 queued');
    assert.equal(inFlightText({ runsInFlight: 6 }), '6 in flight');
    const s = status([cell('C3/onehot/k2/mlp', { runsInFlight: 6, runsTraining: 1 })], {
      runsTraining: 1,
    });
    assert.match(summaryLine(s), /runs 0 done \(0 cached\), 1 training, 5 queued/);
    const table = cellsTable(s.cells).split('\n');
    assert.match(table[0], /runs\s+training\s+queued$/);
    assert.match(table.at(-1) ?? '', /\b0\s+1\s+5$/);
  });
});

describe('H* counted for ended cells only', () => {
  test('a cell still searching (searched again) is not one with H*', () => {
    const s = status([
      cell('a', { state: 'done', minWidth: 4 }),
      cell('b', { state: 'running', minWidth: 8 }),
      cell('c', { state: 'stopped' }),
    ]);
    assert.match(summaryLine(s), /cells 2\/3 ended, 1 with H\*/);
  });
});

describe('the state shown', () => {
  test('closed executions: cancelled, failed (terminated, timed out); completed is the result’s', () => {
    assert.equal(closedState('CANCELLED'), 'cancelled');
    assert.equal(closedState('FAILED'), 'failed');
    assert.equal(closedState('TERMINATED'), 'failed');
    assert.equal(closedState('TIMED_OUT'), 'failed');
    assert.equal(closedState('COMPLETED'), undefined);
    assert.equal(closedState('RUNNING'), undefined);
  });

  test('waiting for the store while running; paused stays paused; an ended sweep waits for nothing', () => {
    const waiting = { reason: 'store unreachable' as const, since: '2026-12-03T10:01:00.000Z' };
    assert.equal(shownState({ state: 'running', waiting }), 'waiting');
    assert.equal(shownState({ state: 'stopping', waiting }), 'waiting');
    assert.equal(shownState({ state: 'paused', waiting }), 'paused');
    assert.equal(shownState({ state: 'running', waiting: null }), 'running');
    assert.equal(shownState({ state: 'done', waiting, endedAt: '2026-12-03T10:02:00.000Z' }), 'done');
  });
});

describe('the store’s cells with what only the workflow knows', () => {
  const stored = (cells: Partial<StoredCellFigures>[], running: StoredSweepFigures['runningRuns'] = []) =>
    ({
      name: 's',
      status: 'running',
      createdAt: new Date(),
      startedAt: new Date(),
      endedAt: null,
      cells: cells.map((c, i) => ({
        cellKey: `cell${i}`,
        status: 'searching',
        lo: null,
        hi: null,
        minWidth: null,
        runsDone: 0,
        runsInFlight: 0,
        cachedRuns: 0,
        runErrors: 0,
        trainingSeconds: 0,
        ...c,
      })),
      runningRuns: running,
    }) satisfies StoredSweepFigures;

  test('counts from the store, phase and paused from the workflow, training per cell', () => {
    const merged = mergeCells(
      stored(
        [{ runsDone: 7, runsInFlight: 3, lo: 2, hi: 8 }],
        [
          { configHash: 'h1', cellKey: 'cell0' },
          { configHash: 'h2', cellKey: 'cell0' },
          { configHash: 'h3', cellKey: 'cell0' },
        ],
      ),
      // The workflow's counters lag (a restart): they are not used.
      [cell('cell0', { state: 'paused', phase: 'bisect', runsDone: 2, runsInFlight: 6 })],
      new Set(['h2']),
    );
    assert.equal(merged.length, 1);
    assert.equal(merged[0].state, 'paused');
    assert.equal(merged[0].phase, 'bisect');
    assert.equal(merged[0].runsDone, 7);
    assert.equal(merged[0].runsInFlight, 3);
    assert.equal(merged[0].runsTraining, 1);
    assert.deepEqual([merged[0].lo, merged[0].hi], [2, 8]);
  });

  test('the store decides that a cell ended; the workflow says how (cancelled is stored as stopped)', () => {
    const merged = mergeCells(
      stored([
        { status: 'done', minWidth: 4 },
        { status: 'stopped' },
        { status: 'searching', minWidth: 16 },
        { status: 'pending' },
      ]),
      [
        cell('cell0', { state: 'running', minWidth: null }),
        cell('cell1', { state: 'cancelled' }),
        cell('cell2', { state: 'done', minWidth: 16 }),
      ],
      new Set(),
    );
    assert.deepEqual(
      merged.map((c) => [c.state, c.minWidth]),
      [
        ['done', 4],
        ['cancelled', null],
        // Searched again: its old H* is not shown until it ends again.
        ['done', null],
        ['pending', null],
      ],
    );
  });
});
