/**
 * DATABASE_URL's sslmode as libpq documents it, against a real PostgreSQL with `ssl=on`, a
 * certificate signed by a throwaway CA, and password logins: `require` encrypts without verifying,
 * `verify-ca` and `verify-full` verify against `sslrootcert`, `prefer` falls back to plain text on a
 * server without TLS; the password may come from the URL, PGPASSWORD or a password file. Failures
 * are one line, exit 2, and never show the password.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InputError } from '../../../src/errors.js';
import { PgDriver } from '../../../src/store/pg-driver.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';
import { runSgc } from '../../helpers/sgc.js';
import { makeCertificates, type TestCertificates } from '../../helpers/tls.js';

const PASSWORD = 'pw-Zq81-not-for-logs';

describe('PostgreSQL over TLS, sslmode as libpq reads it', { timeout: 180_000 }, () => {
  let dir: string;
  let certs: TestCertificates;
  let tlsServer: PostgresServer;
  let plainServer: PostgresServer;
  /** A URL to the TLS server's database without sslmode, password or query. */
  let base: URL;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-pg-tls-'));
    certs = makeCertificates(dir);
    [tlsServer, plainServer] = await Promise.all([
      startPostgres({ ssl: { cert: certs.serverCert, key: certs.serverKey }, password: PASSWORD }),
      startPostgres(),
    ]);
    base = new URL(await tlsServer.createDatabase());
  });

  after(async () => {
    await tlsServer?.stop();
    await plainServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The TLS server's URL with these query parameters, with the password unless `withPassword` is false. */
  const url = (query: Record<string, string>, withPassword = true) => {
    const u = new URL(base);
    u.password = withPassword ? encodeURIComponent(PASSWORD) : '';
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  };

  /** Whether this session is encrypted, as the server sees it. */
  const encrypted = async (connectionUrl: string) => {
    const driver = await PgDriver.connect(connectionUrl, { max: 1 });
    try {
      const [row] = await driver.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return row?.ssl;
    } finally {
      await driver.close();
    }
  };

  test('require: encrypted, the self-signed chain not verified', async () => {
    assert.equal(await encrypted(url({ sslmode: 'require' })), true);
  });

  test('verify-ca and verify-full with the CA that signed the server: encrypted', async () => {
    assert.equal(await encrypted(url({ sslmode: 'verify-ca', sslrootcert: certs.caCert })), true);
    assert.equal(await encrypted(url({ sslmode: 'verify-full', sslrootcert: certs.caCert })), true);
  });

  test('disable: plain text on the same server', async () => {
    assert.equal(await encrypted(url({ sslmode: 'disable' })), false);
  });

  test('prefer: TLS where offered, plain text where not', async () => {
    assert.equal(await encrypted(url({ sslmode: 'prefer' })), true);
    const plain = new URL(await plainServer.createDatabase());
    plain.searchParams.set('sslmode', 'prefer');
    assert.equal(await encrypted(plain.toString()), false);
  });

  test('verify-ca against another CA, or without one: one clear refusal', async () => {
    await assert.rejects(
      PgDriver.connect(url({ sslmode: 'verify-ca', sslrootcert: certs.otherCaCert })),
      (e: Error) =>
        e instanceof InputError &&
        /certificate was not accepted/.test(e.message) &&
        !e.message.includes(PASSWORD),
    );
    const home = process.env['HOME'];
    process.env['HOME'] = dir; // no ~/.postgresql/root.crt there
    try {
      await assert.rejects(
        PgDriver.connect(url({ sslmode: 'verify-ca' })),
        (e: Error) => e instanceof InputError && /needs the CA .*sslrootcert/.test(e.message),
      );
    } finally {
      process.env['HOME'] = home;
    }
  });

  test('the password from PGPASSWORD or a 0600 password file, as libpq takes it', async () => {
    const bare = url({ sslmode: 'require' }, false);
    await assert.rejects(
      PgDriver.connect(bare),
      (e: Error) => e instanceof InputError && /asks for a password and none was given/.test(e.message),
      'no password anywhere',
    );
    const previous = process.env['PGPASSWORD'];
    process.env['PGPASSWORD'] = PASSWORD;
    try {
      assert.equal(await encrypted(bare), true);
    } finally {
      if (previous === undefined) delete process.env['PGPASSWORD'];
      else process.env['PGPASSWORD'] = previous;
    }
    const passfile = join(dir, 'pgpass');
    writeFileSync(passfile, `# comment\n127.0.0.1:${base.port}:*:postgres:${PASSWORD}\n`, { mode: 0o600 });
    process.env['PGPASSFILE'] = passfile;
    try {
      assert.equal(await encrypted(bare), true);
      chmodSync(passfile, 0o644);
      await assert.rejects(
        PgDriver.connect(bare),
        (e: Error) => e instanceof InputError && /asks for a password and none was given/.test(e.message),
        'a password file others can read is ignored',
      );
    } finally {
      delete process.env['PGPASSFILE'];
    }
  });

  test('through the command line: migrate over verify-full; a refused certificate is one line, exit 2, no password', async () => {
    const ok = await runSgc(['db', 'migrate'], {
      DATABASE_URL: url({ sslmode: 'verify-full', sslrootcert: certs.caCert }),
    });
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await runSgc(['db', 'migrate'], {
      DATABASE_URL: url({ sslmode: 'verify-full', sslrootcert: certs.otherCaCert }),
    });
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /certificate was not accepted/);
    assert.ok(!(refused.stdout + refused.stderr).includes(PASSWORD), 'the password is never printed');
  });
});
