/**
 * specHash = SHA-256 (hex) of the canonical JSON of a spec's identity (specIdentity.ts: defaults
 * filled in, lists as sets, name left out). Stored as sweep.spec_hash; two specs with the same hash
 * are the same sweep.
 *
 * In a file of its own because it needs node:crypto, which workflow code must not import.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { type SpecIdentity, specIdentity } from './specIdentity.js';

export function specHashOf(identity: SpecIdentity): string {
  return createHash('sha256').update(canonicalJson(identity), 'utf8').digest('hex');
}

export function specHash(raw: unknown): string {
  return specHashOf(specIdentity(raw));
}
