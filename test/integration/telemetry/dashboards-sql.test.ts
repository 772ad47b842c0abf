/**
 * Every SQL query of every dashboard, run as Grafana would run it: on a real PostgreSQL holding a
 * small sweep written through the store's repository, logged in as the read-only role that
 * dashboards/provisioning/postgres-reader.sql creates, with the template variables filled the way
 * Grafana fills them (each variable's own query, then Grafana's quoting) and its macros expanded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VariableModel } from '@grafana/schema';
import pg from 'pg';
import { parseGroup } from '../../../src/algebra/parse.js';
import { packageRoot } from '../../../src/codeLocation.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { dashboardQueries, dashboards, READER_ROLE } from '../../../src/telemetry/dashboards/index.js';
import { groupOrderSql } from '../../../src/telemetry/dashboards/sql.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';

const SWEEP = 'sql-test';
const readerSql = readFileSync(join(packageRoot, 'dashboards/provisioning/postgres-reader.sql'), 'utf8');

/** C6's irreps and the power of the one-hot encoding in each (mean-centred: none in the trivial one). */
const C6_POWERS: Record<string, number> = { trivial: 0, freq1: 0.3333, freq2: 0.3333, sign: 0.1667 };

/** A small sweep as the orchestrator writes it: cells with brackets, runs with curves and events. */
async function fillSweep(store: Store) {
  const repo = store.repository();
  const sweep = await repo.upsertSweep({ name: SWEEP, status: 'running' });
  const cells = [
    { group: 'C6', encoding: 'onehot', model: 'mlp', k: 2, minWidth: 16 as number | null, lo: 8, hi: 16 },
    { group: 'C6', encoding: 'onehot', model: 'mlp', k: 3, minWidth: 32, lo: 16, hi: 32 },
    { group: 'C6', encoding: 'onehot', model: 'rnn', k: 3, minWidth: 8, lo: 4, hi: 8 },
    { group: 'D3', encoding: 'onehot', model: 'mlp', k: 2, minWidth: null, lo: 8, hi: null },
  ];
  let n = 0;
  for (const c of cells) {
    const cell = await repo.upsertCell(
      { sweepId: sweep.id, group: c.group, encoding: c.encoding, k: c.k, model: c.model },
      { status: c.minWidth === null ? 'searching' : 'done', lo: c.lo, hi: c.hi, minWidth: c.minWidth },
    );
    for (const h of [c.lo, c.hi ?? c.lo * 2])
      for (const seed of [0, 1]) {
        const configHash = `hash-${++n}`;
        const succeeded = c.minWidth !== null && h >= c.minWidth;
        await repo.upsertRun({
          configHash,
          h,
          seed,
          config: { group: c.group, k: c.k, model: c.model, h, seed },
          engine: 'onnx',
          backend: 'cpu',
          cellId: cell.id,
        });
        await repo.startRun(configHash, { worker: 'w1', backend: 'cpu' });
        const steps = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
        const irreps = Object.keys(C6_POWERS);
        await repo.recordRunResult(configHash, {
          metrics: steps.map((step, i) => ({
            step,
            loss: succeeded ? 0.8 / (1 + i * i) : 0.5,
            accuracy: succeeded ? Math.min(1, i / 8) : 0.3,
          })),
          irrepPowers: steps.flatMap((step, i) =>
            irreps.map((irrep) => ({
              irrep,
              step,
              power: C6_POWERS[irrep] * (succeeded ? Math.min(1, i / 8) : 0.2),
            })),
          ),
          // A failed run too acquires some irreps before it stalls.
          events: [
            { step: 20, kind: 'irrep_acquired', irrep: 'freq1', value: 0.33 },
            ...(succeeded ? [{ step: 50, kind: 'irrep_acquired', irrep: 'sign', value: 0.16 }] : []),
          ],
          finish: {
            status: 'done',
            outcome: succeeded ? 'succeeded' : 'failed',
            steps: 1000,
            finalLoss: succeeded ? 0 : 0.5,
            finalAccuracy: succeeded ? 1 : 0.3,
            durationMs: 1200,
          },
        });
      }
  }
  return cells;
}

