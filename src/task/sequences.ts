/**
 * The task: a sequence (g_1, …, g_k) of group elements maps to the encoding of their product.
 *
 * Convention (the reference implementation's): left accumulation, the product is
 * g_k ⋯ g_2 · g_1 — each new element multiplies from the left — so the target is x_{g_k⋯g_1}.
 * `order: 'right'` gives g_1 · g_2 ⋯ g_k instead. For abelian groups the two agree.
 */

import type { FiniteGroup, GroupElement } from '../algebra/group.js';
import { Random } from '../algebra/random.js';
import { InputError } from '../errors.js';

export type CompositionOrder = 'left' | 'right';

/** A set of sequences: elements[i·k + j] = g_{j+1} of sequence i, and the product of each. */
export interface SequenceSet {
  readonly k: number;
  readonly count: number;
  readonly elements: Int32Array;
  readonly products: Int32Array;
}

/** Default largest exhaustive set (|G|^k sequences); above it, sample. */
export const DEFAULT_EXHAUSTIVE_CAP = 1_000_000;

function checkLength(k: number): void {
  if (!Number.isInteger(k) || k < 2)
    throw new InputError(`sequence length k = ${k}: k must be an integer ≥ 2`);
}

export function composeSequence(
  group: FiniteGroup,
  sequence: ArrayLike<GroupElement>,
  order: CompositionOrder = 'left',
  offset = 0,
  k = sequence.length,
): GroupElement {
  const n = group.order;
  let acc = sequence[offset];
  for (let j = 1; j < k; j++) {
    const g = sequence[offset + j];
    acc = order === 'left' ? group.mul[g * n + acc] : group.mul[acc * n + g];
  }
  return acc;
}

function withProducts(
  group: FiniteGroup,
  k: number,
  elements: Int32Array,
  order: CompositionOrder,
): SequenceSet {
  const count = elements.length / k;
  const products = new Int32Array(count);
  for (let i = 0; i < count; i++) products[i] = composeSequence(group, elements, order, i * k, k);
  return { k, count, elements, products };
}

/** All |G|^k sequences, g_1 varying slowest. */
export function exhaustiveSequences(
  group: FiniteGroup,
  k: number,
  options: { order?: CompositionOrder; cap?: number } = {},
): SequenceSet {
  checkLength(k);
  const n = group.order;
  const cap = options.cap ?? DEFAULT_EXHAUSTIVE_CAP;
  const count = n ** k;
  if (count > cap)
    throw new InputError(
      `${group.name} with k = ${k} has ${count.toLocaleString('en')} sequences, above the exhaustive cap of ${cap.toLocaleString('en')}; sample instead (dataset: sampled) or raise the cap`,
    );
  const elements = new Int32Array(count * k);
  for (let i = 0; i < count; i++) {
    let rest = i;
    for (let j = k - 1; j >= 0; j--) {
      elements[i * k + j] = rest % n;
      rest = Math.floor(rest / n);
    }
  }
  return withProducts(group, k, elements, options.order ?? 'left');
}

/** `count` sequences drawn uniformly with replacement, reproducibly from `seed`. */
export function sampledSequences(
  group: FiniteGroup,
  k: number,
  count: number,
  seed: number,
  order: CompositionOrder = 'left',
): SequenceSet {
  checkLength(k);
  if (!Number.isInteger(count) || count < 1)
    throw new InputError(`sample size ${count} must be a positive integer`);
  return withProducts(group, k, drawElements(new Random(seed), group.order, count * k), order);
}

function drawElements(rng: Random, n: number, length: number): Int32Array {
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.int(n);
  return out;
}

/**
 * Fresh batches for online training: each call to next() draws a new batch. The generator's state
 * can be saved and restored, so a resumed run sees the same batches.
 */
export class OnlineBatches {
  private readonly rng: Random;

  constructor(
    private readonly group: FiniteGroup,
    readonly k: number,
    readonly batchSize: number,
    seed: number,
    private readonly order: CompositionOrder = 'left',
  ) {
    checkLength(k);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InputError(`batch size ${batchSize} must be a positive integer`);
    this.rng = new Random(seed);
  }

  next(): SequenceSet {
    return withProducts(
      this.group,
      this.k,
      drawElements(this.rng, this.group.order, this.batchSize * this.k),
      this.order,
    );
  }

  state() {
    return this.rng.state();
  }

  restore(state: ReturnType<Random['state']>): void {
    this.rng.restore(state);
  }
}
