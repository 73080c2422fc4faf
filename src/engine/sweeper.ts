import type { TimerHandle } from "../core/clock.js";
import type { EngineContext } from "./context.js";
import { sweepNotes } from "./sqs/inspect.js";

/**
 * Deletes messages older than their queue's retention period, counted from
 * the original send (in a DLQ too, as on AWS). Receives already skip expired
 * messages; the sweeper reclaims their space and keeps the counters honest.
 */
export class RetentionSweeper {
  readonly #ctx: EngineContext;
  readonly #intervalMs: number;
  readonly #sweepJobs: () => number;
  #timer: TimerHandle | undefined;
  #stopped = false;

  /** `sweepJobs`: run in the same commit, drops finished jobs' records past their keeping. */
  constructor(ctx: EngineContext, intervalMs: number, sweepJobs: () => number) {
    this.#ctx = ctx;
    this.#intervalMs = intervalMs;
    this.#sweepJobs = sweepJobs;
  }

  start(): void {
    this.#arm();
  }

  /** One sweep now; resolves with the number of messages removed. */
  sweep(): Promise<number> {
    const ctx = this.#ctx;
    return ctx.committer.run(() => {
      const now = ctx.clock.now();
      let removed = 0;
      for (const queue of ctx.queues.list("")) {
        const expiredBefore = now - queue.retentionSeconds * 1000;
        if (ctx.jobs.queueOf(queue.id)) {
          ctx.jobs.removingMessages(queue.id, { state: "expired" }, now, expiredBefore);
        }
        removed += ctx.stmts
          .get("DELETE FROM messages WHERE queue_id = ? AND sent_at <= ?")
          .run(queue.id, expiredBefore).changes;
      }
      sweepNotes(ctx);
      this.#sweepJobs();
      return removed;
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#ctx.clock.clearTimer(this.#timer);
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#ctx.clock.setTimer(() => {
      this.sweep().then(
        () => this.#arm(),
        () => this.#arm(),
      );
    }, this.#intervalMs);
  }
}