/** Grafana's SQL interpolation: multi-value variables quoted and comma-joined, single ones raw. */
function sqlValue(variable: VariableModel, values: string[]): string {
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  if (variable.multi || variable.includeAll) return values.map(quote).join(',');
  return String(values[0]).replace(/'/g, "''");
}

const from = new Date(Date.now() - 3600_000).toISOString();
const to = new Date(Date.now() + 3600_000).toISOString();

/** A panel or variable query with Grafana's macros and the variables' values substituted. */
function expandSql(text: string, variables: VariableModel[], values: Record<string, string[]>): string {
  return text
    .replace(/\$__timeFilter\(([^)]+)\)/g, `$1 BETWEEN '${from}' AND '${to}'`)
    .replace(/\$__timeFrom\(\)/g, `'${from}'`)
    .replace(/\$__timeTo\(\)/g, `'${to}'`)
    .replace(/\$(\w+)/g, (whole, name: string) => {
      const v = variables.find((x) => x.name === name);
      if (!v) throw new Error(`no variable ${whole} in ${text}`);
      if (!values[name]) throw new Error(`variable ${whole} used before it has a value`);
      return sqlValue(v, values[name]);
    });
}

describe('dashboard SQL on a real PostgreSQL', () => {
  let server: PostgresServer;
  let url: string;
  let readerUrl: string;
  let reader: pg.Client;
  let cells: Awaited<ReturnType<typeof fillSweep>>;
  before(async () => {
    server = await startPostgres({ own: true }); // it creates the reader role: cluster-wide
    url = await server.createDatabase();
    const store = await openStore({ target: { kind: 'postgres', url }, migrate: true });
    try {
      cells = await fillSweep(store);
    } finally {
      await store.close();
    }
    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query(readerSql);
      await owner.query(readerSql); // a second run is harmless
    } finally {
      await owner.end();
    }
    readerUrl = url.replace('postgres@', `${READER_ROLE}@`);
    reader = new pg.Client({ connectionString: readerUrl });
    await reader.connect();
  });
  after(async () => {
    await reader?.end();
    await server?.stop();
  });

  it('lets the reader role select from tables and views, and write nothing', async () => {
    const { rows } = await reader.query('SELECT current_user AS u, count(*)::integer AS n FROM run_summary');
    assert.equal(rows[0].u, READER_ROLE);
    assert.ok(rows[0].n > 0);
    await assert.rejects(reader.query(`INSERT INTO sweep (name) VALUES ('nope')`), /read-only transaction/);
    // Even with read-only turned off for the session, it has no privilege to write.
    await reader.query('SET default_transaction_read_only = off');
    await assert.rejects(reader.query(`INSERT INTO sweep (name) VALUES ('nope')`), /permission denied/);
    await assert.rejects(reader.query('DELETE FROM run_metric'), /permission denied/);
    await assert.rejects(reader.query('CREATE TABLE t (x integer)'), /permission denied/);
  });

  for (const file of dashboards) {
    const variables = file.dashboard.templating?.list ?? [];
    const queries = dashboardQueries([file]).filter((q) => typeof q.target['rawSql'] === 'string');
    if (queries.length === 0) continue;
    it(`runs every SQL query of "${file.dashboard.title}" with the columns its panels read`, async () => {
      // Fill the variables in order, as Grafana does: each from its query, Prometheus ones by hand.
      const values: Record<string, string[]> = {};
      for (const v of variables) {
        if (v.datasource?.type === 'prometheus') {
          values[v.name] = ['.*'];
          continue;
        }
        const { rows, fields } = await reader.query(expandSql(String(v.query), variables, values));
        const column = fields.some((f) => f.name === '__value') ? '__value' : fields[0].name;
        if (fields.some((f) => f.name === '__value')) assert.ok(fields.some((f) => f.name === '__text'));
        const all = rows.map((r) => String(r[column]));
        assert.ok(all.length > 0, `variable ${v.name} has values`);
        values[v.name] = v.multi ? all : [all[0]];
      }
      for (const q of queries) {
        const text = expandSql(String(q.target['rawSql']), variables, values);
        let result: pg.QueryResult;
        try {
          result = await reader.query(text);
        } catch (error) {
          throw new Error(`${q.panel} (${q.refId}): ${(error as Error).message}\n${text}`);
        }
        const names = result.fields.map((f) => f.name);
        assert.deepEqual(
          names.slice(0, q.needs.columns!.length),
          q.needs.columns,
          `${q.panel} (${q.refId}) columns`,
        );
        assert.ok(result.rows.length > 0, `${q.panel} (${q.refId}) returns rows:\n${text}`);
        if (q.target['format'] === 'time_series') assert.ok(result.rows.every((r) => r.time instanceof Date));
      }
    });
  }

  it('computes the theory 2^(k−1)·|G| for the two-layer model only, next to H*', async () => {
    const q = dashboardQueries().find((x) => x.panel === 'H* per cell against the theory')!;
    const variables = dashboards[0].dashboard.templating!.list!;
    const values = { sweep: [SWEEP], group: ['C6', 'D3'], encoding: ['onehot'], model: ['mlp', 'rnn'] };
    const { rows } = await reader.query(expandSql(String(q.target['rawSql']), variables, values));
    const got = rows.map((r) => [
      r.group_name,
      r.model,
      r.k,
      r.min_width,
      r.theory === null ? null : Number(r.theory),
    ]);
    assert.deepEqual(got, [
      ['C6', 'mlp', 2, 16, 12],
      ['C6', 'mlp', 3, 32, 24],
      ['C6', 'rnn', 3, 8, null],
      ['D3', 'mlp', 2, null, 12],
    ]);
    assert.equal(rows.length, cells.length);
  });

  it('draws the predicted plateaus (1/|G|)·Σ_{i>j} P_(i) across the run', async () => {
    const q = dashboardQueries().find((x) => x.panel.startsWith('Loss staircase') && x.refId === 'B')!;
    const variables = dashboards[3].dashboard.templating!.list!;
    const { rows: runs } = await reader.query(
      `SELECT run_id FROM run_summary WHERE sweep = '${SWEEP}' AND outcome = 'failed' ORDER BY run_id LIMIT 1`,
    );
    const values = { sweep: [SWEEP], run: [String(runs[0].run_id)] };
    const { rows } = await reader.query(expandSql(String(q.target['rawSql']), variables, values));
    // From a succeeded run of the same group and encoding: powers 1/3, 1/3, 1/6 (and 0) over |G| = 6.
    const levels = [...new Set(rows.map((r) => Number(r.plateau).toFixed(4)))];
    assert.deepEqual(levels, [(0.8333 / 6).toFixed(4), (0.5 / 6).toFixed(4), (0.1667 / 6).toFixed(4)]);
    assert.deepEqual(
      [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b),
      [0, 1000],
    );
  });

  it("computes |G| from a group's name as src/algebra does", async () => {
    const names = [
      'C2',
      'C10',
      'D3',
      'D5',
      'S3',
      'S4',
      'A4',
      'A5',
      'Q8',
      'O',
      'I',
      'C4xC4',
      'C3xD4',
      'C2xC2xC2',
      'S3xQ8',
    ];
    for (const name of names) {
      const { rows } = await reader.query(`SELECT ${groupOrderSql('$1::text')} AS n`, [name]);
      assert.equal(Number(rows[0].n), parseGroup(name).order, name);
    }
    for (const name of ['foo', 'C4xfoo', 'table.json']) {
      const { rows } = await reader.query(`SELECT ${groupOrderSql('$1::text')} AS n`, [name]);
      assert.equal(rows[0].n, null, name);
    }
  });
});
