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
  /** The run's train.seed: the exhaustive set's shuffle is drawn from it (online data with perRun too). */
  seed: number;
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

/** A position of a stream (BatchStream.mark); a permutation is replaced, never changed, so it is shared. */
export interface StreamMark {
  rng: RandomState;
  permutation: Int32Array | undefined;
  shuffledFrom: RandomState | undefined;
  cursor: number;
  online: RandomState | undefined;
}

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

  /** Whether the last batch of a pass through the fixed set is dropped when short (data.dropLast). */
  private readonly dropLast: boolean;
  private endedEpoch = false;

  constructor(private readonly source: BatchSource) {
    const { data } = source;
    // The shuffle's generator: a sampled set's own seed, the run's seed for the exhaustive set (both
    // + 1, so seed 0 shuffles as it did when the exhaustive set's shuffle was fixed at Random(1)).
    this.rng = new Random(('seed' in data ? data.seed : source.seed) + 1);
    this.dropLast = !('dropLast' in data) || data.dropLast !== false;
    if (data.kind === 'online') {
      const seed = data.perRun ? data.seed + source.seed : data.seed;
      this.online = new OnlineBatches(source.group, source.k, data.batch, seed, source.order);
    } else if (source.batchSize === source.train!.count) this.full = toBatch(source.train!);
  }

  next(): Batch {
    this.endedEpoch = this.online === undefined;
    if (this.full) return this.full;
    if (this.online) return toBatch(this.online.next());
    if (!this.permutation || this.cursor >= this.epochEnd()) this.reshuffle();
    const count = Math.min(this.source.batchSize, this.source.train!.count - this.cursor);
    const batch = slice(this.source.train!, this.permutation!, this.cursor, count);
    this.cursor += count;
    this.endedEpoch = this.cursor >= this.epochEnd();
    return batch;
  }

  /** Where a pass ends: the set's size, or the last whole batch's end when short batches drop. */
  private epochEnd(): number {
    const { count } = this.source.train!;
    return this.dropLast ? count - (count % this.source.batchSize) : count;
  }

  /** The number of sequences the next batch will have (the last of a pass may be short). */
  nextCount(): number {
    if (this.full) return this.full.count;
    if (this.online || !this.permutation || this.cursor >= this.epochEnd()) return this.source.batchSize;
    return Math.min(this.source.batchSize, this.source.train!.count - this.cursor);
  }

  /** Whether the batch next() returned last completed a pass through the fixed set (an epoch). */
  endsEpoch(): boolean {
    return this.endedEpoch;
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

  /**
   * The exact position, in memory, for reset(): unlike state() it also covers a stream that has
   * not shuffled yet (the trainer rewinds to it when a run stops inside an engine call).
   */
  mark(): StreamMark {
    return {
      rng: this.rng.state(),
      permutation: this.permutation,
      shuffledFrom: this.shuffledFrom,
      cursor: this.cursor,
      online: this.online?.state(),
    };
  }

  reset(mark: StreamMark): void {
    this.rng.restore(mark.rng);
    this.permutation = mark.permutation;
    this.shuffledFrom = mark.shuffledFrom;
    this.cursor = mark.cursor;
    if (mark.online) this.online!.restore(mark.online);
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
