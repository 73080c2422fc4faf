/**
 * The main thread's side of the engine thread (see host.ts): starts it,
 * and gives the HTTP API an ApiBackend and the engine's SQS and SNS APIs
 * whose calls run there.
 */
import { Worker } from "node:worker_threads";
import { OffloadError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { SnsApi } from "../../engine/sns/types.js";
import type { SqsApi } from "../../engine/sqs/types.js";
import type { ApiBackend } from "../../http/backend.js";
import { Outbox } from "../../runtime/outbox.js";
import { threadEntry } from "../../runtime/thread-entry.js";
import {
  type Call,
  decodeError,
  type EngineThreadOptions,
  type FromEngine,
  type Target,
  type ToEngine,
} from "./protocol.js";

const host = threadEntry(import.meta.url, "host");

export interface EngineThread {
  backend: ApiBackend;
  /** The engine's SQS and SNS APIs, for the wire endpoint. */
  sqs: SqsApi;
  sns: SnsApi;
  /** Settles if the thread stops without being asked to (a crash): the app cannot go on. */
  readonly failed: Promise<Error>;
  /** Stops the runtime (running jobs finish), closes the database, ends the thread. */
  stop(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
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
  const calls = new Outbox<Call>((items) => send({ t: "calls", calls: items }), {
    schedule: setImmediate,
    maxItems: 8,
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let jobNames: string[] = [];
  let stopped: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  /** Why the thread is gone, once it is: later calls fail with it at once. */
  let lostError: OffloadError | undefined;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => {
    fail = resolve;
  });

  const call = (target: Target, method: string, args: unknown[], signal?: AbortSignal) =>
    new Promise<unknown>((resolve, reject) => {
      if (lostError) {
        reject(lostError);
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      calls.push({ id, target, method, args, ...(signal ? { abortable: true as const } : {}) });
      if (!signal) return;
      // The call is posted first, so the thread knows it when the abort comes.
      const abort = () => {
        calls.flush();
        send({ t: "abort", id });
      };
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    });

  const api = (target: "sqs" | "sns") =>
    new Proxy(
      {},
      {
        get: (_, method) =>
          typeof method !== "string" || method === "then"
            ? undefined
            : (input: unknown, callOptions?: { signal?: AbortSignal }) =>
                call(target, method, [input], callOptions?.signal),
      },
    );

  const backend: ApiBackend = {
    jobNames: () => [...jobNames],
    send: (...args) => call("backend", "send", args) as Promise<string>,
    queues: () => call("backend", "queues", []) as ReturnType<ApiBackend["queues"]>,
    queue: (jobName) => call("backend", "queue", [jobName]) as ReturnType<ApiBackend["queue"]>,
    dlqList: (...args) => call("backend", "dlqList", args) as ReturnType<ApiBackend["dlqList"]>,
    redrive: (...args) => call("backend", "redrive", args) as ReturnType<ApiBackend["redrive"]>,
    purge: (jobName) => call("backend", "purge", [jobName]) as ReturnType<ApiBackend["purge"]>,
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
          resolveStart({
            backend,
            sqs: api("sqs") as SqsApi,
            sns: api("sns") as SnsApi,
            failed,
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
