import { retryDelaySeconds, withinVisibilityLimit } from "../core/backoff.js";
import type { Clock } from "../core/clock.js";
import { isRetryLater, isUnrecoverable } from "../core/control-flow.js";
import { toError } from "../core/errors.js";
import { jobIdOf } from "../core/job-id.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { Logger } from "../core/logger.js";
import { errorInfo } from "./error-info.js";
import type { MessageActions } from "./message-actions.js";
import type { RecordOutcome } from "./outcomes.js";
import type { SQSRecord } from "./sqs-types.js";

/** Lambda's limit on a function's init phase (loading its code): 10 seconds. */
export const LAMBDA_INIT_LIMIT_MS = AWS_LIMITS.lambda.initLimitMs;

/** How a record that did not succeed ends: in the DLQ, or retried (when, and why). */
export interface Failures {
  /** Moves the record to the job's DLQ now, with no further attempts. */
  deadLetter(record: SQSRecord, attempt: number, reason: string): Promise<RecordOutcome>;
  /**
   * A thrown value's end: `Unrecoverable` to the DLQ; `RetryLater`'s delay, else `delaySeconds`
   * (a held idempotency key's), else the job's backoff, else the queue's visibility timeout.
   */
  failed(
    record: SQSRecord,
    attempt: number,
    thrown: unknown,
    deadline: number,
    delaySeconds?: number,
  ): Promise<RecordOutcome>;
}

/** `random` is the jitter source for backoff. */
export function failures(
  jobName: string,
  resolved: ResolvedJobOptions,
  actions: MessageActions,
  logger: Logger,
  clock: Clock,
  random: () => number,
): Failures {
  async function deadLetter(
    record: SQSRecord,
    attempt: number,
    reason: string,
  ): Promise<RecordOutcome> {
    const jobId = jobIdOf(record);
    logger.warn(
      { jobName, jobId, messageId: record.messageId, attempt, reason },
      "moving the job to its dead-letter queue",
    );
    await actions.deadLetter(record, reason);
    return { messageId: record.messageId, jobId, status: "dead-lettered", attempt, reason };
  }

  async function failed(
    record: SQSRecord,
    attempt: number,
    thrown: unknown,
    deadline: number,
    delaySeconds?: number,
  ): Promise<RecordOutcome> {
    if (isUnrecoverable(thrown))
      return deadLetter(record, attempt, `Unrecoverable: ${toError(thrown).message}`);
    const error = toError(thrown);
    const jobId = jobIdOf(record);
    let retryAfterSeconds: number | undefined;
    let retryReason: "error" | "retry-later" | "backoff" = "error";
    // RetryLater's own delay, else the job's backoff; else the queue's visibility timeout.
    if (isRetryLater(thrown)) {
      retryAfterSeconds = thrown.delaySeconds;
      retryReason = "retry-later";
    } else if (delaySeconds !== undefined) {
      retryAfterSeconds = delaySeconds;
      retryReason = "retry-later";
    }
    if (retryAfterSeconds === undefined && resolved.backoff) {
      retryAfterSeconds = retryDelaySeconds(resolved, attempt, random);
      retryReason = "backoff";
    }
    if (retryAfterSeconds !== undefined) {
      // Within SQS's 12 hours from the receive: the messages were received up to the batching
      // window and a cold start (at most 10 s) before the invocation began.
      const heldMs =
        clock.now() -
        (deadline - resolved.timeoutMs) +
        resolved.maxBatchingWindowMs +
        LAMBDA_INIT_LIMIT_MS;
      retryAfterSeconds = withinVisibilityLimit(retryAfterSeconds, heldMs);
      try {
        await actions.retryAfter(record, retryAfterSeconds);
      } catch (e) {
        logger.warn(
          {
            jobName,
            jobId,
            messageId: record.messageId,
            error: toError(e).message,
          },
          "could not set the job's retry delay; it retries after the queue's",
        );
        retryAfterSeconds = undefined;
      }
    }
    // The queue moves the message to the DLQ at the receive after its last attempt, and says
    // nothing then (on AWS neither): this line is where a user watching the log learns of it.
    const last = attempt >= resolved.maxAttempts;
    logger.warn(
      {
        jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        maxAttempts: resolved.maxAttempts,
        error: errorInfo(error),
        retryAfterSeconds,
      },
      last
        ? `job failed; that was its last attempt of ${resolved.maxAttempts}: it moves to the dead-letter queue once its retry delay has passed`
        : "job failed",
    );
    return {
      messageId: record.messageId,
      jobId,
      status: "failed",
      attempt,
      error: errorInfo(error, { stack: true }),
      retryAfterSeconds,
      retryReason,
    };
  }

  return { deadLetter, failed };
}
