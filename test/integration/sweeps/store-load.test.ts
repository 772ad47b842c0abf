/**
 * The embedded store as a lab uses it, through real processes: `sgc up` (Temporal dev server,
 * embedded PostgreSQL, worker) running a sweep while four readers loop on `sgc sql`, `sgc results`,
 * `sgc report` and a pg client of their own; then `sgc up` killed with SIGKILL (its whole process
 * group) in the middle of a sweep and started again. Either way the sweep must end with the H* and
 * the runs of the same search undisturbed (a plain loop without Temporal or store: runs are
 * deterministic), no reader may see an error, and no run may be left unfinished or stored twice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { stringify } from 'yaml';
import { readCredentials } from '../../../src/store/embedded/credentials.js';
import { openDriver } from '../../../src/store/open-store.js';
import { expandSweep } from '../../../src/sweep/expand.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import { directSearch } from '../../helpers/directSearch.js';
import { type CliResult, runSgc, sgcBin } from '../../helpers/sgc.js';
import { waitFor } from '../../helpers/temporal.js';

/** 2 cells, 2 seeds per width: about 20 runs of well under a second each. */
const spec = (name: string) => ({
  name,
  groups: ['C6', 'D3'],
  encodings: [{ kind: 'onehot' }],
  k: [2],
  models: ['mlp'],
  width: { search: { start: 4, max: 64, perOctave: 2 }, seeds: 2, succeed: 2 },
  train: { optimizer: 'per-neuron', lr: 0.01, init: 1e-3, steps: 3000, clip: 0.1 },
  engine: { name: 'onnx' },
});

interface Expected {
  cells: Map<string, number | null>;
  runs: number;
}

/**
 * H* per cell and the number of runs, from the undisturbed search. The sweep's name is in no run's
 * identity, so one search serves every test here: computed once, on first use.
 */
let undisturbedOnce: Promise<Expected> | undefined;
function undisturbed(): Promise<Expected> {
  undisturbedOnce ??= searchUndisturbed();
  return undisturbedOnce;
}

async function searchUndisturbed(): Promise<Expected> {
  const parsed = parseSweepSpec(spec('undisturbed'), 'test');
  const cells = new Map<string, number | null>();
  let runs = 0;
  for (const cell of expandSweep(parsed).cells) {
    const result = await directSearch(cell, parsed.width);
    cells.set(cell.group, result.minWidth);
    runs += new Set(result.probes.map((p) => `${p.H}/${p.seed}`)).size;
  }
  return { cells, runs };
}

function upIn(dir: string): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SGC_HOME']) delete env[name];
  // A process group of its own, so that the test can kill sgc up with everything it started.
  const child = spawn(process.execPath, [sgcBin, 'up', '--metrics-port', '0'], {
    cwd: dir,
    env,
    detached: true,
  });
  let log = '';
  child.stderr?.on('data', (d) => (log += d));
  child.stdout?.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, log: () => log, exited };
}

/** What the store holds of a sweep once it ended: H* per group, and its runs. */
async function stored(dir: string, name: string) {
  const driver = await openDriver({ kind: 'embedded', home: join(dir, '.sgc') });
  try {
    const cells = await driver.query<{ group_name: string; min_width: number | null; status: string }>(
      `SELECT group_name, min_width, status::text AS status FROM min_width_by_k WHERE sweep = $1 ORDER BY group_name`,
      [name],
    );
    const runs = await driver.query<{ config_hash: string; status: string; n: number }>(
      `SELECT r.config_hash, r.status::text AS status, count(*)::integer AS n
         FROM run r JOIN cell_run cr ON cr.run_id = r.id JOIN cell c ON c.id = cr.cell_id
         JOIN sweep s ON s.id = c.sweep_id WHERE s.name = $1 GROUP BY r.config_hash, r.status`,
      [name],
    );
    const [{ sweepStatus }] = await driver.query<{ sweepStatus: string }>(
      `SELECT status::text AS "sweepStatus" FROM sweep WHERE name = $1`,
      [name],
    );
    return { cells, runs, sweepStatus };
  } finally {
    await driver.close();
  }
}

