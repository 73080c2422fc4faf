import type { IdempotencyClaim, IdempotencyRef } from "../../core/idempotency.js";
import type { JobProgress } from "../../core/job-status.js";
import type { QueueMessage } from "../../core/transport.js";
import type { RecordOutcome } from "../../lambda/outcomes.js";
import type { LogLimits } from "./log-limits.js";

/** What the worker is started with. */
export interface WorkerData {
  /** The TypeScript or JavaScript module the bootstrap imports. */
  entry: string;
  jobFile: string;
  jobName: string;
  /** The job queue's ARN and region, which every record of the job's SQS events carries. */
  eventSourceARN: string;
  awsRegion: string;
  logLimits: LogLimits;
  /** The runtime has an idempotency store: the worker's calls reach it (see IdempotencyCall). */
  idempotency: boolean;
}

/** A call of the worker's idempotency store, made by the runtime's (the engine's). */
export type IdempotencyCall =
  | { op: "claim"; ref: IdempotencyRef; holdMs: number }
  | { op: "complete"; ref: IdempotencyRef; resultJson: string | undefined; ttlMs: number }
  | { op: "release"; ref: IdempotencyRef };

/**
 * A batch to run. It travels as the received messages, not as the SQS event: the worker builds
 * the event's records itself, so the runtime's thread (which claims and deletes for every batch)
 * neither builds them nor pays to clone their larger shape.
 */
export interface RunRequest {
  id: number;
  messages: readonly QueueMessage[];
  remainingMs: number;
}

/**
 * How a batch ended. Each says how long the batch kept the worker's event loop busy (`busyMs`,
 * with whatever else ran in the worker meanwhile): light batches share a worker.
 */
export type RunAnswer =
  /** Every record of the batch succeeded, and nothing was asked to retry or dead-letter. */
  | { type: "succeeded"; id: number; busyMs: number }
  | {
      type: "result";
      id: number;
      busyMs: number;
      outcomes: RecordOutcome[];
      retries: Array<[messageId: string, seconds: number]>;
      deadLetters: Array<[messageId: string, reason: string]>;
    }
  | {
      type: "batch-error";
      id: number;
      busyMs: number;
      error: { name: string; message: string; code: string | undefined };
    };

/**
 * Runtime → worker. The batches of one event-loop turn go in one message, and their answers
 * come back together (see Outbox): a worker shared by a job's batches wakes once for all the
 * batches its job starts in a turn, not once for each.
 */
export type ToWorker =
  | { type: "run"; runs: RunRequest[] }
  /** A new window of the worker's log allowance begins (see LogAllowance). */
  | { type: "log-credit" }
  /**
   * Cancel this job if it runs here: its ctx.signal fires, and it ends cancelled. `lost`: its
   * message was lost to this worker (see SqsHandler.cancel).
   */
  | { type: "cancel"; jobId: string; why?: "cancelled" | "lost" }
  /** The answer to an `idempotency` call: a claim's, or undefined for the others. */
  | {
      type: "idempotency-answer";
      id: number;
      claim?: IdempotencyClaim;
      error?: { name: string; message: string; code: string | undefined };
    };

/** Worker → runtime. */
export type FromWorker =
  | { type: "ready" }
  | { type: "load-error"; message: string }
  | { type: "answers"; answers: RunAnswer[] }
  /** A handler's `ctx.progress` (thinned by the handler). */
  | { type: "progress"; jobId: string; progress: JobProgress }
  /** A handler's idempotency store call; answered by `idempotency-answer` with the same id. */
  | { type: "idempotency"; id: number; call: IdempotencyCall }
  /**
   * The worker has spent half its log allowance (or all of it, and drops lines): it asks for
   * the next window (`log-credit`), which the runtime grants once this window has ended.
   */
  | { type: "log-exhausted" }
  | {
      type: "log";
      level: "debug" | "info" | "warn" | "error";
      fields: Record<string, unknown>;
      message: string | undefined;
    };
