import type { AppendFsync } from "./redis.js";
import type { LatencySummary } from "./stats.js";

export { cpuSince } from "./engine-drain.js";

/** One drain of pre-filled no-op jobs by one system. */
export interface DrainRun {
  jobs: number;
  enqueueMs: number;
  enqueuePerSec: number;
  /** From the start of processing to the last job done. */
  drainMs: number;
  drainPerSec: number;
  /** CPU (user + system) of the bench process during the drain, per job. */
  cpuMicrosPerJob: number;
  /** What else the system reports (settings, group commit, the Redis server's own CPU). */
  extra: Record<string, number | string | boolean>;
}

export interface LatencyOptions {
  /** Samples sent first and not counted. */
  warmUp: number;
  samples: number;
  /** Longest random pause between a job's end and the next send. */
  maxPauseMs: number;
}

/** Idle send → handler start, one job at a time. */
export interface LatencyRun {
  samples: number;
  latency: LatencySummary;
  extra: Record<string, number | string | boolean>;
}

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface BullmqDrainOptions {
  jobs: number;
  appendfsync: AppendFsync;
  /** Jobs per `addBulk` call. */
  bulkSize: number;
  /** `addBulk` calls in flight at once. */
  producers: number;
  concurrency: number;
}

export interface BullmqLatencyOptions extends LatencyOptions {
  appendfsync: AppendFsync;
  concurrency: number;
}

export interface PlainjobDrainOptions {
  jobs: number;
  /** `synchronous` after plainjob's own pragmas: "FULL" as offload, or plainjob's "NORMAL". */
  synchronous: "FULL" | "NORMAL";
}
