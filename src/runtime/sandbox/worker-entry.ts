import { performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import { isJobDefinition } from "../../core/define-job.js";
import { OffloadError, toError } from "../../core/errors.js";
import type { IdempotencyClaim, IdempotencyStore } from "../../core/idempotency.js";
import { errorInfo } from "../../lambda/error-info.js";
import { CollectedActions } from "../../lambda/message-actions.js";
import { createSqsHandler } from "../../lambda/sqs-handler.js";
import { Outbox } from "../outbox.js";
import { toSqsEvent } from "../sqs-event.js";
import type {
  FromWorker,
  IdempotencyCall,
  RunAnswer,
  RunRequest,
  ToWorker,
  WorkerData,
} from "./protocol.js";
import { boundedWorkerLogs } from "./worker-logs.js";

/**
 * Inside a job worker: loads the job file (through `load`), then runs batches
 * (one or several at once, see JobSandbox) through the same createSqsHandler
 * Lambda runs. Actions are collected per batch and applied by the runtime
 * after it; logs are forwarded to the runtime's logger, within the job's log
 * limits (console output too, from the moment the worker starts). A worker is started
 * either from a bundle of this module and the job file (see worker-bundle.ts)
 * or, when bundling is not possible, through the TypeScript loader
 * (worker-main.ts).
 */
export async function serveJob(
  data: WorkerData,
  load: () => Promise<{ default?: unknown }>,
): Promise<void> {
  const port = parentPort!;
  const post = (message: FromWorker) => port.postMessage(message);
  const logs = boundedWorkerLogs(post, data.jobName, data.logLimits);
  const logger = logs.logger;
  let cancel: (jobId: string, why?: "cancelled" | "lost") => void = () => {};
  const idempotency = data.idempotency ? idempotencyProxy(post) : undefined;
  port.on("message", (message: ToWorker) => {
    if (message.type === "log-credit") logs.renew();
    else if (message.type === "cancel") cancel(message.jobId, message.why);
    else if (message.type === "idempotency-answer") idempotency?.answer(message);
  });

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
  // Batches may run here concurrently: each collects its own actions, found by the record's
  // receipt handle (unique to one receive of one message).
  const actionsOf = new Map<string, CollectedActions>();
  const handler = createSqsHandler(job as never, {
    jobName: data.jobName,
    actions: {
      retryAfter: async (record, seconds) =>
        actionsOf.get(record.receiptHandle)?.retryAfter(record, seconds),
      deadLetter: async (record, reason) =>
        actionsOf.get(record.receiptHandle)?.deadLetter(record, reason),
    },
    logger,
    onProgress: (jobId, progress) => post({ type: "progress", jobId, progress }),
    ...(idempotency ? { idempotency: idempotency.store } : {}),
  });
  cancel = (jobId, why) => handler.cancel(jobId, why);
  // The answers of the batches that end in one event-loop turn go back in one message.
  const answers = new Outbox<RunAnswer>((items) => post({ type: "answers", answers: items }), {
    schedule: setImmediate,
    // An answer that cannot be copied back (a handler's value the clone refuses) fails its batch.
    undeliverable: (answer, error) => {
      const { name, message } = toError(error);
      post({
        type: "answers",
        answers: [
          {
            type: "batch-error",
            id: answer.id,
            busyMs: answer.busyMs,
            error: { name, message, code: undefined },
          },
        ],
      });
    },
  });
  const run = async (request: RunRequest): Promise<RunAnswer> => {
    const loopBefore = performance.eventLoopUtilization();
    const busyMs = () => performance.eventLoopUtilization(loopBefore).active;
    const actions = new CollectedActions();
    for (const m of request.messages) actionsOf.set(m.receiptHandle, actions);
    try {
      const event = toSqsEvent(request.messages, data.eventSourceARN, data.awsRegion);
      const result = await handler.process(event, {
        getRemainingTimeInMillis: () => request.remainingMs,
      });
      const allSucceeded =
        actions.retries.size === 0 &&
        actions.deadLetters.size === 0 &&
        result.outcomes.length === request.messages.length &&
        result.outcomes.every((o) => o.status === "succeeded" && o.result === undefined);
      // The common case answers in a few bytes: the runtime knows the batch's messages.
      if (allSucceeded) return { type: "succeeded", id: request.id, busyMs: busyMs() };
      return {
        type: "result",
        id: request.id,
        busyMs: busyMs(),
        outcomes: result.outcomes,
        retries: [...actions.retries],
        deadLetters: [...actions.deadLetters],
      };
    } catch (e) {
      return {
        type: "batch-error",
        id: request.id,
        busyMs: busyMs(),
        error: errorInfo(toError(e)),
      };
    } finally {
      for (const m of request.messages) actionsOf.delete(m.receiptHandle);
    }
  };
  port.on("message", (message: ToWorker) => {
    if (message.type !== "run") return;
    for (const request of message.runs) void run(request).then((answer) => answers.push(answer));
  });
  post({ type: "ready" });
}

/**
 * The idempotency store of a worker: each call goes to the runtime, which makes it on the
 * engine's store (in the engine's thread, where the keys are kept with the jobs).
 */
function idempotencyProxy(post: (message: FromWorker) => void): {
  store: IdempotencyStore;
  answer(message: Extract<ToWorker, { type: "idempotency-answer" }>): void;
} {
  const waiting = new Map<
    number,
    { resolve: (claim: IdempotencyClaim | undefined) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  const call = (c: IdempotencyCall) =>
    new Promise<IdempotencyClaim | undefined>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      post({ type: "idempotency", id, call: c });
    });
  return {
    store: {
      async claim(ref, holdMs) {
        const claim = await call({ op: "claim", ref, holdMs });
        if (!claim) throw new OffloadError("IdempotencyUnavailable", "the claim had no answer");
        return claim;
      },
      async complete(ref, resultJson, ttlMs) {
        await call({ op: "complete", ref, resultJson, ttlMs });
      },
      async release(ref) {
        await call({ op: "release", ref });
      },
    },
    answer(message) {
      const pending = waiting.get(message.id);
      if (!pending) return;
      waiting.delete(message.id);
      if (message.error) {
        const error = new Error(message.error.message);
        error.name = message.error.name;
        pending.reject(error);
      } else {
        pending.resolve(message.claim);
      }
    },
  };
}
