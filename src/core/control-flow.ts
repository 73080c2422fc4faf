import { MAX_VISIBILITY_TIMEOUT_SECONDS } from "./backoff.js";
import { formatDuration, parseDuration } from "./duration.js";
import { OffloadError } from "./errors.js";
import type { Duration } from "./job-types.js";

// Registered symbols, so an error made by one copy of offload (a bundled job, say)
// is recognized by another (the runtime).
const RETRY_LATER_BRAND: unique symbol = Symbol.for("offload.RetryLater") as never;
const UNRECOVERABLE_BRAND: unique symbol = Symbol.for("offload.Unrecoverable") as never;

/** Options of {@link RetryLater}. */
export interface RetryLaterOptions {
  /**
   * How long to wait before the next attempt, at most 12 hours (SQS's maximum
   * visibility timeout); fractions of a second are rounded up.
   * @defaultValue the job's retryDelay (or its backoff)
   */
  delay?: Duration;
  cause?: unknown;
}

/**
 * Thrown by a handler: retry this job after `delay` instead of the job's usual
 * retry delay. The attempt still counts towards `maxAttempts`.
 *
 * @example
 * if (response.status === 429) throw new RetryLater("rate limited", { delay: "2m" });
 */
export class RetryLater extends OffloadError<"RetryLater"> {
  override name = "RetryLater";
  readonly [RETRY_LATER_BRAND] = true;
  /** The requested delay in whole seconds, or `undefined` for the job's usual delay. */
  readonly delaySeconds: number | undefined;

  constructor(message: string, options: RetryLaterOptions = {}) {
    super("RetryLater", message, { cause: options.cause });
    this.delaySeconds = options.delay === undefined ? undefined : retryLaterSeconds(options.delay);
  }
}

/**
 * Thrown by a handler: this job can never succeed (bad input, a deleted
 * record), so it goes straight to the DLQ with no more attempts.
 *
 * @example
 * if (!user) throw new Unrecoverable(`user ${payload.userId} does not exist`);
 */
export class Unrecoverable extends OffloadError<"Unrecoverable"> {
  override name = "Unrecoverable";
  readonly [UNRECOVERABLE_BRAND] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super("Unrecoverable", message, { cause: options.cause });
  }
}

/** Whether `e` is a {@link RetryLater}, from this copy of offload or another. */
export function isRetryLater(e: unknown): e is RetryLater {
  return isBranded(e, RETRY_LATER_BRAND, "RetryLater");
}

/** Whether `e` is an {@link Unrecoverable}, from this copy of offload or another. */
export function isUnrecoverable(e: unknown): e is Unrecoverable {
  return isBranded(e, UNRECOVERABLE_BRAND, "Unrecoverable");
}

function isBranded(e: unknown, brand: symbol, code: string): boolean {
  if (typeof e !== "object" || e === null) return false;
  const record = e as Record<PropertyKey, unknown>;
  // The code also survives where the symbol does not: an error rebuilt from a
  // serialized form (say, posted from a worker thread) with its code copied.
  try {
    return record[brand] === true || (e instanceof Error && record.code === code);
  } catch {
    // A thrown Proxy whose traps throw is neither; toError describes it.
    return false;
  }
}

function retryLaterSeconds(delay: Duration): number {
  const ms = parseDuration(delay, "RetryLater delay");
  if (ms > MAX_VISIBILITY_TIMEOUT_SECONDS * 1000) {
    throw new OffloadError(
      "InvalidDuration",
      `RetryLater delay ${delay} is above ${formatDuration(MAX_VISIBILITY_TIMEOUT_SECONDS * 1000)}: SQS's maximum visibility timeout is 12 hours`,
    );
  }
  // ChangeMessageVisibility takes whole seconds.
  return Math.ceil(ms / 1000);
}
