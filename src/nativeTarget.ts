/**
 * The CPU a kernel built with `-march=native` targets, for the native engine's code identity
 * (scripts/nativeKernel.ts writes it into dist/native/compiler.txt). The target decides some of the
 * kernel's rounding: where `a·b + c` becomes one FMA depends on the tuning (GCC's znver tunings avoid
 * FMA chains), and the same source built for znver2 and for haswell trains another Adam trajectory.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * What `-march=native` means here, e.g. `x64 -march=znver2 -mtune=znver2`: GCC's resolved options,
 * else clang's target CPU, else the CPU's model name (the machine's, not the compiler's word).
 */
export function resolvedTarget(compiler: string): string {
  const gcc =
    spawnSync(compiler, ['-march=native', '-Q', '--help=target'], { encoding: 'utf8' }).stdout ?? '';
  const option = (name: string) => new RegExp(`^\\s+-${name}=\\s+(\\S+)`, 'm').exec(gcc)?.[1];
  const [march, mtune] = [option('march'), option('mtune')];
  if (march && mtune) return `${process.arch} -march=${march} -mtune=${mtune}`;
  const clang =
    spawnSync(compiler, ['-march=native', '-###', '-x', 'c', '-c', '/dev/null'], { encoding: 'utf8' })
      .stderr ?? '';
  const cpu = /"-target-cpu" "([^"]+)"/.exec(clang)?.[1];
  if (cpu) return `${process.arch} -target-cpu ${cpu}`;
  return `${process.arch} ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
}
