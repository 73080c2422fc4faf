import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock.js";
import { toError } from "../core/errors.js";
import type { IdempotencyStore } from "../core/idempotency.js";
import type { JobProgress } from "../core/job-status.js";
import { type Logger, silentLogger } from "../core/logger.js";
import type { Transport } from "../core/transport.js";
import type { EngineSchedules } from "../engine/index.js";
import { errorInfo } from "../lambda/error-info.js";
import { Alarms } from "./alarms.js";
import { workerSettings } from "./container/settings.js";
import type { WorkGuard } from "./container/task-protection.js";
import type { RuntimeEvents, RuntimeJobRecords } from "./events.js";
import type { LoadedJob } from "./load-jobs.js";
import { JobPoller } from "./poller.js";
import { JobSandbox, type JobSandboxOptions } from "./sandbox/job-sandbox.js";
import { bundleWorkers } from "./sandbox/worker-bundle.js";
import { type Scheduler, startScheduler } from "./schedules/index.js";

export interface RuntimeOptions {
  /** The app's jobs, from `loadJobs(dir)`. */
  jobs: readonly LoadedJob[];
  /** Where jobs are received from: the local engine, or AWS. */
  transport: Transport;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** @defaultValue silent */
  logger?: Logger;
  /** POSTs alarm state changes here. @defaultValue process.env.OFFLOAD_ALERT_WEBHOOK */
  alertWebhook?: string;
  /** How often DLQ alarms are evaluated. @defaultValue 10000 */
  alarmIntervalMs?: number;
  /**
   * The most heap a job worker may take, in MB, as a Lambda function's `memorySize` bounds
   * it: a worker past it is stopped and its batches retried, where a leaking handler would
   * otherwise grow the whole server to the machine's limit. @defaultValue Node's own limit
   */
  workerMemoryMb?: number;
  /**
   * The job records to keep each job's failed attempts and progress in, and to hear cancels of
   * running jobs from: the engine's `engine.jobs`. @defaultValue none
   */
  records?: RuntimeJobRecords;
  /**
   * Where idempotent jobs (the `idempotency` option) keep their keys and results: the engine's
   * `engine.idempotency`. A job with that option does not load without it. @defaultValue none
   */
  idempotency?: IdempotencyStore;
  /**
   * How long a batch kept its worker busy, given the worker's real-time measure: what decides
   * whether a job's batches share a worker (see sandbox/sharing.ts). For tests that need
   * batches to count as light on a loaded machine. @defaultValue the worker's measure
   */
  batchBusyOf?: JobSandboxOptions["busyOf"];
  /**
   * Where the jobs' recurring schedules keep their next due time and last run, and send their
   * runs (to each job's queue): the engine's `engine.schedules`. Without it no schedule runs.
   * @defaultValue none
   */
  schedules?: EngineSchedules;
  /**
   * Held while a batch is in hand, from before it runs until it is finished: `offload worker`
   * passes the ECS task's scale-in protection. @defaultValue none
   */
  guard?: WorkGuard;
  /**
   * Worker files built ahead (what `bundleWorkers` builds at start: the worker entry and the
   * job in one module), by job name: the container image ships them, and has no esbuild.
   * Jobs without one are bundled at start. @defaultValue none
   */
  workerFiles?: Readonly<Record<string, string>>;
}

export interface RuntimeStopOptions {
  /**
   * Give running batches each job's stopTimeout (`container.stopTimeout`, 120 s by default) rather
   * than their whole timeout: those still running then have their messages made visible again
   * at once, for another worker, and their workers are stopped. @defaultValue false
   */
  withinStopTimeout?: boolean;
}

/** Processed and failed counts of one job since the runtime started. */
export interface JobCounters {
  /** Jobs that succeeded. */
  processed: number;
  /** Attempts that failed, those that sent their job straight to the DLQ included. */
  failed: number;
  /** Jobs the runtime moved to the DLQ at once (Unrecoverable, a payload failing its schema). */
  deadLettered: number;
}

/** A running runtime: an event emitter with a stop handle. */
export interface Runtime extends EventEmitter<RuntimeEvents> {
  /**
   * Stops receiving at once, lets running batches finish (up to their timeout, or their
   * stopTimeout: see RuntimeStopOptions), stops the workers.
   */
  stop(options?: RuntimeStopOptions): Promise<void>;
  counters(jobName: string): JobCounters;
  alarmState(jobName: string): "OK" | "ALARM" | undefined;
  /** Evaluates the DLQ alarms now. */
  checkAlarms(): Promise<void>;
}

