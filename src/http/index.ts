export { createApi } from "./api.js";
export type {
  ApiBackend,
  DlqMessage,
  JobQueueSummary,
  SendJobOptions,
} from "./backend.js";
export {
  ApiError,
  type ApiErrorBody,
  type ApiErrorCode,
  STATUS_BY_CODE,
  toErrorAnswer,
} from "./errors.js";
export { MAX_JSON_DEPTH } from "./json.js";
export { type ApiOptions, DEFAULT_BODY_LIMIT_BYTES, type ResolvedApiOptions } from "./options.js";
