/**
 * Readable, stable names for the parts of a cell, joined into its cellKey:
 *
 *   D3/powers-0-30-3000/k3/mlp        C4xC4/onehot/k2/mlp-d2        S4/random-s7/k4/tree
 *
 * Keys go into workflow ids (`cell/<sweepId>/<cellKey>`), so they use only [A-Za-z0-9._/-]. They are
 * written from what the spec says, not from resolved defaults: `onehot` and `onehot-i1-a10` are two
 * cells even though they train the same runs (the runs still share their configHash, so nothing is
 * trained twice). Distinct encodings get distinct keys: numbers are written with String(), which is
 * injective, and a `vector` encoding (too long to spell out) is named by a 53-bit hash of its values.
 */
import type { EncodingSpec } from '../task/encoding.js';

/** A model of a sweep: a kind and, for the mlp, an optional activation degree. */
export interface ModelChoice {
  kind: 'mlp' | 'rnn' | 'tree';
  degree?: number;
}

/** String() of a number, without the `+` of large exponents (1e+21 → 1e21). */
function num(x: number): string {
  return String(x).replace('+', '');
}

/** cyrb53: a small, well-mixed 53-bit string hash (pure, so workflow code may use it). */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** The group as written, without whitespace and with × as x (`C3 × D4` → `C3xD4`). */
export function groupKey(group: string): string {
  return group.replace(/\s+/g, '').replace(/×/g, 'x');
}

export function encodingKey(encoding: EncodingSpec): string {
  switch (encoding.kind) {
    case 'onehot':
      return [
        'onehot',
        ...(encoding.index !== undefined ? [`i${num(encoding.index)}`] : []),
        ...(encoding.amplitude !== undefined ? [`a${num(encoding.amplitude)}`] : []),
      ].join('-');
    case 'powers':
      return ['powers', ...encoding.powers.map(num)].join('-');
    case 'random':
      return [
        'random',
        ...(encoding.seed !== undefined ? [`s${num(encoding.seed)}`] : []),
        ...(encoding.scale !== undefined ? [`x${num(encoding.scale)}`] : []),
      ].join('-');
    case 'vector':
      return `vector-${hash53(encoding.values.map(num).join(','))}`;
  }
}

export function modelKey(model: ModelChoice): string {
  return model.degree === undefined ? model.kind : `${model.kind}-d${model.degree}`;
}

export type CellKey = string & { readonly __brand: 'CellKey' };

export function cellKey(group: string, encoding: EncodingSpec, k: number, model: ModelChoice): CellKey {
  return `${groupKey(group)}/${encodingKey(encoding)}/k${k}/${modelKey(model)}` as CellKey;
}
