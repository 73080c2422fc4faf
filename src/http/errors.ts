import type { OffloadErrorCode } from "../core/error-codes.js";
import { OffloadError } from "../core/errors.js";
import { PURGE_INTERVAL_SECONDS } from "../core/transport.js";

/**
 * The codes the backend (the client and the transport under it) raises for a
 * request the caller can fix or retry: each must have a status below, or the
 * caller would get a 500 for its own mistake.
 */
type BackendErrorCode =
  | "UnknownJob"
  | "InvalidPayload"
  | "PayloadTooLarge"
  | "InvalidDelay"
  | "DelayTooLong"
  | "InvalidJobId"
  | "InvalidSendOptions"
  | "JobIdInUse"
  | "JobNotFound"
  | "JobFinished"
  | "PurgeInProgress"
  | "CommitFailed"
  | "DatabaseGone";

/**
 * Every error code the HTTP API answers with, and its status: the one place
 * a code becomes a status. Codes thrown by the backend ({@link BackendErrorCode})
 * keep their code on the wire; any other code is an internal error. Keys come
 * from the catalogue (src/core/error-codes.ts).
 */
export const STATUS_BY_CODE = {
  /** The request (envelope, query, body shape) is not what the route takes. */
  InvalidRequest: 400,
  MalformedJson: 400,
  InvalidEncoding: 400,
  TooDeep: 400,
  /** The client went away before its whole body arrived (no one reads the answer). */
  IncompleteBody: 400,
  NumberOutOfRange: 400,
  InvalidDelay: 400,
  DelayTooLong: 400,
  InvalidJobId: 400,
  /** A bad idempotencyKey. */
  InvalidSendOptions: 400,
  Unauthorized: 401,
  /** A write from a page of another site (see guard.ts). */
  CrossSiteRequest: 403,
  /** A request addressed to a name the app does not answer to (see guard.ts). */
  HostNotAllowed: 403,
  UnknownJob: 404,
  JobNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  /** The request did not arrive in full in time (Node's HTTP layer). */
  RequestTimeout: 408,
  /** The DLQ was purged less than a minute ago (SQS allows one purge a minute); sent with Retry-After. */
  PurgeInProgress: 409,
  /** A caller's own job id that an earlier job holds. */
  JobIdInUse: 409,
  /** A cancel of a job that has already finished. */
  JobFinished: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  /** An Expect header other than 100-continue (Node's HTTP layer). */
  ExpectationFailed: 417,
  InvalidPayload: 422,
  /** Headers over Node's limit (16 KiB). */
  HeadersTooLarge: 431,
  InternalError: 500,
  /** The local app failed to start while the request waited for it. */
  Unavailable: 503,
  /**
   * The engine's database failed to commit the request's write (disk full, I/O error):
   * nothing of that write was kept; sent with Retry-After.
   */
  CommitFailed: 503,
  /**
   * The database file was deleted or replaced under the running server: it takes no new
   * work until restarted (the message names the file); /health says so too.
   */
  DatabaseGone: 503,
} as const satisfies { [C in BackendErrorCode]: number } & { [C in OffloadErrorCode]?: number };

export type ApiErrorCode = keyof typeof STATUS_BY_CODE;
export type ApiErrorStatus = (typeof STATUS_BY_CODE)[ApiErrorCode];

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: Record<string, unknown> };
}

/** An error the API answers with as is: a code from {@link STATUS_BY_CODE}, a message naming the problem. */
export class ApiError extends OffloadError {
  override name = "ApiError";
  override readonly code: ApiErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers (`Allow`, `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code, message);
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** What to answer for a thrown value: its status, body and headers. */
export interface ErrorAnswer {
  status: ApiErrorStatus;
  body: ApiErrorBody;
  headers: Record<string, string>;
}

const GENERIC_MESSAGE = "The server failed to handle the request";

/**
 * Seconds a client is told to wait after a failed commit. A full or failing disk
 * is not fixed in a moment, but a client that backs off this long and retries
 * loses no job once it is, and adds little load meanwhile.
 */
export const COMMIT_RETRY_AFTER_SECONDS = 5;

/**
 * The engine's CommitFailed message names SQLite's reason, written for the
 * operator (the log); the caller learns what it must do. A redrive commits 1,000
 * messages at a time, so one that fails may have moved some before.
 */
const COMMIT_FAILED_MESSAGE = `The server's database failed to commit this request's write, so it was not stored (a job sent was not queued; a redrive may have moved some messages before the failure): retry in ${COMMIT_RETRY_AFTER_SECONDS} seconds`;

/**
 * Turns anything thrown while handling a request into the error to answer.
 * ApiErrors and the backend's OffloadErrors with a known code keep their
 * message (written for the caller), but for CommitFailed, whose message is
 * written for the operator; anything else becomes a 500 with a generic
 * message, so no internals (paths, SQL, stack) leak.
 */
export function toErrorAnswer(thrown: unknown): ErrorAnswer {
  if (thrown instanceof ApiError) {
    return answer(thrown.code, thrown.message, thrown.details, thrown.headers);
  }
  if (thrown instanceof OffloadError && isApiErrorCode(thrown.code)) {
    if (thrown.code === "InvalidPayload") {
      return answer("InvalidPayload", thrown.message, { issues: issuesOf(thrown) });
    }
    if (thrown.code === "PurgeInProgress") {
      return answer("PurgeInProgress", thrown.message, undefined, {
        "Retry-After": String(PURGE_INTERVAL_SECONDS),
      });
    }
    if (thrown.code === "CommitFailed") {
      return answer("CommitFailed", COMMIT_FAILED_MESSAGE, undefined, {
        "Retry-After": String(COMMIT_RETRY_AFTER_SECONDS),
      });
    }
    if (thrown.code !== "InternalError") return answer(thrown.code, thrown.message);
  }
  return answer("InternalError", GENERIC_MESSAGE);
}

function answer(
  code: ApiErrorCode,
  message: string,
  details?: Record<string, unknown>,
  headers: Record<string, string> = {},
): ErrorAnswer {
  return {
    status: STATUS_BY_CODE[code],
    body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
    headers,
  };
}

function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

/** The schema's issues of an InvalidPayload error; one issue with its message when it has none. */
function issuesOf(error: OffloadError): Array<{ path: string; message: string }> {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) {
    return issues.flatMap((issue: unknown) => {
      if (typeof issue !== "object" || issue === null) return [];
      const { path, message } = issue as { path?: unknown; message?: unknown };
      return [
        {
          path: typeof path === "string" ? path : "",
          message: typeof message === "string" ? message : "invalid",
        },
      ];
    });
  }
  return [{ path: "", message: error.message }];
}
