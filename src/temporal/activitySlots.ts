/**
 * How many training activities a worker with seed groups takes from Temporal: a custom activity
 * slot supplier (the SDK asks it for a slot before each poll) that grants a poll only while the
 * worker can use one more run now, by its seed gatherer's count (`wanted`, activities/seedGroups.ts).
 *
 * Why not a fixed number of slots: a worker gathering groups needs more activities than it trains at
 * once (a whole group per slot), but a fixed S·concurrency would also let a busy worker take runs
 * while it trains, which then wait on it while other workers stand idle. With this supplier a worker
 * whose slots are all training polls nothing.
 *
 * Polls are counted per task queue: a worker polls each of its training queues, and a poll held open
 * on a queue with no work (for up to a minute) must not keep the queue that has work from being
 * polled. A run counts once its activity has arrived (`markSlotUsed`), on every queue.
 */
import type {
  ActivitySlotInfo,
  CustomSlotSupplier,
  SlotMarkUsedContext,
  SlotPermit,
  SlotReleaseContext,
  SlotReserveContext,
} from '@temporalio/worker';

/** One permit, by number: the SDK hands it back, but need not hand back the same object. */
interface Permit extends SlotPermit {
  id: number;
}

interface Waiter {
  queue: string;
  grant: (permit: Permit) => void;
}

export class WantedRunsSlotSupplier implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom';
  /** Activities that arrived and are not finished (on every queue). */
  private inHand = 0;
  /** Polls under way, by queue. */
  private readonly polls = new Map<string, number>();
  /** The queue of each permit whose activity has not arrived yet. */
  private readonly polling = new Map<number, string>();
  private lastId = 0;
  private readonly waiting: Waiter[] = [];

  /** `wanted`: how many runs the worker can use now; `onChange` registers a call for when that may change. */
  constructor(
    private readonly wanted: () => number,
    onChange: (listener: () => void) => void,
  ) {
    onChange(() => this.grant());
  }

  reserveSlot(ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        queue: ctx.taskQueue,
        grant: (permit) => {
          abortSignal.removeEventListener('abort', abort);
          resolve(permit);
        },
      };
      const abort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(abortSignal.reason);
      };
      if (abortSignal.aborted) return abort();
      abortSignal.addEventListener('abort', abort, { once: true });
      this.waiting.push(waiter);
      this.grant();
    });
  }

  /** Eager activities (handed over with a workflow task) would bypass the count: none. */
  tryReserveSlot(): SlotPermit | null {
    return null;
  }

  markSlotUsed(ctx: SlotMarkUsedContext<ActivitySlotInfo>): void {
    const { id } = ctx.permit as Permit;
    const queue = this.polling.get(id);
    if (queue === undefined) return;
    this.polling.delete(id);
    this.addPoll(queue, -1);
    this.inHand++;
  }

  releaseSlot(ctx: SlotReleaseContext<ActivitySlotInfo>): void {
    const { id } = ctx.permit as Permit;
    const queue = this.polling.get(id);
    if (queue === undefined) this.inHand--;
    else {
      this.polling.delete(id);
      this.addPoll(queue, -1);
    }
    this.grant();
  }

  /** Activities in hand and polls under way (for tests and logs). */
  get held(): { inHand: number; polls: number } {
    return { inHand: this.inHand, polls: this.polling.size };
  }

  /** Grants waiting polls, oldest first, on every queue whose polls fit beside the runs in hand. */
  private grant(): void {
    const wanted = this.wanted();
    for (let i = 0; i < this.waiting.length; ) {
      const waiter = this.waiting[i];
      if (this.inHand + (this.polls.get(waiter.queue) ?? 0) >= wanted) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      const id = ++this.lastId;
      this.polling.set(id, waiter.queue);
      this.addPoll(waiter.queue, 1);
      waiter.grant({ id });
    }
  }

  private addPoll(queue: string, by: number): void {
    this.polls.set(queue, (this.polls.get(queue) ?? 0) + by);
  }
}
