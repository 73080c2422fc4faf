export type { CancelCheck } from "./cancel-checks.js";
export type { ErrorInfo } from "./error-info.js";
export { CollectedActions, type MessageActions } from "./message-actions.js";
export type { RecordOutcome } from "./outcomes.js";
export {
  type BatchResult,
  createSqsHandler,
  type SqsHandler,
  type SqsHandlerOptions,
} from "./sqs-handler.js";
export type * from "./sqs-types.js";
