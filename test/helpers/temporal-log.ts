/**
 * The Temporal runtime's log in tests: collected instead of printed, so that a failure a test
 * provokes on purpose (an activity that throws, a spec refused) is asserted on where it is expected
 * and does not appear among the results. What no test claims is printed when the file ends, so an
 * unexpected warning still shows.
 */
import { setTemporalLogSink, type TemporalLogEntry } from '../../src/temporal/worker.js';

export interface TemporalLogCapture {
  /**
   * Waits (up to `timeoutMs`: the runtime forwards its log in batches) for entries that match, and
   * takes them out of the collection; returns them (none when the time ran out).
   */
  claim(match: (entry: TemporalLogEntry) => boolean, timeoutMs?: number): Promise<TemporalLogEntry[]>;
  /** Stops collecting and prints what no test claimed. */
  stop(): void;
}

export function captureTemporalLog(): TemporalLogCapture {
  let entries: TemporalLogEntry[] = [];
  const restore = setTemporalLogSink((entry) => entries.push(entry));
  return {
    async claim(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = entries.filter(match);
        if (found.length > 0 || Date.now() >= deadline) {
          entries = entries.filter((e) => !found.includes(e));
          return found;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop() {
      restore();
      for (const { level, message, meta } of entries)
        process.stderr.write(`temporal ${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}\n`);
      entries = [];
    },
  };
}

/** An `Activity failed` entry whose error has this type or mentions this text. */
export function activityFailed(text: string): (entry: TemporalLogEntry) => boolean {
  return (entry) => entry.message === 'Activity failed' && JSON.stringify(entry.meta ?? {}).includes(text);
}
