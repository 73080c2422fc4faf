import { type Clock, systemClock } from "../../core/clock.js";
import { type Logger, silentLogger } from "../../core/logger.js";
import type { Transport } from "../../core/transport.js";
import type { LoadedJob } from "../load-jobs.js";
import { type Runtime, type RuntimeOptions, startRuntime } from "../runtime.js";
import { TaskProtection } from "./task-protection.js";

export interface WorkerOptions {
  jobs: readonly LoadedJob[];
  /** The stack's queues: the AWS transport. */
  transport: Transport & {
    /** Resolves once aborted long polls have ended and returned what they received. */
    settled?(): Promise<void>;
  };
  /** @defaultValue silent */
  logger?: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Where `ECS_AGENT_URI` is read (present on ECS: task protection is used). @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** What calls the ECS agent. @defaultValue globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Passed to the runtime as they are. */
  runtime?: Omit<RuntimeOptions, "jobs" | "transport" | "logger" | "clock" | "guard">;
}

/** A running worker. */
export interface Worker {
  runtime: Runtime;
  /** The task's scale-in protection, when running on ECS. */
  protection: TaskProtection | undefined;
  /**
   * What SIGTERM does: stop polling at once (messages an aborted long poll received are made
   * visible again), let running jobs finish within their stopTimeout (those still running then
   * are made visible again for another worker), release task protection. Once only.
   */
  shutdown(): Promise<void>;
}

/**
 * The container worker (`offload worker`): the local runtime over the stack's queues, with ECS
 * task scale-in protection while it has work (when `ECS_AGENT_URI` is set, as ECS sets it in
 * every task) and the graceful shutdown ECS's SIGTERM asks for.
 *
 * @example
 * const worker = await startWorker({ jobs, transport, logger });
 * exitOnSignals(() => worker.shutdown(), logger);
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const agentUri = (options.env ?? process.env).ECS_AGENT_URI;
  const protection =
    agentUri === undefined || agentUri === ""
      ? undefined
      : new TaskProtection({
          agentUri,
          clock,
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
  const runtime = await startRuntime({
    ...options.runtime,
    jobs: options.jobs,
    transport: options.transport,
    logger,
    clock,
    ...(protection ? { guard: protection } : {}),
  });
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    protection,
    shutdown() {
      stopping ??= (async () => {
        logger.info("Stopping: no more polling; running jobs finish within their stopTimeout");
        await runtime.stop({ withinStopTimeout: true });
        await options.transport.settled?.();
        await protection?.close();
        logger.info("Worker stopped");
      })();
      return stopping;
    },
  };
}
