import { type Clock, systemClock } from "./clock.js";
import { unknownJob } from "./error-codes.js";
import { OffloadError } from "./errors.js";
import type { AppApiOptions } from "./http-api.js";
import { createHttpSender } from "./http-sender.js";
import { checkMessageSize } from "./job-attributes.js";
import { checkCallerJobId, newJobId } from "./job-id.js";
import type { CancelResult, JobFilter, JobPage, JobStatus, JobStatusStore } from "./job-status.js";
import type { AnyJobDefinition, Duration, JobInput } from "./job-types.js";
import { sendDelaySeconds, serializePayload } from "./send-request.js";
import type { SendRequest, Transport } from "./transport.js";
import { InvalidPayloadError, validatePayload } from "./validate-payload.js";

export { MAX_PAYLOAD_BYTES } from "./job-attributes.js";
export { MAX_DELAY_SECONDS, MAX_SCHEDULED_DELAY_SECONDS } from "./send-request.js";
export { InvalidPayloadError } from "./validate-payload.js";

type AnyJob = AnyJobDefinition;

export interface SendOptions {
  /**
   * Deliver after this long, up to 365 days (`"90s"`, `"2h"`, `"30d"`). Up to 15 minutes it is
   * SQS's DelaySeconds; beyond, the send is scheduled (see {@link SendRequest.delaySeconds}).
   * Not with `at`.
   * @defaultValue the job's `delay`
   */
  delay?: Duration;
  /**
   * Deliver at this time, up to 365 days ahead: a Date, or an ISO 8601 date-time with its
   * offset (`"2026-03-01T09:00:00Z"`). Counted from the client's clock in whole seconds,
   * rounded up, so the job is never due before it; a time already past sends now. Not with
   * `delay`.
   * @defaultValue none: the job's `delay`
   */
  at?: Date | string;
  /**
   * The job's own id, instead of a new UUIDv7: 1–128 of letters, digits and `-_.:`. An id an
   * earlier job still holds is refused (JobIdInUse). Not with sendBatch.
   * @defaultValue a new UUIDv7
   */
  jobId?: string;
  /**
   * A second send of the same job with the same key within the job's `idempotencyWindow`
   * (default a day) sends nothing and resolves with the first job's id. Also passed to the
   * handler's message as the `idempotencyKey` attribute.
   */
  idempotencyKey?: string;
  /** W3C trace context, passed as the `traceparent` attribute. */
  traceparent?: string;
}

/** What a send over an app's HTTP API takes: the API carries no trace context. */
export type HttpSendOptions = Pick<SendOptions, "delay" | "at" | "jobId" | "idempotencyKey">;

/** createClient in process: jobs go straight to a transport (the local engine, or AWS). */
export interface TransportClientOptions<Jobs extends Record<string, AnyJob>> {
  /** Where jobs go: the local engine, or AWS. */
  transport: Transport;
  /**
   * Where jobs are looked up by id (`getJob`, `listJobs`, `cancel`): the engine's
   * `engine.jobs`, or the stack's job table (`createDynamoJobRecords`).
   * @defaultValue none: those methods reject with JobNotFound
   */
  records?: JobStatusStore;
  /**
   * The app's jobs by name: payloads are typed and validated from their schemas.
   * @defaultValue none: any job name, payloads unchecked
   */
  jobs?: Jobs;
  /** What an `at` is counted from (the engine's clock, in the local server). @defaultValue the system clock */
  clock?: Clock;
  url?: never;
}

/**
 * createClient from a web app: jobs go to a running offload app's HTTP API
 * (`offload start`, `offload dev`) or to the deployed API, which validate
 * them. Nothing of the jobs' code is needed at runtime.
 */
