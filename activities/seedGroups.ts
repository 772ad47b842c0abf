/**
 * Seed groups on a training worker (`sgc worker --seed-group S`): training activities whose runs are
 * equal but for their seed (a cell's seeds at one width, which its width search starts together)
 * are gathered and trained as one group, whose steps run as one engine call for all of them
 * (runSeeds, src/learn/seeds.ts). Each activity still reports its own run, with the numbers it
 * would have had alone.
 *
 * - A group is the runs of one key that arrive within GATHER_MS of its first, at most S of them. It
 *   takes more (up to S) while it waits for a training slot; once it starts, a run of its key that
 *   arrives later begins a group of its own.
 * - The worker trains at most `slots` groups or lone runs at once: a group is one training. (Its
 *   Temporal workers hold up to 2·S times as many activities, so that groups can gather.)
 * - A run cancelled while it waits leaves its group at once; one cancelled while it trains stops
 *   as any run does, and the others go on.
 *
 * The gathering knows nothing of Temporal or engines: `train` trains the members it is given.
 */

/** How long a group waits for the rest of its seeds: a cell starts them in one workflow task. */
export const GATHER_MS = 1000;

/** What a run's activity gets back: its result, and how many runs trained in its group. */
export interface GroupedResult<R> {
  result: R;
  groupSize: number;
}

/** Trains the members of one group together; one settled result per member, in their order. */
export type TrainGroup<T, R> = (items: T[]) => Promise<PromiseSettledResult<R>[]>;

/** Thrown to a run cancelled while it waited (to gather, or for a slot): it never trained. */
export class CancelledWhileWaiting extends Error {
  constructor() {
    super('cancelled while waiting to train');
  }
}

interface Member<T, R> {
  item: T;
  signal: AbortSignal;
  onStart: () => void;
  resolve: (value: GroupedResult<R>) => void;
  reject: (error: unknown) => void;
  leave: () => void;
}

interface Group<T, R> {
  /** '' for a run trained alone (never in `open`). */
  key: string;
  members: Member<T, R>[];
  train: TrainGroup<T, R>;
  timer: NodeJS.Timeout | undefined;
  closing: boolean;
}

/** At most `size` holders at once; the others wait in turn (first come, first served). */
export class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}

export class SeedGroups<T, R> {
  private readonly open = new Map<string, Group<T, R>>();

  constructor(
    /** At most this many runs in a group. */
    private readonly size: number,
    /** The worker's training slots, which lone runs take too. */
    readonly slots: Slots,
    private readonly gatherMs = GATHER_MS,
  ) {
    if (!Number.isInteger(size) || size < 2)
      throw new Error(`a seed group holds 2 or more runs, not ${size}`);
  }

  /**
   * Trains `item` in a group of runs of the same `key` (the first member's `train` trains them all);
   * with key null, alone, as soon as a slot is free. `onStart` is called when its group starts
   * training. Rejects with CancelledWhileWaiting when `signal` aborts before that, and with the
   * run's own error when its training throws.
   */
  run(
    key: string | null,
    item: T,
    train: TrainGroup<T, R>,
    signal: AbortSignal,
    onStart: () => void = () => undefined,
  ): Promise<GroupedResult<R>> {
    if (signal.aborted) return Promise.reject(new CancelledWhileWaiting());
    let joined = key === null ? undefined : this.open.get(key);
    if (!joined || joined.members.length >= this.size) {
      const fresh: Group<T, R> = { key: key ?? '', members: [], train, timer: undefined, closing: false };
      if (key !== null) {
        fresh.timer = setTimeout(() => void this.start(fresh), this.gatherMs);
        this.open.set(key, fresh);
      }
      joined = fresh;
    }
    const group = joined;
    return new Promise((resolve, reject) => {
      const member: Member<T, R> = {
        item,
        signal,
        onStart,
        resolve,
        reject,
        leave: () => {
          const at = group.members.indexOf(member);
          if (at < 0) return;
          group.members.splice(at, 1);
          reject(new CancelledWhileWaiting());
        },
      };
      signal.addEventListener('abort', member.leave, { once: true });
      group.members.push(member);
      if (key === null || group.members.length >= this.size) void this.start(group);
    });
  }

  /** Ends the gathering: waits for a slot, then trains whoever is still in the group. */
  private async start(group: Group<T, R>): Promise<void> {
    if (group.closing) return;
    group.closing = true;
    clearTimeout(group.timer);
    await this.slots.acquire();
    if (this.open.get(group.key) === group) this.open.delete(group.key);
    const members = group.members.splice(0);
    for (const m of members) m.signal.removeEventListener('abort', m.leave);
    try {
      if (members.length === 0) return;
      for (const m of members) m.onStart();
      let settled: PromiseSettledResult<R>[];
      try {
        settled = await group.train(members.map((m) => m.item));
      } catch (error) {
        settled = members.map(() => ({ status: 'rejected', reason: error }));
      }
      members.forEach((m, j) => {
        const s = settled[j];
        if (s.status === 'fulfilled') m.resolve({ result: s.value, groupSize: members.length });
        else m.reject(s.reason);
      });
    } finally {
      this.slots.release();
    }
  }
}
