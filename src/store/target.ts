/**
 * Where the results live: a PostgreSQL server when DATABASE_URL is set, otherwise the embedded
 * PGlite database in `.sgc/db` (SGC_DB_DIR overrides the directory) — reached through the process
 * that serves it (`sgc up`, `sgc db serve`) while one does, since PGlite allows one process only.
 */
import { resolve } from 'node:path';
import { servedUrl } from './dir-lock.js';

export type StoreTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

export const DEFAULT_DB_DIR = '.sgc/db';

export function resolveTarget(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StoreTarget {
  const url = env['DATABASE_URL']?.trim();
  if (url) return { kind: 'postgres', url };
  const dir = resolve(cwd, env['SGC_DB_DIR']?.trim() || DEFAULT_DB_DIR);
  const served = servedUrl(dir);
  return served ? { kind: 'postgres', url: served } : { kind: 'pglite', dir };
}
