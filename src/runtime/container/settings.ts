import type { ResolvedJobOptions } from "../../core/job-types.js";

/** Fargate's longest stopTimeout, and the worker's default: 120 s (ECS task definition parameters). */
export const DEFAULT_STOP_TIMEOUT_MS = 120_000;

/** What the worker reads of a job's container options. */
export interface WorkerSettings {
  /** How long running jobs may go on after SIGTERM before their messages are made visible again. */
  stopTimeoutMs: number;
  /**
   * Whether a running job's visibility is extended while it runs: container jobs' (unless
   * `container.heartbeat` is false). A Lambda job's retryDelay covers its timeout, and with
   * none its retries come when Lambda's would.
   */
  heartbeat: boolean;
}

/**
 * The worker's settings for a job: its `container.stopTimeout` and `container.heartbeat`
 * options, where it has them; else 120 s, and no heartbeat (a Lambda job).
 */
export function workerSettings(options: ResolvedJobOptions): WorkerSettings {
  const container = options.container;
  return {
    stopTimeoutMs: container?.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    heartbeat: options.runtime === "container" && (container?.heartbeat ?? true),
  };
}
