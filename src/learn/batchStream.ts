/**
 * The batches a run trains on: the full set every step, minibatches through a reshuffled fixed set,
 * or fresh online batches. Its state is part of a checkpoint, so a resumed run sees the same batches.
 */
import type { FiniteGroup } from '../algebra/group.js';
import { Random, type RandomState } from '../algebra/random.js';
import { type CompositionOrder, OnlineBatches, type SequenceSet } from '../task/sequences.js';
import type { Batch } from './engine/engine.js';
import type { RunConfig } from './runConfig.js';

export function toBatch(s: SequenceSet): Batch {
  return { elements: s.elements, targets: s.products, count: s.count };
}

export interface BatchSource {
  group: FiniteGroup;
  k: number;
  order: CompositionOrder;
  data: RunConfig['data'];
  /** The fixed training set (undefined for online data). */
  train: SequenceSet | undefined;
  batchSize: number;
}

/** Rows [from, from + count) of a sequence set, wrapping around. */
function slice(set: SequenceSet, order: Int32Array, from: number, count: number): Batch {
  const k = set.k;
  const elements = new Int32Array(count * k);
  const targets = new Int32Array(count);
  for (let b = 0; b < count; b++) {
    const row = order[(from + b) % set.count];
    elements.set(set.elements.subarray(row * k, (row + 1) * k), b * k);
    targets[b] = set.products[row];
  }
  return { elements, targets, count };
}

/** Where a batch stream is: enough to continue it exactly after a restart. */
export type DataStreamState =
  | { kind: 'online'; rng: RandomState }
  | { kind: 'minibatch'; rng: RandomState; cursor: number }
  | null;

/**
 * The batches of a run: the full set every step, minibatches through a reshuffled fixed set, or fresh
 * online batches. Its state is part of the checkpoint.
 */
export class BatchStream {
  private readonly rng: Random;
  private permutation: Int32Array | undefined;
  /** The generator's state just before the current permutation was drawn. */
  private shuffledFrom: RandomState | undefined;
  private cursor = 0;
  private readonly online: OnlineBatches | undefined;
  private readonly full: Batch | undefined;

  constructor(private readonly source: BatchSource) {
    const { data } = source;
    this.rng = new Random('seed' in data ? data.seed + 1 : 1);
    if (data.kind === 'online')
      this.online = new OnlineBatches(source.group, source.k, data.batch, data.seed, source.order);
    else if (source.batchSize === source.train!.count) this.full = toBatch(source.train!);
  }

  next(): Batch {
    if (this.full) return this.full;
    if (this.online) return toBatch(this.online.next());
    const set = this.source.train!;
    if (!this.permutation || this.cursor + this.source.batchSize > set.count) this.reshuffle();
    const batch = slice(set, this.permutation!, this.cursor, this.source.batchSize);
    this.cursor += this.source.batchSize;
    return batch;
  }

  /** A fresh permutation of the fixed set (Fisher–Yates with the stream's own generator). */
  private reshuffle(): void {
    this.shuffledFrom = this.rng.state();
    const n = this.source.train!.count;
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    this.permutation = p;
    this.cursor = 0;
  }

  state(): DataStreamState {
    if (this.full) return null;
    if (this.online) return { kind: 'online', rng: this.online.state() };
    return this.shuffledFrom ? { kind: 'minibatch', rng: this.shuffledFrom, cursor: this.cursor } : null;
  }

  restore(state: DataStreamState): void {
    if (state === null || this.full) return;
    if (state.kind === 'online') this.online!.restore(state.rng);
    else {
      // Draw the same permutation again, then continue from the same position in it.
      this.rng.restore(state.rng);
      this.reshuffle();
      this.cursor = state.cursor;
    }
  }
}
