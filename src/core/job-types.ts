import type { ContainerOptions, ResolvedContainerOptions } from "./container-options.js";
import type { Logger } from "./logger.js";
import type { Schedule } from "./schedule.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** A duration: `"500ms"`, `"15s"`, `"10m"`, `"2h"`, `"1d"`. */
export type Duration = `${number}${"ms" | "s" | "m" | "h" | "d"}`;

/** What a handler gets besides its payload. */
export interface JobContext {
  /** The job's name (its file name). */
  readonly jobName: string;
  /** The job's id: the one `send()` and `POST /jobs` returned, the same on every attempt. */
  readonly jobId: string;
  /** The queue message it came as (a redriven job comes as a new message, with the same jobId). */
  readonly messageId: string;
  /** 1 on the first delivery; the queue's receive count. */
  readonly attempt: number;
  /** Fires at the deadline; a handler should stop its work when it does. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Epoch ms by which the handler must finish (its timeout). */
  readonly deadline: number;
  /**
   * Reports how far the job is: a number 0–100, or `{ done, total }`, and a short message;
   * shown by `GET /jobs/:id`. Thinned to one record a second (the last one is kept).
   * @throws OffloadError InvalidProgress for any other value.
   */
  progress(value: number | { done: number; total: number }, message?: string): void;
}

/** One job of a batch, for `batchHandler`. */
export interface BatchItem<Payload> {
  /** The job's id, the same on every attempt. */
  readonly jobId: string;
  /** The queue message it came as; what a batch handler returns for the jobs that failed. */
  readonly messageId: string;
  readonly payload: Payload;
  readonly attempt: number;
}

/** What a batch handler gets besides its jobs. */
export interface BatchContext {
  readonly jobName: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly deadline: number;
}

/** Exponential backoff with jitter, applied by changing the failed message's visibility. */
export interface BackoffOptions {
  /** Delay after the first failure; doubles with each attempt. */
  initialDelay: Duration;
  /** Longest delay; at most 12 hours (SQS's maximum visibility timeout). @defaultValue "12h" */
  maxDelay?: Duration;
  /** `"full"`: a random delay from 1 s up to the computed one (AWS's advice); `"none"`: the computed one. @defaultValue "full" */
  jitter?: "full" | "none";
}

/** When a job's DLQ raises its alarm. */
export type AlarmOptions = { oldestMessageAge: Duration } | { messages: number };

/** What a batch handler returns: the ids of the jobs that failed; nothing when all succeeded. */
// biome-ignore lint/suspicious/noConfusingVoidType: an async batch handler that returns nothing must type-check
export type BatchResult = ReadonlyArray<string> | undefined | void;

type PayloadOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown;
type InputOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : unknown;

