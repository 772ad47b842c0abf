/**
 * Telling a store that cannot be reached from a store that answered with an error, and what a
 * process does while it cannot be reached: one log line when it goes and one when it is back (not
 * one per call), and a gauge Prometheus can alert on.
 *
 * Unreachable is an infrastructure fault: it never becomes a run's outcome or a failed width; the
 * calls wait for the store (workflows/storeCalls.ts). Everything else (a bug, a constraint
 * violation) is an error of the call, retried within the retry budget and then reported.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { Gauge, type Registry } from 'prom-client';
import { GrpcCode, grpcStatus } from '../src/errors.js';
import { IO_ERROR, STORE_UNAVAILABLE } from '../src/sweep/messages.js';

/** Node socket errors of a server that is down, restarting or out of reach. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that went away or cannot take us now: class 08 (connection exception),
 * 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections),
 * and 40001/40P01 (serialization failure, deadlock), which succeed when repeated.
 */
const TRANSIENT_SQLSTATE = /^(08...|57P0[123]|53300|40001|40P01)$/;

/** Prisma's codes for the same: can't reach, timed out, closed, pool timeout, write conflict, too many. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034', 'P2037']);

/** Driver adapter error kinds (@prisma/adapter-pg) for the same. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

/** Messages of pg and its pool that carry no code. */
const TRANSIENT_MESSAGE =
  /connection terminated|terminating connection|connection error|not queryable|server closed the connection|timeout exceeded when trying to connect|can't reach database server|the database system is (starting up|shutting down|in recovery mode)|Connection refused|socket hang up|cannot connect to PostgreSQL/i;

/**
 * Why the store could not be reached, when that is what `error` says (looked for along its causes
 * and Prisma's wrapped driver errors); undefined for any other error.
 */
export function storeUnreachable(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const fields = e as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: unknown;
    };
    const code = typeof fields.code === 'string' ? fields.code : undefined;
    const message = typeof fields.message === 'string' ? fields.message : '';
    if (code && (SOCKET_CODES.has(code) || TRANSIENT_SQLSTATE.test(code) || PRISMA_CODES.has(code)))
      return reasonLine(message) || code;
    if (typeof fields.kind === 'string' && ADAPTER_KINDS.has(fields.kind)) return `${fields.kind}`;
    if (TRANSIENT_MESSAGE.test(message)) return reasonLine(message);
    queue.push(fields.cause);
    if (fields.meta && typeof fields.meta === 'object') queue.push(...Object.values(fields.meta));
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return undefined;
}

/** One line of a message: Prisma's start with where the call was made and end with the reason. */
function reasonLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}

export interface StoreOutage {
  /** A store call found the store unreachable, for `reason`. */
  unreachable(reason: string): void;
  /** A store call succeeded: the store is reachable (again). */
  reachable(): void;
  /** When the current outage began; null while the store is reachable. */
  readonly since: Date | null;
}

export const STORE_UNREACHABLE_GAUGE = 'sgc_store_unreachable_since_seconds';

const outages = new WeakMap<Registry, StoreOutage>();

/**
 * The outage state of this process, one per metrics registry (every io worker of a process shares
 * it, so it logs and counts each outage once). The gauge is per process and has no labels: Unix
 * time the store became unreachable from here, 0 while it is reachable.
 */
export function storeOutage(
  registry: Registry,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): StoreOutage {
  const known = outages.get(registry);
  if (known) return known;
  const gauge = new Gauge({
    name: STORE_UNREACHABLE_GAUGE,
    help: 'Unix time since when the results store has been unreachable from this process; 0 while it is reachable (store work waits meanwhile, nothing fails)',
    registers: [registry],
  });
  gauge.set(0);
  let since: Date | null = null;
  const outage: StoreOutage = {
    unreachable(reason) {
      if (since) return;
      since = new Date();
      gauge.set(since.getTime() / 1000);
      log(
        `store unreachable since ${since.toISOString()} (${reason}): store work waits and resumes when it is back`,
      );
    },
    reachable() {
      if (!since) return;
      const seconds = (Date.now() - since.getTime()) / 1000;
      since = null;
      gauge.set(0);
      log(`store reachable again after ${seconds.toFixed(1)} s: waiting work resumes`);
    },
    get since() {
      return since;
    },
  };
  outages.set(registry, outage);
  return outage;
}

/**
 * The io activities with their errors sorted for the workflows (workflows/storeCalls.ts): a store
 * that cannot be reached becomes a retryable STORE_UNAVAILABLE (and this process's outage, logged and
 * gauged once); a Temporal server that cannot be reached (awaitRun asks it) is retried as it is;
 * Temporal's own failures (a refused spec, a cancellation) pass unchanged; anything else becomes
 * IO_ERROR, which a call waiting for the store does not retry (see storeCalls). A call that succeeds
 * ends the outage.
 */
export function guardStore<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  outage: StoreOutage,
): T {
  const guarded: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    guarded[name] = async (...args: never[]) => {
      try {
        const result = await fn(...args);
        outage.reachable();
        return result;
      } catch (error) {
        // A cancelled activity's error is the cancellation's, whatever it says.
        if (error instanceof TemporalFailure || Context.current().cancellationSignal.aborted) throw error;
        const reason = storeUnreachable(error);
        if (reason !== undefined) {
          outage.unreachable(reason);
          throw ApplicationFailure.retryable(`store unreachable: ${reason}`, STORE_UNAVAILABLE);
        }
        const code = grpcStatus(error)?.code;
        if (code === GrpcCode.unavailable || code === GrpcCode.deadlineExceeded) throw error;
        throw ApplicationFailure.create({
          message: error instanceof Error ? error.message : String(error),
          type: IO_ERROR,
          ...(error instanceof Error ? { cause: error } : {}),
        });
      }
    };
  }
  return guarded as T;
}
