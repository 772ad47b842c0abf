/**
 * `sgc sql`, `sgc results` and `sgc db migrate` through the real command line, on the embedded
 * database and on a PostgreSQL server, including the faults a user meets: a write attempt, a typo,
 * an unreachable server, a database in use, a corrupted directory, a migration that cannot apply.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sqlCommand } from '../../../src/cli/commands/sql.js';
import { InputError } from '../../../src/errors.js';
import { lockPathFor } from '../../../src/store/dir-lock.js';
import { loadMigrations } from '../../../src/store/migrations.js';
import { openDriver, openStore } from '../../../src/store/open-store.js';
import { PGliteDriver } from '../../../src/store/pglite-driver.js';
import type { StoreTarget } from '../../../src/store/target.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { type CliResult, runSgc } from '../../helpers/sgc.js';
import { freshPgliteDir } from './fixtures.js';

/** A user error: exit 2, one line on stderr naming the command, no stack trace. */
function assertUserError(result: CliResult, pattern: RegExp) {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line of error, got:\n${result.stderr}`);
  assert.match(lines[0], /^sgc [a-z ]+: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

/** Seeds a small finished sweep: D3 one-hot MLP, H* = 8 at k = 2, still searching at k = 3. */
async function seed(target: StoreTarget) {
  const store = await openStore({ target, migrate: true });
  try {
    const repo = store.repository();
    const sweep = await repo.upsertSweep({ name: 'demo' });
    const c2 = await repo.upsertCell({
      sweepId: sweep.id,
      group: 'D3',
      encoding: 'onehot',
      k: 2,
      model: 'mlp',
    });
    const c3 = await repo.upsertCell({
      sweepId: sweep.id,
      group: 'D3',
      encoding: 'onehot',
      k: 3,
      model: 'mlp',
    });
    for (const seedValue of [0, 1]) {
      const configHash = `demo-8-${seedValue}`;
      await repo.upsertRun({ configHash, h: 8, seed: seedValue, config: {}, engine: 'onnx', cellId: c2.id });
      await repo.finishRun(configHash, { status: 'done', outcome: 'succeeded', finalLoss: 0.001 });
    }
    await repo.updateCell(c2.id, { status: 'done', minWidth: 8 });
    await repo.updateCell(c3.id, { status: 'searching' });
  } finally {
    await store.close();
  }
}

function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(name).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

describe('sgc db migrate / sql / results on the embedded database', () => {
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await freshPgliteDir();
    env = { SGC_DB_DIR: dir };
  });

  it('db migrate applies the migrations, then has nothing to do', async () => {
    const first = await runSgc(['db', 'migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    for (const m of loadMigrations()) assert.match(first.stdout, new RegExp(`applied ${m.name}`));
    const second = await runSgc(['db', 'migrate', '--status'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Up to date\./);
    assert.doesNotMatch(second.stdout, /pending/);
    assert.equal(existsSync(lockPathFor(dir)), false, 'the lock is released on exit');
  });

  it('sql prints an aligned table or CSV (JSON: see results --json and the unit tests)', async () => {
    await seed({ kind: 'pglite', dir });
    const query = `SELECT k, min_width, status FROM min_width_by_k WHERE sweep = 'demo' ORDER BY k`;
    const table = await runSgc(['sql', query], env);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        ' k | min_width |  status',
        '---+-----------+-----------',
        ' 2 |         8 | done',
        ' 3 |           | searching',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    const csv = await runSgc(
      ['sql', '--csv', '--file', '-'],
      env,
      `SELECT 'a,b' AS "x y", 1.5::float8 AS v, NULL AS n`,
    );
    assert.equal(csv.stdout, 'x y,v,n\r\n"a,b",1.5,\n');
  });

  it('results shows H* per k for each (group, encoding, model)', async () => {
    const all = await runSgc(['results'], env);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /sweep \| group \| encoding \| model \| k=2 \| k=3/);
    assert.match(all.stdout, /demo {2}\| D3 {4}\| onehot {3}\| mlp {3}\| {3}8 \| {3}…/);
    const json = await runSgc(['results', 'demo', '--json'], env);
    const rows = JSON.parse(json.stdout) as {
      k: number;
      min_width: number | null;
      seeds: number;
      runs: number;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.k, r.min_width, r.seeds, r.runs]),
      [
        [2, 8, 2, 2],
        [3, null, 0, 0],
      ],
    );
    assertUserError(await runSgc(['results', 'nope'], env), /no sweep named "nope"; sweeps: demo/);
  });

  it('refuses a write, leaving the database unchanged', async () => {
    assertUserError(
      await runSgc(['sql', 'DELETE FROM sweep'], env),
      /refused: queries run read-only.*Nothing was changed/,
    );
    const check = await PGliteDriver.open(dir);
    try {
      assert.deepEqual(await check.query('SELECT count(*)::integer AS n FROM sweep'), [{ n: 1 }]);
    } finally {
      await check.close();
    }
  });

  it('reports a syntax error in one line; bad options are caught before opening anything', async () => {
    assertUserError(await runSgc(['sql', 'SELECT FROM WHERE'], env), /syntax error at or near "WHERE"/);
    await assert.rejects(
      async () => sqlCommand.run([]),
      (e: unknown) => e instanceof InputError && /expected one query/.test(e.message),
    );
    await assert.rejects(
      async () => sqlCommand.run(['--json', '--csv', 'SELECT 1']),
      (e: unknown) => e instanceof InputError && /choose one of --json and --csv/.test(e.message),
    );
    await assert.rejects(
      async () => sqlCommand.run(['--file', '/nonexistent/query.sql']),
      (e: unknown) =>
        e instanceof InputError && /cannot read \/nonexistent\/query.sql: no such file/.test(e.message),
    );
  });

  it('reports a database that another process holds', async () => {
    const holder = await PGliteDriver.open(dir, 'test holder');
    try {
      assertUserError(
        await runSgc(['sql', 'SELECT 1'], env),
        new RegExp(`in use by process ${process.pid} \\("test holder"`),
      );
    } finally {
      await holder.close();
    }
    assert.equal(existsSync(lockPathFor(dir)), false, 'free again once its holder closed it');
  });
});

describe('faults on the embedded database', () => {
  it('a corrupted directory: one message, nothing in it touched', async () => {
    const dir = await freshPgliteDir();
    const control = join(dir, 'global', 'pg_control');
    writeFileSync(control, Buffer.alloc(statSync(control).size, 0x5a));
    const before = treeDigest(dir);
    assertUserError(
      await runSgc(['sql', 'SELECT 1'], { SGC_DB_DIR: dir }),
      /cannot open the embedded database .* may be corrupted .* nothing in it was changed/,
    );
    assert.equal(treeDigest(dir), before);
    assert.equal(existsSync(lockPathFor(dir)), false);
  });

  it('a migration that fails half-way is rolled back whole', async () => {
    const dir = await freshPgliteDir();
    // A table already named like one the first migration creates, after it created its enums.
    const driver = await PGliteDriver.open(dir);
    await driver.exec('CREATE TABLE "cell" (note text)');
    await driver.close();
    assertUserError(
      await runSgc(['db', 'migrate'], { SGC_DB_DIR: dir }),
      /migration \d+_init failed and was rolled back, nothing of it applied: relation "cell" already exists/,
    );
    const check = await PGliteDriver.open(dir);
    try {
      const [row] = await check.query<{ enums: number; tables: number; records: number }>(
        `SELECT (SELECT count(*) FROM pg_type WHERE typname = 'sweep_status')::integer AS enums,
                (SELECT count(*) FROM pg_class WHERE relname = 'sweep')::integer AS tables,
                (SELECT count(*) FROM _prisma_migrations)::integer AS records`,
      );
      assert.deepEqual(row, { enums: 0, tables: 0, records: 0 });
    } finally {
      await check.close();
    }
  });
});

describe('sgc on a PostgreSQL server (DATABASE_URL)', () => {
  let server: PostgresServer;
  let url: string;
  before(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  });
  after(async () => {
    await server?.stop();
  });

  it('reports an unreachable or malformed DATABASE_URL in one line', async () => {
    assertUserError(
      await runSgc(['sql', 'SELECT 1'], {
        DATABASE_URL: `postgresql://postgres@127.0.0.1:${server.port + 1}/x`,
      }),
      /cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/x: connection refused/,
    );
    await assert.rejects(
      openDriver({ kind: 'postgres', url: 'not a url' }),
      (e: unknown) => e instanceof InputError && /DATABASE_URL is not a valid URL/.test(e.message),
    );
    assertUserError(
      await runSgc(['results'], { DATABASE_URL: url }),
      /has no sgc tables yet: run `sgc db migrate`/,
    );
  });

  it('migrates, queries and reports results there', async () => {
    const migrated = await runSgc(['db', 'migrate'], { DATABASE_URL: url });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /migration\(s\) applied, up to date/);
    await seed({ kind: 'postgres', url });
    const results = await runSgc(['results', 'demo', '--csv'], { DATABASE_URL: url });
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, /^sweep,group,encoding,model,k,min_width,seeds,runs,/);
    assert.match(results.stdout, /\r\ndemo,D3,onehot,mlp,2,8,2,2,done,/);
    assertUserError(
      await runSgc(['sql', `UPDATE cell SET min_width = 1`], { DATABASE_URL: url }),
      /refused: queries run read-only/,
    );
    const json = await runSgc(['sql', '--json', 'SELECT min(min_width) AS w FROM cell'], {
      DATABASE_URL: url,
    });
    assert.deepEqual(JSON.parse(json.stdout), [{ w: 8 }]);
  });
});
