import type { JobError, JobEvent } from "../../core/job-status.js";

/**
 * A job's events as the jobs table keeps them: a JSON array in the job's row, times in epoch
 * ms (ISO strings are made when the record is read), appended by SQL in the statement that
 * changes the job's state, so no hook reads or parses the array.
 */

/**
 * Events kept per job: the first (accepted) and the latest. A job with maxAttempts 1000 (two
 * events per attempt) would otherwise grow its row without bound; `event_count` counts every
 * event appended, so the number dropped is known.
 */
export const MAX_JOB_EVENTS = 200;

/** An error message as kept in a job's events. */
export const MAX_ERROR_MESSAGE_CHARS = 1024;

/** An error stack as kept in a job's events. */
export const MAX_ERROR_STACK_CHARS = 2048;

/** The longest reason of a dead-lettered event. */
export const MAX_REASON_CHARS = 1024;

/** The largest handler result kept, as JSON text; a larger one is not kept. */
export const MAX_RESULT_CHARS = 16 * 1024;

/**
 * SQL assignments that append the event `eventJson` (an SQL expression giving its JSON text)
 * to a job's events: once MAX_JOB_EVENTS are kept, the second one goes, so the first and the
 * latest stay. `jobs.` qualifies the columns for an UPDATE … FROM messages.
 */
export function appendEvent(eventJson: string): string {
  return `events = json_insert(CASE WHEN jobs.event_count >= ${MAX_JOB_EVENTS}
      THEN json_remove(jobs.events, '$[1]') ELSE jobs.events END, '$[#]', json(${eventJson})),
    event_count = jobs.event_count + 1`;
}

/** `text` cut to `max` characters, saying how long it was. */
export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** An error as kept: message and stack capped, name and code as given. */
export function capError(error: JobError): JobError {
  return {
    name: capText(String(error.name), 200),
    message: capText(String(error.message), MAX_ERROR_MESSAGE_CHARS),
    ...(error.code === undefined ? {} : { code: capText(String(error.code), 200) }),
    ...(error.stack === undefined
      ? {}
      : { stack: capText(String(error.stack), MAX_ERROR_STACK_CHARS) }),
  };
}

type Stored = Record<string, unknown>;

const iso = (ms: unknown): string => new Date(ms as number).toISOString();

/** A stored event as JobEvent answers it: times as ISO strings. */
export function eventOf(stored: Stored): JobEvent {
  const event: Stored = { ...stored, at: iso(stored.at) };
  if (typeof stored.runAt === "number") event.runAt = iso(stored.runAt);
  const retry = stored.retry as Stored | undefined;
  if (retry && typeof retry.at === "number") event.retry = { ...retry, at: iso(retry.at) };
  return event as unknown as JobEvent;
}
