/**
 * configHash = SHA-256 (hex) of the canonical JSON of {codeVersion, run}, where run is the
 * canonical run config (src/sweep/canonical.ts: keys sorted, defaults filled in, name left out):
 * group, encoding, k, order, model with H, training budget with seed, data, evaluation, engine.
 * It is a run's key in the store and its workflow id (`run/<configHash>`).
 *
 * In a file of its own because it needs node:crypto, which workflow code must not import: hashes
 * are computed in activities (or the CLI) and handed to workflows.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, canonicalRunConfig } from './canonical.js';

export type ConfigHash = string & { readonly __brand: 'ConfigHash' };

export function configHash(runConfig: unknown, codeVersion: string): ConfigHash {
  if (codeVersion.trim() === '') throw new Error('configHash needs a code version');
  const text = canonicalJson({ codeVersion, run: canonicalRunConfig(runConfig) });
  return createHash('sha256').update(text, 'utf8').digest('hex') as ConfigHash;
}

export function isConfigHash(text: string): text is ConfigHash {
  return /^[0-9a-f]{64}$/.test(text);
}
