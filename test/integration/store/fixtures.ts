/**
 * Fresh databases for the store tests, the same way on both back ends: on the embedded store a copy
 * of an empty sgc home initialised once per process (initdb takes seconds; a copy, milliseconds),
 * whose server starts on first use and stops when its last user closes; on an external PostgreSQL a
 * new database on the throwaway server from test/helpers/postgres.ts, with a sgc_reader login.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/net.js';
import { attachEmbedded } from '../../../src/store/embedded/attach.js';
import { readCredentials, writeCredentials } from '../../../src/store/embedded/credentials.js';
import { PgDriver } from '../../../src/store/pg-driver.js';
import { grantReader, READER_ROLE } from '../../../src/store/reader-role.js';
import type { StoreTarget } from '../../../src/store/target.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';

export interface Backend {
  name: 'embedded' | 'postgres';
  /** An empty database nobody else uses. */
  freshTarget(): Promise<StoreTarget>;
  /**
   * The environment under which openReader() reaches `target` as sgc_reader: nothing for the
   * embedded store (its reader login comes with it), SGC_READER_URL for the external server, whose
   * test URL logs in as a superuser.
   */
  readerEnv(target: StoreTarget): Promise<NodeJS.ProcessEnv>;
  dispose(): Promise<void>;
}

const scratch: string[] = [];
process.on('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * A temporary directory removed when the process exits. World-searchable (0755): as root, the
 * embedded PostgreSQL runs as the `postgres` user, which must reach the data directory inside.
 */
export function scratchDir(prefix = 'sgc-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
}

let emptyTemplate: Promise<string> | undefined;

/** An sgc home holding an empty, stopped embedded store, made once per process. */
function emptyHomeTemplate(): Promise<string> {
  emptyTemplate ??= (async () => {
    const home = join(scratchDir(), '.sgc');
    const store = await attachEmbedded(home, { create: true, command: 'test template' });
    await store.release();
    return home;
  })();
  return emptyTemplate;
}

/** A new sgc home holding an empty embedded store (not running), on a port of its own. */
export async function freshHome(): Promise<string> {
  const template = await emptyHomeTemplate();
  const home = join(scratchDir(), '.sgc');
  // cp -a keeps the data directory's owner (the postgres user, as root) and modes.
  execFileSync('cp', ['-a', template, home]);
  const credentials = readCredentials(home);
  if (!credentials) throw new Error(`no store.json in ${home}`);
  writeCredentials(home, { ...credentials, port: await freePort() });
  return home;
}

export function embeddedBackend(): Backend {
  return {
    name: 'embedded',
    freshTarget: async () => ({ kind: 'embedded', home: await freshHome() }),
    readerEnv: async () => ({}),
    dispose: async () => {},
  };
}

export async function postgresBackend(): Promise<Backend & { server: PostgresServer }> {
  const server = await startPostgres({ own: true }); // readerEnv creates a role: cluster-wide
  return {
    name: 'postgres',
    server,
    freshTarget: async () => ({ kind: 'postgres', url: await server.createDatabase() }),
    async readerEnv(target) {
      if (target.kind !== 'postgres') throw new Error('an external target expected');
      const driver = await PgDriver.connect(target.url);
      try {
        await driver.exec(
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${READER_ROLE}') THEN CREATE ROLE ${READER_ROLE} LOGIN; END IF; END $$`,
        );
        await grantReader(driver);
      } finally {
        await driver.close();
      }
      const url = new URL(target.url);
      url.username = READER_ROLE;
      return { SGC_READER_URL: url.toString() };
    },
    dispose: () => server.stop(),
  };
}
