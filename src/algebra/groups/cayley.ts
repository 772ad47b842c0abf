/**
 * A group given by its Cayley table, validated: every entry an element, an identity, an inverse for
 * every element, associativity. The error names the first violation found.
 */
import { InputError } from '../../errors.js';
import { type FiniteGroup, groupFromTable, MAX_GROUP_ORDER } from '../group.js';

export function groupFromCayleyTable(
  table: readonly (readonly number[])[],
  options: { name?: string; labels?: readonly string[] } = {},
): FiniteGroup {
  const name = options.name ?? 'table';
  const n = table.length;
  if (n === 0) throw new InputError(`${name}: the Cayley table is empty`);
  if (n > MAX_GROUP_ORDER)
    throw new InputError(`${name}: ${n} rows is above ${MAX_GROUP_ORDER}, the largest order sgc builds`);
  const labels = options.labels ?? Array.from({ length: n }, (_, i) => String(i));
  if (labels.length !== n) throw new InputError(`${name}: ${labels.length} labels for a table of ${n} rows`);
  const at = (i: number, j: number): string => `row ${i} (${labels[i]}), column ${j} (${labels[j]})`;

  // Closure: the table is n×n and every entry is an element.
  const mul = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = table[i];
    if (!Array.isArray(row) || row.length !== n)
      throw new InputError(
        `${name}: row ${i} has ${Array.isArray(row) ? row.length : 0} entries, expected ${n} (the table must be square)`,
      );
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (!Number.isInteger(v) || v < 0 || v >= n)
        throw new InputError(
          `${name}: not closed: ${at(i, j)} holds ${JSON.stringify(v)}, which is not an element index 0..${n - 1}`,
        );
      mul[i * n + j] = v;
    }
  }

  // Identity: a row and column that fix every element.
  let e = -1;
  for (let c = 0; c < n && e < 0; c++) {
    let ok = true;
    for (let j = 0; j < n && ok; j++) ok = mul[c * n + j] === j && mul[j * n + c] === j;
    if (ok) e = c;
  }
  if (e < 0) throw new InputError(`${name}: no identity: no element x has x·g = g·x = g for every g`);

  // Inverses.
  for (let i = 0; i < n; i++) {
    let found = false;
    for (let j = 0; j < n && !found; j++) found = mul[i * n + j] === e && mul[j * n + i] === e;
    if (!found)
      throw new InputError(
        `${name}: no inverse: element ${i} (${labels[i]}) has no g with x·g = g·x = identity (${e})`,
      );
  }

  // Associativity by Light's test: the elements a with (x·a)·y = x·(a·y) for all x, y are closed
  // under multiplication, so it suffices to check a over a set that generates everything by right
  // multiplication. Cost n²·|generators| instead of n³.
  const generators: number[] = [];
  const reached = new Uint8Array(n);
  reached[e] = 1;
  let frontier = [e];
  let count = 1;
  for (let a = 0; a < n && count < n; a++) {
    if (reached[a]) continue;
    generators.push(a);
    frontier = [];
    for (let x = 0; x < n; x++) if (reached[x]) frontier.push(x);
    for (let q = 0; q < frontier.length; q++)
      for (const s of generators) {
        const y = mul[frontier[q] * n + s];
        if (!reached[y]) {
          reached[y] = 1;
          count++;
          frontier.push(y);
        }
      }
  }
  for (const a of generators)
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++) {
        const left = mul[mul[x * n + a] * n + y];
        const right = mul[x * n + mul[a * n + y]];
        if (left !== right)
          throw new InputError(
            `${name}: not associative: (${x}·${a})·${y} = ${left} but ${x}·(${a}·${y}) = ${right}`,
          );
      }
  return groupFromTable(name, mul, labels);
}
