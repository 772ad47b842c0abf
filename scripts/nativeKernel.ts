/**
 * Compiles the native engine's kernel (src/learn/engine/native/mlpKernel.c) into a Node-API add-on,
 * dist/native/mlpKernel.node, with the machine's C compiler (`$CC`, else `cc`) and the Node-API
 * headers of the node that runs the build. No node-gyp: it would download headers, and these are
 * the running node's own. `-march=native` because the add-on is built where it runs (`npm ci`);
 * `-fno-math-errno` lets sqrtf and powf vectorize. `-pthread`: large steps run their parts on
 * several threads.
 *
 * dist/native/compiler.txt, the native engine's `cc` in every run's code identity, names the
 * compiler, these flags and the CPU `-march=native` resolved to (src/nativeTarget.ts: the target
 * decides some of the rounding): machines of one CPU family share native runs, others train their own.
 *
 * Without a compiler or headers the build still succeeds: the other engines need none of this. The
 * reason goes to dist/native/build-error.txt, which the engine reports when a run asks for it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  nativeKernelCompiler,
  nativeKernelError,
  nativeKernelFile,
  nativeKernelSource,
} from '../src/buildOutput.js';
import { resolvedTarget } from '../src/nativeTarget.js';

export const NATIVE_FLAGS = [
  '-O3',
  '-march=native',
  '-fno-math-errno',
  '-fno-trapping-math',
  '-pthread',
  '-fPIC',
  '-shared',
];

/** The folder with node_api.h for this node: beside its binary (official builds), or the distro's. */
function nodeHeaders(): string | undefined {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
}

/** Builds the kernel; returns undefined, or why it could not (also written to build-error.txt). */
export function buildNativeKernel(): string | undefined {
  mkdirSync(dirname(nativeKernelFile), { recursive: true });
  rmSync(nativeKernelFile, { force: true });
  rmSync(nativeKernelError, { force: true });
  rmSync(nativeKernelCompiler, { force: true });
  const headers = nodeHeaders();
  const compiler = process.env.CC ?? 'cc';
  let reason: string | undefined;
  if (headers === undefined)
    reason = `no node_api.h for node ${process.version} (looked beside ${process.execPath} and in /usr/include/node)`;
  else {
    const args = [...NATIVE_FLAGS, `-I${headers}`, nativeKernelSource, '-o', nativeKernelFile, '-lm'];
    const result = spawnSync(compiler, args, { encoding: 'utf8' });
    if (result.error) reason = `the C compiler "${compiler}" could not run (${result.error.message})`;
    else if (result.status !== 0)
      reason = `${compiler} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 5).join(' / ')}`;
  }
  if (reason !== undefined) writeFileSync(nativeKernelError, `${reason}\n`);
  else {
    const version = spawnSync(compiler, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '';
    writeFileSync(
      nativeKernelCompiler,
      `${version.trim() || compiler} ${NATIVE_FLAGS.slice(0, 4).join(' ')} (${resolvedTarget(compiler)})\n`,
    );
  }
  return reason;
}
