/**
 * The pieces of issue 16 that need no server: the retry budget as a setting, which errors count as
 * an unreachable store, and how a waiting or undecided sweep reads on a terminal.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { storeUnreachable } from '../../../activities/storeOutage.js';
import { sweepOptions } from '../../../src/cli/commands/sweep.js';
import { cellsTable, minWidthTable, successHeader, summaryLine } from '../../../src/cli/sweepView.js';
import { InputError } from '../../../src/errors.js';
import {
  type CellStatus,
  DEFAULT_RETRY,
  earliestWaiting,
  retryBudgetSeconds,
  type SweepStatus,
} from '../../../src/sweep/messages.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';

describe('the retry budget', () => {
  test('its length in seconds: backoff from 1 s, doubling, capped', () => {
    assert.equal(retryBudgetSeconds({ attempts: 1, maxIntervalSeconds: 10, waitIntervalSeconds: 30 }), 0);
    assert.equal(retryBudgetSeconds({ attempts: 3, maxIntervalSeconds: 2, waitIntervalSeconds: 1 }), 3);
    // The old budget (20 attempts, 10 s apart at most): almost 3 minutes, as issue 16 measured.
    assert.equal(retryBudgetSeconds({ attempts: 20, maxIntervalSeconds: 10, waitIntervalSeconds: 30 }), 165);
    assert.equal(retryBudgetSeconds(DEFAULT_RETRY), 15);
  });

  test('sgc sweep start --retries sets the attempts; anything but a whole number ≥ 1 is refused', () => {
    assert.deepEqual(sweepOptions({ retries: '3' }), { retry: { ...DEFAULT_RETRY, attempts: 3 } });
    assert.deepEqual(sweepOptions({}), {});
    assert.throws(
      () => sweepOptions({ retries: '0' }),
      (e: Error) => e instanceof InputError && /--retries 0/.test(e.message),
    );
    assert.throws(() => sweepOptions({ retries: 'many' }), InputError);
  });
});

describe('an unreachable store, told from other errors', () => {
  const withCode = (message: string, code: string, extra: object = {}) =>
    Object.assign(new Error(message), { code, ...extra });

  test('refused and lost connections, shutdowns, Prisma and adapter codes are the store being away', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', { syscall: 'connect' }),
      withCode('terminating connection due to administrator command', '57P01', { severity: 'FATAL' }),
      withCode('the database system is starting up', '57P03', { severity: 'FATAL' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      withCode(
        "Invalid `prisma.run.update()` invocation:\n\nCan't reach database server at 127.0.0.1",
        'P1001',
      ),
      // Prisma's driver-adapter error, the pg error two levels down.
      Object.assign(new Error('Invalid `prisma.cell.update()` invocation: DriverAdapterError'), {
        cause: Object.assign(new Error('DatabaseNotReachable'), { cause: { kind: 'DatabaseNotReachable' } }),
      }),
      withCode('could not serialize access due to concurrent update', '40001', { severity: 'ERROR' }),
    ])
      assert.ok(storeUnreachable(error), `${error.message} is the store being away`);
    assert.equal(
      storeUnreachable(
        withCode('x', 'P1001', { message: "Invalid call\n\nCan't reach database server at h:1" }),
      ),
      "Can't reach database server at h:1",
      "the reason is Prisma's last line, not where the call was made",
    );
  });

  test('answers with an error are not: constraints, bad SQL, bugs', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint "run_config_hash_key"', '23505', {
        severity: 'ERROR',
      }),
      withCode('syntax error at or near "SELEC"', '42601', { severity: 'ERROR' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      withCode('Unique constraint failed on the fields: (`config_hash`)', 'P2002'),
    ])
      assert.equal(storeUnreachable(error), undefined, error.message);
  });
});

describe('a waiting or undecided sweep on a terminal', () => {
  const cell = (cellKey: string, extra: Partial<CellStatus> = {}): CellStatus => ({
    cellKey,
    state: 'running',
    phase: 'gallop',
    lo: 4,
    hi: null,
    minWidth: null,
    runsDone: 2,
    runsInFlight: 1,
    cachedRuns: 0,
    trainingSeconds: 3,
    ...extra,
  });
  const status = (cells: CellStatus[], extra: Partial<SweepStatus> = {}): SweepStatus => ({
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
    ...extra,
  });

  test('the earliest wait is the sweep’s', () => {
    const a = { reason: 'store unreachable', since: '2026-12-03T10:01:00.000Z' } as const;
    const b = { reason: 'store unreachable', since: '2026-12-03T10:00:30.000Z' } as const;
    assert.deepEqual(earliestWaiting([null, a, undefined, b]), b);
    assert.equal(earliestWaiting([null, undefined]), null);
  });

  test('waiting: store unreachable since …, in the summary and on the cell', () => {
    const waiting = { reason: 'store unreachable', since: '2026-12-03T10:01:00.000Z' } as const;
    const s = status([cell('C3/onehot/k2/mlp', { waiting })], { waiting });
    const line = summaryLine(s, new Date('2026-12-03T10:03:10.000Z'));
    assert.match(line, /^sweep s: running · waiting: store unreachable since 10:01:00 UTC \(2:10\) · /);
    assert.match(cellsTable(s.cells), /C3\/onehot\/k2\/mlp\s+running, waiting/);
    assert.doesNotMatch(summaryLine(status([cell('C3/onehot/k2/mlp')])), /waiting/);
  });

  test('an undecided cell says so instead of a bracket: never "none ≤ lo"', () => {
    const s = status(
      [
        cell('C3/onehot/k2/mlp', { state: 'undecided', phase: 'done', runsInFlight: 0, runErrors: 1 }),
        cell('D3/onehot/k2/mlp', {
          state: 'done',
          phase: 'done',
          lo: 8,
          hi: 16,
          minWidth: 16,
          runsInFlight: 0,
        }),
      ],
      { state: 'done' },
    );
    assert.match(summaryLine(s), /cells 2\/2 ended, 1 with H\*, 1 undecided: run errors/);
    assert.match(summaryLine(s), /runs 4 done \(0 cached, 1 error\)/);
    const table = minWidthTable(s);
    assert.match(table, /C3\s+onehot\s+mlp\s+\?\n/);
    assert.match(table, /D3\s+onehot\s+mlp\s+16\n/);
    assert.match(table, /\? undecided/, 'the legend says what ? means');
    assert.doesNotMatch(table, /none ≤|\b-\n/);
  });
});

describe('the header of the H* table', () => {
  const spec = (train: Record<string, unknown>, width: Record<string, unknown>) =>
    parseSweepSpec(
      {
        name: 'header',
        groups: ['D3'],
        encodings: [{ kind: 'onehot' }],
        k: [2],
        models: ['mlp'],
        width,
        train: { lr: 0.01, init: 0.001, steps: 100, ...train },
      },
      'spec',
    );

  test('says the success rule the runs were judged by: the default, or the spec’s own', () => {
    assert.equal(
      successHeader(spec({}, { values: [8] })),
      'H* = the smallest width at which its run succeeds; success = accuracy 1, loss ≤ 2% of the start, every irrep ≥ 90% of its power',
    );
    assert.equal(
      successHeader(spec({ lossReduction: 0.9, everyIrrep: false }, { values: [8], seeds: 3, succeed: 2 })),
      'H* = the smallest width at which ≥ 2 of 3 seeds succeed; success = accuracy 1, loss ≤ 10% of the start',
    );
  });
});
