/**
 * What `npm run build` (scripts/build.ts) writes and whether it holds the current sources. Every .ts
 * file under src/, workflows/ and activities/ becomes the .js file at the same path under dist/;
 * dist/workflow-bundle.js is Temporal's bundle of the workflow code (webpack, seconds of CPU), made
 * once per build rather than in every process that starts a workflow worker. dist/.build-stamp
 * carries the time the last build started, so that a run from the sources can tell whether a source
 * changed since.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from './codeLocation.js';

export const SOURCE_FOLDERS = ['src', 'workflows', 'activities'] as const;
export const distDir = join(packageRoot, 'dist');
export const stampFile = join(distDir, '.build-stamp');
export const workflowBundleFile = join(distDir, 'workflow-bundle.js');
/** The native engine's kernel (src/learn/engine/native/mlpKernel.c), compiled by the build where a C compiler is. */
export const nativeKernelSource = join(packageRoot, 'src', 'learn', 'engine', 'native', 'mlpKernel.c');
export const nativeKernelFile = join(distDir, 'native', 'mlpKernel.node');
/** The compiler that built the kernel (`cc --version`'s first line): part of native runs' code identity. */
export const nativeKernelCompiler = join(distDir, 'native', 'compiler.txt');
/** Why the kernel could not be compiled, written by the build in its place. */
export const nativeKernelError = join(distDir, 'native', 'build-error.txt');

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Absolute paths of the .ts files the build compiles. */
export function sourceFiles(): string[] {
  return SOURCE_FOLDERS.flatMap((folder) => tsFilesUnder(join(packageRoot, folder)));
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
  const changed = [...sourceFiles(), nativeKernelSource].find((file) => statSync(file).mtimeMs > built);
  return changed ? `${relative(packageRoot, changed)} changed after the last build of dist/` : undefined;
}
