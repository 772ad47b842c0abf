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

/**
 * The message of a connection lost to a server (a Temporal server that stopped answering: gRPC
 * status 14, UNAVAILABLE), found on the error or its cause; undefined for any other error. The
 * command line prints it as one line, since it is the environment's fault, not a bug to trace.
 */
export function lostServerMessage(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const details = (e as Error & { code?: unknown; details?: unknown }).details;
    if ((e as Error & { code?: unknown }).code === 14)
      return typeof details === 'string' && details ? details : e.message;
  }
  return undefined;
}
