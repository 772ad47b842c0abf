/**
 * An error caused by what a user wrote (a spec, a group name, a config, a query), as opposed to a
 * bug. The command line prints its message alone and exits with code 2; everything else is a bug
 * and keeps its stack trace.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Throws an InputError when `condition` is false. */
export function require(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InputError(message);
}

/** The gRPC status code on `error` or the first of its causes that has one (Temporal's client errors wrap them). */
export function grpcStatus(error: unknown): { code: number; details: string } | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code, details } = e as Error & { code?: unknown; details?: unknown };
    if (typeof code === 'number')
      return { code, details: typeof details === 'string' && details ? details : e.message };
  }
  return undefined;
}

/** gRPC status codes sgc tells apart. */
export const GrpcCode = { deadlineExceeded: 4, unavailable: 14 } as const;

/**
 * The message of a connection lost to a server (a Temporal server that stopped answering: gRPC
 * status 14, UNAVAILABLE), undefined for any other error. The command line prints it as one line,
 * since it is the environment's fault, not a bug to trace.
 */
export function lostServerMessage(error: unknown): string | undefined {
  const status = grpcStatus(error);
  return status?.code === GrpcCode.unavailable ? status.details : undefined;
}

/**
 * A backend that needs a device could not start on this machine (no driver, no device, a provider
 * library missing). On the command line it is bad input (one line, exit 2: the user asked for a
 * backend this machine lacks); in a worker it is the machine's fault, never the run's
 * (src/learn/engine/deviceErrors.ts).
 */
export class DeviceError extends InputError {}
