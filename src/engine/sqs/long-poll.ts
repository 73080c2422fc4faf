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
      let queue = this.#queues.get(queueId);
      if (!queue) {
        queue = {
          waiters: new Set(),
          nextVisibleAt: poll.nextVisibleAt,
          timer: undefined,
          timerAt: undefined,
        };
        this.#queues.set(queueId, queue);
      }
      const waiter = new PendingReceive(this, queueId, queue, poll, resolve, reject);
      queue.waiters.add(waiter);
      waiter.start(waitMs, signal);
    });
  }

  /** A wait ended (for PendingReceive): drops its waiter, and the queue's state once no one waits. */
  forget(queueId: number, queue: QueueWaiters, waiter: Waiter): void {
    queue.waiters.delete(waiter);
    if (queue.waiters.size === 0) {
      if (queue.timer) this.#clock.clearTimer(queue.timer);
      if (this.#queues.get(queueId) === queue) this.#queues.delete(queueId);
    }
  }

  /** For PendingReceive. */
  get clock(): Clock {
    return this.#clock;
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

  /** Sets the queue's timer for its next visible message, if it changed (for PendingReceive). */
  arm(queueId: number): void {
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

/**
 * One waiting receive. A class rather than closures: a receive is set up for every batch a
 * poller takes, and under tsx every named closure costs a property definition.
 */
class PendingReceive<T> implements Waiter {
  readonly #owner: LongPoll;
  readonly #queueId: number;
  readonly #queue: QueueWaiters;
  readonly #poll: PollAttempt<T>;
  readonly #resolve: (items: T[]) => void;
  readonly #reject: (error: unknown) => void;
  #finished = false;
  #attempting = false;
  #again = false;
  #expired = false;
  #deadline: TimerHandle | undefined;
  #signal: AbortSignal | undefined;

  constructor(
    owner: LongPoll,
    queueId: number,
    queue: QueueWaiters,
    poll: PollAttempt<T>,
    resolve: (items: T[]) => void,
    reject: (error: unknown) => void,
  ) {
    this.#owner = owner;
    this.#queueId = queueId;
    this.#queue = queue;
    this.#poll = poll;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(waitMs: number, signal: AbortSignal | undefined): void {
    this.#deadline = this.#owner.clock.setTimer(() => this.end(), waitMs);
    if (signal) {
      this.#signal = signal;
      signal.addEventListener("abort", this, { once: true });
      if (signal.aborted) {
        this.end();
        return;
      }
    }
    // The first attempt runs with the waiter already registered, so a commit that lands
    // while it runs is not missed: its notification sets `again`.
    void this.#tryNow();
  }

  wake(): void {
    void this.#tryNow();
  }

  /** The wait time is over (or the signal aborted, or the engine closes). */
  end(): void {
    this.#expired = true;
    if (!this.#attempting && !this.#finished) this.#finish([]);
  }

  busy(): boolean {
    return this.#attempting;
  }

  /** The signal's abort listener. */
  handleEvent(): void {
    this.end();
  }

  #cleanup(): void {
    this.#finished = true;
    this.#owner.forget(this.#queueId, this.#queue, this);
    if (this.#deadline) this.#owner.clock.clearTimer(this.#deadline);
    this.#signal?.removeEventListener("abort", this);
  }

  #finish(items: T[]): void {
    this.#cleanup();
    this.#resolve(items);
  }

  async #tryNow(): Promise<void> {
    if (this.#finished) return;
    if (this.#attempting) {
      this.#again = true;
      return;
    }
    this.#attempting = true;
    let items: T[];
    try {
      items = await this.#poll.attempt();
    } catch (error) {
      this.#attempting = false;
      this.#cleanup();
      this.#reject(error);
      return;
    }
    this.#attempting = false;
    if (this.#finished) return;
    if (items.length > 0 || this.#expired) {
      this.#finish(items);
      if (items.length > 0) this.#owner.notify(this.#queueId);
      return;
    }
    if (this.#again) {
      this.#again = false;
      void this.#tryNow();
      return;
    }
    this.#owner.arm(this.#queueId);
  }
}
