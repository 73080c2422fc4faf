import { MAX_JOB_EVENTS } from "./events.js";
import { appendEventsText } from "./first-attempt.js";
import type { JobRow } from "./read.js";

/**
 * A job's success appends no events: its row keeps the last attempt's start
 * (`attempt_started_at`, which every other end clears) and end (`finished_at`), and readers
 * derive that attempt's `started` event (when the stored events do not hold it: a first attempt,
 * whose receive wrote nothing, see first-attempt.ts) and its `succeeded` event. Every job that
 * succeeds runs it, and the events text growing the row cost about half of the success's UPDATE
 * (see bench/NOTES.md). A later write to the row (the job id accepted again, a redrive) writes
 * the derived events into the array first ({@link appendWithLastAttempt}), so the array's order
 * and its cap of MAX_JOB_EVENTS hold.
 *
 * A row holds them when it is `succeeded` with a start: rows written before (whose success
 * appended its events and cleared the start) derive nothing. The `started` event is on record
 * when the latest stored event that starts an attempt or a life (`started`, `accepted`,
 * `redriven`) is this attempt's start (its number and time): a later life numbers its attempts
 * from 1 again.
 */

/** SQL over `jobs`: the row's last attempt's events are derived, not stored. */
const DERIVED = "(jobs.state = 'succeeded' AND jobs.attempt_started_at IS NOT NULL)";

/** Events that start an attempt or a life of the job. */
const STARTS = ["started", "accepted", "redriven"];

/** SQL over `jobs`: the last attempt's `started` event is stored. */
const START_STORED = `coalesce((SELECT e.value ->> 'type' = 'started'
    AND e.value ->> 'at' = jobs.attempt_started_at AND e.value ->> 'attempt' = jobs.attempts
  FROM json_each(jobs.events) e
  WHERE e.value ->> 'type' IN (${STARTS.map((t) => `'${t}'`).join(", ")})
  ORDER BY e.key DESC LIMIT 1), 0)`;

/** SQL over `jobs`: the derived events' JSON text, each followed by a comma, or ''. */
const DERIVED_TEXT = `CASE WHEN ${DERIVED} THEN
    CASE WHEN ${START_STORED} THEN '' ELSE '{"type":"started","at":' || jobs.attempt_started_at
      || ',"attempt":' || jobs.attempts || '},' END
    || '{"type":"succeeded","at":' || jobs.finished_at || ',"attempt":' || jobs.attempts
    || ',"durationMs":' || (jobs.finished_at - jobs.attempt_started_at) || '},'
  ELSE '' END`;

/** SQL over `jobs`: how many events {@link DERIVED_TEXT} holds. */
const DERIVED_COUNT = `CASE WHEN ${DERIVED} THEN 2 - ${START_STORED} ELSE 0 END`;

/**
 * SQL assignments appending one event, `eventText` (an SQL expression giving its JSON object's
 * text), after the row's derived events, which it stores (see appendEventsText). What a write
 * that may find a succeeded row runs.
 */
export function appendWithLastAttempt(eventText: string): string {
  return appendEventsText(`${DERIVED_TEXT} || ${eventText}`, `(${DERIVED_COUNT} + 1)`);
}

/** A stored event, as far as the derivation reads it. */
interface StoredEvent {
  type?: unknown;
  at?: unknown;
  attempt?: unknown;
  durationMs?: unknown;
}

/**
 * The row as a reader sees it: a succeeded row's last attempt's events appended to its events
 * (when read with them), the cap applied and counted. Other rows unchanged.
 */
export function withLastAttempt<R extends JobRow & { attempt_started_at: number | null }>(
  row: R,
): R {
  const start = row.attempt_started_at;
  if (row.state !== "succeeded" || start === null || row.events === undefined) return row;
  const end = row.finished_at ?? row.updated_at;
  const events = JSON.parse(row.events) as StoredEvent[];
  const latest = events.findLast((e) => STARTS.includes(e.type as string));
  const derived: StoredEvent[] = [];
  if (latest?.type !== "started" || latest.at !== start || latest.attempt !== row.attempts)
    derived.push({ type: "started", at: start, attempt: row.attempts });
  derived.push({ type: "succeeded", at: end, attempt: row.attempts, durationMs: end - start });
  events.push(...derived);
  if (events.length > MAX_JOB_EVENTS) events.splice(1, events.length - MAX_JOB_EVENTS);
  return {
    ...row,
    events: JSON.stringify(events),
    event_count: row.event_count + derived.length,
  };
}
