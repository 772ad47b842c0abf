/**
 * The sgc home: the `.sgc/` folder that holds a project's results store (`pg/`), its Temporal dev
 * server's state, checkpoints and the files that say what is running. Found like git finds `.git`:
 * SGC_HOME when set (the `.sgc` folder itself, or any folder to use as one), else the nearest `.sgc/`
 * in the current folder or one of its parents. Only commands that start things create one; a
 * command that only reads, run where there is none, says so instead of leaving an empty store behind.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './errors.js';

export const HOME_DIR_NAME = '.sgc';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The home that commands run in `cwd` use, or undefined when there is none yet. */
export function findHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const named = env['SGC_HOME']?.trim();
  if (named) {
    const home = resolve(cwd, named);
    return isDirectory(home) ? home : undefined;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, HOME_DIR_NAME);
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The home found as above, or a new `.sgc/` in `cwd` (SGC_HOME's folder when set), created now. */
export function findOrCreateHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const found = findHome(env, cwd);
  if (found) return found;
  const named = env['SGC_HOME']?.trim();
  const home = named ? resolve(cwd, named) : join(resolve(cwd), HOME_DIR_NAME);
  try {
    mkdirSync(home, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the sgc folder ${home}: ${(error as Error).message}`);
  }
  return home;
}

/** The one line a reading command prints where there is no store to read. */
export function noHomeMessage(cwd = process.cwd()): string {
  return (
    `no sgc results store in ${resolve(cwd)} or its parents (no ${HOME_DIR_NAME}/ folder, SGC_HOME and ` +
    'DATABASE_URL unset): start one with `sgc up` or `sgc db migrate` here, or set DATABASE_URL to a PostgreSQL server'
  );
}

/** The home for a reading command: found, or an InputError (exit code 2) that says how to make one. */
export function requireHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const home = findHome(env, cwd);
  if (!home) throw new InputError(noHomeMessage(cwd));
  return home;
}
