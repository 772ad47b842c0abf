/**
 * A real Temporal dev server for tests (`temporal server start-dev`, in memory, 127.0.0.1, free
 * ports), and small waiting helpers for the things a sweep does asynchronously.
 */
import { type DevServer, startDevServer } from '../../src/temporal/devServer.js';

export async function startTemporal(): Promise<DevServer> {
  return startDevServer({ uiPort: null, startTimeoutMs: 90_000 });
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
