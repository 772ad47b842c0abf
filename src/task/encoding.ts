/**
 * Encodings: how a group element becomes a vector. An encoding is a template t ∈ R^|G|, always
 * mean-centred (its trivial Fourier block is zero); element g is encoded as the left translate
 * x_g(u) = t(g⁻¹u), so x_e = t and x_g = L(g)t for the left regular representation L.
 *
 * Kinds:
 *  - onehot:  t = a·δ_i − a/|G|            (index i, default 1; amplitude a, default 10)
 *  - powers:  the class function t = Σ_σ √(P_σ/(m_σ|G|))·χ_σ, whose power spectrum is exactly P
 *             (one power per irrep, in the order of irrepsOf; m_σ = 1, 2, 4 by type, see irrep.ts —
 *             for real type this is √(P_σ/|G|)·χ_σ, since Σ_g χ_σ(g)σ(g)ᵀ = (|G|/c_σ)·I)
 *  - random:  seeded Gaussian entries (scale, default 1), then centred
 *  - vector:  the given values, then centred
 */

import { fourierTransform, powerSpectrum } from '../algebra/fourier.js';
import type { FiniteGroup, GroupElement } from '../algebra/group.js';
import { commutantDim, irrepLabels, irrepsOf, realCharacter } from '../algebra/irreps/index.js';
import { symmetricEigen } from '../algebra/linalg.js';
import { Random } from '../algebra/random.js';
import { InputError } from '../errors.js';

export type EncodingSpec =
  | { kind: 'onehot'; index?: number; amplitude?: number }
  | { kind: 'powers'; powers: readonly number[] }
  | { kind: 'random'; seed?: number; scale?: number }
  | { kind: 'vector'; values: readonly number[] };

export const ONEHOT_DEFAULTS = { index: 1, amplitude: 10 } as const;

export interface Encoding {
  readonly group: FiniteGroup;
  /** The spec with every default filled in. */
  readonly spec: EncodingSpec;
  /** t, mean-centred. */
  readonly template: Float64Array;
  /** Power per irrep (irrepsOf order); sums to ‖t‖². */
  readonly power: Float64Array;
  /** Whether the template meets the theory's assumptions; `problems` says what fails. */
  readonly assumption: { holds: boolean; problems: string[] };
}

export function encode(group: FiniteGroup, spec: EncodingSpec): Encoding {
  const { spec: resolved, template } = encodingTemplate(group, spec);
  const power = powerSpectrum(group, irrepsOf(group), template);
  return { group, spec: resolved, template, power, assumption: checkAssumption(group, template) };
}

/**
 * The spec with every default filled in, or the InputError that says why it cannot encode `group`:
 * what validating a spec needs, and cheap. No irrep matrices (a `powers` list is checked against
 * the irreps' labels, irrepLabels) and no power spectrum, so checking a sweep on C64xC64 costs its
 * Cayley table, not its Fourier analysis.
 */
export function resolveEncoding(group: FiniteGroup, spec: EncodingSpec): EncodingSpec {
  const n = group.order;
  switch (spec.kind) {
    case 'onehot': {
      const index = spec.index ?? ONEHOT_DEFAULTS.index;
      const amplitude = spec.amplitude ?? ONEHOT_DEFAULTS.amplitude;
      if (!Number.isInteger(index) || index < 0 || index >= n)
        throw new InputError(`onehot index ${index} is not an element of ${group.name} (0..${n - 1})`);
      if (!Number.isFinite(amplitude) || amplitude === 0)
        throw new InputError(`onehot amplitude ${amplitude} must be a non-zero number`);
      return { kind: 'onehot', index, amplitude };
    }
    case 'powers': {
      const { powers } = spec;
      const labels = irrepLabels(group);
      if (powers.length !== labels.length)
        throw new InputError(
          `${group.name} has ${labels.length} irreps (${labels.join(', ')}) but ${powers.length} powers were given`,
        );
      powers.forEach((p, i) => {
        if (!Number.isFinite(p) || p < 0)
          throw new InputError(`power ${i + 1} (${labels[i]}) is ${p}; powers must be finite and ≥ 0`);
      });
      if (powers[0] !== 0)
        throw new InputError(
          `power 1 is for the trivial irrep and must be 0, because encodings are mean-centred (got ${powers[0]})`,
        );
      // Characters of non-trivial irreps are non-zero and orthogonal to the constants, so a powers
      // template with some power is never zero after centring.
      if (powers.every((p) => p === 0))
        throw new InputError('all powers are 0: the encoding would be the zero vector');
      return { kind: 'powers', powers: [...powers] };
    }
    case 'random': {
      const seed = spec.seed ?? 0;
      const scale = spec.scale ?? 1;
      if (!Number.isInteger(seed)) throw new InputError(`random seed ${seed} must be an integer`);
      if (!Number.isFinite(scale) || scale <= 0) throw new InputError(`random scale ${scale} must be > 0`);
      return { kind: 'random', seed, scale };
    }
    case 'vector': {
      if (spec.values.length !== n)
        throw new InputError(`vector has ${spec.values.length} values but ${group.name} has ${n} elements`);
      spec.values.forEach((v, i) => {
        if (!Number.isFinite(v)) throw new InputError(`vector value ${i + 1} is ${v}, not a finite number`);
      });
      const template = Float64Array.from(spec.values);
      centre(template);
      if (template.every((x) => Math.abs(x) < 1e-12))
        throw new InputError('the encoding is zero after mean-centring');
      return { kind: 'vector', values: [...spec.values] };
    }
    default:
      throw new InputError(
        `unknown encoding kind ${JSON.stringify((spec as { kind: unknown }).kind)}; accepted: onehot, powers, random, vector`,
      );
  }
}

