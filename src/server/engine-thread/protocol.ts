/**
 * The messages between the main thread (HTTP) and the engine thread (the
 * database, the runtime and the job workers it starts). Calls and replies
 * travel in batches (see Outbox), so under load the cost of crossing threads
 * is shared by many requests.
 */

import { OffloadError, toError } from "../../core/errors.js";
import type { JobStatusStore } from "../../core/job-status.js";
import type { LogFn, Logger } from "../../core/logger.js";
import type { ScheduleSummary } from "../../core/schedule-summary.js";
import { AwsApiError } from "../../engine/errors.js";
import type { SnsApi } from "../../engine/sns/types.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { ApiBackend } from "../../http/backend.js";
import type { SqsJsonCall } from "../../http/wire/index.js";

/** What the engine thread needs to open the app: plain data, cloned into the thread. */
export interface EngineThreadOptions {
  jobsDir: string;
  database: string;
  durability: "full" | "relaxed";
  /** Whether the engine records each job's status and history. */
  jobHistory: boolean;
  /** Where queue URLs point (the app's address). */
  queueUrlBase: string;
  alertWebhook: string | undefined;
  /** Restart the runtime when job files change (dev). */
  watch: boolean;
  /** Each job worker's heap limit, MB: the config's `aws.memorySize`, as on Lambda. */
  workerMemoryMb: number;
  /**
   * Tests only (see startServerOnTestClock): the engine and the runtime run on a TestClock
   * from this time (epoch ms), moved by the `clock` target alone. Undefined: the system clock.
   */
  testClockStartMs?: number | undefined;
}

/**
 * The objects whose methods the main thread calls, by the name a call gives them. Every method
 * that returns a promise crosses; the rest (`jobNames`) are answered on the main thread.
 */
export interface Targets {
  backend: ApiBackend;
  /** The engine's job records: GET /jobs, GET and DELETE /jobs/:id. */
  jobs: JobStatusStore;
  sqs: SqsApi;
  sns: SnsApi;
  wire: WireTarget;
  /** The jobs' recurring schedules: GET /api/schedules. */
  schedules: { list(): Promise<ScheduleSummary[]> };
  /** Moves the test clock (rejects unless the thread runs on one); no HTTP route calls it. */
  clock: { advance(ms: number): Promise<void> };
}

/**
 * The wire endpoint's message actions, answered from the request's body text (see
 * `answerSqsJson`): a body and its answer cross as strings, which copy as one block, where the
 * parsed input and output were walked field by field on both threads.
 */
export interface WireTarget {
  sqsJson(
    action: Parameters<SqsJsonCall>[0],
    body: string,
    queueUrl: string | undefined,
  ): Promise<string>;
}

export type Target = keyof Targets;

/** The names of the methods of `Targets[T]` that can be called across: those returning a promise. */
export type Method<T extends Target> = {
  [M in keyof Targets[T]]: Targets[T][M] extends (...args: never[]) => Promise<unknown> ? M : never;
}[keyof Targets[T]] &
  string;

/** The arguments of `Targets[T][M]`, as they cross (an AbortSignal does not: see `abortable`). */
export type Args<T extends Target, M extends Method<T>> = Targets[T][M] extends (
  ...args: infer A
) => Promise<unknown>
  ? A
  : never;

/** What `Targets[T][M]` resolves with. */
export type Result<T extends Target, M extends Method<T>> = Targets[T][M] extends (
  ...args: never[]
) => Promise<infer R>
  ? R
  : never;

/** One call of `Targets[T][M]`. */
export interface CallOf<T extends Target, M extends Method<T>> {
  id: number;
  target: T;
  method: M;
  args: Args<T, M>;
  /** The call takes an AbortSignal as `{ signal }` after its args (a long poll); see "abort". */
  abortable?: true;
}

/** Calls `Targets[T][M]` in the engine thread and resolves with its result; `signal` ends a long poll. */
export type CallFn = <T extends Target, M extends Method<T>>(
  target: T,
  method: M,
  args: Args<T, M>,
  signal?: AbortSignal,
) => Promise<Result<T, M>>;

