/**
 * Fresh databases for the store tests, the same way on both back ends: on PGlite a copy of an empty
 * database initialised once per process (initdb in WebAssembly takes seconds; a copy, milliseconds),
 * on PostgreSQL a new database on the throwaway server from test/helpers/postgres.ts.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGliteDriver } from '../../../src/store/pglite-driver.js';
import type { StoreTarget } from '../../../src/store/target.js';
import { type PostgresServer, startPostgres } from '../../helpers/postgres.js';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** An empty database nobody else uses. */
  freshTarget(): Promise<StoreTarget>;
  dispose(): Promise<void>;
}

const scratch: string[] = [];
process.on('exit', () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory removed when the process exits. */
export function scratchDir(prefix = 'sgc-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

let emptyTemplate: Promise<string> | undefined;

/** An initialised PGlite directory with nothing in it, made once per process. */
function emptyPgliteTemplate(): Promise<string> {
  emptyTemplate ??= (async () => {
    const dir = join(scratchDir(), 'template');
    const driver = await PGliteDriver.open(dir, 'test template');
    await driver.close();
    return dir;
  })();
  return emptyTemplate;
}

/** A new PGlite directory holding an empty database. */
export async function freshPgliteDir(): Promise<string> {
  const template = await emptyPgliteTemplate();
  const dir = join(scratchDir(), 'db');
  cpSync(template, dir, { recursive: true });
  return dir;
}

export function pgliteBackend(): Backend {
  return {
    name: 'pglite',
    freshTarget: async () => ({ kind: 'pglite', dir: await freshPgliteDir() }),
    dispose: async () => {},
  };
}

export async function postgresBackend(): Promise<Backend & { server: PostgresServer }> {
  const server = await startPostgres();
  return {
    name: 'postgres',
    server,
    freshTarget: async () => ({ kind: 'postgres', url: await server.createDatabase() }),
    dispose: () => server.stop(),
  };
}
