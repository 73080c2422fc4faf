import { OffloadError } from "./errors.js";
import type { ResolvedJobOptions } from "./job-types.js";
import { AWS_LIMITS } from "./limits.js";

/** SQS's maximum visibility timeout: 12 hours (see limits.ts). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = AWS_LIMITS.sqs.maxVisibilityTimeoutSeconds;

/**
 * A visibility timeout to set on a message received `heldMs` ago, within SQS's limit: a
 * message may stay hidden at most 12 hours from its receive in all (ChangeMessageVisibility
 * beyond that is refused), so a retry delay of 12 hours, asked for by a handler that ran for a
 * while, becomes what is left of them. One second is kept back for the clocks of the caller and
 * the queue; never below 0.
 */
export function withinVisibilityLimit(seconds: number, heldMs: number): number {
  const left = MAX_VISIBILITY_TIMEOUT_SECONDS - Math.ceil(heldMs / 1000) - 1;
  return Math.max(0, Math.min(seconds, left));
}

/**
 * How long a failed job waits before its next attempt, in whole seconds: the
 * visibility timeout to set on the failed message.
 *
 * Without `backoff`, the job's `retryDelay`. With it, `initialDelay × 2^(attempt − 1)`
 * capped at `maxDelay`; with `"full"` jitter a random delay from 1 s up to that
 * (AWS's "full jitter": it spreads retries of jobs that failed together).
 * Never above 43,200 s (SQS's maximum visibility timeout).
 *
 * @param attempt The attempt that failed: 1 for the first delivery (the receive count).
 * @param random Returns a number in [0, 1); injected for tests.
 * @example
 * retryDelaySeconds(job.options, ctx.attempt); // e.g. 4 on the third attempt of initialDelay "1s", jitter "none"
 */
export function retryDelaySeconds(
  resolved: ResolvedJobOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new OffloadError(
      "InvalidAttempt",
      `attempt ${attempt} is not a whole number of at least 1 (the receive count)`,
    );
  }
  const { backoff } = resolved;
  if (!backoff) {
    return Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.ceil(resolved.retryDelayMs / 1000));
  }
  // 2 ** (attempt - 1) is Infinity past attempt 1024; Math.min still gives maxDelay.
  const computed = Math.min(
    backoff.maxDelayMs / 1000,
    (backoff.initialDelayMs / 1000) * 2 ** (attempt - 1),
    MAX_VISIBILITY_TIMEOUT_SECONDS,
  );
  if (backoff.jitter === "none") return Math.ceil(computed);
  // At least 1 s: a visibility timeout of 0 would make the job visible again at once.
  return Math.max(1, Math.floor(random() * computed));
}
