import { OffloadError } from "./errors.js";

/**
 * The catalogue of the codes offload's errors carry: one member per code, each saying when it
 * is raised. `OffloadError`'s constructor takes only these as literals, so a new code is added
 * here first, and `STATUS_BY_CODE` (src/http/errors.ts) is checked against it. Codes cross
 * process boundaries unchanged (HTTP error bodies, CLI exit messages, DLQ metadata): renaming
 * one breaks its readers. AWS's own codes (the engine's `AwsApiError`) are AWS's, not here.
 */
interface ErrorCatalogue {
  // Sending and the Transport port.
  /** A job name that is not one of the app's (or the stack's, or the jobs folder's) jobs. */
  UnknownJob: never;
  /** A payload that is not JSON, or fails its job's schema (`issues` say where). */
  InvalidPayload: never;
  /** A message over SNS's/SQS's size limit (payload and attributes; see limits.ts). */
  PayloadTooLarge: never;
  /**
   * A delay that is not a whole number of seconds from 0 to the limit, or a `runAt` over HTTP
   * that is no ISO 8601 date-time with its offset.
   */
  InvalidDelay: never;
  /** A send's delay (or its `at` / `runAt`) more than 365 days ahead, the longest a send waits. */
  DelayTooLong: never;
  /** A DLQ purge within 60 s of the last one (SQS allows one a minute). */
  PurgeInProgress: never;
  /** A job, queue or transport with no dead-letter queue to move a message to. */
  NoDeadLetterQueue: never;
  /**
   * A visibility change refused because the receipt no longer holds the message: it was
   * received again since, or deleted (the Transport's `changeVisibility`).
   */
  StaleReceipt: never;
  /** `createClient` options that break a rule (both a transport and a url, a bad header, …). */
  InvalidClientOptions: never;
  /** Send options that cannot be carried or do not go together (traceparent over HTTP, a jobId for a batch, a bad idempotencyKey, both delay and at, an `at` that is no date). */
  InvalidSendOptions: never;
  /** A success answer to `POST /jobs` without the job's id. */
  NoJobId: never;
  /** A caller's own job id that breaks the rule (see job-id.ts). */
  InvalidJobId: never;
  /** A caller's own job id that an earlier job still holds (within the history's retention). */
  JobIdInUse: never;
  /** A job whose message reached no queue of its job (the queue refused it): nothing was stored. */
  JobNotStored: never;
  /** A job id the status records do not hold (never accepted, or past the history's retention). */
  JobNotFound: never;
  /** A cancel of a job that has already finished (succeeded, cancelled, expired, deleted). */
  JobFinished: never;

  // Job definitions and options.
  /** `defineJob` options that break a rule (each problem is listed). */
  InvalidJobOptions: never;
  /** A duration string or number that cannot be read, or is out of range. */
  InvalidDuration: never;
  /** A schedule expression (`rate(...)`, `cron(...)`) that EventBridge would refuse. */
  InvalidSchedule: never;
  /** A retry attempt number below 1 given to the backoff. */
  InvalidAttempt: never;
  /** An app/stage/pr that does not make a valid CloudFormation stack name. */
  InvalidStackName: never;

  // Handlers (control flow and their outcomes).
  /** Thrown by a handler: retry this job later, after the delay it names. */
  RetryLater: never;
  /** Thrown by a handler: this job can never succeed; it goes to the DLQ now. */
  Unrecoverable: never;
  /** A handler that did not finish within its job's timeout. */
  Timeout: never;
  /** A job worker (thread) that stopped while it ran a batch. */
  WorkerCrashed: never;
  /** A `ctx.progress` value that is not 0–100 or `{ done, total }`. */
  InvalidProgress: never;
  /** A job cancelled while it ran: the reason its `ctx.signal` fires with. */
  JobCancelled: never;
  /**
   * A running job whose message was lost to its worker (its visibility ran out and another
   * receive holds it, or it was deleted): the reason its `ctx.signal` fires with.
   */
  MessageLost: never;
  /** A batch handler that broke its contract (returned ids not in the batch, or no array). */
  BatchHandlerContract: never;
  /** A message a batch handler reported as failed. */
  BatchItemFailed: never;
  /**
   * An idempotent job whose key another attempt holds (a duplicate delivery running at the same
   * time): this attempt fails and is retried once that one has ended or its hold expired.
   */
  IdempotencyInProgress: never;
  /** An idempotent job's `idempotency.key` function that threw or returned no usable key. */
  InvalidIdempotencyKey: never;
  /** An idempotent job run where no idempotency store is reachable (or it failed). */
  IdempotencyUnavailable: never;

