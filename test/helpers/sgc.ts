/**
 * Runs the real `sgc` command (bin/sgc.js, the compiled CLI in dist/) in a child process, as a user
 * would. `npm test` builds dist/ first (pretest); a test file run on its own after a source changed
 * stops here with the reason instead of testing yesterday's code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { staleBuild } from '../../src/buildOutput.js';
import { packageRoot } from '../../src/codeLocation.js';

const stale = staleBuild();
if (stale !== undefined) throw new Error(`${stale}: run \`npm run build\` (npm test does it first)`);

export const sgcBin = join(packageRoot, 'bin/sgc.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * This process's environment without DATABASE_URL, SGC_HOME and SGC_READER_URL (so a developer's
 * own settings cannot leak into a test), plus `env`; pass them explicitly to use them.
 */
function environment(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ['DATABASE_URL', 'SGC_HOME', 'SGC_READER_URL']) delete base[name];
  return { ...base, ...env };
}

/** `sgc …`, waiting for it to exit. */
export function sgc(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [sgcBin, ...args], { encoding: 'utf8', env: environment({}) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `sgc …` without blocking this process (for servers and concurrent clients); `input` goes to stdin. */
export function runSgc(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sgcBin, ...args], { env: environment(env), cwd });
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
