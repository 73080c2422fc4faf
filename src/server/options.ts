import { statSync } from "node:fs";
import { resolve } from "node:path";
import { OffloadError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { isLoopback } from "../http/guard.js";
import { DEFAULT_BODY_LIMIT_BYTES } from "../http/options.js";

/** What {@link startServer} takes. Relative paths start at the working directory. */
export interface ServerOptions {
  /** The folder of job files: one job per file, named by the file. */
  jobsDir: string;
  /** The SQLite database file, created if missing. @defaultValue ".offload/offload.db" */
  database?: string;
  /** The port to listen on; 0 takes any free one (see {@link OffloadServer.url}). @defaultValue 3000 */
  port?: number;
  /**
   * The host to listen on. Beyond loopback (127.0.0.1, ::1, localhost) an `apiKey` is
   * required. @defaultValue "127.0.0.1"
   */
  host?: string;
  /**
   * `"full"`: a job is on disk when its send resolves (SQLite synchronous=FULL); `"relaxed"`:
   * the last moments of sends may be lost to a power cut, not to a crash of the process.
   * @defaultValue "full"
   */
  durability?: "full" | "relaxed";
  /**
   * Whether the engine records each job's status and history (`GET /jobs/:id`, `offload
   * job`). Off, nothing is recorded, every job lookup answers 404, and an `idempotencyKey`
   * is not checked (there is no record of the first job). @defaultValue true
   */
  jobHistory?: boolean;
  /**
   * When set, every request to /jobs, /api/* and the SQS/SNS endpoint needs it, from every
   * client, loopback included: as `Authorization: Bearer <key>`, or as the access key id of
   * the AWS SDKs and CLI. GET /health and the pages stay open. Required to listen beyond
   * loopback; without it, only requests addressed to loopback names are served (DNS
   * rebinding). @defaultValue none (loopback only, no authentication)
   */
  apiKey?: string;
  /** Origins a browser page may call the API from (`"*"`: any). @defaultValue [] (CORS off) */
  corsOrigins?: string[];
  /** Largest request body, in bytes. @defaultValue 1_048_576 (1 MiB) */
  bodyLimitBytes?: number;
  /** A folder of static pages served at `/` (`/` is its index.html). @defaultValue none */
  pagesDir?: string;
  /** Where the server, the runtime and the jobs' log records go. @defaultValue none (discarded) */
  logger?: Logger;
  /** A URL that receives each DLQ alarm change as a JSON POST. @defaultValue none */
  alertWebhook?: string;
  /**
   * Each job worker's JavaScript heap limit, in MB, as the job's Lambda function's memory
   * size bounds it on AWS (a worker past it is stopped and its batches retried).
   * @defaultValue 1024
   */
  workerMemoryMb?: number;
  /** Restart the jobs when their files change (for development). @defaultValue false */
  watch?: boolean;
}

/** ServerOptions with defaults applied and checked, paths absolute, frozen. */
export interface ResolvedServerOptions {
  readonly jobsDir: string;
  readonly database: string;
  readonly port: number;
  readonly host: string;
  readonly durability: "full" | "relaxed";
  readonly jobHistory: boolean;
  readonly apiKey: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly pagesDir: string | undefined;
  readonly logger: Logger;
  readonly alertWebhook: string | undefined;
  readonly workerMemoryMb: number;
  readonly watch: boolean;
}

/** Lambda's memory sizes, MB: the bounds of `workerMemoryMb`. */
const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10_240;

/**
 * Applies defaults and checks the options, once. The API's own options (bodyLimitBytes,
 * corsOrigins, apiKey) are checked by createApi, with its messages.
 *
 * @throws OffloadError InvalidServerOptions listing every problem, each naming the option,
 * what it takes and what came; ApiKeyRequired for a host beyond loopback without an API key.
 */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const problems: string[] = [];
  const {
    port = 3000,
    host = "127.0.0.1",
    durability = "full",
    jobHistory = true,
    apiKey,
    corsOrigins = [],
    bodyLimitBytes = DEFAULT_BODY_LIMIT_BYTES,
    logger = silentLogger,
    alertWebhook,
    workerMemoryMb = 1024,
    watch = false,
  } = options;
  const path = (value: string) => resolve(value);
  if (typeof options.jobsDir !== "string" || options.jobsDir.trim() === "") {
    problems.push(`jobsDir must be the path of the jobs folder; got ${describe(options.jobsDir)}`);
  }
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    problems.push(`port must be an integer from 0 to 65535; got ${describe(port)}`);
  }
  if (typeof host !== "string" || host.trim() === "") {
    problems.push(`host must be a host name or address; got ${describe(host)}`);
  }
  if (durability !== "full" && durability !== "relaxed") {
    problems.push(`durability must be "full" or "relaxed"; got ${describe(durability)}`);
  }
  if (typeof jobHistory !== "boolean") {
    problems.push(`jobHistory must be true or false; got ${describe(jobHistory)}`);
  }
  if (options.pagesDir !== undefined && !isDirectory(path(options.pagesDir))) {
    problems.push(`pagesDir must be a folder of pages; ${path(options.pagesDir)} is not one`);
  }
  if (alertWebhook !== undefined && !isHttpUrl(alertWebhook)) {
    problems.push(`alertWebhook must be an http:// or https:// URL; got ${describe(alertWebhook)}`);
  }
  if (
    !(
      Number.isInteger(workerMemoryMb) &&
      workerMemoryMb >= MIN_MEMORY_MB &&
      workerMemoryMb <= MAX_MEMORY_MB
    )
  ) {
    problems.push(
      `workerMemoryMb must be an integer from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} (MB, as Lambda's memory size); got ${describe(workerMemoryMb)}`,
    );
  }
  if (problems.length > 0) {
    throw new OffloadError(
      "InvalidServerOptions",
      `Invalid server options:\n${problems.join("\n")}`,
    );
  }
  if (!isLoopback(host) && !apiKey) {
    throw new OffloadError(
      "ApiKeyRequired",
      `Refusing to listen on ${host} without an API key: set apiKey (clients send it as "Authorization: Bearer <key>"), or listen on 127.0.0.1`,
    );
  }
  return Object.freeze({
    jobsDir: path(options.jobsDir),
    database: path(options.database ?? ".offload/offload.db"),
    port,
    host,
    durability,
    jobHistory,
    apiKey,
    corsOrigins: Object.freeze([...corsOrigins]),
    bodyLimitBytes,
    pagesDir: options.pagesDir === undefined ? undefined : path(options.pagesDir),
    logger,
    alertWebhook,
    workerMemoryMb,
    watch,
  });
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Whether `value` is an http:// or https:// URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
