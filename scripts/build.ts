/**
 * `npm run build` (run by `npm ci` too): compiles src/, workflows/ and activities/ to dist/ so that
 * `sgc` starts without compiling TypeScript at run time, then bundles the compiled workflow code for
 * Temporal's workers (src/buildOutput.ts says what goes where). Each file is transpiled on its own
 * with esbuild (the compiler tsx uses, so dist/ runs exactly what the tests of the sources run), in
 * under a second; the workflow bundle (webpack, inside Temporal's SDK) takes a few seconds, once here
 * instead of in every `sgc up`, `sgc run` and `sgc worker` that runs workflows. Type checking is
 * `npm run typecheck` (tsc), which takes half a minute here. Files of dist/ whose source is gone are
 * removed. The native engine's C kernel is compiled too, where the machine has a C compiler
 * (scripts/nativeKernel.ts; without one, every other engine still works).
 */
import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { distDir, sourceFiles, stampFile, workflowBundleFile } from '../src/buildOutput.js';
import { packageRoot } from '../src/codeLocation.js';
import { buildNativeKernel } from './nativeKernel.js';

const started = new Date();
// A build that fails half-way must not leave the previous bundle beside newer code.
rmSync(workflowBundleFile, { force: true });
const sources = sourceFiles();
await build({
  entryPoints: sources,
  outdir: distDir,
  outbase: packageRoot,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  logLevel: 'warning',
});

const expected = new Set(
  sources.map((file) => join(distDir, relative(packageRoot, file)).replace(/\.ts$/, '.js')),
);
expected.add(workflowBundleFile);
function removeOrphans(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeOrphans(path);
    else if (path.endsWith('.js') && !expected.has(path)) rmSync(path);
  }
}
removeOrphans(distDir);

const nativeMissing = buildNativeKernel();
if (nativeMissing !== undefined) console.warn(`sgc build: the native engine is not built (${nativeMissing})`);

// Bundled from dist/workflows, the code a compiled worker would bundle itself.
const { bundleCompiledWorkflows } = await import('../src/temporal/workflowBundle.js');
writeFileSync(workflowBundleFile, await bundleCompiledWorkflows());

writeFileSync(stampFile, '');
utimesSync(stampFile, started, started);
