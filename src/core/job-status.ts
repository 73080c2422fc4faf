/**
 * What became of a job: its state, its attempts and the events of its life,
 * as `GET /jobs/:id`, `offload job <id>` and `client.getJob(id)` show them.
 * The local engine and (on AWS) the stack's DynamoDB table both answer in
 * these shapes; times are ISO 8601 strings.
 */

/**
 * Where a job is:
 * - `queued`: waiting for a worker;
 * - `delayed`: waiting out its delay, until `runAt`;
 * - `running`: an attempt is under way;
 * - `retrying`: an attempt failed; the next may start at `runAt`;
 * - `succeeded`: an attempt succeeded (finished);
 * - `failed`: failed for good, in the job's dead-letter queue (a redrive queues it again);
 * - `cancelled`: cancelled before it could finish (finished);
 * - `expired`: deleted unrun by the queue's retention period (finished);
 * - `deleted`: deleted from its queue or DLQ by other means: a purge, a DeleteMessage over
 *   the SQS API (finished).
 */
export type JobState =
  | "queued"
  | "delayed"
  | "running"
  | "retrying"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "expired"
  | "deleted";

/** Every state, in the order of a job's life (for checks and listings). */
export const JOB_STATES: readonly JobState[] = [
  "queued",
  "delayed",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
  "deleted",
];

/**
 * How long a send's idempotencyKey holds unless the job's `idempotencyWindow` says: a day, as
 * Powertools and Stripe keep keys.
 */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The states a job does not leave: a cancel of such a job is refused (JobFinished). */
export const FINISHED_JOB_STATES: ReadonlySet<JobState> = new Set([
  "succeeded",
  "cancelled",
  "expired",
  "deleted",
]);

/** An error of an attempt, as kept: message capped, stack capped. */
export interface JobError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Why a failed attempt is followed by another one. */
export type RetryReason =
  /** The handler threw; retried after the job's retryDelay. */
  | "error"
  /** The handler threw RetryLater with a delay. */
  | "retry-later"
  /** The handler threw and the job has backoff. */
  | "backoff"
  /** The handler ran past its timeout. */
  | "timeout"
  /** The worker running it stopped (or the process did). */
  | "crash";

/** The progress a handler reported with `ctx.progress()`. */
export interface JobProgress {
  /** 0–100, or `done` of `total`. */
  value: number | { done: number; total: number };
  message?: string;
  at: string;
}

/** One attempt of a job, from its events. */
export interface JobAttempt {
  /** 1 for the first attempt: the queue's receive count. */
  attempt: number;
  startedAt: string;
  /** Absent while the attempt runs, or when its end was never recorded (the process died). */
  endedAt?: string;
  durationMs?: number;
  outcome?: "succeeded" | "failed" | "dead-lettered" | "cancelled";
  error?: JobError;
  /** When the attempt failed and another follows: why, and when it may start. */
  retry?: { reason: RetryReason; at: string };
  /** Which worker ran it (a thread, a Lambda request id, a container task). */
  worker?: string;
}

/** One event of a job's life, oldest first. */
export type JobEvent =
  | { type: "accepted"; at: string; runAt?: string; idempotencyKey?: string }
  | { type: "started"; at: string; attempt: number; worker?: string }
  | { type: "succeeded"; at: string; attempt: number; durationMs?: number }
  | {
      type: "attempt-failed";
      at: string;
      attempt: number;
      durationMs?: number;
      error: JobError;
      retry?: { reason: RetryReason; at: string };
    }
  /** Failed for good: moved to the DLQ (after its last attempt, or Unrecoverable, or an invalid payload). */
  | { type: "dead-lettered"; at: string; attempt: number; reason: string }
  | { type: "redriven"; at: string }
  | {
      type: "cancelled";
      at: string;
      while: "queued" | "delayed" | "retrying" | "running" | "failed";
    }
  | { type: "expired"; at: string }
  | { type: "deleted"; at: string; how: "purge" | "delete" };

