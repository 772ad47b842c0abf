/**
 * An exclusive lock on the embedded database directory. PGlite is a single-process database: two
 * processes opening the same directory would corrupt it, and PGlite itself does not check. The lock
 * is a file beside the directory (`.sgc/db.lock`) naming the holder; a lock left by a process that no
 * longer exists is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Set by `sgc db serve`: where other programs can reach the database meanwhile. */
  url?: string;
}

export interface DirLock {
  readonly path: string;
  /** Rewrites the holder record (e.g. to add the serve URL). */
  update(extra: Partial<LockHolder>): void;
  release(): void;
}

export function lockPathFor(dir: string): string {
  return join(dirname(dir), `${basename(dir)}.lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
}

function describeHolder(holder: LockHolder): string {
  const serving = holder.url
    ? `; it serves the database at ${holder.url} (connect with DATABASE_URL=${holder.url})`
    : '';
  return `process ${holder.pid} ("${holder.command}", since ${holder.since})${serving}`;
}

/**
 * The URL under which the process holding the lock serves the database (`sgc db serve`, `sgc up`),
 * when that process is alive on this host: other commands then reach the same data through it.
 */
export function servedUrl(dir: string): string | undefined {
  const holder = readHolder(lockPathFor(dir));
  if (!holder?.url || holder.host !== hostname() || !isAlive(holder.pid)) return undefined;
  return holder.url;
}

export function acquireDirLock(dir: string, command: string): DirLock {
  const path = lockPathFor(dir);
  const cannot = (error: unknown) =>
    new InputError(`cannot use the embedded database ${dir}: ${(error as Error).message}`);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw cannot(error);
  }
  let holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(error);
      const other = readHolder(path);
      const stale = !other || (other.host === holder.host && !isAlive(other.pid));
      if (!stale || attempt > 0)
        throw new InputError(
          `the embedded database ${dir} is in use by ${other ? describeHolder(other) : 'another process'}. ` +
            `Stop that process first (or delete ${path} if you are sure it is gone).`,
        );
      unlinkSync(path);
    }
  }
  let released = false;
  const releaseOnExit = () => release();
  function release() {
    if (released) return;
    released = true;
    process.off('exit', releaseOnExit);
    try {
      const current = readHolder(path);
      if (current?.pid === process.pid) unlinkSync(path);
    } catch {
      // already gone
    }
  }
  // A crash or process.exit() must not leave a lock behind that names a live-looking process.
  process.on('exit', releaseOnExit);
  return {
    path,
    update(extra) {
      holder = { ...holder, ...extra };
      const fd = openSync(path, 'w');
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
    },
    release,
  };
}
