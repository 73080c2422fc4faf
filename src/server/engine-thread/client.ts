/**
 * The main thread's side of the engine thread (see host.ts): starts it,
 * and gives the HTTP API an ApiBackend and the engine's SQS and SNS APIs
 * whose calls run there.
 */
import { Worker } from "node:worker_threads";
import { OffloadError } from "../../core/errors.js";
import type { JobStatusStore } from "../../core/job-status.js";
import type { Logger } from "../../core/logger.js";
import type { SnsApi } from "../../engine/sns/types.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { ApiBackend } from "../../http/backend.js";
import type { SqsJsonCall } from "../../http/wire/index.js";
import { Outbox } from "../../runtime/outbox.js";
import { threadEntry } from "../../runtime/thread-entry.js";
import {
  type Args,
  type Call,
  type CallFn,
  type CallOf,
  decodeError,
  type EngineThreadOptions,
  type FromEngine,
  type Method,
  notCopied,
  type Result,
  type Target,
  type ToEngine,
} from "./protocol.js";

const host = threadEntry(import.meta.url, "host");

export interface EngineThread {
  backend: ApiBackend;
  /** The engine's SQS and SNS APIs, for the wire endpoint. */
  sqs: SqsApi;
  sns: SnsApi;
  /** The wire endpoint's message actions, answered in the engine thread from their body text. */
  sqsJson: SqsJsonCall;
  /**
   * The queues the jobs topic routes to: those of the job files the app has now and of those
   * it had before (deleted or renamed, whose queues may still hold jobs).
   */
  jobQueueNames(): string[];
  /** Settles if the thread stops without being asked to (a crash): the app cannot go on. */
  readonly failed: Promise<Error>;
  /** Stops the runtime (running jobs finish), closes the database, ends the thread. */
  stop(): Promise<void>;
  /** Moves the engine thread's test clock (see EngineThreadOptions.testClockStartMs). */
  advanceClock(ms: number): Promise<void>;
}

