/** `--seed-group S`, for every command that starts a worker (sgc worker, up, run). */
import { DEFAULT_SEED_GROUP } from '../../activities/seedGroups.js';
import { InputError } from '../errors.js';
import { parseInteger } from './args.js';

export const SEED_GROUP_HELP = `  --seed-group <s>    train up to s runs that differ only in their seed (a cell's seeds at one
                      width, started together) as one group: one engine call steps them all, each
                      keeps its own numbers and result; --concurrency then counts groups and lone
                      runs (default ${DEFAULT_SEED_GROUP}: every run alone). On 2 CPU cores, groups of 3 trained
                      mlp grids 1.4× faster, width searches of C11–C17 0.92× (docs/performance.md)`;

export const SEED_GROUP_FLAG = {
  'seed-group': { type: 'string', default: String(DEFAULT_SEED_GROUP) },
} as const;

/** Runs per seed group: 1 (every run alone) or more. */
export function parseSeedGroup(text: string): number {
  const size = parseInteger(text, '--seed-group');
  if (size < 1) throw new InputError(`--seed-group ${size}: at least 1 (1: every run alone)`);
  return size;
}
