/** Runs the real `sgc` command (bin/sgc.js) in a child process, as a user would. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const sgcBin = fileURLToPath(new URL('../../../bin/sgc.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `env` is added to a copy of this process's environment without DATABASE_URL (so a developer's
 * own setting cannot leak into a test); pass DATABASE_URL explicitly to use a server. `input` is
 * written to its standard input.
 */
export function runSgc(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  const base = { ...process.env };
  delete base['DATABASE_URL'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sgcBin, ...args], { env: { ...base, ...env } });
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
