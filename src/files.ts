/** File writes that never leave a half-written file behind (a crash mid-write keeps the old one). */
import { renameSync, writeFileSync } from 'node:fs';

/** Writes to `<path>.<pid>.tmp`, then renames over `path` (atomic within one file system). */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