/** The validated spec (every default filled in) and its mean-centred template. */
export function encodingTemplate(
  group: FiniteGroup,
  spec: EncodingSpec,
): { spec: EncodingSpec; template: Float64Array } {
  const n = group.order;
  const resolved = resolveEncoding(group, spec);
  let template: Float64Array;
  switch (resolved.kind) {
    case 'onehot':
      template = new Float64Array(n);
      template[resolved.index!] = resolved.amplitude!;
      break;
    case 'powers': {
      const { powers } = resolved;
      template = new Float64Array(n);
      irrepsOf(group).forEach((irrep, s) => {
        if (powers[s] === 0) return;
        const a = Math.sqrt(powers[s] / (commutantDim(irrep.type) * n));
        const chi = realCharacter(irrep, n);
        for (let g = 0; g < n; g++) template[g] += a * chi[g];
      });
      break;
    }
    case 'random': {
      const rng = new Random(resolved.seed!);
      template = Float64Array.from({ length: n }, () => resolved.scale! * rng.normal());
      break;
    }
    case 'vector':
      template = Float64Array.from(resolved.values);
      break;
  }
  centre(template);
  if (template.every((x) => Math.abs(x) < 1e-12))
    throw new InputError('the encoding is zero after mean-centring');
  return { spec: resolved, template };
}

function centre(t: Float64Array): void {
  let mean = 0;
  for (const x of t) mean += x;
  mean /= t.length;
  for (let i = 0; i < t.length; i++) t[i] -= mean;
}

/**
 * The theory assumes every Fourier block F_σ is invertible or zero, and that the translates x_g are
 * distinct (else the product cannot be decoded from the output at all).
 */
function checkAssumption(group: FiniteGroup, template: Float64Array): Encoding['assumption'] {
  const irreps = irrepsOf(group);
  const F = fourierTransform(group, irreps, template);
  let scale = 0;
  for (const Fs of F) for (const x of Fs) scale = Math.max(scale, Math.abs(x));
  const problems: string[] = [];
  irreps.forEach((irrep, s) => {
    const D = irrep.dim;
    const Fs = F[s];
    if (Fs.every((x) => Math.abs(x) <= 1e-10 * scale)) return;
    // Singular values² = eigenvalues of FᵀF.
    const FtF = new Float64Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let t = 0;
        for (let k = 0; k < D; k++) t += Fs[k * D + i] * Fs[k * D + j];
        FtF[i * D + j] = t;
      }
    const { values } = symmetricEigen(FtF, D);
    const rank = values.filter((v) => v > 1e-16 * values[D - 1] * D).length;
    if (values[0] <= 1e-16 * values[D - 1] * D)
      problems.push(
        `the Fourier block of ${irrep.label} is singular (rank ${rank} of ${D}): neither invertible nor zero`,
      );
  });
  const duplicates = sharedEncodings(group, template);
  if (duplicates > 0)
    problems.push(
      `${duplicates} element(s) share their encoding with another: products cannot all be decoded`,
    );
  return { holds: problems.length === 0, problems };
}

/**
 * How many elements share their encoding (to 9 decimals) with an earlier element. x_g = x_h exactly
 * when s = g⁻¹h fixes the template, t(su) = t(u) for all u, and those s form a subgroup S: so the
 * translates fall into |G|/|S| distinct encodings and |G| − |G|/|S| elements repeat one. Testing
 * each s stops at the first u that differs, so a generic template costs O(|G|), not the |G|² of
 * comparing every translate (16 million numbers formatted at |G| = 4096).
 */
function sharedEncodings(group: FiniteGroup, template: Float64Array): number {
  const n = group.order;
  // Values as ids of their 9-decimal forms, so that equality is the rounding the message promises.
  const ids = new Map<string, number>();
  const key = Int32Array.from(template, (x) => {
    const text = x.toFixed(9);
    let id = ids.get(text);
    if (id === undefined) ids.set(text, (id = ids.size));
    return id;
  });
  let stabiliser = 0;
  for (let s = 0; s < n; s++) {
    let fixes = true;
    for (let u = 0; u < n && fixes; u++) fixes = key[group.mul[s * n + u]] === key[u];
    if (fixes) stabiliser++;
  }
  return n - n / stabiliser;
}

/** x_g(u) = t(g⁻¹u), the encoding of element g. */
export function translate(group: FiniteGroup, template: ArrayLike<number>, g: GroupElement): Float64Array {
  const n = group.order;
  const gInv = group.inv[g];
  const x = new Float64Array(n);
  for (let u = 0; u < n; u++) x[u] = template[group.mul[gInv * n + u]];
  return x;
}

/** All encodings as rows of an |G|×|G| matrix: X[g, u] = x_g(u). */
export function encodingMatrix(encoding: Encoding): Float64Array {
  const { group, template } = encoding;
  const n = group.order;
  const X = new Float64Array(n * n);
  for (let g = 0; g < n; g++) X.set(translate(group, template, g), g * n);
  return X;
}