interface CommonJobOptions<S extends StandardSchemaV1 | undefined> {
  /** Validates the payload on send and on receive; the payload types come from it. */
  schema?: S;
  /**
   * The Lambda timeout, and the local hard kill. At most 15 minutes; a `runtime: "container"`
   * job's at most 12 hours (SQS hides a received message at most 12 hours from its receive).
   * @defaultValue "15s"
   */
  timeout?: Duration;
  /** Receives before the message moves to the DLQ (`maxReceiveCount`), 1–1000. @defaultValue 5 */
  maxAttempts?: number;
  /**
   * The queue's visibility timeout: how long a failed job waits before its next attempt.
   * Must be at least `timeout` + `maxBatchingWindow`; AWS advises 6 × timeout + window. A
   * container job's may be shorter: its worker extends a running job's visibility (heartbeat).
   * @defaultValue 6 × timeout + maxBatchingWindow (for a container job, at most 12 hours)
   */
  retryDelay?: Duration;
  /** Exponential backoff instead of a fixed retryDelay. @defaultValue none */
  backoff?: BackoffOptions;
  /** Messages per invocation: 1–10, or up to 10,000 with a batching window. @defaultValue 5 */
  batchSize?: number;
  /**
   * How long to gather a batch, up to 5 minutes. Each of the `concurrency` pollers gathers its
   * own, as Lambda's do, so a few jobs sent together may still come as several small batches.
   * @defaultValue "0s"
   */
  maxBatchingWindow?: Duration;
  /** Batches at once (the event source's maximum concurrency, 2–1000). @defaultValue 5 */
  concurrency?: number;
  /** Default delivery delay, up to 15 minutes. @defaultValue "0s" */
  delay?: Duration;
  /** When the DLQ raises its alarm. @defaultValue { oldestMessageAge: "15m" } */
  alarm?: AlarmOptions;
  /**
   * Send this job on a recurring schedule, in EventBridge Scheduler's syntax: `"rate(5 minutes)"`,
   * `"cron(0 12 * * ? *)"`, a {@link ScheduleOption} (with a name, time zone, payload, start and
   * end), or a list of them (each with its own `name`). A lone schedule without a name is named
   * `"default"`. @defaultValue none
   * @example
   * schedule: { expression: "cron(0 9 ? * MON-FRI *)", timezone: "Europe/Paris", payload: { kind: "daily" } }
   */
  schedule?:
    | string
    | ScheduleOption<InputOf<S>>
    | ReadonlyArray<string | ScheduleOption<InputOf<S>>>;
  /**
   * The IANA time zone the job's cron schedules read their fields in (a schedule's own
   * `timezone` overrides it). Rate schedules ignore time zones. @defaultValue "UTC"
   */
  timezone?: string;
  /** Where it runs on AWS: a Lambda function, or the container worker on Fargate. @defaultValue "lambda" */
  runtime?: "lambda" | "container";
  /**
   * A `runtime: "container"` job's Fargate task size, task count, scaling and shutdown (see
   * {@link ContainerOptions}); refused on a Lambda job. @defaultValue see each option
   * @example
   * container: { cpu: 1024, memory: 4096, maxTasks: 4, expectedDuration: "20m" }
   */
  container?: ContainerOptions;
  /**
   * How long a send's `idempotencyKey` holds: a second send of this job with the same key
   * within it sends nothing and returns the first job's id. 1s–14d. @defaultValue "1d"
   */
  idempotencyWindow?: Duration;
}

/** One recurring schedule of a job (the `schedule` option). */
export interface ScheduleOption<Input = unknown> {
  /** `"rate(value unit)"` or `"cron(minutes hours day-of-month month day-of-week year)"`. */
  expression: string;
  /**
   * 1–32 of letters, digits, `_`, `.` and `-`; unique within the job, required when it has
   * several schedules. Its runs' job ids are named from it. @defaultValue "default"
   */
  name?: string;
  /** IANA time zone of a cron expression's fields. @defaultValue the job's `timezone`, else "UTC" */
  timezone?: string;
  /** The payload each run is sent with; checked against the job's schema when the job is defined. @defaultValue {} */
  payload?: Input;
  /** No run before this (a Date or an ISO 8601 date); a rate schedule's runs count from it. @defaultValue none */
  start?: Date | string;
  /** No run after this (a Date or an ISO 8601 date). @defaultValue none */
  end?: Date | string;
  /**
   * Runs missed while the app was down (locally): `"once"` sends one run at start for all of
   * them, `"skip"` sends none and waits for the next due time. On AWS, EventBridge Scheduler
   * never stops, so nothing is missed. @defaultValue "once"
   */
  catchUp?: "once" | "skip";
}

/** A schedule after defaults and validation. Frozen. */
export interface JobSchedule {
  readonly name: string;
  readonly expression: string;
  readonly schedule: Schedule;
  /** IANA time zone; "UTC" unless given. */
  readonly timezone: string;
  /** The JSON value each run is sent with: `{}` unless given. */
  readonly payload: unknown;
  /** Epoch ms; undefined when not given. */
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly catchUp: "once" | "skip";
}

/** The `idempotency` option of a job. */
export interface IdempotencyOptions<Payload> {
  /**
   * The key a run is kept under: jobs whose payloads give the same key run once within `ttl`.
   * A non-empty string of at most 512 characters. @defaultValue the job's id (`ctx.jobId`)
   */
  key?: (payload: Payload) => string;
  /** How long a success's result answers for its key, 1s–14d, e.g. `"1h"`. */
  ttl: Duration;
}

