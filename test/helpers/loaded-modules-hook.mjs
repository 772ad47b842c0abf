// A module-resolution hook (node:module register) that appends every URL the process resolves to the
// file named by SGC_TRACE_LOADS: test/integration/cli-dispatch.test.ts reads it to see which libraries a
// command loaded.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.SGC_TRACE_LOADS, `${resolved.url}\n`);
  return resolved;
}
