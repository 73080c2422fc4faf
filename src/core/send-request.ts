import { parseDuration } from "./duration.js";
import { OffloadError } from "./errors.js";
import type { Duration } from "./job-types.js";
import { AWS_LIMITS } from "./limits.js";

/** SQS's longest per-message delay (DelaySeconds). */
export const MAX_DELAY_SECONDS = AWS_LIMITS.sqs.maxDelaySeconds;

/**
 * A send's `delay` in whole seconds, for both ways of sending (a transport, or
 * an app's HTTP API); `undefined` when no delay is given.
 *
 * @throws OffloadError `InvalidDuration` when it is no duration string,
 *   `DelayTooLong` past 15 minutes.
 * @example
 * delaySecondsOf("2m", "greeting"); // 120
 */
export function delaySecondsOf(delay: Duration | undefined, jobName: string): number | undefined {
  if (delay === undefined) return undefined;
  const ms = parseDuration(delay, "delay");
  if (ms > MAX_DELAY_SECONDS * 1000) {
    throw new OffloadError(
      "DelayTooLong",
      `delay ${delay} is longer than 15m, the longest SQS delays a message; longer delays need a scheduled job`,
      { jobName },
    );
  }
  return Math.round(ms / 1000);
}

/**
 * A payload as the JSON text of its message.
 *
 * @throws OffloadError `InvalidPayload` when it cannot be serialized, or is no JSON value
 *   (`undefined`, a function).
 * @example
 * serializePayload("greeting", { friendName: "Hank" }); // '{"friendName":"Hank"}'
 */
export function serializePayload(jobName: string, payload: unknown): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(payload);
  } catch (e) {
    throw new OffloadError(
      "InvalidPayload",
      `The payload of ${jobName} cannot be serialized as JSON`,
      { jobName, cause: e },
    );
  }
  if (body === undefined) {
    throw new OffloadError(
      "InvalidPayload",
      `The payload of ${jobName} must be a JSON value; got ${typeof payload}`,
      { jobName },
    );
  }
  return body;
}