/** A job handled one message at a time: resolve = done, throw = retry. */
export interface SingleJobOptions<S extends StandardSchemaV1 | undefined>
  extends CommonJobOptions<S> {
  /**
   * Resolves when the job is done; what it resolves with (a small JSON value, up to 16 KiB as
   * JSON) is kept as the job's `result`.
   */
  handler: (payload: PayloadOf<S>, ctx: JobContext) => unknown;
  batchHandler?: never;
  /**
   * Makes the handler idempotent: its result is kept under a key for `ttl`, and a job that
   * comes again with the same key (a duplicate delivery, a second job) succeeds with that result
   * without running the handler. While an attempt runs, the key is held until the attempt's
   * deadline: a duplicate arriving meanwhile fails with IdempotencyInProgress and is retried
   * once the hold ends. Only for `handler`, not `batchHandler`. @defaultValue none
   */
  idempotency?: IdempotencyOptions<PayloadOf<S>>;
}

/** A job handled a batch at a time: resolves with the ids of the jobs that failed. */
export interface BatchJobOptions<S extends StandardSchemaV1 | undefined>
  extends CommonJobOptions<S> {
  batchHandler: (
    jobs: ReadonlyArray<BatchItem<PayloadOf<S>>>,
    ctx: BatchContext,
  ) => Promise<BatchResult> | BatchResult;
  handler?: never;
  /** Idempotency applies to `handler` jobs only. */
  idempotency?: never;
}

export type JobOptions<S extends StandardSchemaV1 | undefined = undefined> =
  | SingleJobOptions<S>
  | BatchJobOptions<S>;

/** Options after defaults and validation, in milliseconds. Frozen. */
export interface ResolvedJobOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly backoff:
    | {
        readonly initialDelayMs: number;
        readonly maxDelayMs: number;
        readonly jitter: "full" | "none";
      }
    | undefined;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly concurrency: number;
  readonly delayMs: number;
  readonly alarm:
    | { readonly kind: "oldestMessageAge"; readonly seconds: number }
    | { readonly kind: "messages"; readonly count: number };
  /** The job's recurring schedules, in the order given; empty when it has none. */
  readonly schedules: ReadonlyArray<JobSchedule>;
  readonly runtime: "lambda" | "container";
  readonly idempotencyWindowMs: number;
  /** The handler's idempotency; undefined when the job has none. */
  readonly idempotency:
    | {
        /** Undefined: the job's id is the key. */
        readonly key: ((payload: unknown) => string) | undefined;
        readonly ttlMs: number;
      }
    | undefined;
  /** A container job's Fargate options after defaults; undefined for a Lambda job. */
  readonly container: ResolvedContainerOptions | undefined;
}

/** Marks a value made by defineJob (a registered symbol, so copies of the package agree). */
export const JOB_BRAND: unique symbol = Symbol.for("offload.job") as never;

/** What `defineJob` returns. `Input` is what `send()` takes, `Payload` what the handler gets. */
export interface JobDefinition<Payload = unknown, Input = Payload> {
  readonly [JOB_BRAND]: true;
  readonly options: ResolvedJobOptions;
  readonly schema: StandardSchemaV1 | undefined;
  readonly handler: ((payload: Payload, ctx: JobContext) => unknown) | undefined;
  readonly batchHandler:
    | ((
        jobs: ReadonlyArray<BatchItem<Payload>>,
        ctx: BatchContext,
      ) => Promise<BatchResult> | BatchResult)
    | undefined;
  /** Advice that is not an error (e.g. retryDelay below 6 × timeout); the runtime logs it. */
  readonly warnings: ReadonlyArray<string>;
  /** Type-only: the payload `send()` accepts. */
  readonly __input?: Input;
}

/** Any job definition, whatever its payload types (for registries of jobs). */
// biome-ignore lint/suspicious/noExplicitAny: handler parameters are contravariant; any accepts every job
export type AnyJobDefinition = JobDefinition<any, any>;

export type JobPayload<J> = J extends JobDefinition<infer P, unknown> ? P : never;
// `infer` for the payload too: a handler taking a typed payload does not extend one taking `unknown`.
export type JobInput<J> = J extends JobDefinition<infer _P, infer I> ? I : never;
export type { InputOf, PayloadOf };