/**
 * Any call of a method of the targets `T`: a union with one member per target and method, so
 * a call's `args` are those of its own method. Written as an indexed mapped type, so that a
 * function generic in `T` can call `targets[call.target][call.method](...call.args)` checked
 * (microsoft/TypeScript#47109).
 */
export type Call<T extends Target = Target> = {
  [P in T]: { [M in Method<P>]: CallOf<P, M> }[Method<P>];
}[T];

/** The objects the engine thread serves calls on, seen as the calls see them. */
export type Served = {
  [T in Target]: { [M in Method<T>]: (...args: Args<T, M>) => Promise<Result<T, M>> };
};

/** Runs a call on the object it names, with its own method's types. */
export function invoke<T extends Target>(targets: Served, call: Call<T>): Promise<unknown> {
  return targets[call.target][call.method](...call.args);
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: EncodedError };

export type ToEngine = { t: "calls"; calls: Call[] } | { t: "abort"; id: number } | { t: "stop" };

export type LogLevel = keyof Logger;

export type FromEngine =
  /**
   * `jobQueues`: the queues the jobs topic routes to, of job files present or gone (see
   * subscribedJobQueues), which the wire endpoint keeps whole.
   */
  | { t: "ready"; jobNames: string[]; jobQueues: string[] }
  | { t: "failed"; error: EncodedError }
  | { t: "replies"; replies: Reply[] }
  | { t: "log"; level: LogLevel; fields: Record<string, unknown> | undefined; message: string }
  | { t: "jobs"; jobNames: string[]; jobQueues: string[] }
  /** The database file is gone (see DatabaseFileGuard): new work is refused, /health says why. */
  | { t: "unhealthy"; reason: string }
  | { t: "stopped" };

/** An error as it crosses the thread boundary: its class, code and own fields. */
export interface EncodedError {
  kind: "AwsApiError" | "OffloadError" | "Error";
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable fields (code, issues, status, ...), as JSON values. */
  fields: Record<string, unknown>;
}

export function encodeError(thrown: unknown): EncodedError {
  const error = toError(thrown);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === "cause" || key === "name") continue;
    try {
      // JSON keeps what every reader of these fields expects (strings, numbers, issue lists).
      fields[key] = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    } catch {
      fields[key] = String(value);
    }
  }
  return {
    kind:
      error instanceof AwsApiError
        ? "AwsApiError"
        : error instanceof OffloadError
          ? "OffloadError"
          : "Error",
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
  };
}

/** The error again, of its class (so `instanceof` and `code` work as on one thread). */
export function decodeError(encoded: EncodedError): Error {
  const code = String(encoded.fields.code ?? "InternalError");
  const error =
    encoded.kind === "AwsApiError"
      ? new AwsApiError(code, encoded.message)
      : encoded.kind === "OffloadError"
        ? new OffloadError(code, encoded.message)
        : new Error(encoded.message);
  Object.assign(error, encoded.fields);
  error.name = encoded.name;
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  return error;
}

/** A Logger whose records are posted to the main thread, which writes them with its own. */
export function forwardingLogger(post: (message: FromEngine) => void): Logger {
  const at =
    (level: LogLevel): LogFn =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string) => {
      const record: FromEngine =
        typeof fieldsOrMessage === "string"
          ? { t: "log", level, fields: undefined, message: fieldsOrMessage }
          : { t: "log", level, fields: fieldsOrMessage, message: message ?? "" };
      try {
        post(record);
      } catch {
        // A field that cannot be cloned (a function, say): send the fields as JSON does.
        post({ ...record, fields: JSON.parse(JSON.stringify(record.fields ?? {})) });
      }
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Why a call or its answer did not cross to the other thread. */
export function notCopied(what: "call" | "answer", cause: unknown): OffloadError {
  return new OffloadError(
    "ThreadPostFailed",
    `The ${what} could not be passed to the ${what === "call" ? "engine" : "main"} thread (its value cannot be copied: nested too deep, or not plain data)`,
    { cause },
  );
}
