/**
 * The engine thread: opens the database, provisions the jobs folder, runs the
 * runtime (whose job workers it starts) and answers the main thread's calls
 * on the API backend and the engine's SQS and SNS APIs. Every database
 * statement runs here, so the main thread spends its time on HTTP alone.
 */
import { watch } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { type Clock, systemClock, TestClock } from "../../core/clock.js";
import { OffloadError, toError } from "../../core/errors.js";
import type { JobDefinition } from "../../core/job-types.js";
import type { Logger } from "../../core/logger.js";
import type { ScheduleSummary } from "../../core/schedule-summary.js";
import { createEngine, type Engine } from "../../engine/index.js";
import type { ApiBackend } from "../../http/backend.js";
import { createTransportBackend } from "../../http/transport-backend.js";
import { answerSqsJson, isMessageAction } from "../../http/wire/index.js";
import { invalidAction } from "../../http/wire/sqs-actions.js";
import {
  createEngineTransport,
  type LoadedJob,
  loadJobs,
  orphanedJobQueues,
  type Runtime,
  scheduleSummaries,
  startRuntime,
  subscribedJobQueues,
} from "../../runtime/index.js";
import { Outbox } from "../../runtime/outbox.js";
import {
  type Call,
  type EngineThreadOptions,
  encodeError,
  type FromEngine,
  forwardingLogger,
  invoke,
  notCopied,
  type Reply,
  type Served,
  type ToEngine,
} from "./protocol.js";

const port = parentPort!;
const options = (workerData as { options: EngineThreadOptions }).options;
const post = (message: FromEngine) => port.postMessage(message);
const logger = forwardingLogger(post);
const testClock =
  options.testClockStartMs === undefined ? undefined : new TestClock(options.testClockStartMs);
const clock: Clock = testClock ?? systemClock;
// Replies go as soon as the microtasks settling a commit's promises have run (measured: a few
// percent more requests per second than waiting for the next turn, which may read more calls first).
const replies = new Outbox<Reply>((items) => post({ t: "replies", replies: items }), {
  schedule: queueMicrotask,
  // An answer that cannot be copied back fails its call alone (a tiny message, which crosses).
  undeliverable: (reply, error) =>
    post({
      t: "replies",
      replies: [{ id: reply.id, ok: false, error: encodeError(notCopied("answer", error)) }],
    }),
});

interface Current {
  runtime: Runtime;
  backend: ApiBackend;
  /** The jobs' schedules, with their stored next due times and last runs. */
  schedules: () => Promise<ScheduleSummary[]>;
  /** The queues the jobs topic routes to, of job files present or gone. */
  jobQueues: string[];
}

async function run(engine: Engine, jobs: LoadedJob[]): Promise<Current> {
  const transport = await createEngineTransport(engine, jobs);
  for (const orphan of await orphanedJobQueues(engine, jobs)) {
    logger.warn(
      { ...orphan, jobsDir: options.jobsDir },
      `the queue of job ${orphan.jobName} holds ${orphan.messages} job(s) and its DLQ ${orphan.dlqMessages}, but the jobs folder has no file for it: nothing runs them until the file is back`,
    );
  }
  const runtime = await startRuntime({
    jobs,
    transport,
    logger,
    clock,
    workerMemoryMb: options.workerMemoryMb,
    ...(options.alertWebhook ? { alertWebhook: options.alertWebhook } : {}),
    records: engine.jobs,
    idempotency: engine.idempotency,
    schedules: engine.schedules,
  });
  const definitions: Record<string, JobDefinition> = Object.fromEntries(
    jobs.map((j) => [j.name, j.definition]),
  );
  return {
    runtime,
    backend: createTransportBackend({
      jobs: definitions,
      transport,
      run: runtime,
      records: engine.jobs,
    }),
    schedules: () => scheduleSummaries(jobs, engine.schedules, Date.now()),
    jobQueues: await subscribedJobQueues(engine),
  };
}

