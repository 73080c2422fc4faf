import type { Statements } from "../statements.js";
import { MAX_JOB_EVENTS } from "./events.js";
import type { JobRow } from "./read.js";

/**
 * A job's first attempt writes nothing at its receive: the receive marks the job's message
 * (receive count 1, first receive time), and that is the job's record of the start. Every job
 * runs it, and the UPDATE of the job's row it saved cost more per job than any other part of
 * the job history on the drain (see bench/NOTES.md). So a job whose row still says `queued` or
 * `delayed` while its message has been received is running its first attempt, started at the
 * message's first receive: readers derive it (the SQL below, {@link withUnrecordedStart}); the
 * attempt's end writes its start with it (the success's UPDATE, or {@link recordUnrecordedStarts}
 * before a failure, a cancel, a move to the DLQ, a purge or an expiry); a redelivery writes it
 * before its own start.
 *
 * Sound because every write that makes a job `queued` or `delayed` points it at a message not
 * yet received (a new message, or one redriven, whose receive count starts again at 0), and
 * every receive after the first writes the job's row.
 */

/** SQL over `jobs`: its first attempt has started, and its row does not say so yet. */
export const UNRECORDED_START = `(jobs.state IN ('queued', 'delayed') AND EXISTS (SELECT 1 FROM
  messages m WHERE m.seq = jobs.message_seq AND m.job_id = jobs.job_id
  AND m.receive_count > 0))`;

/** SQL over `jobs`: when its unrecorded first attempt started, or NULL. */
export const UNRECORDED_START_AT = `CASE WHEN jobs.state IN ('queued', 'delayed') THEN (SELECT
  m.first_receive_at FROM messages m WHERE m.seq = jobs.message_seq AND m.job_id = jobs.job_id
  AND m.receive_count > 0) END`;

/** SQL: the JSON text of a first attempt's `started` event at `at` (an SQL expression). */
export const firstStartedEvent = (at: string) =>
  `'{"type":"started","at":' || ${at} || ',"attempt":1}'`;

/**
 * SQL assignments appending `count` (1 to 3) events, `eventsText` (an SQL expression giving
 * their JSON objects' text, comma-separated), to a job's events: as text, before the array's
 * closing bracket, so SQLite neither parses the array nor the events, unless the cap of
 * MAX_JOB_EVENTS is reached, when the oldest after the first go. Sound because every writer of
 * `events` keeps it minified JSON (json_insert's output, or text built so) and every element is
 * an object, so the text ends in `}]`; `eventsText` holds only types and numbers, which need no
 * escaping. `count` may be an SQL expression; with `when` (an SQL condition), only the rows
 * where it holds get the events (up to 2).
 */
export function appendEventsText(eventsText: string, count: string, when?: string): string {
  const appended = `substr(jobs.events, 1, length(jobs.events) - 1) || ',' || ${eventsText} || ']'`;
  // The array holds min(event_count, MAX) events; past the cap, drop as many as are over.
  const over = `min(jobs.event_count, ${MAX_JOB_EVENTS}) + ${count} - ${MAX_JOB_EVENTS}`;
  if (when !== undefined) {
    // Only where `when` holds: the row's events stay as they are elsewhere.
    return `events = CASE WHEN NOT (${when}) THEN jobs.events
      WHEN ${over} <= 0 THEN ${appended}
      WHEN ${over} = 1 THEN json_remove(${appended}, '$[1]')
      ELSE json_remove(${appended}, '$[1]', '$[1]') END,
    event_count = CASE WHEN ${when} THEN jobs.event_count + ${count} ELSE jobs.event_count END`;
  }
  return `events = CASE WHEN ${over} <= 0 THEN ${appended}
      WHEN ${over} = 1 THEN json_remove(${appended}, '$[1]')
      WHEN ${over} = 2 THEN json_remove(${appended}, '$[1]', '$[1]')
      ELSE json_remove(${appended}, '$[1]', '$[1]', '$[1]') END,
    event_count = jobs.event_count + ${count}`;
}

/** Which jobs {@link recordUnrecordedStarts} looks at. */
export type StartSelector =
  | { jobId: string }
  | { seqs: readonly number[] }
  | { queueId: number; sentBefore?: number };

/**
 * Writes the unrecorded first-attempt starts of the selected jobs (inside a committer op):
 * `running`, attempt 1, started at the message's first receive, with its `started` event.
 * What a failure, a cancel, a DLQ move, a purge, an expiry or a redelivery runs before its own
 * write, so that write finds the job as a receive used to leave it.
 */
export function recordUnrecordedStarts(
  stmts: Statements,
  selector: StartSelector,
  now: number,
): void {
  // Every selector joins by the job_id index: no index has message_seq (a scan of jobs).
  const params: Record<string, unknown> = { now };
  let where: string;
  if ("jobId" in selector) {
    where = "jobs.job_id = @jobId";
    params.jobId = selector.jobId;
  } else if ("seqs" in selector) {
    if (selector.seqs.length === 0) return;
    where = `m.seq IN (${selector.seqs.map(() => "?").join(", ")})`;
  } else {
    where = "m.queue_id = @queueId";
    params.queueId = selector.queueId;
    if (selector.sentBefore !== undefined) {
      where += " AND m.sent_at <= @sentBefore";
      params.sentBefore = selector.sentBefore;
    }
  }
  const sql = `UPDATE jobs SET state = 'running', attempts = 1, attempt_started_at = m.first_receive_at,
      run_at = NULL, updated_at = @now,
      ${appendEventsText(firstStartedEvent("m.first_receive_at"), "1")}
    FROM messages m WHERE ${where} AND m.seq = jobs.message_seq AND m.receive_count > 0
      AND jobs.job_id = m.job_id
      AND jobs.state IN ('queued', 'delayed')`;
  const statement = stmts.get(sql);
  if ("seqs" in selector) statement.run(params, ...selector.seqs);
  else statement.run(params);
}

/** A jobs row read with `${UNRECORDED_START_AT} AS unrecorded_start`. */
export type RowWithStart = JobRow & { unrecorded_start: number | null };

/**
 * The row as a reader sees it: one whose first attempt started unrecorded is running, attempt
 * 1, with its `started` event (when the row was read with its events).
 */
export function withUnrecordedStart<R extends RowWithStart>(row: R): Omit<R, "unrecorded_start"> {
  const { unrecorded_start: at, ...rest } = row;
  if (at === null) return rest;
  const started = { ...rest, state: "running" as const, attempts: 1, run_at: null };
  started.updated_at = Math.max(rest.updated_at, at);
  if (rest.events !== undefined) {
    const events = JSON.parse(rest.events) as unknown[];
    events.push({ type: "started", at, attempt: 1 });
    if (events.length > MAX_JOB_EVENTS) events.splice(1, 1);
    started.events = JSON.stringify(events);
    started.event_count = rest.event_count + 1;
  }
  return started;
}