/**
 * Starts, per job, an emulation of Lambda's SQS event source mapping that
 * runs the job's handler in worker threads, plus the local DLQ alarms.
 * Resolves once every job's first worker has loaded its job file.
 *
 * @example
 * const jobs = await loadJobs("jobs");
 * const transport = await createEngineTransport(engine, jobs);
 * const runtime = await startRuntime({ jobs, transport });
 * runtime.on("job:done", (e) => console.log("done", e.messageId));
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const emitter = new EventEmitter<RuntimeEvents>();
  const counters = new Map<string, JobCounters>(
    options.jobs.map((j) => [j.name, { processed: 0, failed: 0, deadLettered: 0 }]),
  );
  emitter.on("job:done", (e) => counters.get(e.jobName)!.processed++);
  emitter.on("job:failed", (e) => counters.get(e.jobName)!.failed++);
  emitter.on("job:dlq", (e) => {
    const counts = counters.get(e.jobName)!;
    counts.failed++;
    counts.deadLettered++;
  });

  for (const job of options.jobs) {
    for (const warning of job.definition.warnings)
      logger.warn({ jobName: job.name, file: job.file }, warning);
  }
  const { workerFiles } = options;
  const toBundle = options.jobs.filter((job) => workerFiles?.[job.name] === undefined);
  // Nothing left to bundle: esbuild is not even loaded (the container image has none).
  const built = toBundle.length > 0 ? await bundleWorkers(toBundle, logger) : undefined;
  const bundles = {
    file: (jobName: string) => workerFiles?.[jobName] ?? built?.file(jobName),
    dispose: () => built?.dispose(),
  };
  const { records } = options;
  const sandboxes = options.jobs.map(
    (job) =>
      new JobSandbox({
        job,
        eventSourceARN: options.transport.queueArn(job.name),
        awsRegion: options.transport.region,
        clock,
        logger,
        workerFile: bundles.file(job.name),
        ...(records
          ? {
              onProgress: (jobId: string, progress: JobProgress) => {
                records
                  .progress(jobId, progress)
                  .catch((e: unknown) =>
                    logger.warn(
                      { jobName: job.name, jobId, error: toError(e).message },
                      "could not record a job's progress",
                    ),
                  );
              },
            }
          : {}),
        ...(options.workerMemoryMb === undefined ? {} : { memoryMb: options.workerMemoryMb }),
        ...(options.idempotency ? { idempotency: options.idempotency } : {}),
        ...(options.batchBusyOf ? { busyOf: options.batchBusyOf } : {}),
      }),
  );
  try {
    await Promise.all(sandboxes.map((s) => s.warm()));
  } catch (e) {
    await Promise.all(sandboxes.map((s) => s.close()));
    bundles.dispose();
    throw e;
  }
  const alarms = new Alarms({
    jobs: options.jobs,
    transport: options.transport,
    clock,
    logger,
    onChange: (event) => emitter.emit("alarm", event),
    webhookUrl: options.alertWebhook ?? process.env.OFFLOAD_ALERT_WEBHOOK,
    intervalMs: options.alarmIntervalMs,
  });
  emitter.on("job:dlq", () => void alarms.evaluate());
  const pollers = options.jobs.map(
    (job, i) =>
      new JobPoller({
        job,
        transport: options.transport,
        ...(records ? { records } : {}),
        sandbox: sandboxes[i]!,
        clock,
        logger,
        ...(options.guard ? { guard: options.guard } : {}),
        emit: (event, ...args) => {
          // A listener that throws must not stop the batch, nor the listeners after it.
          for (const listener of emitter.rawListeners(event) as Array<(...a: unknown[]) => void>) {
            try {
              listener(...args);
            } catch (e) {
              logger.error(
                { event, error: errorInfo(toError(e)) },
                "a runtime event listener threw",
              );
            }
          }
        },
      }),
  );
  // A cancel of a running job: whichever worker runs it aborts its signal.
  const unsubscribe = records?.onCancelRequested((jobId) => {
    for (const sandbox of sandboxes) sandbox.cancel(jobId);
  });
  for (const poller of pollers) poller.start();
  alarms.start();
  let scheduler: Scheduler | undefined;
  if (options.schedules) {
    try {
      scheduler = await startScheduler({
        jobs: options.jobs,
        store: options.schedules,
        clock,
        logger,
      });
    } catch (e) {
      unsubscribe?.();
      await Promise.all(pollers.map((p) => p.stop()));
      await alarms.stop();
      await Promise.all(sandboxes.map((s) => s.close()));
      bundles.dispose();
      throw e;
    }
  }
  logger.info({ jobs: options.jobs.map((j) => j.name) }, "runtime started");

  let stopping: Promise<void> | undefined;
  const runtime = emitter as Runtime;
  runtime.stop = (stopOptions = {}) => {
    stopping ??= (async () => {
      await scheduler?.stop();
      unsubscribe?.();
      await Promise.all(
        pollers.map((p, i) =>
          p.stop(
            stopOptions.withinStopTimeout
              ? workerSettings(options.jobs[i]!.definition.options).stopTimeoutMs
              : undefined,
          ),
        ),
      );
      await alarms.stop();
      await Promise.all(sandboxes.map((s) => s.close()));
      bundles.dispose();
      logger.info("runtime stopped");
    })();
    return stopping;
  };
  runtime.counters = (jobName) => ({
    ...(counters.get(jobName) ?? { processed: 0, failed: 0, deadLettered: 0 }),
  });
  runtime.alarmState = (jobName) => alarms.state(jobName);
  runtime.checkAlarms = () => alarms.evaluate();
  return runtime;
}
