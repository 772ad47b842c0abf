/** How close two engines' numbers are: the engine tests' shared measure. */
import assert from 'node:assert/strict';
import type { Parameters } from '../../src/learn/models/spec.js';

/** max|a − b| / max|b|, the error relative to the tensor's scale (absolute when b is all zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** The same parameters, each within `tolerance` relative error. */
export function assertClose(a: Parameters, b: Parameters, what: string, tolerance = 1e-4): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const name of Object.keys(b)) {
    const e = relativeError(a[name], b[name]);
    assert.ok(e < tolerance, `${what} ${name}: relative error ${e.toExponential(2)}`);
  }
}
