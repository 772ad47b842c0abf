/**
 * A group as the command line names it: a built-in name (`D5`, `C3xD4`, …) or a JSON file that gives
 * a Cayley table or permutation generators:
 *   {"name": "my group", "table": [[0,1],[1,0]], "labels": ["e","a"]}
 *   {"name": "S3 again", "generators": [[1,0,2],[1,2,0]]}
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FiniteGroup } from '../algebra/group.js';
import { groupFromCayleyTable } from '../algebra/groups/cayley.js';
import { permutationGroup } from '../algebra/groups/permutation.js';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';

export function resolveGroup(argument: string | undefined): FiniteGroup {
  if (argument === undefined || argument === '')
    throw new InputError('name a group, e.g. D3, C10, C4xC4, S4, O, I (see `sgc groups`)');
  if (!argument.endsWith('.json')) return parseGroup(argument);
  if (!existsSync(argument)) throw new InputError(`${argument}: no such file`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(argument, 'utf8'));
  } catch (error) {
    throw new InputError(`${argument}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null)
    throw new InputError(`${argument}: expected a JSON object with "table" or "generators"`);
  const spec = data as { name?: unknown; table?: unknown; generators?: unknown; labels?: unknown };
  const name =
    typeof spec.name === 'string' ? spec.name : argument.replace(/^.*\//, '').replace(/\.json$/, '');
  const isMatrix = (x: unknown): x is number[][] => Array.isArray(x) && x.every((row) => Array.isArray(row));
  if (spec.table !== undefined) {
    if (!isMatrix(spec.table))
      throw new InputError(`${argument}: "table" must be an array of rows (arrays of element indices)`);
    if (
      spec.labels !== undefined &&
      !(Array.isArray(spec.labels) && spec.labels.every((l) => typeof l === 'string'))
    )
      throw new InputError(`${argument}: "labels" must be an array of strings`);
    return groupFromCayleyTable(spec.table, { name, labels: spec.labels as string[] | undefined });
  }
  if (spec.generators !== undefined) {
    if (!isMatrix(spec.generators))
      throw new InputError(
        `${argument}: "generators" must be an array of permutations (arrays of 0-based images)`,
      );
    return permutationGroup(name, spec.generators);
  }
  throw new InputError(`${argument}: expected a "table" (Cayley table) or "generators" (permutations)`);
}
