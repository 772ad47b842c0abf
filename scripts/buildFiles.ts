/**
 * What `npm run build` compiles and where it puts it: every .ts file under src/, workflows/ and
 * activities/ becomes the .js file at the same path under dist/. dist/.build-stamp carries the time
 * the last build started, so that a test run can tell that a source changed since.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const SOURCE_FOLDERS = ['src', 'workflows', 'activities'] as const;
export const distDir = join(root, 'dist');
export const stampFile = join(distDir, '.build-stamp');

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Absolute paths of the .ts files the build compiles. */
export function sourceFiles(): string[] {
  return SOURCE_FOLDERS.flatMap((folder) => tsFilesUnder(join(root, folder)));
}

/**
 * Why dist/ does not hold the current sources: undefined when it does, else a sentence naming a
 * source changed since the last build (or saying there was none).
 */
export function staleBuild(): string | undefined {
  let built: number;
  try {
    built = statSync(stampFile).mtimeMs;
  } catch {
    return 'dist/ is not built';
  }
  const changed = sourceFiles().find((file) => statSync(file).mtimeMs > built);
  return changed ? `${relative(root, changed)} changed after the last build of dist/` : undefined;
}
