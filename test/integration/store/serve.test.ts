/**
 * `sgc db serve` with real clients: it keeps the embedded PostgreSQL running and prints the
 * read-only sgc_reader URL; psql and the pg driver connect with it, in turn and at once, and can
 * only read; other sgc commands use the same server meanwhile; it stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { embeddedPaths } from '../../../src/store/embedded/attach.js';
import { readCredentials } from '../../../src/store/embedded/credentials.js';
import { runningServer } from '../../../src/store/embedded/postmaster.js';
import { openStore } from '../../../src/store/open-store.js';
import { runSgc, sgcBin } from '../../helpers/sgc.js';
import { freshHome } from './fixtures.js';

const psql = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p)) ?? 'psql';

/** Starts `sgc db serve` and resolves with the reader URL it prints. */
function startServe(
  home: string,
  args: string[] = [],
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SGC_HOME: home };
  delete env['DATABASE_URL'];
  const child = spawn(process.execPath, [sgcBin, 'db', 'serve', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sgc db serve printed no URL in 60 s:\n${stderr}`)),
      60_000,
    );
    const ready = () => {
      const url = stdout.match(/^postgresql:\/\/\S+$/m)?.[0];
      if (url && stderr.includes('Grafana:')) {
        clearTimeout(timer);
        resolve({ child, url, stderr: () => stderr });
      }
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      ready();
    });
    child.stderr.on('data', ready);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sgc db serve exited with ${code}:\n${stderr}`));
    });
  });
}

async function pgQuery(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('sgc db serve', () => {
  let home: string;
  let serve: Awaited<ReturnType<typeof startServe>>;
  before(async () => {
    home = await freshHome();
    const store = await openStore({ target: { kind: 'embedded', home } });
    await store.repository().upsertSweep({ name: 'seeded' });
    await store.close();
    serve = await startServe(home);
  });
  after(() => {
    if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
  });

  it("prints the reader's URL and the environment Grafana reads", () => {
    const credentials = readCredentials(home);
    assert.ok(credentials);
    assert.equal(
      serve.url,
      `postgresql://sgc_reader:${credentials.reader.password}@127.0.0.1:${credentials.port}/sgc?sslmode=disable`,
    );
    assert.match(
      serve.stderr(),
      new RegExp(
        `Grafana: SGC_PG_HOST=127.0.0.1 SGC_PG_PORT=${credentials.port} SGC_PG_DATABASE=sgc SGC_READER_PASSWORD=\\S+`,
      ),
    );
  });

  it('serves psql, read-only', async () => {
    const { stdout } = await promisify(execFile)(psql, [
      serve.url,
      '-X',
      '-At',
      '-c',
      "SELECT current_user || ' ' || name FROM sweep",
    ]);
    assert.equal(stdout.trim(), 'sgc_reader seeded');
    await assert.rejects(
      promisify(execFile)(psql, [
        serve.url,
        '-X',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `BEGIN; SET TRANSACTION READ WRITE; INSERT INTO sweep (name) VALUES ('x'); COMMIT;`,
      ]),
      /permission denied for table sweep/,
    );
  });

  it('serves several clients at once', async () => {
    const clients = Array.from({ length: 8 }, () => new pg.Client({ connectionString: serve.url }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const counts = await Promise.all(
        clients.map(
          async (c) =>
            (await c.query('SELECT count(*)::int AS n, pg_backend_pid() AS pid FROM sweep')).rows[0],
        ),
      );
      assert.ok(counts.every((r) => r.n === 1));
      assert.equal(new Set(counts.map((r) => r.pid)).size, 8, 'each client has a session of its own');
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('other sgc commands use the same server, which keeps running', async () => {
    const pid = runningServer(embeddedPaths(home).dataDir)?.pid;
    assert.ok(pid);
    const result = await runSgc(['sql', '--json', 'SELECT name FROM sweep ORDER BY name'], {
      SGC_HOME: home,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [{ name: 'seeded' }]);
    assert.equal(runningServer(embeddedPaths(home).dataDir)?.pid, pid);
    assert.deepEqual(await pgQuery(serve.url, 'SELECT 1 AS one'), [{ one: 1 }]);
  });

  it('refuses another port or exposure while the server runs, and exposure without --expose', async () => {
    const moved = await runSgc(['db', 'serve', '--port', '1'], { SGC_HOME: home });
    assert.equal(moved.code, 2);
    assert.match(moved.stderr, /running on port \d+ already \(used by sgc db serve \(pid \d+\)\)/);
    const exposed = await runSgc(['db', 'serve', '--host', '0.0.0.0'], { SGC_HOME: home });
    assert.equal(exposed.code, 2);
    assert.match(exposed.stderr, /would let other machines connect .* add --expose/);
  });

  it('stops cleanly on SIGTERM, keeping what was written', async () => {
    const exited = new Promise<number | null>((resolve) => serve.child.on('exit', (code) => resolve(code)));
    serve.child.kill('SIGTERM');
    assert.equal(await exited, 0, serve.stderr());
    assert.equal(
      runningServer(embeddedPaths(home).dataDir),
      undefined,
      'the server stopped with its last user',
    );
    const store = await openStore({ target: { kind: 'embedded', home } });
    try {
      assert.deepEqual(await store.driver.query('SELECT name FROM sweep ORDER BY name'), [
        { name: 'seeded' },
      ]);
    } finally {
      await store.close();
    }
  });
});
