import type { Clock, TimerHandle } from "../../core/clock.js";

/** What a waiting receive does: try to claim messages, and tell when the next one becomes visible. */
export interface PollAttempt<T> {
  attempt(): Promise<T[]>;
  /** Epoch ms at which the next message of the queue becomes visible, if any. */
  nextVisibleAt(): number | undefined;
}

interface Waiter {
  wake(): void;
  end(): void;
}

/**
 * Long polling without busy polling. A waiting receive sleeps until one of:
 * a commit touched its queue (`notify`), the next delayed or invisible message
 * of the queue becomes visible (a clock timer), its wait time ends, or its
 * signal aborts. Messages claimed by an attempt that races the deadline are
 * still returned, never dropped.
 */
export class LongPoll {
  readonly #clock: Clock;
  readonly #waiters = new Map<number, Set<Waiter>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  wait<T>(
    queueId: number,
    waitMs: number,
    poll: PollAttempt<T>,
    signal?: AbortSignal,
  ): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      let finished = false;
      let attempting = false;
      let again = false;
      let expired = false;
      let nextTimer: TimerHandle | undefined;
      const clock = this.#clock;
      const set = this.#waiters.get(queueId) ?? new Set<Waiter>();
      this.#waiters.set(queueId, set);

      const cleanup = () => {
        finished = true;
        set.delete(waiter);
        if (set.size === 0 && this.#waiters.get(queueId) === set) this.#waiters.delete(queueId);
        if (nextTimer) clock.clearTimer(nextTimer);
        clock.clearTimer(deadline);
        signal?.removeEventListener("abort", onAbort);
      };
      const finish = (items: T[]) => {
        cleanup();
        resolve(items);
      };
      const expire = () => {
        expired = true;
        if (!attempting && !finished) finish([]);
      };
      const onAbort = () => expire();

      const tryNow = async (): Promise<void> => {
        if (finished) return;
        if (attempting) {
          again = true;
          return;
        }
        attempting = true;
        let items: T[];
        try {
          items = await poll.attempt();
        } catch (error) {
          attempting = false;
          cleanup();
          reject(error);
          return;
        }
        attempting = false;
        if (finished) return;
        if (items.length > 0 || expired) {
          finish(items);
          return;
        }
        if (again) {
          again = false;
          void tryNow();
          return;
        }
        if (nextTimer) clock.clearTimer(nextTimer);
        nextTimer = undefined;
        const next = poll.nextVisibleAt();
        if (next !== undefined) nextTimer = clock.setTimer(() => void tryNow(), next - clock.now());
      };

      const waiter: Waiter = { wake: () => void tryNow(), end: expire };
      set.add(waiter);
      const deadline = clock.setTimer(expire, waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) {
        expire();
        return;
      }
      // The first attempt runs with the waiter already registered, so a commit that lands
      // while it runs is not missed: its notification sets `again`.
      void tryNow();
    });
  }

  /** Something in the queue changed: waiting receives look again. */
  notify(queueId: number): void {
    const set = this.#waiters.get(queueId);
    if (!set) return;
    for (const waiter of [...set]) waiter.wake();
  }

  /** Number of receives waiting on a queue (for tests and stats). */
  waiting(queueId: number): number {
    return this.#waiters.get(queueId)?.size ?? 0;
  }

  /** Ends every wait with what it has (nothing). */
  close(): void {
    for (const set of [...this.#waiters.values()]) for (const waiter of [...set]) waiter.end();
  }
}
