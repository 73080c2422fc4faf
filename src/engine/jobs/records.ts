import { OffloadError } from "../../core/errors.js";
import { JOB_ID_ATTRIBUTE, newJobId } from "../../core/job-id.js";
import {
  type AttemptEnd,
  type CancelResult,
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  type JobError,
  type JobFilter,
  type JobPage,
  type JobProgress,
  type JobStatus,
  type JobStatusStore,
} from "../../core/job-status.js";
import type { EngineContext } from "../context.js";
import type { PublishOp } from "../sns/api.js";
import { IDEMPOTENCY_KEY_ATTRIBUTE, insertMessage, prepareMessage } from "../sqs/send.js";
import type { MessageAttributeValue } from "../sqs/types.js";
import { appendEvent, capError, MAX_RESULT_CHARS } from "./events.js";
import { recordUnrecordedStarts } from "./first-attempt.js";
import { currentState, getJob, type JobRow, jobNotFound, listJobs } from "./read.js";

/** What the engine keeps of jobs, resolved from EngineOptions. */
export interface JobHistoryOptions {
  /** Record jobs at all. */
  readonly enabled: boolean;
  /** How long a finished job's record is kept (ms). */
  readonly finishedRetentionMs: number;
  /** The most finished jobs kept; the oldest go first. */
  readonly maxFinishedJobs: number;
}

/** A job handed to the engine by a sender that knows jobs (the local transport). */
export interface AcceptJobInput {
  /** The job's name: whose idempotency keys a key is checked against. */
  JobName: string;
  /** The topic to publish the job to (its subscriptions deliver it); or `QueueUrl`. */
  TopicArn?: string;
  /** The job's queue, to send it to directly (a delayed job); or `TopicArn`. */
  QueueUrl?: string;
  MessageBody: string;
  /** The message's attributes; `jobId` (and `idempotencyKey`, when given) are set from below. */
  MessageAttributes?: Record<string, MessageAttributeValue>;
  /** With `QueueUrl` only: the message's delay, 0 to 31,536,000 s (beyond 900, a scheduled send). */
  DelaySeconds?: number;
  /** The job's id, a caller's own or drawn by the client; drawn here (UUIDv7) when absent. */
  JobId?: string;
  /** A job of the same name accepted with this key within the window answers for this one. */
  IdempotencyKey?: string;
  /** How long a key holds, ms. @defaultValue 86400000 (24 h) */
  IdempotencyWindowMs?: number;
}

/** What {@link EngineJobs.accept} did. */
export interface AcceptJobOutput {
  /** The job's id: this job's, or (a duplicate) the first one's with the same idempotency key. */
  JobId: string;
  /** The message sent or published; absent for a duplicate, which sends nothing. */
  MessageId?: string;
  /** An earlier job with the same idempotency key answered: nothing was sent. */
  Duplicate: boolean;
}

/** The job records of an engine: reading, cancelling, and what the runtime tells of attempts. */
export interface EngineJobs extends JobStatusStore {
  /** Whether jobs are recorded (the engine's `jobHistory` option). */
  readonly historyEnabled: boolean;
  /**
   * Marks a queue as holding jobs of `JobName`: `queue` (its messages are jobs: recorded as they
   * enter, are received, deleted) or `dlq` (its jobs failed for good). Idempotent.
   */
  track(input: { QueueUrl: string; JobName: string; Role: "queue" | "dlq" }): Promise<void>;
  /**
   * Records how attempts ended, as the runtime saw them: a failure (its error, and when the
   * next attempt may start: the job is retrying), a success's result, a cancelled run (its
   * message is deleted in the same commit). A DLQ move and a delete record themselves.
   */
  ended(ends: readonly AttemptEnd[]): Promise<void>;
  /** Records a running job's progress (the handler thins it); a finished job's is left. */
  progress(jobId: string, progress: JobProgress): Promise<void>;
  /**
   * Registers a listener told (after the commit) the id of each running job a cancel was asked
   * for, to abort its handler. Returns a function that removes it.
   */
  onCancelRequested(listener: (jobId: string) => void): () => void;
}

