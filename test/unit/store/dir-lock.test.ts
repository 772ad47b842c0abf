import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
import { acquireDirLock, lockPathFor } from '../../../src/store/dir-lock.js';

describe('embedded database lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'sgc-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is exclusive, names its holder, and is released', () => {
    const dir = join(root, 'a', 'db');
    const lock = acquireDirLock(dir, 'sgc first');
    assert.equal(lock.path, lockPathFor(dir));
    lock.update({ url: 'postgresql://postgres@127.0.0.1:5432/postgres' });
    assert.throws(
      () => acquireDirLock(dir, 'sgc second'),
      (error: unknown) =>
        error instanceof InputError &&
        error.message.includes(`in use by process ${process.pid} ("sgc first"`) &&
        error.message.includes('DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres'),
    );
    lock.release();
    assert.equal(existsSync(lock.path), false);
    acquireDirLock(dir, 'sgc again').release();
  });

  it('reports a place it cannot write to as a user error', () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, '');
    assert.throws(
      () => acquireDirLock(join(file, 'db'), 'sgc'),
      (error: unknown) =>
        error instanceof InputError && /cannot use the embedded database .*not-a-dir/.test(error.message),
    );
  });

  it('takes over a lock whose process is gone', () => {
    const dir = join(root, 'b', 'db');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(gone.stdout);
    acquireDirLock(dir, 'x').release();
    writeFileSync(
      lockPathFor(dir),
      JSON.stringify({ pid: deadPid, host: hostname(), command: 'crashed', since: 'earlier' }),
    );
    const lock = acquireDirLock(dir, 'sgc after crash');
    assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).pid, process.pid);
    lock.release();
  });
});
