/**
 * `sgc sql`, `sgc results` and `sgc db migrate` through the real command line, on the embedded
 * store and on a PostgreSQL server, including the faults a user meets: a write attempt, a typo, a
 * wrong password, an unreachable server, a folder without a store, a corrupted data directory, a
 * migration that cannot apply, a server left behind by a killed process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { runCommandLine } from '../../../src/cli/commandLine.js';
import { sqlCommand } from '../../../src/cli/commands/sql.js';
import { packageRoot } from '../../../src/codeLocation.js';
import { InputError } from '../../../src/errors.js';
import { embeddedPaths } from '../../../src/store/embedded/attach.js';
import { readCredentials } from '../../../src/store/embedded/credentials.js';
import { runningServer } from '../../../src/store/embedded/postmaster.js';
import { loadMigrations } from '../../../src/store/migrations.js';
import { openDriver, openStore } from '../../../src/store/open-store.js';
import type { StoreTarget } from '../../../src/store/target.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { type CliResult, runSgc } from '../../helpers/sgc.js';
import { waitFor } from '../../helpers/temporal.js';
import { freshHome, scratchDir } from './fixtures.js';

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

describe('sgc db migrate / sql / results on the embedded store', () => {
  let home: string;
  let env: Record<string, string>;
  before(async () => {
    home = await freshHome();
    env = { SGC_HOME: home };
  });

  it('db migrate applies the migrations, then has nothing to do', async () => {
    const first = await runSgc(['db', 'migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    for (const m of loadMigrations()) assert.match(first.stdout, new RegExp(`applied ${m.name}`));
    const second = await runSgc(['db', 'migrate', '--status'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Up to date\./);
    assert.doesNotMatch(second.stdout, /pending/);
    assert.equal(
      runningServer(embeddedPaths(home).dataDir),
      undefined,
      'the server stops with its last user',
    );
  });

  it('sql prints an aligned table or CSV (JSON: see results --json and the unit tests)', async () => {
    await seed({ kind: 'embedded', home });
    const query = `SELECT k, min_width, status FROM min_width_by_k WHERE sweep = 'demo' ORDER BY k`;
    const table = await runSgc(['sql', query], env);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        'k  min_width  status',
        '-  ---------  ---------',
        '2          8  done',
        '3             searching',
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
    assert.match(all.stdout, /^sweep {2}group {2}encoding {2}model {2}k=2 {2}k=3/);
    assert.match(all.stdout, /\ndemo {3}D3 {5}onehot {4}mlp {6}8 {4}…/);
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
    const check = await openDriver({ kind: 'embedded', home });
    try {
      assert.deepEqual(await check.query('SELECT count(*)::integer AS n FROM sweep'), [{ n: 1 }]);
    } finally {
      await check.close();
    }
  });

  it('reports a syntax error in one line; bad options are caught before opening anything', async () => {
    assertUserError(await runSgc(['sql', 'SELECT FROM WHERE'], env), /syntax error at or near "WHERE"/);
    assertUserError(
      await runSgc(['sql', '--timeout', '0', 'SELECT 1'], env),
      /--timeout 0: a number of seconds above 0/,
    );
    await assert.rejects(
      async () => runCommandLine(sqlCommand, ['sql'], []),
      (e: unknown) => e instanceof InputError && /expected one query/.test(e.message),
    );
    await assert.rejects(
      async () => runCommandLine(sqlCommand, ['sql'], ['--json', '--csv', 'SELECT 1']),
      (e: unknown) => e instanceof InputError && /choose one of --json and --csv/.test(e.message),
    );
    await assert.rejects(
      async () => runCommandLine(sqlCommand, ['sql'], ['--file', '/nonexistent/query.sql']),
      (e: unknown) =>
        e instanceof InputError && /cannot read \/nonexistent\/query.sql: no such file/.test(e.message),
    );
  });

  it('uses the server another process keeps running, and leaves it running', async () => {
    const holder = await openDriver({ kind: 'embedded', home }, { command: 'test holder' });
    try {
      const server = runningServer(embeddedPaths(home).dataDir);
      assert.ok(server, 'the holder started the server');
      const result = await runSgc(['sql', 'SELECT count(*) AS n FROM sweep'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        runningServer(embeddedPaths(home).dataDir)?.pid,
        server.pid,
        'the same server, still running',
      );
      assert.deepEqual(await holder.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await holder.close();
    }
    assert.equal(runningServer(embeddedPaths(home).dataDir), undefined, 'stopped once its holder closed it');
  });

  it('refuses a wrong password: every login needs its own (scram-sha-256)', async () => {
    const holder = await openDriver({ kind: 'embedded', home });
    try {
      const credentials = readCredentials(home);
      assert.ok(credentials);
      assert.equal(statSync(join(home, 'store.json')).mode & 0o777, 0o600, 'store.json is 0600');
      for (const user of ['sgc_reader', 'sgc_owner', 'sgc_admin', 'postgres']) {
        const client = new pg.Client({
          connectionString: `postgresql://${user}:wrong@127.0.0.1:${credentials.port}/sgc`,
        });
        client.on('error', () => {});
        await assert.rejects(client.connect(), /password authentication failed/);
      }
      const hba = readFileSync(join(embeddedPaths(home).dataDir, 'pg_hba.conf'), 'utf8');
      assert.doesNotMatch(hba.replace(/^#.*$/gm, ''), /trust/);
    } finally {
      await holder.close();
    }
  });
});

describe('finding the store (like git finds .git)', () => {
  it('a command in a subfolder uses the store of its parent', async () => {
    const home = await freshHome(); // <scratch>/.sgc
    const project = dirname(home);
    const sub = join(project, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const result = await runSgc(['sql', 'SELECT current_database() AS db'], {}, undefined, sub);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^db\n-+\nsgc\n\(1 row\)\n$/);
    assert.equal(existsSync(join(sub, '.sgc')), false);
  });

  it('reading commands in an empty folder create nothing and exit 2', async () => {
    const empty = scratchDir('sgc-empty-');
    for (const args of [['results'], ['sql', 'SELECT 1'], ['report', 'x'], ['db', 'migrate', '--status']]) {
      assertUserError(
        await runSgc(args, {}, undefined, empty),
        /no sgc results store in .* `sgc up` or `sgc db migrate`/,
      );
    }
    assert.deepEqual(readdirSync(empty), []);
  });
});

describe('faults on the embedded store', () => {
  it('a corrupted data directory: one message, nothing in it touched', async () => {
    const home = await freshHome();
    const dataDir = embeddedPaths(home).dataDir;
    const control = join(dataDir, 'global', 'pg_control');
    writeFileSync(control, Buffer.alloc(statSync(control).size, 0x5a));
    const before = treeDigest(dataDir);
    assertUserError(
      await runSgc(['sql', 'SELECT 1'], { SGC_HOME: home }),
      /the embedded PostgreSQL in .* did not start: FATAL: .*(pg_control|control file|incompatible)/,
    );
    assert.equal(treeDigest(dataDir), before);
    assert.equal(existsSync(embeddedPaths(home).lockFile), false, 'the start lock is released');
  });

  it('a migration that fails half-way is rolled back whole', async () => {
    const home = await freshHome();
    // A table already named like one the first migration creates, after it created its enums.
    const driver = await openDriver({ kind: 'embedded', home });
    await driver.exec('CREATE TABLE "cell" (note text)');
    await driver.close();
    assertUserError(
      await runSgc(['db', 'migrate'], { SGC_HOME: home }),
      /migration \d+_init failed and was rolled back, nothing of it applied: relation "cell" already exists/,
    );
    const check = await openDriver({ kind: 'embedded', home });
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

  it('a server killed under a long-lived process is started again, and its pool reconnects', async () => {
    const home = await freshHome();
    const store = await openStore({ target: { kind: 'embedded', home } });
    const lines: string[] = [];
    try {
      assert.ok(store.embedded);
      store.embedded.keepRunning((line) => lines.push(line));
      await store.repository().upsertSweep({ name: 'before' });
      const killed = runningServer(embeddedPaths(home).dataDir);
      assert.ok(killed);
      process.kill(killed.pid, 'SIGKILL');
      await waitFor(
        'the server to run again',
        () => {
          const now = runningServer(embeddedPaths(home).dataDir);
          return now && now.pid !== killed.pid && now.status === 'ready';
        },
        60_000,
      );
      // The pool's broken connections fail once and are replaced: the next queries work.
      const rows = await waitFor(
        'a query to work again',
        () => store.driver.query<{ name: string }>('SELECT name FROM sweep').catch(() => undefined),
        30_000,
      );
      assert.deepEqual(rows, [{ name: 'before' }], 'nothing lost (WAL recovery)');
      assert.match(
        lines.join('\n'),
        /PostgreSQL stopped .* starting it again\n.*runs again on 127\.0\.0\.1:\d+/,
      );
    } finally {
      await store.close();
    }
    assert.equal(runningServer(embeddedPaths(home).dataDir), undefined, 'stopped with its last user');
  });

  it('a server left by a killed process is adopted, and stopped by the last user', async () => {
    const home = await freshHome();
    const { dataDir } = embeddedPaths(home);
    // A process that starts the server and dies without releasing it (SIGKILL).
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { openDriver } = await import(${JSON.stringify(pathToFileURL(join(packageRoot, 'src/store/open-store.ts')).href)});
         await openDriver({ kind: 'embedded', home: ${JSON.stringify(home)} });
         console.log('attached');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const orphan = runningServer(dataDir);
    assert.ok(orphan);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const result = await runSgc(['sql', 'SELECT 1 AS one'], { SGC_HOME: home });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(runningServer(dataDir), undefined, 'the orphan was adopted and stopped with its last user');
  });
});

describe('sgc on a PostgreSQL server (DATABASE_URL)', () => {
  let server: PostgresServer;
  let url: string;
  before(async () => {
    server = await startPostgres({ own: true }); // it creates roles, which belong to the whole cluster
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

  it('never runs a query as the superuser DATABASE_URL logs in as', async () => {
    assertUserError(
      await runSgc(['sql', `COPY (SELECT 1) TO PROGRAM 'id'`], { DATABASE_URL: url }),
      /DATABASE_URL logs in as a superuser \(postgres\), and sgc sql never runs a query with those powers/,
    );
    assertUserError(
      await runSgc(['sql', 'SELECT 1'], { DATABASE_URL: url, SGC_READER_URL: url }),
      /SGC_READER_URL logs in as a superuser/,
    );
  });

  it('migrates, queries and reports results there', async () => {
    const migrated = await runSgc(['db', 'migrate'], { DATABASE_URL: url });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /migration\(s\) applied, up to date/);
    await seed({ kind: 'postgres', url });
    const results = await runSgc(['results', 'demo', '--csv'], { DATABASE_URL: url });
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, /^sweep,group_name,encoding,model,k,min_width,seeds,runs,/);
    assert.match(results.stdout, /\r\ndemo,D3,onehot,mlp,2,8,2,2,done,/);
    // A plain owner role that is a member of sgc_reader: queries run as sgc_reader through SET ROLE.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sgc_reader') THEN CREATE ROLE sgc_reader; END IF; END $$`,
      );
      await admin.query(
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lab_owner') THEN CREATE ROLE lab_owner LOGIN; END IF; END $$`,
      );
      await admin.query('GRANT sgc_reader TO lab_owner');
      await admin.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO sgc_reader');
    } finally {
      await admin.end();
    }
    const member = new URL(url);
    member.username = 'lab_owner';
    const asMember = { DATABASE_URL: member.toString() };
    assertUserError(
      await runSgc(['sql', `UPDATE cell SET min_width = 1`], asMember),
      /refused: queries run read-only/,
    );
    const who = await runSgc(
      ['sql', '--json', 'SELECT current_user AS who, min(min_width) AS w FROM cell'],
      asMember,
    );
    assert.deepEqual(JSON.parse(who.stdout), [{ who: 'sgc_reader', w: 8 }]);
  });
});
