/**
 * Timing whole processes for the start-up benchmarks (cli-startup, store-startup): wall time of a
 * `node …` child, and the table of medians beside a reference measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { formatTable } from '../src/cli/commands/sql-format.js';

/** Wall milliseconds of `node …args` in `cwd`, which must succeed. */
export function timedNode(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Prints each row's median (min–max) and its ratio to the first row, the reference (`node -e ''`):
 * ratios, not absolute times, are what compares across these noisy machines.
 */
export function printTimes(rows: ReadonlyArray<readonly [string, number[]]>, repeats: number): void {
  const reference = median(rows[0][1]);
  console.log(`Wall time per command, median of ${repeats} (min–max), beside node -e '' in the same run`);
  console.log(
    formatTable({
      columns: ['command', 'median ms', 'min–max ms', '× node -e'],
      types: [25, 701, 25, 701],
      rows: rows.map(([name, xs]) => [
        name,
        median(xs).toFixed(0),
        `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`,
        (median(xs) / reference).toFixed(1),
      ]),
    }),
  );
}
