import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  type APIGatewayProxyResult,
  handle,
  type LambdaContext,
  type LambdaEvent,
} from "hono/aws-lambda";
import type { AnyJobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import type { Transport } from "../core/transport.js";
import { createHttpApp } from "../http/app.js";
import { createTransportBackend } from "../http/transport-backend.js";
import {
  corsOriginsFromEnv,
  type Environment,
  JOB_TABLE_ENV,
  parseQueuesEnv,
  processEnv,
  requireEnv,
  schedulingFromEnv,
  TOPIC_ARN_ENV,
} from "./env.js";
import { createDynamoJobRecords, type DynamoJobRecords } from "./job-records.js";
import { createLambdaLogger } from "./lambda-logger.js";
import { cancellingSchedules, createScheduledSends } from "./scheduled-sends.js";
import { createAwsTransport } from "./transport.js";

/** An API Gateway HTTP API event, payload format 2.0. */
export type HttpApiEvent = Extract<LambdaEvent, { rawPath: string }>;

/** The API Lambda: an HTTP API (payload format 2.0) event in, the response out. */
export type ApiFunction = (
  event: HttpApiEvent,
  context?: LambdaContext,
) => Promise<APIGatewayProxyResult>;

/** What {@link createApiFunction} takes. */
export interface ApiFunctionOptions {
  /** The app's jobs by name: payloads are validated against their schemas. Required. */
  jobs: Readonly<Record<string, AnyJobDefinition>>;
  /**
   * Where jobs go.
   * @defaultValue `createAwsTransport` with the topic from env OFFLOAD_TOPIC_ARN and
   * the queues from env OFFLOAD_QUEUES (JSON `{ "<job>": "<queueUrl>" }`; delayed
   * jobs are sent straight to their queue)
   */
  transport?: Transport;
  /**
   * The stack's job table: what `GET /jobs/:id`, `GET /jobs` and `DELETE /jobs/:id` answer
   * from, and where the default transport records each job before sending it. A transport you
   * give records nothing unless you gave it these records (its `records` option).
   * @defaultValue `createDynamoJobRecords` over the table named by env OFFLOAD_JOB_TABLE; none
   * when it is unset (a stack with `aws.jobHistory: false`): those routes answer JobNotFound
   */
  records?: DynamoJobRecords;
  /**
   * CORS origins the app answers for (exact origins, or `"*"`).
   * @defaultValue env OFFLOAD_CORS_ORIGINS, comma-separated; none (CORS off) when unset or empty
   */
  corsOrigins?: string[];
  /** Largest request body, in bytes. @defaultValue 1 MiB (1_048_576) */
  bodyLimitBytes?: number;
  /** The default transport's SQS client. @defaultValue `new SQSClient({ region })`, region from OFFLOAD_TOPIC_ARN */
  sqs?: SQSClient;
  /** The default transport's SNS client. @defaultValue `new SNSClient({ region })` */
  sns?: SNSClient;
  /**
   * The Scheduler client for delays over 900 s (and their cancel), with env
   * OFFLOAD_SCHEDULE_GROUP and OFFLOAD_SCHEDULER_ROLE_ARNS.
   * @defaultValue `new SchedulerClient({})`, created at the first long delay
   */
  scheduler?: SchedulerClient;
  /** The default records' DynamoDB client. @defaultValue `new DynamoDBClient({})`: region and credentials from the Lambda environment */
  dynamodb?: DynamoDBClient;
  /** The default transport's logger, and where requests answered 500 are logged. @defaultValue JSON lines on stdout at env OFFLOAD_LOG_LEVEL */
  logger?: Logger;
  /** Where the defaults are read from. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The API Lambda behind API Gateway: the same Hono app as the local server
 * (`createApi`) over the AWS transport, so POST /jobs answers with the same
 * statuses and error bodies. Authentication is API Gateway's (IAM or JWT),
 * so the app's own bearer check is off. A named stage's path prefix
 * (`/prod/jobs` on a `prod` stage) is removed before routing.
 *
 * @throws OffloadError InvalidEnvironment when the transport is not given and
 * OFFLOAD_TOPIC_ARN or OFFLOAD_QUEUES is missing or invalid.
 * @example
 * import { createApiFunction } from "offload/aws";
 * import greeting from "./jobs/greeting.js";
 * export const handler = createApiFunction({ jobs: { greeting } });
 */
export function createApiFunction(options: ApiFunctionOptions): ApiFunction {
  const env: Environment = options.env ?? processEnv();
  const logger = options.logger ?? createLambdaLogger(env);
  const tableName = env[JOB_TABLE_ENV]?.trim();
  const scheduling = schedulingFromEnv(env);
  const stored =
    options.records ??
    (tableName
      ? createDynamoJobRecords({
          tableName,
          jobNames: Object.keys(options.jobs),
          ...(options.dynamodb === undefined ? {} : { dynamodb: options.dynamodb }),
        })
      : undefined);
  // A cancelled job delayed beyond 900 s loses its schedule too.
  const records =
    stored && scheduling
      ? cancellingSchedules(
          stored,
          createScheduledSends({ scheduling, partition: "aws", ...schedulerOf(options) }),
          logger,
        )
      : stored;
  const transport = options.transport ?? defaultTransport(options, env, logger, records);
  // No wire endpoint on Lambda: createHttpApp leaves its code out of the bundle.
  const app = createHttpApp({
    backend: createTransportBackend({
      jobs: options.jobs,
      transport,
      ...(records === undefined ? {} : { records }),
    }),
    logger,
    corsOrigins: options.corsOrigins ?? corsOriginsFromEnv(env),
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
  });
  const handler = handle(app);
  return (event, context) => handler(withoutStagePrefix(event), context);
}

function defaultTransport(
  options: ApiFunctionOptions,
  env: Environment,
  logger: Logger,
  records: DynamoJobRecords | undefined,
): Transport {
  const scheduling = schedulingFromEnv(env);
  return createAwsTransport({
    topicArn: requireEnv(env, TOPIC_ARN_ENV, "the ARN of the SNS topic jobs are published to"),
    queues: parseQueuesEnv(env, Object.keys(options.jobs)),
    ...(options.sqs === undefined ? {} : { sqs: options.sqs }),
    ...(options.sns === undefined ? {} : { sns: options.sns }),
    ...schedulerOf(options),
    ...(scheduling === undefined ? {} : { scheduling }),
    ...(records === undefined ? {} : { records }),
    logger,
  });
}

function schedulerOf(options: ApiFunctionOptions): { scheduler?: SchedulerClient } {
  return options.scheduler === undefined ? {} : { scheduler: options.scheduler };
}

/**
 * On a stage other than `$default`, API Gateway's rawPath starts with the
 * stage's name (`/prod/jobs`); the app's routes do not.
 */
function withoutStagePrefix(event: HttpApiEvent): HttpApiEvent {
  const stage = event.requestContext?.stage;
  if (!stage || stage === "$default") return event;
  const prefix = `/${stage}`;
  if (event.rawPath !== prefix && !event.rawPath.startsWith(`${prefix}/`)) return event;
  return { ...event, rawPath: event.rawPath.slice(prefix.length) || "/" };
}