/** The records and the engine's acceptJob, over one engine context. */
export function createJobRecords(
  ctx: EngineContext,
  options: JobHistoryOptions,
  publishOp: PublishOp,
): {
  jobs: EngineJobs;
  acceptJob(input: AcceptJobInput): Promise<AcceptJobOutput>;
  /** acceptJob's checks and send as an op to run inside another committer op (a schedule's run). */
  acceptJobOp(input: AcceptJobInput): () => AcceptJobOutput;
  sweep(): number;
} {
  const { stmts, committer, clock } = ctx;
  const listeners = new Set<(jobId: string) => void>();
  const on = options.enabled;
  const notFound = (jobId: string) => jobNotFound(jobId, on);

  const jobs: EngineJobs = {
    historyEnabled: on,
    async track(input) {
      const queue = ctx.queues.byUrl(input.QueueUrl);
      await committer.run(() => ctx.jobs.track(queue.id, input.JobName, input.Role));
    },
    async get(jobId) {
      const status: JobStatus | undefined = on ? getJob(ctx, jobId) : undefined;
      if (!status) throw notFound(jobId);
      return status;
    },
    async list(filter: JobFilter): Promise<JobPage> {
      return on ? listJobs(ctx, filter) : { jobs: [], nextCursor: null };
    },
    async cancel(jobId) {
      if (!on) throw notFound(jobId);
      return committer.run(() => cancel(ctx, jobId, listeners, notFound));
    },
    async ended(ends) {
      if (!on || ends.length === 0) return;
      // Advice like a DLQ note: it need not wait for a sync (see Committer).
      await committer.run(
        () => {
          for (const end of ends) recordEnd(ctx, end);
        },
        { durable: false },
      );
    },
    async progress(jobId, progress) {
      if (!on) return;
      const json = JSON.stringify(progress);
      await committer.run(
        () =>
          stmts
            .get(
              "UPDATE jobs SET progress = ?, updated_at = ? WHERE job_id = ? AND finished_at IS NULL",
            )
            .run(json, clock.now(), jobId),
        { durable: false },
      );
    },
    onCancelRequested(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  async function acceptJob(input: AcceptJobInput): Promise<AcceptJobOutput> {
    return committer.run(acceptJobOp(input));
  }

  function acceptJobOp(input: AcceptJobInput): () => AcceptJobOutput {
    const jobId = input.JobId ?? newJobId(clock.now());
    const attributes: Record<string, MessageAttributeValue> = {
      ...input.MessageAttributes,
      [JOB_ID_ATTRIBUTE]: { DataType: "String", StringValue: jobId },
      ...(input.IdempotencyKey === undefined
        ? {}
        : {
            [IDEMPOTENCY_KEY_ATTRIBUTE]: { DataType: "String", StringValue: input.IdempotencyKey },
          }),
    };
    const send = sendOp(ctx, input, attributes, publishOp);
    const windowMs = input.IdempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
    return (): AcceptJobOutput => {
      if (on) {
        const now = clock.now();
        if (input.IdempotencyKey !== undefined) {
          const first = stmts
            .get(
              `SELECT job_id FROM jobs WHERE job_name = ? AND idempotency_key = ? AND accepted_at >= ?
               ORDER BY accepted_at LIMIT 1`,
            )
            .get(input.JobName, input.IdempotencyKey, now - windowMs) as
            | { job_id: string }
            | undefined;
          if (first) return { JobId: first.job_id, Duplicate: true };
        }
        const held = stmts
          .get("SELECT job_name, state, accepted_at FROM jobs WHERE job_id = ?")
          .get(jobId) as Pick<JobRow, "job_name" | "state" | "accepted_at"> | undefined;
        if (held) {
          throw new OffloadError(
            "JobIdInUse",
            `Job id ${jobId} is held by an earlier job of ${held.job_name} (accepted ${new Date(held.accepted_at).toISOString()}, now ${held.state}): a job id names one job while the history keeps it (until ${Math.round(options.finishedRetentionMs / 3_600_000)} h after it finishes)`,
            { jobName: input.JobName },
          );
        }
      }
      ctx.jobs.lastAccepted = undefined;
      const messageId = send();
      if (on && ctx.jobs.lastAccepted !== jobId) {
        // Nothing reached the job's queue (it refused the topic's delivery): the op fails, and
        // its publish is undone with it.
        throw new OffloadError(
          "JobNotStored",
          `The ${input.JobName} job ${jobId} reached no queue of its job (the queue refused the message): nothing was stored`,
          { jobName: input.JobName },
        );
      }
      return { JobId: jobId, MessageId: messageId, Duplicate: false };
    };
  }

  /** Inside the sweeper's op: finished jobs past their retention, then beyond the cap. */
  function sweep(): number {
    if (!on) return 0;
    const now = clock.now();
    let removed = stmts
      .get("DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at <= ?")
      .run(now - options.finishedRetentionMs).changes;
    removed += stmts
      .get(
        `DELETE FROM jobs WHERE seq IN (SELECT seq FROM jobs WHERE finished_at IS NOT NULL
           ORDER BY finished_at, seq
           LIMIT max(0, (SELECT count(*) FROM jobs WHERE finished_at IS NOT NULL) - ?))`,
      )
      .run(options.maxFinishedJobs).changes;
    return removed;
  }

  return { jobs, acceptJob, acceptJobOp, sweep };
}

/** Validates the send now; the returned op sends (or publishes) and gives the message id. */
function sendOp(
  ctx: EngineContext,
  input: AcceptJobInput,
  attributes: Record<string, MessageAttributeValue>,
  publishOp: PublishOp,
): () => string {
  if ((input.TopicArn === undefined) === (input.QueueUrl === undefined)) {
    throw new OffloadError(
      "InvalidRequest",
      `acceptJob takes one of TopicArn and QueueUrl; got ${input.TopicArn === undefined ? "neither" : "both"}`,
      { jobName: input.JobName },
    );
  }
  if (input.TopicArn !== undefined) {
    if (input.DelaySeconds !== undefined) {
      throw new OffloadError(
        "InvalidRequest",
        "acceptJob takes DelaySeconds only with QueueUrl: a topic has no per-message delay",
        { jobName: input.JobName },
      );
    }
    return publishOp({
      TopicArn: input.TopicArn,
      Message: input.MessageBody,
      MessageAttributes: attributes,
    });
  }
  const queue = ctx.queues.byUrl(input.QueueUrl);
  const message = prepareMessage(
    queue,
    {
      MessageBody: input.MessageBody,
      MessageAttributes: attributes,
      ...(input.DelaySeconds === undefined ? {} : { DelaySeconds: input.DelaySeconds }),
    },
    // A job's delay may be scheduled beyond SQS's 15 minutes (see SendRequest.delaySeconds).
    { allowLongDelay: true },
  );
  return () => insertMessage(ctx, queue, message, ctx.clock.now());
}

/** Inside a committer op: a cancel, as {@link EngineJobs.cancel} describes. */
function cancel(
  ctx: EngineContext,
  jobId: string,
  listeners: ReadonlySet<(jobId: string) => void>,
  notFound: (jobId: string) => OffloadError,
): CancelResult {
  const { stmts } = ctx;
  const now = ctx.clock.now();
  // A first attempt under way is running, though its receive wrote nothing (first-attempt.ts).
  recordUnrecordedStarts(stmts, { jobId }, now);
  const row = stmts
    .get("SELECT job_name, state, run_at, finished_at, message_seq FROM jobs WHERE job_id = ?")
    .get(jobId) as
    | Pick<JobRow, "job_name" | "state" | "run_at" | "finished_at" | "message_seq">
    | undefined;
  if (!row) throw notFound(jobId);
  if (row.finished_at !== null) {
    throw new OffloadError(
      "JobFinished",
      `Job ${jobId} has already finished: ${row.state} at ${new Date(row.finished_at).toISOString()}`,
      { jobName: row.job_name },
    );
  }
  if (row.state === "running") {
    stmts
      .get("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE job_id = ?")
      .run(now, jobId);
    ctx.committer.afterCommit(() => {
      for (const listener of listeners) listener(jobId);
    });
    return { jobId, cancelled: "signalled", state: "running" };
  }
  const was = currentState(row, now) as "queued" | "delayed" | "retrying" | "failed";
  if (row.message_seq !== null) {
    stmts.get("DELETE FROM messages WHERE seq = ? AND job_id = ?").run(row.message_seq, jobId);
  }
  stmts
    .get(
      `UPDATE jobs SET state = 'cancelled', finished_at = @now, run_at = NULL, updated_at = @now,
         ${appendEvent("json_object('type', 'cancelled', 'at', @now, 'while', @was)")}
       WHERE job_id = @jobId`,
    )
    .run({ now, was, jobId });
  return { jobId, cancelled: "removed", state: "cancelled" };
}

/** Inside a committer op: one attempt's end (see {@link EngineJobs.ended}). */
function recordEnd(ctx: EngineContext, end: AttemptEnd): void {
  const { stmts } = ctx;
  const now = end.at;
  // The attempt may be a first one, whose start its receive did not write (first-attempt.ts).
  if (end.outcome !== "succeeded") recordUnrecordedStarts(stmts, { jobId: end.jobId }, now);
  if (end.outcome === "failed") {
    const error = capError(end.error ?? { name: "Error", message: "the attempt failed" });
    const event: Record<string, unknown> = {
      type: "attempt-failed",
      at: end.at,
      attempt: end.attempt,
      durationMs: Math.max(0, end.at - end.startedAt),
      // The stack is kept once, with the latest failure (last_error), so a job that fails many
      // times holds one stack, not one per attempt.
      error: withoutStack(error),
    };
    if (end.retry) event.retry = { reason: end.retry.reason, at: end.retry.at };
    // Only the attempt under way turns the job to retrying (or, after its last attempt, to
    // failed: the queue moves it to its DLQ at its next receive): a late report of an earlier
    // one (or of a job since moved to its DLQ) only adds its event.
    stmts
      .get(
        `UPDATE jobs SET
           state = CASE WHEN state = 'running' AND attempts = @attempt
             THEN (CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'retrying' END) ELSE state END,
           run_at = CASE WHEN state = 'running' AND attempts = @attempt THEN @retryAt ELSE run_at END,
           attempt_started_at = CASE WHEN state = 'running' AND attempts = @attempt THEN NULL
             ELSE attempt_started_at END,
           last_error = @error, updated_at = @now, ${appendEvent("@event")}
         WHERE job_id = @jobId AND finished_at IS NULL`,
      )
      .run({
        attempt: end.attempt,
        retryAt: end.retry?.at ?? null,
        error: JSON.stringify(error),
        now,
        event: JSON.stringify(event),
        jobId: end.jobId,
      });
    return;
  }
  if (end.outcome === "succeeded") {
    if (end.result === undefined) return;
    const result = JSON.stringify(end.result);
    if (result === undefined || result.length > MAX_RESULT_CHARS) return;
    stmts.get("UPDATE jobs SET result = ? WHERE job_id = ?").run(result, end.jobId);
    return;
  }
  if (end.outcome === "cancelled") {
    const row = stmts
      .get("SELECT state, message_seq FROM jobs WHERE job_id = ? AND finished_at IS NULL")
      .get(end.jobId) as Pick<JobRow, "state" | "message_seq"> | undefined;
    if (row?.state !== "running") return;
    if (row.message_seq !== null) {
      stmts
        .get("DELETE FROM messages WHERE seq = ? AND job_id = ?")
        .run(row.message_seq, end.jobId);
    }
    stmts
      .get(
        `UPDATE jobs SET state = 'cancelled', finished_at = @now, run_at = NULL, updated_at = @now,
           attempt_started_at = NULL,
           ${appendEvent("json_object('type', 'cancelled', 'at', @now, 'while', 'running')")}
         WHERE job_id = @jobId`,
      )
      .run({ now, jobId: end.jobId });
  }
  // dead-lettered: the move to the DLQ recorded it, in its own commit.
}

function withoutStack(error: JobError): JobError {
  const { stack: _stack, ...rest } = error;
  return rest;
}
