export { MAX_VISIBILITY_TIMEOUT_SECONDS, retryDelaySeconds } from "./backoff.js";
export {
  type Client,
  type ClientOptions,
  createClient,
  type HttpClientOptions,
  type HttpSendOptions,
  InvalidPayloadError,
  MAX_PAYLOAD_BYTES,
  MAX_SCHEDULED_DELAY_SECONDS,
  type SendOptions,
  type TransportClientOptions,
} from "./client.js";
export { type Clock, systemClock, TestClock, type TimerHandle } from "./clock.js";
export { type AwsApiConfig, type AwsConfig, defineConfig, type OffloadConfig } from "./config.js";
export {
  type ContainerOptions,
  type FargateCpu,
  type ResolvedContainerOptions,
  targetBacklogPerTask,
} from "./container-options.js";
export {
  isRetryLater,
  isUnrecoverable,
  RetryLater,
  type RetryLaterOptions,
  Unrecoverable,
} from "./control-flow.js";
export { defineJob, isJobDefinition } from "./define-job.js";
export { formatDuration, parseDuration } from "./duration.js";
export type { OffloadErrorCode } from "./error-codes.js";
export { OffloadError, type OffloadErrorOptions, toError } from "./errors.js";
export { checkJobId, JOB_ID_RULE, jobIdOf, newJobId } from "./job-id.js";
export { InvalidJobOptionsError, resolveJobOptions } from "./job-options.js";
export {
  checkSchedulePayloads,
  DEFAULT_SCHEDULE_NAME,
  SCHEDULE_NAME_PATTERN,
  scheduledJobId,
} from "./job-schedules.js";
export type * from "./job-status.js";
export { FINISHED_JOB_STATES } from "./job-status.js";
export {
  type AlarmOptions,
  type AnyJobDefinition,
  type BackoffOptions,
  type BatchContext,
  type BatchItem,
  type BatchJobOptions,
  type Duration,
  type InputOf,
  JOB_BRAND,
  type JobContext,
  type JobDefinition,
  type JobInput,
  type JobOptions,
  type JobPayload,
  type JobSchedule,
  type PayloadOf,
  type ResolvedJobOptions,
  type ScheduleOption,
  type SingleJobOptions,
} from "./job-types.js";
export { type LogFn, type Logger, silentLogger } from "./logger.js";
export {
  type CronSchedule,
  type DayOfMonth,
  type DayOfWeek,
  nextRun,
  parseSchedule,
  type RateSchedule,
  type Schedule,
} from "./schedule.js";
export type { ScheduleSummary } from "./schedule-summary.js";
export {
  ALERT_TOPIC_ARN_OUTPUT,
  API_URL_OUTPUT,
  type JobOutput,
  jobOutputKey,
  outputKeyClashes,
  pascalCase,
  type StackNameOptions,
  stackName,
  TOPIC_ARN_OUTPUT,
} from "./stack-layout.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
export { checkTimeZone, isTimeZone } from "./time-zone.js";
export type * from "./transport.js";
export {
  formatPath,
  type PayloadIssue,
  type PayloadValidation,
  validatePayload,
} from "./validate-payload.js";