/** A job's status: what `GET /jobs/:id` answers. */
export interface JobStatus {
  jobId: string;
  jobName: string;
  state: JobState;
  acceptedAt: string;
  updatedAt: string;
  /** When it reached a finished state (see {@link FINISHED_JOB_STATES}); null before. */
  finishedAt: string | null;
  /** `delayed`: when it becomes due; `retrying`: when its next attempt may start; else null. */
  runAt: string | null;
  attempts: JobAttempt[];
  progress: JobProgress | null;
  /** The handler's small JSON result, when the job keeps results; null otherwise. */
  result: unknown;
  /** The job's payload (its parsed JSON) while it is unfinished; absent once finished, or when not kept. */
  payload?: unknown;
  idempotencyKey: string | null;
  /** A cancel asked while it ran: its signal fired, and it ends cancelled. */
  cancelRequested: boolean;
  /** Oldest first; a long history keeps its first event and the latest ones (see `eventsDropped`). */
  events: JobEvent[];
  /** How many events between the first and the kept latest ones were dropped; absent when none. */
  eventsDropped?: number;
}

/** A job in a listing: its status without the events. */
export type JobSummary = Omit<JobStatus, "events" | "eventsDropped" | "attempts" | "result"> & {
  /** Attempts started so far. */
  attempts: number;
  /** The last attempt's error, if it failed. */
  lastError: JobError | null;
};

/** What `GET /jobs` filters on; newest first, paged by `cursor`. */
export interface JobFilter {
  jobName?: string;
  state?: JobState;
  /** Only jobs accepted at or after this time. */
  since?: string;
  /** 1–1000. @defaultValue 100 */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of jobs. */
export interface JobPage {
  jobs: JobSummary[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** What a cancel did. */
export type CancelResult =
  /** Queued, delayed, retrying or in the DLQ: removed; it never runs (again). */
  | { jobId: string; cancelled: "removed"; state: "cancelled" }
  /** Running: its `ctx.signal` fired with a JobCancelled reason; it ends cancelled. */
  | { jobId: string; cancelled: "signalled"; state: "running" }
  /** On AWS, where a queued message cannot be deleted by id: marked; the job function drops it unrun. */
  | { jobId: string; cancelled: "marked"; state: "cancelled" };

/** An attempt starting, as the job function (AWS) or the engine (locally) records it. Times are epoch ms. */
export interface AttemptStart {
  jobId: string;
  jobName: string;
  /** The queue message it arrived as. */
  messageId: string;
  attempt: number;
  at: number;
  worker?: string;
}

/** How an attempt ended. Times are epoch ms. */
export interface AttemptEnd {
  jobId: string;
  jobName: string;
  attempt: number;
  startedAt: number;
  at: number;
  outcome: "succeeded" | "failed" | "dead-lettered" | "cancelled";
  /** `failed`: the error. */
  error?: JobError;
  /** `failed` and another attempt follows: why, and from when (epoch ms). */
  retry?: { reason: RetryReason; at: number };
  /** `dead-lettered`: why. */
  reason?: string;
  /** `succeeded`: the handler's result, where the job keeps results. */
  result?: unknown;
}

/** A job accepted: what its record starts with. Times are epoch ms. */
export interface JobAcceptance {
  jobId: string;
  jobName: string;
  at: number;
  /** When it becomes due, if delayed. */
  runAt?: number;
  idempotencyKey?: string;
  /** How long an idempotencyKey holds (ms). */
  idempotencyWindowMs?: number;
}

/**
 * Where a job's life is written, by whoever runs it: the AWS job function writes each attempt
 * to the stack's table. (Locally the engine records attempts in the commits that receive and
 * delete the messages, and needs no recorder.)
 */
export interface JobRecorder {
  /** Records attempts starting; resolves with the ids of those jobs cancelled meanwhile, to drop unrun. */
  started(attempts: readonly AttemptStart[]): Promise<ReadonlySet<string>>;
  ended(ends: readonly AttemptEnd[]): Promise<void>;
  /** Records a handler's progress (the caller throttles). */
  progress(jobId: string, progress: JobProgress): Promise<void>;
}

/** Reading and cancelling jobs by id: what `GET /jobs`, `DELETE /jobs/:id` and the CLI use. */
export interface JobStatusStore {
  /** @throws OffloadError JobNotFound */
  get(jobId: string): Promise<JobStatus>;
  list(filter: JobFilter): Promise<JobPage>;
  /** @throws OffloadError JobNotFound, JobFinished */
  cancel(jobId: string): Promise<CancelResult>;
}
