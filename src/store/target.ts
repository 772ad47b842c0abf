/**
 * Where the results live: a PostgreSQL server when DATABASE_URL is set, otherwise the embedded
 * PGlite database in `.sgc/db` (SGC_DB_DIR overrides the directory).
 */
import { resolve } from 'node:path';

export type StoreTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };

export const DEFAULT_DB_DIR = '.sgc/db';

export function resolveTarget(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StoreTarget {
  const url = env['DATABASE_URL']?.trim();
  if (url) return { kind: 'postgres', url };
  return { kind: 'pglite', dir: resolve(cwd, env['SGC_DB_DIR']?.trim() || DEFAULT_DB_DIR) };
}
