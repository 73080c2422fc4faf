// Bundled into a container job's image (see src/cdk/container-image.ts) with the job itself and
// the AWS SDK: the image holds no node_modules, so keep imports to the runtime (not its index,
// which reaches the SQLite engine), the AWS transport and small local modules.
import type { AnyJobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import { startWorker, type Worker } from "../runtime/container/worker.js";
import { exitOnSignals } from "../runtime/shutdown.js";
import {
  DLQ_URL_ENV,
  type Environment,
  JOB_NAME_ENV,
  processEnv,
  QUEUE_URL_ENV,
  requireEnv,
  TOPIC_ARN_ENV,
} from "./env.js";
import { createLambdaLogger } from "./lambda-logger.js";
import { createAwsTransport } from "./transport.js";

/** What {@link startContainerWorker} takes; the stack sets the environment of the task. */
export interface ContainerWorkerOptions {
  /** The job's worker file: the worker entry and the job bundled together (the image's `job-worker.mjs`). */
  workerFile: string;
  /** @defaultValue JSON lines on stdout at env OFFLOAD_LOG_LEVEL (default info), which the task's awslogs driver sends to CloudWatch */
  logger?: Logger;
  /** Where the job name and queue URLs are read from. @defaultValue process.env */
  env?: Environment;
  /** Stop on SIGTERM / SIGINT and exit (what ECS sends at scale-in and deploys). @defaultValue true */
  exitOnSignals?: boolean;
}

/**
 * The container worker of one job, as its Fargate task runs it: long-polls the job's queue
 * (env OFFLOAD_QUEUE_URL) and runs its batches in worker threads with the same control flow
 * as the Lambda path, with the task's scale-in protection while it has work (see
 * runtime/container/worker.ts); the AWS SDK finds its region and credentials in the task (AWS_REGION,
 * the task role), and its endpoint in AWS_ENDPOINT_URL when one is set.
 *
 * @throws OffloadError InvalidEnvironment naming a variable the task lacks.
 * @example
 * // the image's worker.mjs
 * import job from "./jobs/render.ts";
 * await startContainerWorker(job, { workerFile: new URL("./job-worker.mjs", import.meta.url).pathname });
 */
export async function startContainerWorker(
  job: AnyJobDefinition,
  options: ContainerWorkerOptions,
): Promise<Worker> {
  const env = options.env ?? processEnv();
  const logger = options.logger ?? createLambdaLogger(env);
  const name = requireEnv(env, JOB_NAME_ENV, "the job's name");
  const queueUrl = requireEnv(env, QUEUE_URL_ENV, "the job's SQS queue URL");
  const dlqUrl = requireEnv(env, DLQ_URL_ENV, "the job's dead-letter queue URL");
  const topicArn = requireEnv(env, TOPIC_ARN_ENV, "the ARN of the stack's jobs topic");
  const region = env.AWS_REGION?.trim() || topicArn.split(":")[3];
  const transport = createAwsTransport({
    topicArn,
    queues: { [name]: { queueUrl, dlqUrl } },
    ...(region ? { region } : {}),
    logger,
  });
  // The same worker as `offload worker`: task protection (ECS sets ECS_AGENT_URI), the
  // visibility heartbeat, and SIGTERM's graceful stop within the job's stopTimeout.
  const worker = await startWorker({
    jobs: [{ name, file: options.workerFile, definition: job }],
    transport,
    logger,
    env,
    runtime: { workerFiles: { [name]: options.workerFile } },
  });
  if (options.exitOnSignals !== false) exitOnSignals(() => worker.shutdown(), logger);
  logger.info(
    { jobName: name, queueUrl, taskProtection: worker.protection !== undefined },
    `offload worker is polling the queue of job ${name}`,
  );
  return worker;
}
