export { CollectedActions, type MessageActions } from "./message-actions.js";
export {
  type BatchResult,
  createSqsHandler,
  type ErrorInfo,
  type RecordOutcome,
  type SqsHandler,
  type SqsHandlerOptions,
} from "./sqs-handler.js";
export type * from "./sqs-types.js";
