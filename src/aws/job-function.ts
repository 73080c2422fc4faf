// Bundled into every job's Lambda (with @aws-sdk/* left to the Lambda runtime):
// keep imports to the SQS client, offload/lambda's handler and small local modules.
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Clock } from "../core/clock.js";
import type { AnyJobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import { createSqsHandler, type SqsHandler } from "../lambda/sqs-handler.js";
import {
  DLQ_URL_ENV,
  type Environment,
  JOB_NAME_ENV,
  processEnv,
  QUEUE_URL_ENV,
  requireEnv,
} from "./env.js";
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
  /** @defaultValue JSON lines on stdout at env OFFLOAD_LOG_LEVEL (default info) */
  logger?: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Where the defaults above are read from. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The Lambda handler of one job, for its SQS event source (with
 * `reportBatchItemFailures`): `createSqsHandler` with SQS-backed message
 * actions, so `RetryLater` and backoff change the message's visibility and
 * `Unrecoverable` moves it to the DLQ from inside the function.
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
  // The payload type matters to the job's own code, not to the handler that parses and validates it.
  return createSqsHandler(job as never, {
    jobName,
    actions: createSqsMessageActions({ sqs, queueUrl, dlqUrl }),
    logger: options.logger ?? createLambdaLogger(env),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}
