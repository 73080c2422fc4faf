import { parentPort } from "node:worker_threads";
import { isJobDefinition } from "../../core/define-job.js";
import { toError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { CollectedActions } from "../../lambda/message-actions.js";
import { createSqsHandler, errorInfo } from "../../lambda/sqs-handler.js";
import { toSqsEvent } from "../sqs-event.js";
import type { FromWorker, ToWorker, WorkerData } from "./protocol.js";

/**
 * Inside a job worker: loads the job file (through `load`), then runs batches
 * through the same createSqsHandler Lambda runs. Actions are collected and
 * applied by the main thread after the batch; logs are forwarded to the main
 * thread's logger. A worker is started either from a bundle of this module
 * and the job file (see worker-bundle.ts) or, when bundling is not possible,
 * through the TypeScript loader (worker-main.ts).
 */
export async function serveJob(
  data: WorkerData,
  load: () => Promise<{ default?: unknown }>,
): Promise<void> {
  const port = parentPort!;
  const post = (message: FromWorker) => port.postMessage(message);

  const forward =
    (level: "debug" | "info" | "warn" | "error") =>
    (a: Record<string, unknown> | string, message?: string) => {
      if (typeof a === "string") post({ type: "log", level, fields: {}, message: a });
      else post({ type: "log", level, fields: toCloneable(a), message });
    };
  const logger: Logger = {
    debug: forward("debug"),
    info: forward("info"),
    warn: forward("warn"),
    error: forward("error"),
  };

  let mod: { default?: unknown };
  try {
    mod = await load();
  } catch (e) {
    post({ type: "load-error", message: toError(e).message });
    throw e;
  }
  const job = mod.default;
  if (!isJobDefinition(job)) {
    post({ type: "load-error", message: `${data.jobFile} does not export default defineJob(...)` });
    return;
  }
  // A worker runs one batch at a time: the handler is built once, the actions collected per batch.
  let actions = new CollectedActions();
  const handler = createSqsHandler(job as never, {
    jobName: data.jobName,
    actions: {
      retryAfter: (record, seconds) => actions.retryAfter(record, seconds),
      deadLetter: (record, reason) => actions.deadLetter(record, reason),
    },
    logger,
  });
  port.on("message", async (message: ToWorker) => {
    actions = new CollectedActions();
    try {
      const event = toSqsEvent(message.messages, data.eventSourceARN, data.awsRegion);
      const result = await handler.process(event, {
        getRemainingTimeInMillis: () => message.remainingMs,
      });
      const allSucceeded =
        actions.retries.size === 0 &&
        actions.deadLetters.size === 0 &&
        result.outcomes.length === message.messages.length &&
        result.outcomes.every((o) => o.status === "succeeded");
      // The common case answers in a few bytes: the main thread knows the batch's messages.
      if (allSucceeded) post({ type: "succeeded", id: message.id });
      else
        post({
          type: "result",
          id: message.id,
          outcomes: result.outcomes,
          retries: [...actions.retries],
          deadLetters: [...actions.deadLetters],
        });
    } catch (e) {
      post({ type: "batch-error", id: message.id, error: errorInfo(toError(e)) });
    }
  });
  post({ type: "ready" });
}

/** Log fields may hold errors and other values postMessage cannot clone. */
function toCloneable(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) out[key] = errorInfo(value);
    else if (typeof value === "function" || typeof value === "symbol") out[key] = String(value);
    else {
      try {
        structuredClone(value);
        out[key] = value;
      } catch {
        out[key] = String(value);
      }
    }
  }
  return out;
}
