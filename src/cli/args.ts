/**
 * Option parsing for sub-commands on top of node:util's parseArgs, with its errors turned into
 * InputErrors (exit 2, one line) instead of stack traces.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InputError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<T extends Options>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${usage}`);
  }
}

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
