import type { Statements } from "../statements.js";
import { appendEvent, capText, MAX_REASON_CHARS } from "./events.js";
import { appendEventsText, firstStartedEvent, recordUnrecordedStarts } from "./first-attempt.js";
import { appendWithLastAttempt } from "./last-attempt.js";

/** A queue whose messages are jobs: a job's queue, or its dead-letter queue. */
export interface TrackedQueue {
  readonly jobName: string;
  readonly role: "queue" | "dlq";
}

/** What a job's message says of the job when it enters its queue. */
export interface JobArrival {
  jobName: string;
  jobId: string;
  /** The message's row. */
  seq: number;
  /** When it becomes due, if delayed (epoch ms). */
  runAt: number | undefined;
  idempotencyKey: string | undefined;
}

/** How a job's message left its queue other than by its own success or failure. */
export type Removal = { state: "expired" } | { state: "deleted"; how: "purge" | "delete" };

/**
 * The job records' side of each message change: the engine's message paths call these inside
 * the committer op that changes the messages, so a job's record commits with its message. Each
 * is one prepared statement per call (per batch where a batch is one call), and does nothing
 * for a queue that is not tracked, or when history is off.
 */
export class JobHooks {
  readonly #stmts: Statements;
  readonly enabled: boolean;
  #tracked: Map<number, TrackedQueue> | undefined;

  constructor(stmts: Statements, enabled: boolean) {
    this.#stmts = stmts;
    this.enabled = enabled;
  }

  /** The tracked queue with this id; undefined if it is not tracked, or history is off. */
  queueOf(queueId: number): TrackedQueue | undefined {
    if (!this.enabled) return undefined;
    if (this.#tracked === undefined) {
      const rows = this.#stmts
        .raw("SELECT queue_id, job_name, role FROM job_queues")
        .all() as Array<[number, string, "queue" | "dlq"]>;
      this.#tracked = new Map(rows.map(([id, jobName, role]) => [id, { jobName, role }]));
    }
    return this.#tracked.get(queueId);
  }

  /** Drops what is cached (after a rollback, or a change of the tracked queues). */
  invalidate(): void {
    this.#tracked = undefined;
  }

  /** Marks a queue as holding jobs of `jobName` (inside a committer op). */
  track(queueId: number, jobName: string, role: "queue" | "dlq"): void {
    this.invalidate();
    this.#stmts
      .get("INSERT OR REPLACE INTO job_queues (queue_id, job_name, role) VALUES (?, ?, ?)")
      .run(queueId, jobName, role);
  }

  /**
   * A job's message entered its queue (a send, a publish's delivery). A job id of the same job
   * still on record whose life is over or in its DLQ (a client of the SQS API sending it again,
   * as a redrive by receive and send does) starts that record's next life: queued again, its
   * events kept. False, recording nothing, when the id names another job that is not over, or
   * one of another job name: the caller gives the message an id of its own.
   */
  accepted(arrival: JobArrival, now: number): boolean {
    let event = `{"type":"accepted","at":${now}`;
    if (arrival.runAt !== undefined) event += `,"runAt":${arrival.runAt}`;
    if (arrival.idempotencyKey !== undefined)
      event += `,"idempotencyKey":${JSON.stringify(arrival.idempotencyKey)}`;
    event += "}";
    // Positional values and the events array as text: this runs for every job sent.
    const recorded =
      this.#stmts
        .get(
          `INSERT INTO jobs (job_id, job_name, state, accepted_at, run_at, updated_at, idempotency_key,
           message_seq, events, event_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
         ON CONFLICT (job_id) DO UPDATE SET job_name = excluded.job_name, state = excluded.state,
           accepted_at = excluded.accepted_at, run_at = excluded.run_at, updated_at = excluded.updated_at,
           finished_at = NULL, attempt_started_at = NULL, cancel_requested = 0,
           idempotency_key = excluded.idempotency_key, message_seq = excluded.message_seq,
           ${appendWithLastAttempt("substr(excluded.events, 2, length(excluded.events) - 2)")}
         WHERE jobs.job_name = excluded.job_name
           AND jobs.state IN ('failed', 'succeeded', 'cancelled', 'expired', 'deleted')`,
        )
        .run(
          arrival.jobId,
          arrival.jobName,
          arrival.runAt === undefined ? "queued" : "delayed",
          now,
          arrival.runAt ?? null,
          now,
          arrival.idempotencyKey ?? null,
          arrival.seq,
          `[${event}]`,
        ).changes > 0;
    if (recorded) this.lastAccepted = arrival.jobId;
    return recorded;
  }

