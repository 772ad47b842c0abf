/**
 * `npm run build` (run by `npm ci` too): compiles src/, workflows/ and activities/ to dist/ so that
 * `sgc` starts without compiling TypeScript at run time. Each file is transpiled on its own with
 * esbuild (the compiler tsx uses, so dist/ runs exactly what the tests of the sources run), in
 * under a second; type checking is `npm run typecheck` (tsc), which takes half a minute here.
 * Files of dist/ whose source is gone are removed.
 */
import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { distDir, root, sourceFiles, stampFile } from './buildFiles.js';

const started = new Date();
const sources = sourceFiles();
await build({
  entryPoints: sources,
  outdir: distDir,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  logLevel: 'warning',
});

const expected = new Set(sources.map((file) => join(distDir, relative(root, file)).replace(/\.ts$/, '.js')));
function removeOrphans(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeOrphans(path);
    else if (path.endsWith('.js') && !expected.has(path)) rmSync(path);
  }
}
removeOrphans(distDir);

writeFileSync(stampFile, '');
utimesSync(stampFile, started, started);
