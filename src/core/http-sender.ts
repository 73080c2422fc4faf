import {
  type Client,
  checkIdempotencyKey,
  type HttpClientOptions,
  type HttpSendOptions,
  refuseBatchOptions,
} from "./client.js";
import { OffloadError } from "./errors.js";
import { type AppApi, createAppApi } from "./http-api.js";
import { httpJobStatus } from "./http-jobs.js";
import { checkMessageSize } from "./job-attributes.js";
import { checkCallerJobId } from "./job-id.js";
import type { AnyJobDefinition } from "./job-types.js";
import { delaySecondsOf, parseSendAt, refuseDelayAndAt, serializePayload } from "./send-request.js";

/**
 * Requests a batch keeps in flight: enough to fill the engine's shared commits,
 * few enough that a batch of thousands opens no socket per job (Node's fetch
 * sets no per-origin limit; browsers keep 6 per origin over HTTP/1.1).
 */
const BATCH_CONCURRENCY = 8;

/** One job to post: its payload as JSON text. */
export interface HttpJob {
  jobName: string;
  body: string;
  delaySeconds?: number | undefined;
  /** When the job is due, ISO 8601: the app counts the delay from its own clock. */
  runAt?: string | undefined;
  jobId?: string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * `POST /jobs/:jobName?delaySeconds=&runAt=&jobId=&idempotencyKey=` with the payload as the body:
 * resolves with the job id of the app's 202.
 *
 * @throws OffloadError with the app's code (UnknownJob, Unauthorized, ...);
 *   `Http<status>` when the answer is not offload's.
 * @example
 * const id = await postJob(createAppApi({ url }), { jobName: "greeting", body: '{"friendName":"Ada"}' });
 */
export async function postJob(api: AppApi, job: HttpJob): Promise<string> {
  const query = new URLSearchParams();
  if (job.delaySeconds !== undefined) query.set("delaySeconds", String(job.delaySeconds));
  if (job.runAt !== undefined) query.set("runAt", job.runAt);
  if (job.jobId !== undefined) query.set("jobId", job.jobId);
  if (job.idempotencyKey !== undefined) query.set("idempotencyKey", job.idempotencyKey);
  const search = query.size === 0 ? "" : `?${query}`;
  const path = `/jobs/${encodeURIComponent(job.jobName)}${search}`;
  const answer = await api.request("POST", path, job.body, job.jobName);
  const jobId = (answer as { jobId?: unknown } | undefined)?.jobId;
  if (typeof jobId !== "string") {
    throw new OffloadError(
      "NoJobId",
      `${api.url} answered POST ${path} without a job id: is it the address of an offload app (of this version)?`,
      { jobName: job.jobName },
    );
  }
  return jobId;
}

/**
 * createClient's URL mode: jobs go to a running app's HTTP API, which
 * validates the payloads (the web app has no schemas at runtime; the type
 * parameter types them at compile time).
 */
export function createHttpSender<Jobs extends Record<string, AnyJobDefinition>>(
  options: HttpClientOptions,
): Client<Jobs, HttpSendOptions> {
  const api = createAppApi({
    url: options.url,
    apiKey: options.apiKey,
    fetch: options.fetch,
    headers: options.headers,
  });

  function prepare(jobName: string, payload: unknown, send: HttpSendOptions): HttpJob {
    // The API carries no trace context: dropping it silently would lose it.
    if ((send as Record<string, unknown>).traceparent !== undefined) {
      throw new OffloadError(
        "InvalidSendOptions",
        "traceparent is not sent over an app's HTTP API, which takes the payload, delay or at, jobId and idempotencyKey; send with a transport to set it",
        { jobName },
      );
    }
    const job = {
      jobName,
      body: serializePayload(jobName, payload),
      ...timing(jobName, send),
      jobId: send.jobId === undefined ? undefined : checkCallerJobId(send.jobId, jobName),
      idempotencyKey:
        send.idempotencyKey === undefined
          ? undefined
          : checkIdempotencyKey(send.idempotencyKey, jobName),
    };
    // The app refuses it as well; checked here, it is not uploaded first.
    // (The id the app draws is as long as any id it takes.)
    checkMessageSize({ ...job, jobId: job.jobId ?? "x".repeat(128) });
    return job;
  }

  /**
   * An `at` goes as `runAt`, for the app to count from its own clock (the one its jobs run
   * by); both and bad ones are refused here, before any upload.
   */
  function timing(jobName: string, send: HttpSendOptions): Pick<HttpJob, "delaySeconds" | "runAt"> {
    if (send.at === undefined) return { delaySeconds: delaySecondsOf(send.delay, jobName) };
    refuseDelayAndAt(send, jobName);
    return { runAt: new Date(parseSendAt(send.at, "at", jobName)).toISOString() };
  }

  return {
    ...httpJobStatus<Jobs>(api),
    async send(jobName, payload, sendOptions = {}) {
      return postJob(api, prepare(jobName, payload, sendOptions));
    },
    async sendBatch(jobName, payloads, sendOptions = {}) {
      refuseBatchOptions(jobName, sendOptions);
      const jobs = payloads.map((payload) => prepare(jobName, payload, sendOptions));
      const ids: string[] = new Array(jobs.length);
      let next = 0;
      let failed = false;
      const worker = async () => {
        while (!failed && next < jobs.length) {
          const index = next++;
          try {
            ids[index] = await postJob(api, jobs[index] as HttpJob);
          } catch (e) {
            // No new request starts after a failure; those in flight finish.
            failed = true;
            throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, jobs.length) }, worker));
      return ids;
    },
  };
}
