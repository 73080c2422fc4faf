/**
 * offload on AWS: the Transport over SNS and SQS, the deployed functions
 * (one per job, and the API) and the stack outputs that connect them.
 */
export {
  type ApiFunction,
  type ApiFunctionOptions,
  createApiFunction,
  type HttpApiEvent,
} from "./api-function.js";
export { DEAD_LETTER_REASON_ATTRIBUTE } from "./attributes.js";
export {
  CORS_ORIGINS_ENV,
  DLQ_URL_ENV,
  type Environment,
  JOB_NAME_ENV,
  JOB_TABLE_ENV,
  QUEUE_URL_ENV,
  QUEUES_ENV,
  SCHEDULE_GROUP_ENV,
  SCHEDULER_DLQ_ARN_ENV,
  SCHEDULER_ROLE_ARNS_ENV,
  TOPIC_ARN_ENV,
} from "./env.js";
export {
  createDynamoIdempotencyStore,
  type DynamoIdempotencyOptions,
} from "./handler-idempotency.js";
export {
  CANCEL_CHECK_INTERVAL_MS,
  createJobFunction,
  type JobFunctionOptions,
  type JobFunctionRecords,
} from "./job-function.js";
export {
  type AcceptResult,
  createDynamoJobRecords,
  type DynamoJobRecords,
  type DynamoJobRecordsOptions,
} from "./job-records.js";
export { createLambdaLogger, LOG_LEVEL_ENV } from "./lambda-logger.js";
export { createSqsMessageActions, type SqsMessageActionsOptions } from "./message-actions.js";
export {
  type AwsJobAcceptance,
  type AwsJobQueues,
  type AwsTransportOptions,
  type AwsTransportRecords,
  type ResolvedAwsTransportOptions,
  type ResolvedJobQueues,
  resolveAwsTransportOptions,
} from "./options.js";
export {
  type AwsScheduling,
  cancellingSchedules,
  createScheduledSends,
  type OneTimeSend,
  oneTimeSchedule,
  type ScheduledSends,
  type ScheduledSendsOptions,
  scheduleNameOf,
} from "./scheduled-sends.js";
export {
  type AwsTransportTarget,
  awsTransportTargetFromOutputs,
  jobTableNameFromOutputs,
  readStackOutputs,
  type StackOutputs,
  type StackOutputsFile,
  schedulingFromOutputs,
} from "./stack-outputs.js";
export { type AwsTransport, createAwsTransport } from "./transport.js";
