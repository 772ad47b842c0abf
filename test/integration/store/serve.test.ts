/**
 * `sgc db serve` with real clients: psql and the pg driver connect to the embedded database over
 * the PostgreSQL protocol, in turn and at once; other sgc commands reach it through the printed URL.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { lockPathFor } from '../../../src/store/dir-lock.js';
import { PGliteDriver } from '../../../src/store/pglite-driver.js';
import { runSgc, sgcBin } from '../../helpers/sgc.js';
import { freshPgliteDir } from './fixtures.js';

const psql = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => existsSync(p)) ?? 'psql';

/** Starts `sgc db serve --port 0` and resolves with the connection string it prints. */
function startServe(
  dir: string,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SGC_DB_DIR: dir };
  delete env['DATABASE_URL'];
  const child = spawn(process.execPath, [sgcBin, 'db', 'serve', '--port', '0'], { env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sgc db serve printed no URL in 30 s:\n${stderr}`)),
      30_000,
    );
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = stdout.match(/^postgresql:\/\/\S+$/m)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, stderr: () => stderr });
      }
    });
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
  let dir: string;
  let serve: Awaited<ReturnType<typeof startServe>>;
  before(async () => {
    dir = await freshPgliteDir();
    serve = await startServe(dir);
  });
  after(() => {
    if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
  });

  it('prints a connection string and has applied the migrations', () => {
    assert.match(serve.url, /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/);
    assert.match(serve.stderr(), /applied migration \d+_init/);
  });

  it('serves psql', async () => {
    const { stdout } = await promisify(execFile)(psql, [
      serve.url,
      '-X',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `INSERT INTO sweep (name) VALUES ('from-psql')`,
      '-c',
      'SELECT name FROM sweep ORDER BY name',
    ]);
    assert.equal(stdout.trim().split('\n').pop(), 'from-psql');
  });

  it('serves several clients in turn and at once', async () => {
    assert.deepEqual(await pgQuery(serve.url, 'SELECT name FROM sweep'), [{ name: 'from-psql' }]);
    assert.deepEqual(await pgQuery(serve.url, `SELECT count(*)::int AS n FROM min_width_by_k`), [{ n: 0 }]);
    const a = new pg.Client({ connectionString: serve.url });
    const b = new pg.Client({ connectionString: serve.url });
    await a.connect();
    await b.connect();
    try {
      await a.query(`INSERT INTO sweep (name) VALUES ('from-a')`);
      const seen = await b.query('SELECT name FROM sweep ORDER BY name');
      assert.deepEqual(
        seen.rows.map((r) => r.name),
        ['from-a', 'from-psql'],
      );
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('other sgc commands find the server through the lock file, and work through it', async () => {
    // No DATABASE_URL: the embedded directory is locked by `sgc db serve`, whose lock names its URL.
    const direct = await runSgc(['sql', '--json', 'SELECT name FROM sweep ORDER BY name'], {
      SGC_DB_DIR: dir,
    });
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(JSON.parse(direct.stdout), [{ name: 'from-a' }, { name: 'from-psql' }]);
    const viaServer = await runSgc(['sql', '--json', 'SELECT name FROM sweep ORDER BY name'], {
      DATABASE_URL: serve.url,
    });
    assert.equal(viaServer.code, 0, viaServer.stderr);
    assert.deepEqual(JSON.parse(viaServer.stdout), [{ name: 'from-a' }, { name: 'from-psql' }]);
  });

  it('stops cleanly on SIGTERM, keeping what was written', async () => {
    const exited = new Promise<number | null>((resolve) => serve.child.on('exit', (code) => resolve(code)));
    serve.child.kill('SIGTERM');
    assert.equal(await exited, 0, serve.stderr());
    assert.equal(existsSync(lockPathFor(dir)), false);
    const driver = await PGliteDriver.open(dir);
    try {
      assert.deepEqual(await driver.query('SELECT name FROM sweep ORDER BY name'), [
        { name: 'from-a' },
        { name: 'from-psql' },
      ]);
    } finally {
      await driver.close();
    }
  });
});
