// Bundled into every job's Lambda (with @aws-sdk/* left to the Lambda runtime):
// keep imports to the SQS and DynamoDB clients, offload/lambda's handler, the job records
// and small local modules (not the API's: no Hono, no transport).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Clock } from "../core/clock.js";
import type { IdempotencyStore } from "../core/idempotency.js";
import type { AttemptEnd, JobRecorder } from "../core/job-status.js";
import type { AnyJobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import { createSqsHandler, type SqsHandler } from "../lambda/sqs-handler.js";
import {
  DLQ_URL_ENV,
  type Environment,
  JOB_NAME_ENV,
  JOB_TABLE_ENV,
  processEnv,
  QUEUE_URL_ENV,
  requireEnv,
} from "./env.js";
import { createDynamoIdempotencyStore } from "./handler-idempotency.js";
import { createJobAttemptRecords, type JobAttemptRecords } from "./job-records-attempts.js";
import { createLambdaLogger } from "./lambda-logger.js";
import { createSqsMessageActions } from "./message-actions.js";

/** What {@link createJobFunction} takes; the stack sets the environment, so a deployed job needs none. */
export interface JobFunctionOptions {
  /** The job's name, for logs and `ctx.jobName`. @defaultValue env OFFLOAD_JOB_NAME */
  jobName?: string;
  /** The job's SQS queue URL. @defaultValue env OFFLOAD_QUEUE_URL */
  queueUrl?: string;
  /** The job's DLQ URL. @defaultValue env OFFLOAD_DLQ_URL */
  dlqUrl?: string;
  /** @defaultValue `new SQSClient({})`: region and credentials from the Lambda environment */
  sqs?: SQSClient;
  /**
   * The stack's job table, where each attempt's start, end and progress are written; a job
   * cancelled there is dropped unrun when its message arrives.
   * @defaultValue the attempt records (`createDynamoJobRecords` has them too) over the table named by env OFFLOAD_JOB_TABLE; none
   * (nothing recorded) when it is unset, as in a stack with `aws.jobHistory: false`
   */
  records?: JobFunctionRecords;
  /**
   * Where an idempotent job (the `idempotency` option) keeps its keys and results.
   * @defaultValue the job table named by env OFFLOAD_JOB_TABLE, for a job with that option; none
   * otherwise (a job with the option then fails to load: IdempotencyUnavailable)
   */
  idempotency?: IdempotencyStore;
  /** The default records' and idempotency store's DynamoDB client. @defaultValue `new DynamoDBClient({})`: region and credentials from the Lambda environment */
  dynamodb?: DynamoDBClient;
  /** @defaultValue JSON lines on stdout at env OFFLOAD_LOG_LEVEL (default info) */
  logger?: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Where the defaults above are read from. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * What the job function writes to the job table: attempts, and progress that tells of a
 * cancel; and (when given) where it checks its running jobs for cancels.
 */
export type JobFunctionRecords = Pick<JobAttemptRecords, "started" | "ended" | "reportProgress"> &
  Partial<Pick<JobAttemptRecords, "cancelsRequested">>;

/**
 * How often a job function checks the job table for cancels of the jobs it is running: every
 * 5 s of a batch, one BatchGetItem for the batch's running jobs (a batch that ends sooner reads
 * nothing). A cancelled job's `ctx.signal` fires within this long, or at its next
 * `ctx.progress` call if that comes first.
 */
export const CANCEL_CHECK_INTERVAL_MS = 5_000;

/**
 * The Lambda handler of one job, for its SQS event source (with
 * `reportBatchItemFailures`): `createSqsHandler` with SQS-backed message
 * actions, so `RetryLater` and backoff change the message's visibility and
 * `Unrecoverable` moves it to the DLQ from inside the function.
 *
 * With the job table (env OFFLOAD_JOB_TABLE, set by the stack) each attempt is recorded as it
 * starts and ends. A failed last attempt (the job's `maxAttempts`, the queue's
 * maxReceiveCount) is recorded `failed`, dead-lettered: SQS moves the message to the DLQ at its
 * next receive and the function never sees it again. A job cancelled while queued is dropped
 * unrun; one cancelled while it runs has its `ctx.signal` fired at the batch's next cancel
 * check (every {@link CANCEL_CHECK_INTERVAL_MS}) or its next `ctx.progress` write, whichever
 * comes first.
 *
 * @throws OffloadError InvalidEnvironment naming the variable when a value is neither given nor in the environment.
 * @example
 * // the entry esbuild bundles for the job `greeting`
 * import { createJobFunction } from "offload/aws";
 * import job from "./jobs/greeting.js";
 * export const handler = createJobFunction(job);
 */
export function createJobFunction(
  job: AnyJobDefinition,
  options: JobFunctionOptions = {},
): SqsHandler {
  const env: Environment = options.env ?? processEnv();
  const jobName = options.jobName ?? requireEnv(env, JOB_NAME_ENV, "the job's name");
  const queueUrl = options.queueUrl ?? requireEnv(env, QUEUE_URL_ENV, "the job's SQS queue URL");
  const dlqUrl = options.dlqUrl ?? requireEnv(env, DLQ_URL_ENV, "the job's DLQ URL");
  const sqs = options.sqs ?? new SQSClient({});
  const tableName = env[JOB_TABLE_ENV]?.trim();
  // One client for the records and the idempotency keys.
  const dynamodb = tableName ? (options.dynamodb ?? new DynamoDBClient({})) : undefined;
  const table = tableName && {
    tableName,
    dynamodb: dynamodb!,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
  const records = options.records ?? (table ? createJobAttemptRecords(table) : undefined);
  const idempotency =
    options.idempotency ??
    (table && job.options.idempotency ? createDynamoIdempotencyStore(table) : undefined);
  const maxAttempts = job.options.maxAttempts;
  const recorder: JobRecorder | undefined = records && {
    started: (attempts) => records.started(attempts),
    ended: (ends) => records.ended(ends.map((end) => deadLetteredIfLast(end, maxAttempts))),
    async progress(jobId, progress) {
      const { cancelRequested } = await records.reportProgress(jobId, progress);
      if (cancelRequested) handler.cancel(jobId);
    },
  };
  // The payload type matters to the job's own code, not to the handler that parses and validates it.
  const handler = createSqsHandler(job as never, {
    jobName,
    actions: createSqsMessageActions({ sqs, queueUrl, dlqUrl }),
    logger: options.logger ?? createLambdaLogger(env),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(recorder === undefined ? {} : { recorder }),
    ...(idempotency === undefined ? {} : { idempotency }),
    ...(records?.cancelsRequested === undefined
      ? {}
      : {
          cancelCheck: {
            intervalMs: CANCEL_CHECK_INTERVAL_MS,
            cancelsRequested: (jobIds: readonly string[]) => records.cancelsRequested!(jobIds),
          },
        }),
  });
  return handler;
}

/**
 * A failed attempt that was the job's last, as what it is: SQS moves its message to the DLQ at
 * the receive after it (the stack sets the queue's maxReceiveCount to the job's maxAttempts),
 * where no function sees it, so this is the last word the table gets.
 */
function deadLetteredIfLast(end: AttemptEnd, maxAttempts: number): AttemptEnd {
  if (end.outcome !== "failed" || end.attempt < maxAttempts) return end;
  const { retry: _, ...rest } = end;
  return {
    ...rest,
    outcome: "dead-lettered",
    reason: `failed its last attempt (${end.attempt} of ${maxAttempts}); SQS moves it to the dead-letter queue`,
  };
}
