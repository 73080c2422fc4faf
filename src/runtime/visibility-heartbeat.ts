import type { Clock, TimerHandle } from "../core/clock.js";
import { OffloadError } from "../core/errors.js";
import type { QueueMessage } from "../core/transport.js";

export interface HeartbeatOptions {
  clock: Clock;
  /**
   * The job queue's visibility timeout, s (the job's retryDelay): each beat hides the messages
   * this long from then, and the next beat comes when half of it has passed.
   */
  visibilitySeconds: number;
  /** Hides a message `seconds` from now (within SQS's 12 hours from its receive). */
  extend(message: QueueMessage, seconds: number): Promise<void>;
  /** The receipt no longer holds the message (its visibility ran out and it was received again, or it was deleted). */
  onLost(message: QueueMessage, error: OffloadError): void;
  /** A beat failed otherwise: the next beat tries again. */
  onFailed(message: QueueMessage, error: unknown): void;
}

/** A running heartbeat: stop it when the batch's handler has ended. */
export interface Heartbeat {
  /** Stops beating at once; a beat under way has its outcome ignored. */
  stop(): void;
  /** Stops beating for one message (one no longer in the batch). */
  forget(message: QueueMessage): void;
}

/**
 * Keeps a running batch's messages hidden beyond their queue's visibility timeout, as
 * bbc/sqs-consumer's heartbeat does: every half visibility timeout, each message's visibility is
 * set to the whole timeout from then, so a job may run up to its own timeout whatever the
 * queue's. SQS hides a message at most 12 hours from its receive; `extend` stops there.
 */
export function startHeartbeat(messages: readonly QueueMessage[], o: HeartbeatOptions): Heartbeat {
  const held = new Set(messages);
  // Visibility timeouts are whole seconds: half of 1 s is the shortest interval.
  const intervalMs = Math.max(500, (o.visibilitySeconds * 1000) / 2);
  let stopped = false;
  let timer: TimerHandle | undefined;
  const beat = async () => {
    timer = undefined;
    await Promise.all(
      [...held].map(async (message) => {
        try {
          await o.extend(message, o.visibilitySeconds);
        } catch (e) {
          if (stopped || !held.has(message)) return;
          if (e instanceof OffloadError && e.code === "StaleReceipt") {
            held.delete(message);
            o.onLost(message, e);
          } else {
            o.onFailed(message, e);
          }
        }
      }),
    );
    schedule();
  };
  const schedule = () => {
    if (stopped || held.size === 0) return;
    timer = o.clock.setTimer(() => void beat(), intervalMs);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) o.clock.clearTimer(timer);
      timer = undefined;
    },
    forget(message) {
      held.delete(message);
    },
  };
}