function assertMatches(actual: Awaited<ReturnType<typeof stored>>, expected: Expected) {
  assert.deepEqual(
    new Map(actual.cells.map((c) => [c.group_name, c.min_width])),
    expected.cells,
    'H* as the undisturbed search found it',
  );
  assert.ok(
    actual.cells.every((c) => c.status === 'done'),
    JSON.stringify(actual.cells),
  );
  assert.equal(actual.runs.length, expected.runs, 'as many runs as the undisturbed search trained');
  assert.ok(
    actual.runs.every((r) => r.status === 'done' && r.n === 1),
    `every run ended, each once: ${JSON.stringify(actual.runs)}`,
  );
}

async function sweepEnded(dir: string, name: string): Promise<boolean> {
  const r = await runSgc(
    ['sql', '--csv', `SELECT status FROM sweep WHERE name = '${name}'`],
    {},
    undefined,
    dir,
  );
  return r.code === 0 && /\ndone\b/.test(r.stdout);
}

describe('the embedded store under load and after a crash', { timeout: 900_000 }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'sgc-store-load-'));
    chmodSync(root, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('four readers loop during a sweep on sgc up: no error anywhere, the same H* and runs', async () => {
    const dir = join(root, 'load');
    mkdirSync(dir);
    writeFileSync(join(dir, 'spec.yaml'), stringify(spec('loaded')));
    const expected = await undisturbed();
    const up = upIn(dir);
    const failures: string[] = [];
    const calls = { sql: 0, results: 0, report: 0, pg: 0 };
    let stop = false;
    try {
      await waitFor('sgc up to be ready', () => up.log().includes('ready:'), 180_000);
      const started = await runSgc(['sweep', 'start', 'spec.yaml'], {}, undefined, dir);
      assert.equal(started.code, 0, started.stderr);
      const check = (what: keyof typeof calls, r: CliResult) => {
        calls[what]++;
        if (r.code !== 0) failures.push(`${what}: exit ${r.code}: ${r.stderr.trim()}`);
      };
      const loop = async (what: keyof typeof calls, once: () => Promise<void>) => {
        while (!stop) await once();
        return what;
      };
      const credentials = readCredentials(join(dir, '.sgc'));
      assert.ok(credentials);
      const readers = [
        loop('sql', async () =>
          check(
            'sql',
            await runSgc(['sql', 'SELECT status, count(*) FROM run GROUP BY status'], {}, undefined, dir),
          ),
        ),
        loop('results', async () =>
          check('results', await runSgc(['results', 'loaded'], {}, undefined, dir)),
        ),
        loop('report', async () =>
          check(
            'report',
            await runSgc(['report', 'loaded', '--out', join(dir, 'report')], {}, undefined, dir),
          ),
        ),
        loop('pg', async () => {
          const client = new pg.Client({
            connectionString: `postgresql://sgc_reader:${credentials.reader.password}@127.0.0.1:${credentials.port}/sgc`,
          });
          client.on('error', (e) => failures.push(`pg: ${e.message}`));
          try {
            await client.connect();
            for (let i = 0; i < 20; i++) {
              await client.query('SELECT * FROM min_width_by_k');
              await client.query('SELECT count(*) FROM run_summary');
            }
            calls.pg++;
          } catch (error) {
            failures.push(`pg: ${(error as Error).message}`);
          } finally {
            await client.end().catch(() => {});
          }
        }),
      ];
      await waitFor('the sweep to end', () => sweepEnded(dir, 'loaded'), 600_000, 2000);
      stop = true;
      await Promise.all(readers);
    } finally {
      stop = true;
      up.child.kill('SIGINT');
    }
    assert.equal(await up.exited, 0, up.log());
    assert.deepEqual(failures, [], 'no reader saw an error');
    for (const [what, n] of Object.entries(calls)) assert.ok(n >= 1, `${what} ran (${n} times)`);
    assertMatches(await stored(dir, 'loaded'), expected);
    assert.doesNotMatch(up.log(), /read-only transaction|current transaction is aborted|\n\s+at /);
  });

  test('sgc up killed with SIGKILL mid-sweep, then started again: the sweep completes, nothing lost or doubled', async () => {
    const dir = join(root, 'crash');
    mkdirSync(dir);
    writeFileSync(join(dir, 'spec.yaml'), stringify(spec('crashed')));
    const expected = await undisturbed();
    const first = upIn(dir);
    try {
      await waitFor('sgc up to be ready', () => first.log().includes('ready:'), 180_000);
      const started = await runSgc(['sweep', 'start', 'spec.yaml'], {}, undefined, dir);
      assert.equal(started.code, 0, started.stderr);
      await waitFor(
        'a few runs to be stored',
        async () => {
          const r = await runSgc(
            ['sql', '--csv', `SELECT count(*) FROM run WHERE status = 'done'`],
            {},
            undefined,
            dir,
          );
          return r.code === 0 && Number(r.stdout.split('\n')[1]) >= 3;
        },
        300_000,
        500,
      );
    } finally {
      process.kill(-first.child.pid!, 'SIGKILL');
    }
    await first.exited;
    const second = upIn(dir);
    try {
      await waitFor('sgc up to be ready again', () => second.log().includes('ready:'), 180_000);
      await waitFor('the sweep to end', () => sweepEnded(dir, 'crashed'), 600_000, 2000);
    } finally {
      second.child.kill('SIGINT');
    }
    assert.equal(await second.exited, 0, second.log());
    assertMatches(await stored(dir, 'crashed'), expected);
  });

  test('every sgc session terminated again and again during a sweep: sgc up stays up, the sweep completes, same H*', async () => {
    const dir = join(root, 'terminate');
    mkdirSync(dir);
    writeFileSync(join(dir, 'spec.yaml'), stringify(spec('terminated')));
    const expected = await undisturbed();
    const up = upIn(dir);
    let stop = false;
    let terminated = 0;
    let killer: Promise<void> | undefined;
    try {
      await waitFor('sgc up to be ready', () => up.log().includes('ready:'), 180_000);
      const credentials = readCredentials(join(dir, '.sgc'));
      assert.ok(credentials);
      const started = await runSgc(['sweep', 'start', 'spec.yaml'], {}, undefined, dir);
      assert.equal(started.code, 0, started.stderr);
      // As a restart or a failover would: every session of the role sgc writes with, every 2 s.
      killer = (async () => {
        const admin = new pg.Client({
          connectionString: `postgresql://${credentials.admin.user}:${credentials.admin.password}@127.0.0.1:${credentials.port}/postgres`,
        });
        admin.on('error', () => {});
        await admin.connect();
        try {
          while (!stop) {
            const { rows } = await admin.query(
              `SELECT count(*)::integer AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE usename = $1 AND pid <> pg_backend_pid()) t`,
              [credentials.owner.user],
            );
            terminated += rows[0].n;
            await new Promise((r) => setTimeout(r, 2000));
          }
        } finally {
          await admin.end().catch(() => {});
        }
      })();
      await waitFor('the sweep to end', () => sweepEnded(dir, 'terminated'), 600_000, 2000);
    } finally {
      stop = true;
      await killer;
      up.child.kill('SIGINT');
    }
    assert.equal(await up.exited, 0, `sgc up stayed up and stopped cleanly:\n${up.log()}`);
    assert.ok(terminated >= 3, `sessions were terminated (${terminated})`);
    assert.doesNotMatch(up.log(), /Connection terminated unexpectedly\n\s+at |Unhandled 'error' event/);
    assertMatches(await stored(dir, 'terminated'), expected);
  });
});
