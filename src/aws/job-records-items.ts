// The job table's items, as values: the caps that keep an item under DynamoDB's 400 KB, the
// events as stored (times in epoch ms), and the reading of an item back into a JobStatus.
// No SDK client here; see job-records.ts for the layout and the writes.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type {
  JobAttempt,
  JobError,
  JobEvent,
  JobProgress,
  JobState,
  JobStatus,
  JobSummary,
} from "../core/job-status.js";

/** A DynamoDB item as the low-level client gives and takes it. */
export type Item = Record<string, AttributeValue>;

/**
 * The caps, in UTF-8 bytes of their JSON form. Their sum bounds an item below DynamoDB's
 * 400 KB (409,600 bytes, attribute names included; DynamoDB developer guide, "Service,
 * account, and table quotas"): 100 events of at most 3,700 bytes (370,000), the last error
 * (3,700), a payload or a result (16,384: the write that keeps the result removes the
 * payload), an idempotency key (1,024), progress (512) and the other scalar attributes (under
 * 1,000): about 392,600 bytes at worst.
 */
export const RECORD_LIMITS = Object.freeze({
  /** Events kept per job: the `accepted` event and the newest 99; the rest are counted as dropped. */
  maxEvents: 100,
  maxEventBytes: 3_700,
  errorNameBytes: 128,
  errorCodeBytes: 128,
  errorMessageBytes: 1_024,
  errorStackBytes: 2_048,
  /** A worker id, a dead-letter reason. */
  shortTextBytes: 256,
  progressMessageBytes: 256,
  /** A handler's result; a larger one is not kept (the status shows `result: null`). */
  resultBytes: 16_384,
  /** A job's payload, kept while it is unfinished; a larger one is not kept (`payload` absent). */
  payloadBytes: 16_384,
  /** An idempotency key (it is part of a partition key, at most 2,048 bytes). */
  idempotencyKeyBytes: 1_024,
});

/** The longest an SQS message lives: 14 days (API reference, SetQueueAttributes, MessageRetentionPeriod). */
export const MESSAGE_LIFE_MS = 14 * 86_400_000;

/** A JobEvent as stored: the same fields, times as epoch ms. */
export type StoredEvent = DistributiveTimesAsMs<JobEvent>;
type DistributiveTimesAsMs<E> = E extends JobEvent ? TimesAsMs<E> : never;
type TimesAsMs<E> = {
  [K in keyof E]: K extends "at" | "runAt"
    ? number
    : K extends "retry"
      ? { reason: NonNullable<JobAttempt["retry"]>["reason"]; at: number }
      : E[K];
};

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** Bytes of a string's JSON form, quotes excluded: what it adds to an event. */
function jsonBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text)) - 2;
}

/**
 * `text` cut so that its JSON form takes at most `maxBytes` (an ellipsis marks the cut), never
 * splitting a surrogate pair.
 */
