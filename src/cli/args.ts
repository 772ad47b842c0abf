/**
 * Option values read as numbers, with one-line InputErrors (exit 2) naming the option. The options
 * themselves are parsed once for every command, in src/cli/commandLine.ts.
 */
import { InputError } from '../errors.js';

/** A comma-separated list of finite numbers, e.g. `0,30,3000`. */
export function parseNumberList(text: string, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  return parts.map((p, i) => {
    const v = Number(p);
    if (p === '' || !Number.isFinite(v))
      throw new InputError(`${what}: entry ${i + 1} ("${p}") is not a number`);
    return v;
  });
}

export function parseInteger(text: string, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v)) throw new InputError(`${what} "${text}" is not an integer`);
  return v;
}

export function parseFinite(text: string, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new InputError(`${what} "${text}" is not a number`);
  return v;
}
