import { OffloadError } from "../../core/errors.js";
import {
  JOB_STATES,
  type JobAttempt,
  type JobError,
  type JobEvent,
  type JobFilter,
  type JobPage,
  type JobState,
  type JobStatus,
  type JobSummary,
} from "../../core/job-status.js";
import type { EngineContext } from "../context.js";
import { eventOf } from "./events.js";
import {
  type RowWithStart,
  UNRECORDED_START,
  UNRECORDED_START_AT,
  withUnrecordedStart,
} from "./first-attempt.js";
import { withLastAttempt } from "./last-attempt.js";

/** A row of the jobs table, as read for a status (events only for `get`). */
export interface JobRow {
  seq: number;
  job_id: string;
  job_name: string;
  state: JobState;
  accepted_at: number;
  run_at: number | null;
  updated_at: number;
  finished_at: number | null;
  attempts: number;
  idempotency_key: string | null;
  progress: string | null;
  result: string | null;
  last_error: string | null;
  cancel_requested: number;
  message_seq: number | null;
  events?: string;
  event_count: number;
}

/**
 * The state a reader sees: a delayed job whose time has come, or a retrying one whose next
 * attempt may start, is queued. Derived on reading, so the clock writes nothing.
 */
export function currentState(row: Pick<JobRow, "state" | "run_at">, now: number): JobState {
  if ((row.state === "delayed" || row.state === "retrying") && (row.run_at ?? 0) <= now) {
    return row.state === "retrying" && row.run_at === null ? "retrying" : "queued";
  }
  return row.state;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** What a status and a summary share. */
function common(row: JobRow, now: number) {
  const state = currentState(row, now);
  return {
    jobId: row.job_id,
    jobName: row.job_name,
    state,
    acceptedAt: iso(row.accepted_at),
    updatedAt: iso(row.updated_at),
    finishedAt: isoOrNull(row.finished_at),
    runAt: state === "delayed" || state === "retrying" ? isoOrNull(row.run_at) : null,
    progress: row.progress === null ? null : JSON.parse(row.progress),
    idempotencyKey: row.idempotency_key,
    cancelRequested: row.cancel_requested !== 0,
  };
}

/** The error an unknown job id gets; with history off, says so. */
export function jobNotFound(jobId: string, historyOn: boolean): OffloadError {
  return new OffloadError(
    "JobNotFound",
    historyOn
      ? `No job ${jobId} on record: never accepted here, or finished longer ago than the job history keeps`
      : `No job ${jobId} on record: this engine keeps no job history (its jobHistory option is off)`,
  );
}

/**
 * A job's status by id, or undefined. Its payload is read from its message, while the job is
 * not finished and the message is its own: a seq may be reused once its message is deleted.
 */
export function getJob(ctx: EngineContext, jobId: string): JobStatus | undefined {
  const stored = ctx.stmts
    .get(
      `SELECT jobs.*, m.body AS body, ${UNRECORDED_START_AT} AS unrecorded_start FROM jobs
       LEFT JOIN messages m ON m.seq = jobs.message_seq AND m.job_id = jobs.job_id
         AND jobs.finished_at IS NULL
       WHERE jobs.job_id = ?`,
    )
    .get(jobId) as
    | (RowWithStart & { body: string | null; attempt_started_at: number | null })
    | undefined;
  if (!stored) return undefined;
  const row = withLastAttempt(withUnrecordedStart(stored));
  const events = (JSON.parse(row.events!) as Array<Record<string, unknown>>).map(eventOf);
  const dropped = row.event_count - events.length;
  const attempts = attemptsOf(events);
  // The latest failure's stack, kept once (see recordEnd), goes with its attempt.
  const lastFailed = attempts.findLast((a) => a.outcome === "failed");
  const stack =
    row.last_error === null ? undefined : (JSON.parse(row.last_error) as JobError).stack;
  if (lastFailed?.error && stack !== undefined) lastFailed.error = { ...lastFailed.error, stack };
  return {
    ...common(row, ctx.clock.now()),
    attempts,
    result: row.result === null ? null : JSON.parse(row.result),
    ...payloadOf(row.body),
    events,
    ...(dropped > 0 ? { eventsDropped: dropped } : {}),
  };
}

/**
 * `{ payload }` from a job message's body; none without a message, or for a body that is not
 * JSON (a message sent over the SQS API by hand: its job fails on its payload anyway).
 */
function payloadOf(body: string | null): { payload?: unknown } {
  if (body === null) return {};
  try {
    return { payload: JSON.parse(body) };
  } catch {
    return {};
  }
}

/** The attempts a job's events tell of, in order. */
export function attemptsOf(events: readonly JobEvent[]): JobAttempt[] {
  const attempts: JobAttempt[] = [];
  let open: JobAttempt | undefined;
  const end = (at: string, fields: Partial<JobAttempt>) => {
    if (!open) return;
    Object.assign(open, { endedAt: at, ...fields });
    open.durationMs ??= Date.parse(at) - Date.parse(open.startedAt);
    open = undefined;
  };
  for (const event of events) {
    switch (event.type) {
      case "started":
        open = {
          attempt: event.attempt,
          startedAt: event.at,
          ...(event.worker === undefined ? {} : { worker: event.worker }),
        };
        attempts.push(open);
        break;
      case "succeeded":
        end(event.at, { outcome: "succeeded" });
        break;
      case "attempt-failed":
        end(event.at, {
          outcome: "failed",
          error: event.error,
          ...(event.retry === undefined ? {} : { retry: event.retry }),
          ...(event.durationMs === undefined ? {} : { durationMs: event.durationMs }),
        });
        break;
      case "dead-lettered":
        end(event.at, { outcome: "dead-lettered" });
        break;
      case "cancelled":
        if (event.while === "running") end(event.at, { outcome: "cancelled" });
        break;
      default:
        // A redrive, expiry or deletion ends no attempt: one still open was never recorded as
        // ended (the process stopped mid-attempt), and stays without an end.
        if (event.type === "redriven") open = undefined;
    }
  }
  return attempts;
}

/** The largest page. */
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

const STATES: ReadonlySet<JobState> = new Set(JOB_STATES);

/**
 * SQL conditions for a state as a reader sees it (see currentState, and first-attempt.ts for a
 * first attempt under way); `@now` is bound. No index on the state: the listing walks the rows
 * newest first, and a `queued` or `delayed` row's message is one rowid lookup.
 */
function stateCondition(state: JobState): string {
  switch (state) {
    case "queued":
      return `(((state = 'queued' OR (state = 'delayed' AND run_at <= @now))
          AND NOT ${UNRECORDED_START})
        OR (state = 'retrying' AND run_at <= @now))`;
    case "delayed":
      return `(state = 'delayed' AND run_at > @now AND NOT ${UNRECORDED_START})`;
    case "running":
      return `(state = 'running' OR ${UNRECORDED_START})`;
    case "retrying":
      return `(state = 'retrying' AND (run_at IS NULL OR run_at > @now))`;
    default:
      return "state = @state";
  }
}

function invalid(message: string): OffloadError {
  return new OffloadError("InvalidRequest", message);
}

/** A page of jobs, newest first (by the order they were recorded), as the filter asks. */
export function listJobs(ctx: EngineContext, filter: JobFilter): JobPage {
  const limit = filter.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_LIMIT}; got ${String(limit)}`);
  }
  if (filter.state !== undefined && !STATES.has(filter.state)) {
    throw invalid(
      `state must be one of ${[...STATES].join(", ")}; got ${JSON.stringify(filter.state)}`,
    );
  }
  const since = filter.since === undefined ? undefined : Date.parse(filter.since);
  if (since !== undefined && Number.isNaN(since)) {
    throw invalid(
      `since must be an ISO 8601 time (2025-01-31T12:00:00Z); got ${JSON.stringify(filter.since)}`,
    );
  }
  const now = ctx.clock.now();
  const conditions: string[] = [];
  const params: Record<string, unknown> = { now, limit: limit + 1 };
  if (filter.cursor !== undefined) {
    const at = ctx.stmts.get("SELECT seq FROM jobs WHERE job_id = ?").get(filter.cursor) as
      | { seq: number }
      | undefined;
    if (!at) {
      throw invalid(
        `cursor ${JSON.stringify(filter.cursor)} is no job on record (a page's nextCursor, whose job has since been swept?)`,
      );
    }
    conditions.push("seq < @cursor");
    params.cursor = at.seq;
  }
  if (filter.jobName !== undefined) {
    conditions.push("job_name = @jobName");
    params.jobName = filter.jobName;
  }
  if (filter.state !== undefined) {
    conditions.push(stateCondition(filter.state));
    if (!["queued", "delayed", "retrying"].includes(filter.state)) params.state = filter.state;
  }
  if (since !== undefined) {
    conditions.push("accepted_at >= @since");
    params.since = since;
  }
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  const rows = ctx.stmts
    .get(
      `SELECT seq, job_id, job_name, state, accepted_at, run_at, updated_at, finished_at, attempts,
         idempotency_key, progress, last_error, cancel_requested, event_count, message_seq,
         ${UNRECORDED_START_AT} AS unrecorded_start
       FROM jobs ${where} ORDER BY seq DESC LIMIT @limit`,
    )
    .all(params) as RowWithStart[];
  const page = rows.slice(0, limit).map(withUnrecordedStart);
  return {
    jobs: page.map(
      (row): JobSummary => ({
        ...common(row, now),
        attempts: row.attempts,
        // A listing names the error; the job's own status has its stack.
        lastError: row.last_error === null ? null : listedError(row.last_error),
      }),
    ),
    nextCursor: rows.length > limit ? page.at(-1)!.job_id : null,
  };
}

function listedError(stored: string): JobError {
  const { stack: _stack, ...error } = JSON.parse(stored) as JobError;
  return error;
}
