/**
 * Turning schema violations into one clear InputError: each problem names the field (as a path),
 * the value found there and what is allowed.
 */
import type { z } from 'zod';
import { InputError } from './errors.js';

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Parses `data` with `schema`; on failure throws an InputError listing every problem. */
export function parseWithSchema<T extends z.ZodType>(schema: T, data: unknown, source: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length > 0 ? ` in ${issue.path.join('.')}` : '';
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${where}`;
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `${field}: ${describe(valueAt(data, issue.path))} — ${issue.message}`;
  });
  throw new InputError(`${source}: ${lines.length === 1 ? lines[0] : `\n  ${lines.join('\n  ')}`}`);
}
