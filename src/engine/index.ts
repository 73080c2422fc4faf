export type { Durability } from "./db/open.js";
export {
  createEngine,
  type Engine,
  type EngineOptions,
  type MoveResult,
  type QueueStats,
} from "./engine.js";
export { AwsApiError } from "./errors.js";
export type {
  AcceptJobInput,
  AcceptJobOutput,
  EngineJobs,
} from "./jobs/records.js";
export type {
  EngineSchedules,
  FireScheduleInput,
  FireScheduleOutput,
  ScheduleDefinitionInput,
  ScheduleRecord,
} from "./schedules/store.js";
export type { EngineSnsApi } from "./sns/api.js";
export type * from "./sns/types.js";
export type { EngineSqsApi } from "./sqs/api.js";
export type { PeekedMessage } from "./sqs/inspect.js";
export type { ClaimInput } from "./sqs/receive.js";
export type { SendOptions } from "./sqs/send.js";
export type * from "./sqs/types.js";