  // Loading jobs and running them locally.
  /** The jobs folder cannot be read. */
  JobsFolderMissing: never;
  /** A job file whose name is not a valid job name. */
  InvalidJobName: never;
  /** Two job files that define the same job name. */
  DuplicateJobName: never;
  /** A job file that failed to import, or whose worker failed to start. */
  JobLoadFailed: never;
  /** A job file whose module code did not finish within Lambda's init limit. */
  JobLoadTimeout: never;
  /** A job file whose default export is not `defineJob(...)`. */
  NotAJob: never;
  /** A worker lease used for a second batch (an internal contract). */
  LeaseUsed: never;
  /** A batch offered to a job sandbox after it was closed. */
  SandboxClosed: never;

  // The engine.
  /** A call on an engine that was closed. */
  EngineClosed: never;
  /** `createEngine` options that break a rule. */
  InvalidEngineOptions: never;
  /** The engine thread stopped (crashed or was stopped) while a call waited on it. */
  EngineStopped: never;
  /**
   * A call or its answer that cannot be copied to the other thread (the structured clone
   * refuses it: nested too deep, or a function); that call fails alone.
   */
  ThreadPostFailed: never;
  /** The database failed to commit a write (disk full, I/O error); nothing of it was kept. */
  CommitFailed: never;
  /** The database file cannot be opened or set up. */
  DatabaseOpenFailed: never;
  /** better-sqlite3's native module does not load (built for another Node.js version). */
  SqliteModuleFailed: never;
  /** The database file is held by another process. */
  DatabaseInUse: never;
  /** The database was written by a newer offload (a schema version this one does not know). */
  DatabaseTooNew: never;
  /**
   * The database file (or its -wal) was deleted, moved or replaced while the engine ran: it
   * takes no new work, which would be lost at the next start.
   */
  DatabaseGone: never;

  // The HTTP API (each has a status in STATUS_BY_CODE).
  /** The request (envelope, query, body shape) is not what the route takes. */
  InvalidRequest: never;
  /** A body that is not JSON (API), or a payload argument that is not (CLI). */
  MalformedJson: never;
  /** A body that is not UTF-8. */
  InvalidEncoding: never;
  /** A JSON body nested deeper than the API reads. */
  TooDeep: never;
  /** A body the client stopped sending before its end. */
  IncompleteBody: never;
  /** A JSON number no double holds exactly. */
  NumberOutOfRange: never;
  /** A request without the app's API key, or with another key. */
  Unauthorized: never;
  /** A write from a page of another site. */
  CrossSiteRequest: never;
  /** A request addressed to a host name the app does not answer to. */
  HostNotAllowed: never;
  /** A path no route answers. */
  NotFound: never;
  /** A method the route does not take. */
  MethodNotAllowed: never;
  /** A request that did not arrive in full in time. */
  RequestTimeout: never;
  /** A body of a media type the route does not take. */
  UnsupportedMediaType: never;
  /** An Expect header other than 100-continue. */
  ExpectationFailed: never;
  /** Request headers over Node's limit. */
  HeadersTooLarge: never;
  /** Anything else that failed while a request was handled (answered with a generic message). */
  InternalError: never;
  /** The local app failed to start while the request waited for it. */
  Unavailable: never;
  /** `createApi` options that break a rule. */
  InvalidApiOptions: never;

