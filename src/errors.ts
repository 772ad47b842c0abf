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
