/**
 * configHash = SHA-256 (hex) of the canonical JSON of {code, run}, where run is the canonical run
 * config (src/sweep/canonical.ts: keys sorted, defaults filled in, name left out): group, encoding,
 * k, order, model with H, training budget with seed, data, evaluation, engine and backend; and code
 * is the code identity the run is computed with (src/learn/codeIdentity.ts: the results version and
 * the engine's library versions). It is a run's key in the store and its workflow id
 * (`run/<configHash>`), so a run is reused only by code that computes the same numbers.
 *
 * In a file of its own because it needs node:crypto, which workflow code must not import: hashes
 * are computed in activities (or the CLI) and handed to workflows.
 */
import { createHash } from 'node:crypto';
import type { CodeIdentity } from '../learn/codeIdentity.js';
import { canonicalJson, canonicalRunConfig } from './canonical.js';

export type ConfigHash = string & { readonly __brand: 'ConfigHash' };

export function configHash(runConfig: unknown, code: CodeIdentity): ConfigHash {
  if (!Number.isInteger(code.resultsVersion) || code.resultsVersion < 1)
    throw new Error(`configHash needs a results version, a positive integer (got ${code.resultsVersion})`);
  const text = canonicalJson({ code, run: canonicalRunConfig(runConfig) });
  return createHash('sha256').update(text, 'utf8').digest('hex') as ConfigHash;
}

export function isConfigHash(text: string): text is ConfigHash {
  return /^[0-9a-f]{64}$/.test(text);
}
