import { parseDuration } from "./duration.js";
import { OffloadError } from "./errors.js";
import { checkMessageSize } from "./job-attributes.js";
import type { AnyJobDefinition, Duration, JobInput } from "./job-types.js";
import type { SendRequest, Transport } from "./transport.js";
import { formatIssues, validatePayload } from "./validate-payload.js";

export { MAX_PAYLOAD_BYTES } from "./job-attributes.js";
/** SQS's longest per-message delay (DelaySeconds). */
export const MAX_DELAY_SECONDS = 900;

type AnyJob = AnyJobDefinition;

export interface SendOptions {
  /** Deliver after this long, up to 15 minutes. @defaultValue the job's `delay` */
  delay?: Duration;
  /** Passed to the handler's message as the `idempotencyKey` attribute. */
  idempotencyKey?: string;
  /** W3C trace context, passed as the `traceparent` attribute. */
  traceparent?: string;
}

export interface ClientOptions<Jobs extends Record<string, AnyJob>> {
  /** Where jobs go: the local engine, or AWS. */
  transport: Transport;
  /** The app's jobs by name: payloads are typed and validated from their schemas. */
  jobs?: Jobs;
}

export interface Client<Jobs extends Record<string, AnyJob>> {
  /** Validates and enqueues one job; resolves with its message id once it is durable. */
  send<Name extends keyof Jobs & string>(
    jobName: Name,
    payload: JobInput<Jobs[Name]>,
    options?: SendOptions,
  ): Promise<string>;
  /**
   * Validates every payload first (none is sent if one is invalid), then enqueues them all
   * at once; resolves with their ids in order. A transport failure rejects, and the jobs
   * sent before it stay sent.
   */
  sendBatch<Name extends keyof Jobs & string>(
    jobName: Name,
    payloads: ReadonlyArray<JobInput<Jobs[Name]>>,
    options?: SendOptions,
  ): Promise<string[]>;
}

/**
 * A typed client for sending jobs.
 *
 * @example
 * import greeting from "./jobs/greeting.js";
 * const offload = createClient({ transport, jobs: { greeting } });
 * const id = await offload.send("greeting", { friendName: "Hank" }, { delay: "2m" });
 */
export function createClient<Jobs extends Record<string, AnyJob>>(
  options: ClientOptions<Jobs>,
): Client<Jobs> {
  const { transport, jobs } = options;

  async function prepare(jobName: string, payload: unknown, send: SendOptions) {
    if (jobs && !Object.hasOwn(jobs, jobName)) {
      throw new OffloadError(
        "UnknownJob",
        `There is no job ${JSON.stringify(jobName)}; the jobs are: ${Object.keys(jobs).join(", ") || "(none)"}`,
        { jobName },
      );
    }
    const job = jobs?.[jobName];
    const checked = await validatePayload(job?.schema, payload);
    if (!checked.ok) {
      throw new InvalidPayloadError(jobName, checked.issues);
    }
    let body: string | undefined;
    try {
      body = JSON.stringify(payload);
    } catch (e) {
      throw new OffloadError(
        "InvalidPayload",
        `The payload of ${jobName} cannot be serialized as JSON`,
        { jobName, cause: e },
      );
    }
    if (body === undefined) {
      throw new OffloadError(
        "InvalidPayload",
        `The payload of ${jobName} must be a JSON value; got ${typeof payload}`,
        { jobName },
      );
    }
    let delaySeconds: number | undefined;
    if (send.delay !== undefined) {
      const ms = parseDuration(send.delay, "delay");
      if (ms > MAX_DELAY_SECONDS * 1000) {
        throw new OffloadError(
          "DelayTooLong",
          `delay ${send.delay} is longer than 15m, the longest SQS delays a message; longer delays need a scheduled job`,
          { jobName },
        );
      }
      delaySeconds = Math.round(ms / 1000);
    }
    const request: SendRequest = {
      jobName,
      body,
      ...(delaySeconds === undefined ? {} : { delaySeconds }),
      ...(send.idempotencyKey === undefined ? {} : { idempotencyKey: send.idempotencyKey }),
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
      const requests = await Promise.all(payloads.map((p) => prepare(jobName, p, sendOptions)));
      // All at once: they share commits. If one fails, the others may still have been sent.
      return Promise.all(requests.map((request) => transport.send(request)));
    },
  };
}

/** A payload that fails its job's schema: `issues` say which field and why. */
export class InvalidPayloadError extends OffloadError {
  override name = "InvalidPayloadError";
  readonly issues: ReadonlyArray<{ path: string; message: string }>;

  constructor(jobName: string, issues: ReadonlyArray<{ path: string; message: string }>) {
    super(
      "InvalidPayload",
      `The payload of ${jobName} does not match its schema: ${formatIssues(issues)}`,
      { jobName },
    );
    this.issues = issues;
  }
}