export function capText(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes(`${text.slice(0, mid)}…`) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  let end = low;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** An attempt's error with every field capped. */
export function capError(error: JobError): JobError {
  return {
    name: capText(error.name, RECORD_LIMITS.errorNameBytes),
    message: capText(error.message, RECORD_LIMITS.errorMessageBytes),
    ...(error.code === undefined
      ? {}
      : { code: capText(error.code, RECORD_LIMITS.errorCodeBytes) }),
    ...(error.stack === undefined
      ? {}
      : { stack: capText(error.stack, RECORD_LIMITS.errorStackBytes) }),
  };
}

/** An event's stored form, checked against its cap (the field caps keep every event under it). */
export function eventValue(event: StoredEvent): AttributeValue {
  const text = JSON.stringify(event);
  if (utf8Bytes(text) > RECORD_LIMITS.maxEventBytes) {
    // Only the stack can be long enough to matter once the fields are capped: drop it.
    if (event.type === "attempt-failed" && event.error.stack !== undefined) {
      const { stack: _, ...error } = event.error;
      return eventValue({ ...event, error });
    }
    throw new Error(`a ${event.type} event of ${utf8Bytes(text)} bytes is over its cap`);
  }
  return { S: text };
}

/** The handler's result as stored, or undefined when it is over its cap or not JSON. */
export function resultValue(result: unknown): AttributeValue | undefined {
  if (result === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    return undefined;
  }
  if (text === undefined || utf8Bytes(text) > RECORD_LIMITS.resultBytes) return undefined;
  return { S: text };
}

/** The payload as stored (its JSON, as sent), or undefined when it is over its cap. */
export function payloadValue(body: string | undefined): AttributeValue | undefined {
  if (body === undefined || utf8Bytes(body) > RECORD_LIMITS.payloadBytes) return undefined;
  return { S: body };
}

/** Progress as stored (its time in epoch ms). */
export function progressValue(progress: JobProgress): AttributeValue {
  const stored = {
    value: progress.value,
    ...(progress.message === undefined
      ? {}
      : { message: capText(progress.message, RECORD_LIMITS.progressMessageBytes) }),
    at: Date.parse(progress.at),
  };
  return { S: JSON.stringify(stored) };
}

/** The index's sort key: acceptance time as 15 digits (epoch ms until the year 33658), then the id. */
export function listKey(acceptedAt: number, jobId: string): string {
  return `${String(Math.max(0, Math.floor(acceptedAt))).padStart(15, "0")}#${jobId}`;
}

/** The key item of an idempotency key: no job id holds `#`, so it cannot meet a job's item. */
export function idempotencyItemKey(jobName: string, key: string): string {
  return `idempotency#${jobName}#${key}`;
}

export const n = (value: number): AttributeValue => ({ N: String(value) });
export const s = (value: string): AttributeValue => ({ S: value });

/** The TTL attribute's value: epoch seconds. */
export function ttlValue(ms: number): AttributeValue {
  return n(Math.ceil(ms / 1000));
}

const iso = (ms: number): string => new Date(ms).toISOString();

function num(item: Item, name: string): number | undefined {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
}
function str(item: Item, name: string): string | undefined {
  return item[name]?.S;
}
function json<T>(item: Item, name: string): T | undefined {
  const text = item[name]?.S;
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** A stored event as the JobEvent it stands for (ISO times). */
export function toJobEvent(stored: StoredEvent): JobEvent {
  const event: Record<string, unknown> = { ...stored, at: iso(stored.at) };
  if ("runAt" in stored && typeof stored.runAt === "number") event.runAt = iso(stored.runAt);
  if ("retry" in stored && stored.retry !== undefined) {
    event.retry = { reason: stored.retry.reason, at: iso(stored.retry.at) };
  }
  return event as JobEvent;
}

/** The events of an item, oldest first. */
export function itemEvents(item: Item): StoredEvent[] {
  return (item.events?.L ?? []).map((value) => JSON.parse(value.S ?? "null") as StoredEvent);
}

/**
 * The attempts a job's events tell of, in the order they started. An attempt's number is its
 * message's receive count, which starts again at 1 when a redrive moves the job back to its
 * queue: each redrive appends attempts after the old ones. An end goes to the latest attempt
 * started with its number (ends can come after a later attempt's start: two deliveries of one
 * message overlap when its visibility timeout runs out).
 */
export function attemptsOf(events: readonly JobEvent[]): JobAttempt[] {
  const attempts: JobAttempt[] = [];
  /** The latest attempt started with each number. */
  const latest = new Map<number, JobAttempt>();
  let last: JobAttempt | undefined;
  for (const event of events) {
    if (event.type === "started") {
      last = {
        attempt: event.attempt,
        startedAt: event.at,
        ...(event.worker === undefined ? {} : { worker: event.worker }),
      };
      attempts.push(last);
      latest.set(event.attempt, last);
      continue;
    }
    const attempt =
      "attempt" in event
        ? latest.get(event.attempt)
        : event.type === "cancelled"
          ? last
          : undefined;
    if (!attempt || (attempt.outcome !== undefined && event.type !== "dead-lettered")) continue;
    const ended = (outcome: NonNullable<JobAttempt["outcome"]>, durationMs?: number) => {
      attempt.outcome = outcome;
      attempt.endedAt = event.at;
      const duration = durationMs ?? Date.parse(event.at) - Date.parse(attempt.startedAt);
      attempt.durationMs = Math.max(0, duration);
    };
    if (event.type === "succeeded") ended("succeeded", event.durationMs);
    else if (event.type === "attempt-failed") {
      ended("failed", event.durationMs);
      attempt.error = event.error;
      if (event.retry) attempt.retry = event.retry;
    } else if (event.type === "dead-lettered") {
      if (attempt.outcome === undefined) ended("dead-lettered");
      else attempt.outcome = "dead-lettered";
    } else if (event.type === "cancelled" && event.while === "running") ended("cancelled");
  }
  return attempts;
}

/** A job's item as its JobSummary (no events needed). */
export function toSummary(item: Item): JobSummary {
  const finishedAt = num(item, "finishedAt");
  const runAt = num(item, "runAt");
  const progress = json<{ value: JobProgress["value"]; message?: string; at: number }>(
    item,
    "progress",
  );
  return {
    jobId: str(item, "pk") ?? "",
    jobName: str(item, "jobName") ?? "",
    state: (str(item, "state") ?? "queued") as JobState,
    acceptedAt: iso(num(item, "acceptedAt") ?? 0),
    updatedAt: iso(num(item, "updatedAt") ?? 0),
    finishedAt: finishedAt === undefined ? null : iso(finishedAt),
    runAt: runAt === undefined ? null : iso(runAt),
    progress: progress === undefined ? null : { ...progress, at: iso(progress.at) },
    idempotencyKey: str(item, "idempotencyKey") ?? null,
    cancelRequested: item.cancelRequested?.BOOL === true,
    attempts: num(item, "attempts") ?? 0,
    lastError: json<JobError>(item, "lastError") ?? null,
  };
}

/** A job's item as its JobStatus. */
export function toStatus(item: Item): JobStatus {
  const { attempts: _, lastError: __, ...summary } = toSummary(item);
  const events = itemEvents(item).map(toJobEvent);
  const attempts = attemptsOf(events);
  // The latest failure's stack is kept once, in lastError: back onto its attempt.
  const lastError = json<JobError>(item, "lastError");
  const failed = attempts.findLast((a) => a.error !== undefined);
  if (
    failed?.error &&
    lastError?.stack !== undefined &&
    failed.error.message === lastError.message
  ) {
    failed.error = { ...failed.error, stack: lastError.stack };
  }
  const payload = json<unknown>(item, "payload");
  return {
    ...summary,
    attempts,
    result: json<unknown>(item, "result") ?? null,
    ...(payload === undefined ? {} : { payload }),
    events,
  };
}

/** The attributes a listing reads: everything but the events and the result (listKey orders them). */
export const SUMMARY_ATTRIBUTES = [
  "pk",
  "jobName",
  "listKey",
  "state",
  "acceptedAt",
  "updatedAt",
  "finishedAt",
  "runAt",
  "progress",
  "idempotencyKey",
  "cancelRequested",
  "attempts",
  "lastError",
] as const;

/**
 * An item's size as DynamoDB counts it (attribute names plus values; numbers at most 21
 * bytes; 3 bytes per list or map plus 1 per element): what its write units are counted from.
 */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8Bytes(name) + valueBytes(value);
  return bytes;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) {
    const digits = value.N.replace(/^-|\.|^0+/g, "").length;
    return Math.min(21, Math.ceil(digits / 2) + 1);
  }
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  return 0;
}
