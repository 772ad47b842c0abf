/**
 * Where the results live: the PostgreSQL server named by DATABASE_URL when it is set, otherwise the
 * embedded PostgreSQL of the sgc home (`.sgc/`, found like git finds `.git`; see src/home.ts).
 */
import { findOrCreateHome, requireHome } from '../home.js';

export type StoreTarget = { kind: 'postgres'; url: string } | { kind: 'embedded'; home: string };

export interface ResolveOptions {
  /**
   * Whether this command may create a store where there is none (`sgc up`, `sgc run`, `sgc db
   * migrate`, …). A command that only reads must not: without a home it gets an InputError.
   */
  create?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function resolveTarget(options: ResolveOptions = {}): StoreTarget {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const url = env['DATABASE_URL']?.trim();
  if (url) return { kind: 'postgres', url };
  const home = options.create ? findOrCreateHome(env, cwd) : requireHome(env, cwd);
  return { kind: 'embedded', home };
}
