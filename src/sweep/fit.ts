/**
 * Which encodings fit which groups. A sweep crosses every group with every encoding, but an encoding
 * can be written for one group only: `powers` lists one power per irrep, so [0, 30, 3000] fits D3
 * (3 irreps) and not C6 (4 real irreps). The sweep spec decides whether such a pair is an error or
 * is skipped (`powersMismatch`); every other problem of an encoding with a group is an error.
 *
 * Group facts are memoised by name: parsing a group and computing its irreps is pure but not free,
 * and a spec asks for the same group once per encoding. Irreps are computed only for what needs
 * them, and then only their labels (irrepLabels): checking a spec on a group of order 4096 costs its
 * Cayley table, not its Fourier analysis (an encoding's power spectrum and the theory's assumptions
 * are the trainer's business, src/task/encoding.ts `encode`).
 */

import type { FiniteGroup } from '../algebra/group.js';
import { irrepLabels } from '../algebra/irreps/index.js';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';
import type { EncodingSpec } from '../task/encoding.js';
import { resolveEncoding } from '../task/encoding.js';

export interface GroupFacts {
  /** The group's own name (canonical form of what was written). */
  readonly name: string;
  readonly order: number;
  /** Computed on first use (it needs the irreps). */
  readonly irrepLabels: readonly string[];
}

const groupsByName = new Map<string, { group: FiniteGroup; facts: GroupFacts }>();

function known(name: string): { group: FiniteGroup; facts: GroupFacts } {
  let entry = groupsByName.get(name);
  if (!entry) {
    const group = parseGroup(name);
    let labels: readonly string[] | undefined;
    const facts: GroupFacts = {
      name: group.name,
      order: group.order,
      get irrepLabels() {
        labels ??= irrepLabels(group);
        return labels;
      },
    };
    groupsByName.set(name, (entry = { group, facts }));
  }
  return entry;
}

/** Parses `name` (throws the InputError of parseGroup for unknown groups) and returns its facts. */
export function groupFacts(name: string): GroupFacts {
  return known(name).facts;
}

export type EncodingFit = { fits: true } | { fits: false; mismatch: boolean; reason: string };

/**
 * Whether `encoding` can encode `group`. `mismatch` marks the one skippable problem: a powers list
 * whose length is not the group's irrep count. Everything else `resolveEncoding` rejects (a vector of the
 * wrong length, a non-zero trivial power, …) comes back with mismatch false.
 */
export function encodingFit(groupName: string, encoding: EncodingSpec): EncodingFit {
  const facts = groupFacts(groupName);
  if (encoding.kind === 'powers' && encoding.powers.length !== facts.irrepLabels.length) {
    return {
      fits: false,
      mismatch: true,
      reason:
        `${facts.name} has ${facts.irrepLabels.length} irreps (${facts.irrepLabels.join(', ')}) ` +
        `but ${encoding.powers.length} powers were given`,
    };
  }
  try {
    resolveEncoding(known(groupName).group, encoding);
    return { fits: true };
  } catch (error) {
    if (error instanceof InputError) return { fits: false, mismatch: false, reason: error.message };
    throw error;
  }
}

/** The encoding with every default filled in, as `encode` resolves it (throws its InputError). */
export function resolvedEncoding(groupName: string, encoding: EncodingSpec): EncodingSpec {
  return resolveEncoding(known(groupName).group, encoding);
}
