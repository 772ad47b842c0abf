/**
 * Engines by name. Each engine module is loaded only when asked for, so a missing optional
 * dependency affects only the runs that use that engine.
 */
import { InputError } from '../../errors.js';
import type { TensorEngine } from './engine.js';

export const ENGINE_NAMES = ['reference'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export async function createEngine(name: string, backend?: string): Promise<TensorEngine> {
  switch (name) {
    case 'reference': {
      if (backend !== undefined && backend !== 'js-f64')
        throw new InputError(`the reference engine has one backend, js-f64 (got "${backend}")`);
      const { referenceEngine } = await import('./reference.js');
      return referenceEngine;
    }
    default:
      throw new InputError(`engine "${name}" is not one of ${ENGINE_NAMES.join(', ')}`);
  }
}