  // AWS (the transport, the Lambda entries, stack outputs, deploys).
  /** AWS transport options that break a rule. */
  InvalidAwsTransportOptions: never;
  /** An environment variable the deployed function needs is missing or malformed. */
  InvalidEnvironment: never;
  /** SNS or SQS answered without a field it always gives (a MessageId, an attribute). */
  InvalidAwsResponse: never;
  /** ReceiveMessage returned a message without a field offload asks for. */
  InvalidSqsResponse: never;
  /** SQS refused to delete processed messages. */
  DeleteFailed: never;
  /** An AWS SDK call the CLI made failed (its name and message follow). */
  AwsError: never;
  /** No stack outputs file where the CLI looked. */
  StackOutputsNotFound: never;
  /** A stack outputs file that is not `cdk deploy --outputs-file`'s, or names no one stack. */
  InvalidStackOutputs: never;
  /** Stack outputs that lack a job's queue (the stack is older than the jobs folder). */
  MissingStackOutput: never;
  /** Jobs and options that cannot make a stack (each problem is listed). */
  InvalidStack: never;
  /** esbuild failed to bundle a function. */
  BundleFailed: never;
  /** The stack did not pass its checks at synth (cdk-nag and offload's own). */
  SynthFailed: never;
  /** `cdk deploy` exited with an error. */
  DeployFailed: never;
  /** A deploy without AWS credentials. */
  NoCredentials: never;
  /** A deploy without the AWS CDK toolkit installed. */
  CdkMissing: never;
  /** A deploy of a jobs folder with no job files. */
  NoJobs: never;

  // The local server (`startServer`).
  /** `startServer` options that break a rule (each problem is listed). */
  InvalidServerOptions: never;

  // The CLI.
  /** A config file named (--config) that does not exist. */
  ConfigMissing: never;
  /** A config file, or an OFFLOAD_* variable, with a value the CLI cannot use. */
  InvalidConfig: never;
  /** Listening beyond loopback without an API key. */
  ApiKeyRequired: never;
  /** The port to listen on is taken. */
  PortInUse: never;
  /** Listening failed for another reason. */
  ListenFailed: never;
  /** No app answers at the CLI's URL (connection refused). */
  AppNotRunning: never;
  /** The app at the CLI's URL cannot be reached (DNS, network). */
  AppUnreachable: never;
  /** A client command with no app URL to talk to. */
  AppAddressUnknown: never;
  /** A --url that is not an http(s) URL. */
  InvalidUrl: never;
  /** A --port that is not a port number. */
  InvalidPort: never;
  /** A --limit out of its range. */
  InvalidLimit: never;
  /** A --state that is no job state. */
  InvalidState: never;
  /** A --since that is no time. */
  InvalidSince: never;
  /** Flags that cannot be given together. */
  ConflictingOptions: never;
  /** A --context that is not key=value. */
  InvalidContext: never;
  /** A DLQ purge without --yes to confirm it. */
  ConfirmationRequired: never;
  /** A payload file that cannot be read. */
  PayloadFileUnreadable: never;
  /** Message ids chosen for a redrive that are not in the DLQ. */
  NotInDlq: never;
  /** An optional peer package the command needs is not installed. */
  MissingPackages: never;
}

/**
 * Every code an `OffloadError` raised by offload carries; `Http<status>` is an HTTP answer
 * that held no offload error (the CLI's client, talking to something else).
 */
export type OffloadErrorCode = keyof ErrorCatalogue | `Http${number}`;

/**
 * The code a constructor takes: a literal must be one of the catalogue's; a `string` known
 * only at run time passes unchanged (a server's code relayed by the HTTP client, an error
 * rebuilt from another thread, AWS's own codes).
 */
export type CheckedCode<C extends string> = string extends C
  ? C
  : C extends OffloadErrorCode
    ? C
    : OffloadErrorCode;

/** Names longer than this are cut in messages, so a message never echoes a whole request. */
const MAX_NAME_SHOWN = 40;

/**
 * The error for a job name that is not one of the jobs there are, in one wording wherever it
 * is raised (the client, the API, the transports, the CLI):
 * `There is no job "x" in this stack; the jobs are: a, b`.
 *
 * @param knownJobs the jobs there are, listed in the message sorted.
 * @param where where the jobs were looked for ("this stack", "./jobs"), when it helps.
 */
export function unknownJob(
  jobName: string,
  knownJobs: Iterable<string>,
  where?: string,
): OffloadError<"UnknownJob"> {
  const name = jobName.length > MAX_NAME_SHOWN ? `${jobName.slice(0, MAX_NAME_SHOWN)}…` : jobName;
  const jobs = [...knownJobs].sort();
  return new OffloadError(
    "UnknownJob",
    `There is no job ${JSON.stringify(name)}${where === undefined ? "" : ` in ${where}`}; the jobs are: ${jobs.join(", ") || "(none)"}`,
    { jobName },
  );
}
