/**
 * Seed groups on a training worker (`--seed-group S`): training activities whose runs are equal but
 * for their seed (a cell's seeds at one width, which its width search starts together) are gathered
 * and trained as one group, whose steps run as one engine call for all of them (runSeeds,
 * src/learn/seeds.ts). Each activity still reports its own run, with the numbers it would have had
 * alone.
 *
 * - A group's target is how many runs its cell started together (`together`, which the cell's
 *   planProbes counts), at most S. It starts as soon as it has them; runs that never come (a
 *   sibling found stored, or taken by another worker) are waited for at most GATHER_MS. It takes
 *   more (up to the target) while it waits for a training slot; once it starts, a run of its key
 *   that arrives later begins a group of its own.
 * - The worker trains at most `slots` groups or lone runs at once: a group is one training.
 * - `wanted()` is how many runs the worker can use now: those it trains or holds, the runs still
 *   missing from the groups that will have the free slots, and one per free slot left. The worker
 *   takes no more activities than that from Temporal (src/temporal/activitySlots.ts), so a busy
 *   worker leaves runs to the others instead of holding them until it is free.
 * - A run cancelled while it waits leaves its group at once; one cancelled while it trains stops
 *   as any run does, and the others go on.
 *
 * The gathering knows nothing of Temporal or engines: `train` trains the members it is given.
 */

/**
 * Runs per group unless a worker is told otherwise (`--seed-group`): 1, every run alone. Groups of 3
 * trained a grid of small mlps 1.4× faster here, but width searches (pairs of seeds that stop at
 * different steps) of C11–C17 0.92× as fast (bench:seed-groups, docs/performance.md).
 */
export const DEFAULT_SEED_GROUP = 1;

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
  /** It starts once it has this many members (or after the gathering window). */
  target: number;
  train: TrainGroup<T, R>;
  timer: NodeJS.Timeout | undefined;
  closing: boolean;
}

/** How a run joins: `together` = the runs its cell started with it at its width (itself included). */
export interface JoinOptions {
  together?: number;
  /** Called when its group starts training. */
  onStart?: () => void;
}

/** At most `size` holders at once; the others wait in turn (first come, first served). */
export class Slots {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Slots free now (none while anyone waits). */
  get available(): number {
    return this.free;
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
  /** Groups that runs of their key can still join, by key. */
  private readonly open = new Map<string, Group<T, R>>();
  /** Groups (and lone runs) not training yet, oldest first. */
  private readonly pending: Group<T, R>[] = [];
  /** Runs in groups that are training. */
  private trainingRuns = 0;
  private readonly listeners: (() => void)[] = [];

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
   * How many runs the worker can use now: the runs it trains and holds, the runs still missing
   * from the groups first in line for the free slots (one group per slot), and one run for each
   * free slot that no group waits for. Never more than 2·S per slot, however runs arrive.
   */
  wanted(): number {
    let free = this.slots.available;
    let runs = this.trainingRuns;
    for (const group of this.pending) {
      runs += group.members.length;
      if (free === 0) continue;
      free--;
      if (this.open.get(group.key) === group) runs += Math.max(0, group.target - group.members.length);
    }
    return Math.min(runs + free, 2 * this.size * this.slots.size);
  }

  /** `listener` is called whenever wanted() may have changed. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Trains `item` in a group of runs of the same `key` (the first member's `train` trains them all);
   * with key null, alone, as soon as a slot is free. Rejects with CancelledWhileWaiting when
   * `signal` aborts before its group starts, and with the run's own error when its training throws.
   */
  run(
    key: string | null,
    item: T,
    train: TrainGroup<T, R>,
    signal: AbortSignal,
    { together = this.size, onStart = () => undefined }: JoinOptions = {},
  ): Promise<GroupedResult<R>> {
    if (signal.aborted) return Promise.reject(new CancelledWhileWaiting());
    const target = key === null ? 1 : Math.max(1, Math.min(this.size, together));
    let joined = key === null ? undefined : this.open.get(key);
    if (!joined || joined.members.length >= this.size) {
      const fresh: Group<T, R> = {
        key: key ?? '',
        members: [],
        target,
        train,
        timer: undefined,
        closing: false,
      };
      if (key !== null) {
        fresh.timer = setTimeout(() => void this.start(fresh), this.gatherMs);
        this.open.set(key, fresh);
      }
      this.pending.push(fresh);
      joined = fresh;
    } else joined.target = Math.max(joined.target, target);
    const group = joined;
    const done = new Promise<GroupedResult<R>>((resolve, reject) => {
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
          this.changed();
        },
      };
      signal.addEventListener('abort', member.leave, { once: true });
      group.members.push(member);
    });
    if (group.members.length >= group.target) void this.start(group);
    this.changed();
    return done;
  }

  /** Ends the gathering: waits for a slot, then trains whoever is still in the group. */
  private async start(group: Group<T, R>): Promise<void> {
    if (group.closing) return;
    group.closing = true;
    clearTimeout(group.timer);
    await this.slots.acquire();
    if (this.open.get(group.key) === group) this.open.delete(group.key);
    this.pending.splice(this.pending.indexOf(group), 1);
    const members = group.members.splice(0);
    for (const m of members) m.signal.removeEventListener('abort', m.leave);
    this.trainingRuns += members.length;
    this.changed();
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
      this.trainingRuns -= members.length;
      this.slots.release();
      this.changed();
    }
  }
}