interface Pending {
  // Method syntax: a call's own `resolve` (of its method's result) is kept here, and a reply's
  // value is that method's result, as the engine thread produced it for this id.
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Starts the engine thread and resolves once its jobs run, or rejects with why they cannot. */
export function startEngineThread(
  options: EngineThreadOptions,
  logger: Logger,
): Promise<EngineThread> {
  const worker = new Worker(host.file, { workerData: { entry: host.entry, options } });
  const send = (message: ToEngine) => worker.postMessage(message);
  // Calls go at the end of the turn that made them, or by eights: measured, eights let the
  // engine thread start on a burst while this thread still parses it (+7 % requests per second).
  const pending = new Map<number, Pending>();
  const calls = new Outbox<Call>((items) => send({ t: "calls", calls: items }), {
    schedule: setImmediate,
    maxItems: 8,
    undeliverable: (call, error) => {
      const waiting = pending.get(call.id);
      pending.delete(call.id);
      waiting?.reject(notCopied("call", error));
    },
  });
  let nextId = 1;
  let jobNames: string[] = [];
  let jobQueues: string[] = [];
  let unhealthy: string | undefined;
  let stopped: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  /** Why the thread is gone, once it is: later calls fail with it at once. */
  let lostError: OffloadError | undefined;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });

  const call: CallFn = <T extends Target, M extends Method<T>>(
    target: T,
    method: M,
    args: Args<T, M>,
    signal?: AbortSignal,
  ) =>
    new Promise<Result<T, M>>((resolve, reject) => {
      if (lostError) {
        reject(lostError);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const message: CallOf<T, M> = { id, target, method, args };
      if (signal) message.abortable = true;
      // A call of one method is a member of the union of all: TypeScript cannot see it for
      // generic T and M (microsoft/TypeScript#30581), the one assertion of the boundary.
      calls.push(message as Call);
      if (!signal) return;
      // The call is posted first, so the thread knows it when the abort comes.
      const abort = () => {
        calls.flush();
        send({ t: "abort", id });
      };
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    });

  const jobs: JobStatusStore = {
    get: (...args) => call("jobs", "get", args),
    list: (...args) => call("jobs", "list", args),
    cancel: (...args) => call("jobs", "cancel", args),
  };
  const backend: ApiBackend = {
    jobs,
    jobNames: () => [...jobNames],
    health: () => (unhealthy === undefined ? { ok: true } : { ok: false, reason: unhealthy }),
    send: (...args) => call("backend", "send", args),
    queues: () => call("backend", "queues", []),
    queue: (...args) => call("backend", "queue", args),
    dlqList: (...args) => call("backend", "dlqList", args),
    redrive: (...args) => call("backend", "redrive", args),
    purge: (...args) => call("backend", "purge", args),
    schedules: () => call("schedules", "list", []),
  };
  // Every method written out: the compiler checks each against SqsApi / SnsApi, and a call
  // reads a plain property (a Proxy's trap made a closure per call).
  const sqs: SqsApi = {
    createQueue: (input) => call("sqs", "createQueue", [input]),
    getQueueUrl: (input) => call("sqs", "getQueueUrl", [input]),
    listQueues: (...args) => call("sqs", "listQueues", args),
    deleteQueue: (input) => call("sqs", "deleteQueue", [input]),
    getQueueAttributes: (input) => call("sqs", "getQueueAttributes", [input]),
    setQueueAttributes: (input) => call("sqs", "setQueueAttributes", [input]),
    sendMessage: (input) => call("sqs", "sendMessage", [input]),
    sendMessageBatch: (input) => call("sqs", "sendMessageBatch", [input]),
    // The signal stays here; the engine thread gets a signal of its own (see "abort").
    receiveMessage: (input, options) => call("sqs", "receiveMessage", [input], options?.signal),
    deleteMessage: (input) => call("sqs", "deleteMessage", [input]),
    deleteMessageBatch: (input) => call("sqs", "deleteMessageBatch", [input]),
    changeMessageVisibility: (input) => call("sqs", "changeMessageVisibility", [input]),
    changeMessageVisibilityBatch: (input) => call("sqs", "changeMessageVisibilityBatch", [input]),
    purgeQueue: (input) => call("sqs", "purgeQueue", [input]),
    listDeadLetterSourceQueues: (input) => call("sqs", "listDeadLetterSourceQueues", [input]),
    startMessageMoveTask: (input) => call("sqs", "startMessageMoveTask", [input]),
    cancelMessageMoveTask: (input) => call("sqs", "cancelMessageMoveTask", [input]),
    listMessageMoveTasks: (input) => call("sqs", "listMessageMoveTasks", [input]),
    tagQueue: (input) => call("sqs", "tagQueue", [input]),
    untagQueue: (input) => call("sqs", "untagQueue", [input]),
    listQueueTags: (input) => call("sqs", "listQueueTags", [input]),
  };
  const sqsJson: SqsJsonCall = (action, body, queueUrl, signal) =>
    call("wire", "sqsJson", [action, body, queueUrl], signal);
  const sns: SnsApi = {
    createTopic: (input) => call("sns", "createTopic", [input]),
    deleteTopic: (input) => call("sns", "deleteTopic", [input]),
    listTopics: (...args) => call("sns", "listTopics", args),
    getTopicAttributes: (input) => call("sns", "getTopicAttributes", [input]),
    setTopicAttributes: (input) => call("sns", "setTopicAttributes", [input]),
    subscribe: (input) => call("sns", "subscribe", [input]),
    unsubscribe: (input) => call("sns", "unsubscribe", [input]),
    listSubscriptions: (...args) => call("sns", "listSubscriptions", args),
    listSubscriptionsByTopic: (input) => call("sns", "listSubscriptionsByTopic", [input]),
    getSubscriptionAttributes: (input) => call("sns", "getSubscriptionAttributes", [input]),
    setSubscriptionAttributes: (input) => call("sns", "setSubscriptionAttributes", [input]),
    publish: (input) => call("sns", "publish", [input]),
    publishBatch: (input) => call("sns", "publishBatch", [input]),
  };

  return new Promise<EngineThread>((resolveStart, rejectStart) => {
    let started = false;
    worker.on("message", (message: FromEngine) => {
      switch (message.t) {
        case "replies":
          for (const reply of message.replies) {
            const waiting = pending.get(reply.id);
            if (!waiting) continue;
            pending.delete(reply.id);
            if (reply.ok) waiting.resolve(reply.value);
            else waiting.reject(decodeError(reply.error));
          }
          return;
        case "log":
          if (message.fields === undefined) logger[message.level](message.message);
          else logger[message.level](message.fields, message.message);
          return;
        case "ready":
          started = true;
          jobNames = message.jobNames;
          jobQueues = message.jobQueues;
          resolveStart({
            backend,
            sqs,
            sns,
            sqsJson,
            jobQueueNames: () => [...jobQueues],
            failed,
            advanceClock: (ms) => call("clock", "advance", [ms]),
            stop() {
              stopping ??= lostError
                ? Promise.resolve()
                : new Promise<void>((resolve) => {
                    stopped = resolve;
                    send({ t: "stop" });
                  }).then(async () => {
                    await worker.terminate();
                  });
              return stopping;
            },
          });
          return;
        case "jobs":
          jobNames = message.jobNames;
          jobQueues = message.jobQueues;
          return;
        case "unhealthy":
          unhealthy = message.reason;
          return;
        case "failed":
          rejectStart(decodeError(message.error));
          return;
        case "stopped":
          stopped?.();
          return;
      }
    });
    const lost = (reason: string, cause?: unknown) => {
      if (lostError) return;
      const error = new OffloadError("EngineStopped", `The engine thread stopped: ${reason}`, {
        cause,
      });
      lostError = error;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
      if (!started) rejectStart(error);
      else if (stopped) stopped();
      else fail(error);
    };
    worker.on("error", (error) => lost(error.message, error));
    worker.on("exit", (code) => lost(`it exited with code ${code}`));
  });
}
