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
  /** True while its claim attempt is running. */
  busy(): boolean;
}

/** The receives waiting on one queue, and the one timer for its next visible message. */
interface QueueWaiters {
  waiters: Set<Waiter>;
  nextVisibleAt: () => number | undefined;
  timer: TimerHandle | undefined;
  timerAt: number | undefined;
}

/**
 * Long polling without busy polling. A waiting receive sleeps until one of:
 * a commit touched its queue (`notify`), the queue's next delayed or invisible
 * message becomes visible (one clock timer per queue), its wait time ends, or
 * its signal aborts. Messages claimed by an attempt that races the deadline
 * are still returned, never dropped.
 *
 * A notification wakes one waiter, not all: with many receives waiting on a
 * queue (a job's pollers), waking all for each message made all but one claim
 * nothing, and under load starved the event loop. A waiter that claims
 * something passes the notification on, since more may be waiting.
 */
export class LongPoll {
  readonly #clock: Clock;
  readonly #queues = new Map<number, QueueWaiters>();

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
      const clock = this.#clock;
      let state = this.#queues.get(queueId);
      if (!state) {
        state = {
          waiters: new Set(),
          nextVisibleAt: poll.nextVisibleAt,
          timer: undefined,
          timerAt: undefined,
        };
        this.#queues.set(queueId, state);
      }
      const queue = state;

      const cleanup = () => {
        finished = true;
        queue.waiters.delete(waiter);
        if (queue.waiters.size === 0) {
          if (queue.timer) clock.clearTimer(queue.timer);
          if (this.#queues.get(queueId) === queue) this.#queues.delete(queueId);
        }
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
          if (items.length > 0) this.notify(queueId);
          return;
        }
        if (again) {
          again = false;
          void tryNow();
          return;
        }
        this.#arm(queueId);
      };

      const waiter: Waiter = { wake: () => void tryNow(), end: expire, busy: () => attempting };
      queue.waiters.add(waiter);
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

  /** Something in the queue changed: one waiting receive looks again (an idle one if any). */
  notify(queueId: number): void {
    const queue = this.#queues.get(queueId);
    if (!queue || queue.waiters.size === 0) return;
    for (const waiter of queue.waiters) {
      if (!waiter.busy()) {
        waiter.wake();
        return;
      }
    }
    // All are mid-attempt: the first looks again when its attempt ends.
    queue.waiters.values().next().value?.wake();
  }

  /** Ends every wait with what it has (nothing). */
  close(): void {
    for (const queue of [...this.#queues.values()])
      for (const waiter of [...queue.waiters]) waiter.end();
  }

  /** Sets the queue's timer for its next visible message, if it changed. */
  #arm(queueId: number): void {
    const queue = this.#queues.get(queueId);
    if (!queue || queue.waiters.size === 0) return;
    const next = queue.nextVisibleAt();
    if (next === queue.timerAt && queue.timer) return;
    if (queue.timer) this.#clock.clearTimer(queue.timer);
    queue.timer = undefined;
    queue.timerAt = next;
    if (next === undefined) return;
    queue.timer = this.#clock.setTimer(() => {
      queue.timer = undefined;
      queue.timerAt = undefined;
      this.notify(queueId);
    }, next - this.#clock.now());
  }
}