export interface HttpClientOptions {
  /**
   * The app's address, `http://` or `https://`, without query or fragment: a running app
   * (`http://localhost:3000`) or the deployed API's URL (the stack's ApiUrl output).
   */
  url: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`: the app's OFFLOAD_API_KEY, or a JWT for a
   * deployed API behind a JWT authorizer.
   * @defaultValue none: no Authorization header
   */
  apiKey?: string | undefined;
  /**
   * Sends the requests. A deployed API behind IAM auth needs SigV4-signed requests: pass a
   * signing fetch, e.g. aws4fetch's
   * `(url, init) => new AwsClient({ ...credentials, service: "execute-api", region }).fetch(url, init)`.
   * @defaultValue the global `fetch`
   */
  fetch?: AppApiOptions["fetch"];
  /**
   * Extra headers for every request (a tracing header, a gateway's key). Not Authorization
   * when `apiKey` is set.
   * @defaultValue none
   */
  headers?: Readonly<Record<string, string>> | undefined;
  transport?: never;
  jobs?: never;
}

/** How jobs are sent: through a transport, or over an app's HTTP API. */
export type ClientOptions<Jobs extends Record<string, AnyJob>> =
  | TransportClientOptions<Jobs>
  | HttpClientOptions;

export interface Client<Jobs extends Record<string, AnyJob>, Options = SendOptions> {
  /**
   * Validates and enqueues one job; resolves with its job id once it is durable (with an
   * idempotencyKey already used within its window: the first job's id, and nothing is sent).
   */
  send<Name extends keyof Jobs & string>(
    jobName: Name,
    payload: JobInput<Jobs[Name]>,
    options?: Options,
  ): Promise<string>;
  /**
   * Validates every payload first (none is sent if one is invalid), then enqueues them all
   * at once; resolves with their job ids in order. A transport failure rejects, and the jobs
   * sent before it stay sent. Over HTTP the app validates each payload as it arrives: an
   * invalid one rejects the batch, the jobs sent before it stay sent, and no more are sent.
   */
  sendBatch<Name extends keyof Jobs & string>(
    jobName: Name,
    payloads: ReadonlyArray<JobInput<Jobs[Name]>>,
    options?: Options,
  ): Promise<string[]>;
  /**
   * A job's status: state, attempts with their errors, events, progress, and its payload while
   * its message exists.
   * @throws OffloadError JobNotFound (never accepted, past the history's retention, or no history kept).
   */
  getJob(jobId: string): Promise<JobStatus>;
  /**
   * A job's status, typed as a job of `jobName`: its `payload` has the type `send` takes for
   * that job.
   * @throws OffloadError JobNotFound as above, and when the id is a job of another name (the
   *   message names both).
   * @example
   * const id = await offload.send("greeting", { friendName: "Ada" });
   * const job = await offload.getJob("greeting", id);
   * job.payload?.friendName; // string
   */
  getJob<Name extends keyof Jobs & string>(
    jobName: Name,
    jobId: string,
  ): Promise<JobStatus<JobInput<Jobs[Name]>>>;
  /** Jobs newest first, filtered by job name, state and time, a page at a time. */
  listJobs(filter?: JobFilter): Promise<JobPage>;
  /**
   * Cancels a job: a queued or delayed one never runs, a running one's ctx.signal fires.
   * @throws OffloadError JobNotFound, or JobFinished for a job that already ended.
   */
  cancel(jobId: string): Promise<CancelResult>;
}

/**
 * A typed client for sending jobs, in one of two modes:
 *
 * - `{ transport, jobs? }`: in the app's own process (a job, a script, the local
 *   server), straight to a transport; payloads are validated here, from `jobs`' schemas.
 * - `{ url, apiKey?, fetch?, headers? }`: from a web app (a Next.js route handler, a
 *   Hono or Express handler), over the HTTP API of a running app (`offload start`) or
 *   of the deployed stack. The app validates the payloads; the type parameter, written
 *   with `import type` of the job files, types them, so no job code is bundled.
 *
 * Either way a delay (or an `at`) is at most 365 days ahead (`DelayTooLong`), and errors are
 * OffloadErrors with a stable `code`; a payload that fails its schema is an
 * {@link InvalidPayloadError} whose `issues` name each field.
 *
 * @throws OffloadError `InvalidUrl` for a `url` that is not an http(s) address without
 *   query or fragment; `InvalidClientOptions` for options that do not go together.
 * @example
 * // A Next.js route handler: types only from the job files.
 * import { createClient } from "offload";
 * import type placeOrder from "../jobs/place-order";
 * import type greeting from "../jobs/greeting";
 *
 * const offload = createClient<{ "place-order": typeof placeOrder; greeting: typeof greeting }>({
 *   url: process.env.OFFLOAD_URL ?? "http://localhost:3000",
 *   apiKey: process.env.OFFLOAD_API_KEY,
 * });
 * const id = await offload.send("place-order", { productId: "p1", name: "Ada", address: "1 Main St", quantity: 2 }, { delay: "2m" });
 * await offload.sendBatch("greeting", [{ friendName: "A" }, { friendName: "B" }]);
 * @example
 * // A deployed API behind IAM auth: a SigV4-signing fetch (aws4fetch).
 * const aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken, service: "execute-api", region });
 * const offload = createClient<Jobs>({ url: apiUrl, fetch: (url, init) => aws.fetch(url, init) });
 * @example
 * // In process, validated from the schemas.
 * import greeting from "./jobs/greeting.js";
 * const offload = createClient({ transport, jobs: { greeting } });
 * const id = await offload.send("greeting", { friendName: "Hank" }, { idempotencyKey: "order-1" });
 */
export function createClient<Jobs extends Record<string, AnyJob> = Record<string, AnyJob>>(
  options: HttpClientOptions,
): Client<Jobs, HttpSendOptions>;
export function createClient<Jobs extends Record<string, AnyJob>>(
  options: TransportClientOptions<Jobs>,
): Client<Jobs>;
export function createClient<Jobs extends Record<string, AnyJob>>(
  options: ClientOptions<Jobs>,
): Client<Jobs> | Client<Jobs, HttpSendOptions> {
  if (options.transport === undefined) return createHttpSender<Jobs>(options as HttpClientOptions);
  if ((options as { url?: unknown }).url !== undefined) {
    throw new OffloadError(
      "InvalidClientOptions",
      "createClient takes either transport (send in process) or url (send over an app's HTTP API), not both",
    );
  }
  return transportClient(options);
}

function transportClient<Jobs extends Record<string, AnyJob>>(
  options: TransportClientOptions<Jobs>,
): Client<Jobs> {
  const { transport, jobs, records } = options;
  const clock = options.clock ?? systemClock;
  const store = (): JobStatusStore => {
    if (records) return records;
    throw new OffloadError(
      "JobNotFound",
      "This client has no job records to look jobs up in: pass createClient's records (engine.jobs, or the stack's job table)",
    );
  };

  async function prepare(jobName: string, payload: unknown, send: SendOptions) {
    if (jobs && !Object.hasOwn(jobs, jobName)) {
      throw unknownJob(jobName, Object.keys(jobs));
    }
    const job = jobs?.[jobName];
    const checked = await validatePayload(job?.schema, payload);
    if (!checked.ok) {
      throw new InvalidPayloadError(jobName, checked.issues);
    }
    const body = serializePayload(jobName, payload);
    const delaySeconds = sendDelaySeconds(send, jobName, clock.now());
    const request: SendRequest = {
      jobName,
      jobId:
        send.jobId === undefined ? newJobId(Date.now()) : checkCallerJobId(send.jobId, jobName),
      body,
      ...(delaySeconds === undefined ? {} : { delaySeconds }),
      ...(send.idempotencyKey === undefined
        ? {}
        : {
            idempotencyKey: checkIdempotencyKey(send.idempotencyKey, jobName),
            ...(job ? { idempotencyWindowMs: job.options.idempotencyWindowMs } : {}),
          }),
      ...(send.traceparent === undefined ? {} : { traceparent: send.traceparent }),
    };
    checkMessageSize(request);
    return request;
  }

  return {
    async send(jobName, payload, sendOptions = {}) {
      return transport.send(await prepare(jobName, payload, sendOptions));
    },
    async sendBatch(jobName, payloads, sendOptions = {}) {
      refuseBatchOptions(jobName, sendOptions);
      const requests = await Promise.all(payloads.map((p) => prepare(jobName, p, sendOptions)));
      // All at once: they share commits. If one fails, the others may still have been sent.
      return Promise.all(requests.map((request) => transport.send(request)));
    },
    getJob: typedGetJob<Jobs>(async (jobId) => store().get(jobId), jobs),
    listJobs: async (filter = {}) => store().list(filter),
    cancel: async (jobId) => store().cancel(jobId),
  };
}

/**
 * Client's `getJob`, both forms, over `get` (by id): the typed form checks that the job's record
 * is one of the named job, so that no status is returned typed as another job's. With `jobs`
 * (the in-process client's), a name that is none of them is refused as `send` refuses it.
 */
export function typedGetJob<Jobs extends Record<string, AnyJob>>(
  get: (jobId: string) => Promise<JobStatus>,
  jobs?: Jobs,
): Client<Jobs>["getJob"] {
  async function getJob(...args: [jobId: string] | [jobName: string, jobId: string]) {
    if (args.length === 1) return get(args[0]);
    const [jobName, jobId] = args;
    if (jobs && !Object.hasOwn(jobs, jobName)) throw unknownJob(jobName, Object.keys(jobs));
    const status = await get(jobId);
    if (status.jobName !== jobName) {
      throw new OffloadError(
        "JobNotFound",
        `No ${jobName} job ${jobId}: job ${jobId} is a ${status.jobName} job`,
        { jobName },
      );
    }
    return status;
  }
  return getJob as Client<Jobs>["getJob"];
}

/**
 * sendBatch gives each job its own id and key: one jobId or idempotencyKey for all of them would
 * send the first and answer the rest with its id.
 */
export function refuseBatchOptions(jobName: string, options: object): void {
  for (const name of ["jobId", "idempotencyKey"]) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      throw new OffloadError(
        "InvalidSendOptions",
        `sendBatch takes no ${name}: one ${name} for every job of the batch would send only the first; send the jobs one by one with send() to give each its own`,
        { jobName },
      );
    }
  }
}

/** The longest idempotencyKey: SQS and SNS take attribute values this long and more; DynamoDB keys far more. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;

/**
 * An idempotencyKey: a non-empty string of at most {@link MAX_IDEMPOTENCY_KEY_CHARS} characters.
 * @throws OffloadError InvalidSendOptions naming what came.
 */
export function checkIdempotencyKey(key: unknown, jobName: string): string {
  if (typeof key === "string" && key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_CHARS) {
    const bad = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.exec(key);
    if (bad === null) return key;
    throw new OffloadError(
      "InvalidSendOptions",
      `idempotencyKey holds the character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} at index ${bad.index}, which SQS and SNS refuse in a message attribute (they take tab, newline, carriage return and U+0020 to U+10FFFF, without lone surrogates, U+FFFE or U+FFFF)`,
      { jobName },
    );
  }
  throw new OffloadError(
    "InvalidSendOptions",
    `idempotencyKey must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} characters; got ${typeof key === "string" ? `${key.length} characters` : typeof key}`,
    { jobName },
  );
}