  /**
   * The id of the last job recorded as accepted: acceptJob checks that its send reached the
   * job's queue (a topic delivers nothing to a queue that refuses the message).
   */
  lastAccepted: string | undefined;

  /**
   * Messages of a tracked job queue were received (their rows already marked, with their new
   * receive counts): each job's attempt starts, numbered by the receive count. A first attempt
   * writes nothing (see first-attempt.ts); a later one writes its start, after the first
   * attempt's when that one ended unrecorded (its process stopped mid-attempt). One statement
   * for the batch.
   */
  received(rows: readonly { seq: number; receive_count: number }[], now: number): void {
    const seqs: number[] = [];
    for (const row of rows) if (row.receive_count > 1) seqs.push(row.seq);
    if (seqs.length === 0) return;
    recordUnrecordedStarts(this.#stmts, { seqs }, now);
    this.#stmts.get(STARTED[seqs.length]!).run({ now }, ...seqs);
  }

  /** A job's message moved to its DLQ: failed for good (until a redrive), and why. */
  deadLettered(seq: number, reason: string, now: number): void {
    recordUnrecordedStarts(this.#stmts, { seqs: [seq] }, now);
    this.#stmts
      .get(
        `UPDATE jobs SET state = 'failed', run_at = NULL, updated_at = @now, attempt_started_at = NULL,
           ${appendEvent("json_object('type', 'dead-lettered', 'at', @now, 'attempt', m.receive_count, 'reason', @reason)")}
         FROM messages m WHERE m.seq = @seq AND jobs.job_id = m.job_id`,
      )
      .run({ now, reason: capText(reason, MAX_REASON_CHARS), seq });
  }

  /**
   * Received messages of these jobs (1–10) were deleted from a tracked queue, given as (job id,
   * the message's first receive time) pairs, flat. From a job queue: the running attempt
   * succeeded (or, with a cancel asked, the job is cancelled); a job not running (its failure
   * recorded) was deleted. From a DLQ: deleted.
   */
  deleted(role: "queue" | "dlq", pairs: readonly (string | number | null)[], now: number): void {
    const count = pairs.length / 2;
    if (role === "queue") {
      this.#stmts.get(SUCCEEDED[count]!).run({ now }, ...pairs);
      return;
    }
    const jobIds = pairs.filter((_, i) => i % 2 === 0);
    this.#stmts.get(DELETED_BY_RECEIPT[count]!).run({ now }, ...jobIds);
  }

  /**
   * A job's message moved into a tracked job queue from its DLQ (or elsewhere): queued again.
   * False if the job has no record (swept, or history was off when it was sent).
   */
  redriven(jobId: string, jobName: string, now: number): boolean {
    return (
      this.#stmts
        .get(
          `UPDATE jobs SET job_name = @jobName, state = 'queued', run_at = NULL, updated_at = @now,
           finished_at = NULL,
           attempt_started_at = NULL, cancel_requested = 0,
           ${appendWithLastAttempt(`'{"type":"redriven","at":' || @now || '}'`)}
         WHERE job_id = @jobId`,
        )
        .run({ now, jobId, jobName }).changes > 0
    );
  }

  /** A job's message is about to be removed alone (retention at a receive). */
  removingMessage(seq: number, removal: Removal, now: number): void {
    recordUnrecordedStarts(this.#stmts, { seqs: [seq] }, now);
    this.#stmts
      .get(
        `UPDATE jobs SET ${finish(removal)}
         WHERE job_id = (SELECT job_id FROM messages WHERE seq = @seq) AND finished_at IS NULL`,
      )
      .run({ now, seq });
  }

  /**
   * Messages of a tracked queue are about to be removed together: all of them (a purge, the
   * queue's deletion) or those sent at or before `sentBefore` (retention).
   */
  removingMessages(queueId: number, removal: Removal, now: number, sentBefore?: number): void {
    const where =
      sentBefore === undefined
        ? "queue_id = @queueId AND job_id IS NOT NULL"
        : "queue_id = @queueId AND sent_at <= @sentBefore AND job_id IS NOT NULL";
    recordUnrecordedStarts(
      this.#stmts,
      sentBefore === undefined ? { queueId } : { queueId, sentBefore },
      now,
    );
    this.#stmts
      .get(
        `UPDATE jobs SET ${finish(removal)}
         WHERE job_id IN (SELECT job_id FROM messages WHERE ${where}) AND finished_at IS NULL`,
      )
      .run({ now, queueId, ...(sentBefore === undefined ? {} : { sentBefore }) });
  }
}

/** Assignments that finish a job by `removal` at `@now`. */
function finish(removal: Removal): string {
  const event =
    removal.state === "expired"
      ? `json_object('type', 'expired', 'at', @now)`
      : `json_object('type', 'deleted', 'at', @now, 'how', '${removal.how}')`;
  return `state = '${removal.state}', finished_at = @now, run_at = NULL, updated_at = @now,
    attempt_started_at = NULL, ${appendEvent(event)}`;
}

/** The most messages one receive takes (SQS's 10), and one chunk of deletes. */
const MAX_BATCH = 10;

const placeholders = (count: number) => Array.from({ length: count }, () => "?").join(", ");

/** Per batch size: the started attempts (not the first) of the messages with these seqs. */
const STARTED = Array.from(
  { length: MAX_BATCH + 1 },
  (_, count) =>
    `UPDATE jobs SET state = 'running', attempts = m.receive_count, attempt_started_at = @now,
       run_at = NULL, updated_at = @now,
       ${appendEventsText(`'{"type":"started","at":' || @now || ',"attempt":' || m.receive_count || '}'`, "1")}
     FROM messages m WHERE m.seq IN (${placeholders(count)}) AND jobs.job_id = m.job_id`,
);

/** A first attempt's start, unrecorded until its end (see first-attempt.ts). */
const UNRECORDED = "state IN ('queued', 'delayed')";

/** The succeeded jobs of SUCCEEDED: running, or running a first attempt unrecorded, no cancel. */
const SUCCEEDS = `(NOT cancel_requested AND (state = 'running' OR ${UNRECORDED}))`;

/**
 * Per job count: a job queue's jobs whose held messages were deleted, given as (job id, the
 * message's first receive) pairs: the start of a first attempt that wrote none. A success
 * appends no events: the row keeps the attempt's start and end (see last-attempt.ts); a
 * cancel, or a job not running (its failure recorded), appends its own. Exported for
 * bench/history-sql.ts.
 */
export const SUCCEEDED = Array.from(
  { length: MAX_BATCH + 1 },
  (_, count) =>
    `UPDATE jobs SET
       state = CASE WHEN cancel_requested THEN 'cancelled'
         WHEN state = 'running' OR ${UNRECORDED} THEN 'succeeded' ELSE 'deleted' END,
       attempts = CASE WHEN ${UNRECORDED} THEN 1 ELSE attempts END,
       finished_at = @now, run_at = NULL, updated_at = @now,
       attempt_started_at = CASE WHEN NOT ${SUCCEEDS} THEN NULL
         WHEN ${UNRECORDED} THEN d.column2 ELSE attempt_started_at END,
       ${appendEventsText(
         `CASE
         WHEN ${UNRECORDED} THEN ${firstStartedEvent("d.column2")}
           || ',{"type":"cancelled","at":' || @now || ',"while":"running"}'
         WHEN cancel_requested THEN '{"type":"cancelled","at":' || @now || ',"while":"running"}'
         ELSE '{"type":"deleted","at":' || @now || ',"how":"delete"}' END`,
         `CASE WHEN ${UNRECORDED} THEN 2 ELSE 1 END`,
         `NOT ${SUCCEEDS}`,
       )}
     FROM (VALUES ${Array.from({ length: count }, () => "(?, ?)").join(", ")}) AS d
     WHERE jobs.job_id = d.column1 AND jobs.finished_at IS NULL`,
);

/** Per job count: a DLQ's jobs whose held messages were deleted. */
const DELETED_BY_RECEIPT = Array.from(
  { length: MAX_BATCH + 1 },
  (_, count) =>
    `UPDATE jobs SET ${finish({ state: "deleted", how: "delete" })}
     WHERE job_id IN (${placeholders(count)}) AND finished_at IS NULL`,
);
