/**
 * What a run records about its learning dynamics: the loss on a log-spaced grid of steps, accuracy,
 * the power per irrep of the network's outputs, and the step at which each irrep is acquired.
 */
import { powerSpectrum } from '../algebra/fourier.js';
import type { FiniteGroup } from '../algebra/group.js';
import type { Irrep } from '../algebra/irreps/irrep.js';

/** Points per decade of the log-spaced step grid. */
export const POINTS_PER_DECADE = 20;

/**
 * Whether `step` is on the log-spaced grid: every step up to 20, then the first step of each
 * 1/20-decade. About 20 points per decade keeps a 10⁶-step run to ~100 rows while showing every
 * plateau and drop.
 */
export function onLogGrid(step: number): boolean {
  if (step <= POINTS_PER_DECADE) return true;
  const bucket = (s: number): number => Math.floor(POINTS_PER_DECADE * Math.log10(s));
  return bucket(step) !== bucket(step - 1);
}

/**
 * The power per irrep of the network's output, measured where the task puts it. Each output y is
 * moved back by its sequence's true product g — ỹ(v) = y(g·v), so a perfect output x_g becomes t
 * itself — and the ỹ are averaged over the rows before taking the power spectrum
 * P_σ = c_σ‖F_σ(mean ỹ)‖²/|G|. What the network has learned adds up coherently; output noise
 * (a large random init, say) averages out. Each irrep's power rises from ~0 to the encoding's power
 * as that irrep is learned.
 */
export function outputPower(
  group: FiniteGroup,
  irreps: readonly Irrep[],
  outputs: Float64Array,
  products: ArrayLike<number>,
  count: number,
): Float64Array {
  const n = group.order;
  const mean = new Float64Array(n);
  for (let b = 0; b < count; b++) {
    const g = products[b];
    for (let v = 0; v < n; v++) mean[v] += outputs[b * n + group.mul[g * n + v]];
  }
  for (let v = 0; v < n; v++) mean[v] /= Math.max(1, count);
  return powerSpectrum(group, irreps, mean);
}

/** An irrep counts as acquired when its output power first reaches this fraction of the encoding's. */
export const ACQUIRED_FRACTION = 0.9;

export interface AcquisitionEvent {
  step: number;
  irrep: number;
  label: string;
}
