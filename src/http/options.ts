import type { Context } from "hono";
import { OffloadError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ApiBackend } from "./backend.js";
import type { WireApis } from "./wire/index.js";

/** What {@link createApi} takes. */
export interface ApiOptions {
  /** The app's jobs and queues: the API is a thin HTTP face on it. */
  backend: ApiBackend;
  /** Largest request body, in bytes. @defaultValue 1 MiB (1_048_576) */
  bodyLimitBytes?: number;
  /**
   * When set, every /jobs and /api/* request needs `Authorization: Bearer <key>`
   * (compared in constant time), and every wire request needs it as a bearer token
   * or as its SigV4 access key id, whatever the client's address; GET /health stays open.
   * @defaultValue none (no authentication)
   */
  apiKey?: string;
  /** CORS: off unless origins are given (exact origins like `"https://app.example.com"`; `"*"` allowed). @defaultValue none (CORS off) */
  corsOrigins?: string[];
  /** Mounted last, for the pages: returns a Response for GET requests it serves, or undefined. @defaultValue none */
  pages?: (c: Context) => Promise<Response | undefined> | Response | undefined;
  /**
   * When set, the app also speaks the SQS API (JSON and query protocols) and
   * the SNS API (query protocol) on `POST /` and `POST /<account>/<queue>`,
   * for the AWS SDKs and CLI. Signatures are not verified: without `apiKey`,
   * anyone who can connect may use every queue and topic.
   * @defaultValue none (no wire endpoint)
   */
  wire?: WireApis;
  /**
   * The only host names requests may be addressed to (their Host header, without the port):
   * a guard against DNS rebinding for an app that has no API key. `localhost` also admits
   * its subdomains. @defaultValue any
   */
  allowedHosts?: string[];
  /**
   * Where a request that failed unexpectedly (answered 500 with a generic
   * message) is logged with its error. @defaultValue none (not logged)
   */
  logger?: Logger;
}

/** ApiOptions with defaults applied and checked, frozen. */
export interface ResolvedApiOptions {
  readonly backend: ApiBackend;
  readonly bodyLimitBytes: number;
  readonly apiKey: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly pages: ApiOptions["pages"];
  readonly wire: ApiOptions["wire"];
  readonly logger: Logger | undefined;
  readonly allowedHosts: readonly string[] | undefined;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;

/** What a `corsOrigins` entry may be, for messages. */
export const CORS_ORIGIN_RULE =
  '"*" or an origin like "https://app.example.com" (scheme and host, no path)';

/** A `corsOrigins` entry CORS can match: "*", or a scheme and host with no path. */
export function isCorsOrigin(origin: string): boolean {
  return origin === "*" || /^https?:\/\/[^/\s]+$/.test(origin);
}

/**
 * Applies defaults and checks the options, once.
 *
 * @throws OffloadError InvalidApiOptions listing every problem, each naming the option, what it takes and what came.
 */
export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const problems: string[] = [];
  const { backend, apiKey, corsOrigins = [], pages, wire, logger, allowedHosts } = options;
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  if (typeof backend !== "object" || backend === null) {
    problems.push(`backend is required (an ApiBackend); got ${String(backend)}`);
  }
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes < 1) {
    problems.push(`bodyLimitBytes must be a positive whole number of bytes; got ${bodyLimitBytes}`);
  }
  if (apiKey !== undefined && (typeof apiKey !== "string" || apiKey.trim() === "")) {
    problems.push(
      "apiKey must be a non-empty string (leave it out for no authentication); got an empty one",
    );
  }
  for (const origin of corsOrigins) {
    if (!isCorsOrigin(origin)) {
      problems.push(
        `corsOrigins entries must be ${CORS_ORIGIN_RULE}; got ${JSON.stringify(origin)}`,
      );
    }
  }
  if (
    wire !== undefined &&
    (typeof wire !== "object" ||
      wire === null ||
      typeof wire.sqs !== "object" ||
      wire.sqs === null ||
      typeof wire.sns !== "object" ||
      wire.sns === null)
  ) {
    problems.push("wire must be { sqs, sns } (the engine's APIs); got something else");
  }
  if (problems.length > 0) {
    throw new OffloadError("InvalidApiOptions", `Invalid API options:\n${problems.join("\n")}`);
  }
  return Object.freeze({
    backend,
    bodyLimitBytes,
    apiKey,
    corsOrigins: Object.freeze([...corsOrigins]),
    pages,
    wire,
    logger,
    allowedHosts:
      allowedHosts === undefined
        ? undefined
        : Object.freeze(allowedHosts.map((h) => h.toLowerCase())),
  });
}
