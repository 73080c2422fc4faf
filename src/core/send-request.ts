import { describeValue, parseDuration } from "./duration.js";
import { OffloadError } from "./errors.js";
import type { Duration } from "./job-types.js";
import { AWS_LIMITS } from "./limits.js";

/** SQS's longest per-message delay (DelaySeconds). */
export const MAX_DELAY_SECONDS = AWS_LIMITS.sqs.maxDelaySeconds;

/**
 * The longest delay a send takes: 365 days. Up to {@link MAX_DELAY_SECONDS} a transport
 * delays the message itself (SQS's DelaySeconds); beyond, it schedules the send (the local
 * engine holds the message until it is due; on AWS an EventBridge Scheduler one-time schedule
 * sends it).
 */
export const MAX_SCHEDULED_DELAY_SECONDS = 31_536_000;

const DAY_SECONDS = 86_400;

/** How long a send waits: after a duration, or until a time. */
export interface SendTiming {
  /** Deliver after this long, up to 365 days. */
  delay?: Duration | undefined;
  /** Deliver at this time: a Date, or an ISO 8601 date-time with its offset. */
  at?: Date | string | undefined;
}

/**
 * A send's `delay` in whole seconds, for both ways of sending (a transport, or
 * an app's HTTP API); `undefined` when no delay is given.
 *
 * @throws OffloadError `InvalidDuration` when it is no duration string, `DelayTooLong` past
 *   365 days.
 * @example
 * delaySecondsOf("2h", "greeting"); // 7200
 */
export function delaySecondsOf(delay: Duration | undefined, jobName: string): number | undefined {
  if (delay === undefined) return undefined;
  const ms = parseDuration(delay, "delay");
  if (ms > MAX_SCHEDULED_DELAY_SECONDS * 1000) {
    throw delayTooLong(`delay ${delay}`, ms / 1000, jobName);
  }
  return Math.round(ms / 1000);
}

/**
 * A send's timing as whole seconds from `now` (epoch ms): its `delay`, or the time until its
 * `at`, rounded up so the job is never due before `at` (an `at` already past: 0);
 * `undefined` when neither is given.
 *
 * @throws OffloadError `InvalidSendOptions` for both `delay` and `at`, or an `at` that is no
 *   date; `InvalidDuration` for a bad `delay`; `DelayTooLong` past 365 days from `now`.
 * @example
 * sendDelaySeconds({ at: "2026-01-01T02:00:00Z" }, "greeting", Date.UTC(2026, 0, 1)); // 7200
 */
export function sendDelaySeconds(
  timing: SendTiming,
  jobName: string,
  now: number,
): number | undefined {
  if (timing.at === undefined) return delaySecondsOf(timing.delay, jobName);
  refuseDelayAndAt(timing, jobName);
  return secondsUntil(parseSendAt(timing.at, "at", jobName), now, "at", jobName);
}

/**
 * Whole seconds from `now` until `due` (epoch ms), rounded up so a job is never due early; 0
 * for a time already past. `field` names it in the error.
 *
 * @throws OffloadError `DelayTooLong` past 365 days.
 */
export function secondsUntil(due: number, now: number, field: string, jobName: string): number {
  const seconds = Math.max(0, Math.ceil((due - now) / 1000));
  if (seconds > MAX_SCHEDULED_DELAY_SECONDS) {
    throw delayTooLong(`${field} ${new Date(due).toISOString()}`, seconds, jobName);
  }
  return seconds;
}

/**
 * A send takes `delay` or `at`, not both.
 * @throws OffloadError `InvalidSendOptions` naming both values.
 */
export function refuseDelayAndAt(timing: SendTiming, jobName: string): void {
  if (timing.delay === undefined || timing.at === undefined) return;
  throw new OffloadError(
    "InvalidSendOptions",
    `A send takes delay or at, not both; got delay ${describeValue(timing.delay)} and at ${describeValue(timing.at)}`,
    { jobName },
  );
}

// A date, a time to the minute at least, and an offset: a time without one is local to
// whoever reads it, so it would run at different moments on a laptop and on AWS.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A send's due time, epoch ms: a valid Date, or an ISO 8601 date-time with its offset
 * (`2026-03-01T09:00:00Z`, `2026-03-01T10:00+01:00`). `field` names it in the error.
 *
 * @throws OffloadError `InvalidSendOptions` naming the field, what it takes and what came.
 * @example
 * parseSendAt("2026-03-01T09:00:00Z", "at", "greeting"); // 1772355600000
 */
export function parseSendAt(value: unknown, field: string, jobName: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === "string"
        ? parseIsoDateTime(value)
        : undefined;
  if (ms !== undefined && Number.isFinite(ms)) return ms;
  const got = value instanceof Date ? "an Invalid Date" : describeValue(value);
  throw new OffloadError(
    "InvalidSendOptions",
    `${field} must be a Date or ${ISO_DATE_TIME_HINT}; got ${got}`,
    { jobName },
  );
}

/** What an ISO 8601 due time must look like, for error messages. */
export const ISO_DATE_TIME_HINT =
  'an ISO 8601 date-time with its offset, e.g. "2026-03-01T09:00:00Z" or "2026-03-01T10:00:00+01:00"';

/**
 * An ISO 8601 date-time with its offset as epoch ms; `undefined` for anything else (no offset,
 * a date alone, a day or hour out of range).
 */
export function parseIsoDateTime(value: string): number | undefined {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = "0"] = match;
  // Date.parse rolls 2026-02-30 over to March 2: the fields must read back as written.
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (
    date.getUTCFullYear() !== Number(year) ||
    date.getUTCMonth() !== Number(month) - 1 ||
    date.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return undefined;
  }
  const ms = Date.parse(value.replace(",", "."));
  return Number.isFinite(ms) ? ms : undefined;
}

function delayTooLong(what: string, seconds: number, jobName: string): OffloadError {
  return new OffloadError(
    "DelayTooLong",
    `${what} is ${formatDays(seconds)} away, beyond the longest a send waits: 365 days (${MAX_SCHEDULED_DELAY_SECONDS} seconds)`,
    { jobName },
  );
}

function formatDays(seconds: number): string {
  const days = seconds / DAY_SECONDS;
  return Number.isInteger(days) ? `${days} days` : `${days.toFixed(1)} days`;
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
