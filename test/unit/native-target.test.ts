/**
 * The target CPU in the native engine's code identity (src/nativeTarget.ts): the kernel's rounding
 * depends on it, so dist/native/compiler.txt names it beside the compiler and flags.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nativeKernelCompiler } from '../../src/buildOutput.js';
import { resolvedTarget } from '../../src/nativeTarget.js';

const dir = mkdtempSync(join(tmpdir(), 'sgc-cc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in compiler: a shell script that prints `stdout` and `stderr` whatever it is asked. */
function fakeCompiler(name: string, stdout: string, stderr: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\n`);
  chmodSync(path, 0o755);
  return path;
}

test("GCC's -march=native resolved, and the build's record names it", () => {
  const target = resolvedTarget('cc');
  assert.match(target, new RegExp(`^${process.arch} -march=[\\w.-]+ -mtune=[\\w.-]+$`));
  assert.doesNotMatch(target, /=native\b/, 'the resolved CPU, not the word native');
  const record = readFileSync(nativeKernelCompiler, 'utf8').trim();
  assert.ok(record.endsWith(`-march=native -fno-math-errno -fno-trapping-math (${target})`), record);
});

test("clang's target CPU where GCC's options are not printed; else the CPU's model name", () => {
  const clang = fakeCompiler(
    'clang',
    '',
    ' "-cc1" "-triple" "x86_64-pc-linux-gnu" "-target-cpu" "skylake" "-O0"',
  );
  assert.equal(resolvedTarget(clang), `${process.arch} -target-cpu skylake`);
  const mute = fakeCompiler('mute', '', '');
  assert.equal(resolvedTarget(mute), `${process.arch} ${cpus()[0].model.trim()}`);
});
