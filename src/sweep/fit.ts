/**
 * Which encodings fit which groups. A sweep crosses every group with every encoding, but an encoding
 * can be written for one group only: `powers` lists one power per irrep, so [0, 30, 3000] fits D3
 * (3 irreps) and not C6 (4 real irreps). The sweep spec decides whether such a pair is an error or
 * is skipped (`powersMismatch`); every other problem of an encoding with a group is an error.
 *
 * Group facts are memoised by name: parsing a group and computing its irreps is pure but not free,
 * and a spec asks for the same group once per encoding.
 */

import type { FiniteGroup } from '../algebra/group.js';
import { irrepsOf } from '../algebra/irreps/index.js';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';
import type { EncodingSpec } from '../task/encoding.js';
import { encode } from '../task/encoding.js';

export interface GroupFacts {
  /** The group's own name (canonical form of what was written). */
  name: string;
  order: number;
  irrepLabels: readonly string[];
}

const groupsByName = new Map<string, { group: FiniteGroup; facts: GroupFacts }>();

function known(name: string): { group: FiniteGroup; facts: GroupFacts } {
  let entry = groupsByName.get(name);
  if (!entry) {
    const group = parseGroup(name);
    const facts = { name: group.name, order: group.order, irrepLabels: irrepsOf(group).map((r) => r.label) };
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
 * whose length is not the group's irrep count. Everything else `encode` rejects (a vector of the
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
    encode(known(groupName).group, encoding);
    return { fits: true };
  } catch (error) {
    if (error instanceof InputError) return { fits: false, mismatch: false, reason: error.message };
    throw error;
  }
}

/** The encoding with every default filled in, as `encode` resolves it (throws its InputError). */
export function resolvedEncoding(groupName: string, encoding: EncodingSpec): EncodingSpec {
  return encode(known(groupName).group, encoding).spec;
}