async function main(): Promise<void> {
  let engine: Engine | undefined;
  let current: Current;
  let jobs: LoadedJob[];
  try {
    jobs = await loadJobs(options.jobsDir);
    if (jobs.length === 0)
      logger.warn({ jobsDir: options.jobsDir }, "the jobs folder has no job files");
    engine = createEngine({
      path: options.database,
      durability: options.durability,
      jobHistory: options.jobHistory,
      queueUrlBase: options.queueUrlBase,
      clock,
      onDatabaseGone: (error) => {
        logger.error({ database: options.database, error: error.message }, error.message);
        post({ t: "unhealthy", reason: error.message });
      },
    });
    current = await run(engine, jobs);
  } catch (e) {
    await engine?.close();
    post({ t: "failed", error: encodeError(e) });
    port.close();
    return;
  }
  const ready = engine;
  const targets: Served = {
    // The runtime's backend is replaced when the job files change (dev).
    get backend() {
      return current.backend;
    },
    jobs: ready.jobs,
    sqs: ready.sqs,
    sns: ready.sns,
    wire: { sqsJson: (action, body, queueUrl) => wireJson(action, body, queueUrl, undefined) },
    schedules: { list: () => current.schedules() },
    clock: {
      async advance(ms) {
        if (!testClock) {
          throw new OffloadError("InternalError", "this app runs on the system clock");
        }
        testClock.advance(ms);
      },
    },
  };
  const wireJson = (
    action: string,
    body: string,
    queueUrl: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> => {
    if (!isMessageAction(action)) return Promise.reject(invalidAction(action));
    return answerSqsJson(ready.sqs, action, body, queueUrl, { signal });
  };
  const aborts = new Map<number, AbortController>();

  const serve = (call: Call) => {
    let result: Promise<unknown>;
    try {
      if (call.abortable && call.target === "sqs" && call.method === "receiveMessage") {
        const controller = new AbortController();
        aborts.set(call.id, controller);
        result = ready.sqs.receiveMessage(call.args[0], { signal: controller.signal });
      } else if (call.abortable && call.target === "wire") {
        const controller = new AbortController();
        aborts.set(call.id, controller);
        result = wireJson(...call.args, controller.signal);
      } else {
        result = invoke(targets, call);
      }
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      (value) => replies.push({ id: call.id, ok: true, value }),
      (error: unknown) => replies.push({ id: call.id, ok: false, error: encodeError(error) }),
    );
    if (call.abortable) void result.finally(() => aborts.delete(call.id)).catch(() => {});
  };

  const watcher = options.watch
    ? watchJobs(options.jobsDir, logger, async () => {
        const fresh = await loadJobs(options.jobsDir, { fresh: true });
        await current.runtime.stop();
        try {
          current = await run(ready, fresh);
        } catch (e) {
          // The jobs loaded but did not start (a worker that does not load its job, say): the
          // version that ran before runs again, as the log line for a failed reload says. Its
          // workers load the files as they are now, so it may fail too: then say so.
          try {
            current = await run(ready, jobs);
          } catch (again) {
            logger.error(
              { error: toError(e).message, previousVersion: toError(again).message },
              "job files changed, and neither they nor the previous version start: no job runs until they are fixed",
            );
            return;
          }
          throw e;
        }
        jobs = fresh;
        post({ t: "jobs", jobNames: current.backend.jobNames(), jobQueues: current.jobQueues });
        logger.info({ jobs: fresh.map((j) => j.name) }, "job files changed: runtime restarted");
      })
    : undefined;

  let stopping = false;
  port.on("message", (message: ToEngine) => {
    if (message.t === "calls") {
      for (const call of message.calls) serve(call);
    } else if (message.t === "abort") {
      aborts.get(message.id)?.abort();
    } else if (message.t === "stop" && !stopping) {
      stopping = true;
      void (async () => {
        watcher?.close();
        try {
          await current.runtime.stop();
        } finally {
          await ready.close();
          replies.flush();
          post({ t: "stopped" });
          port.close();
        }
      })();
    }
  });
  post({ t: "ready", jobNames: current.backend.jobNames(), jobQueues: current.jobQueues });
}

/** Watches the jobs folder; `reload` runs after changes settle, one reload at a time. */
function watchJobs(jobsDir: string, logger: Logger, reload: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const watcher = watch(jobsDir, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(reload).catch((e: unknown) => {
        logger.error(
          { error: toError(e).message },
          "job files changed but could not be loaded; still running the previous version",
        );
      });
    }, 200);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

await main();
