import { OffloadError } from "../../core/errors.js";
import type { JobHistoryOptions } from "./records.js";

/** 7 days: how long a finished job's record is kept unless the engine's options say. */
export const DEFAULT_FINISHED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** The most finished jobs' records kept unless the engine's options say. */
export const DEFAULT_MAX_FINISHED_JOBS = 100_000;

/** The job history options of `createEngine`, with defaults, checked. */
export function resolveJobHistoryOptions(options: {
  jobHistory?: boolean | undefined;
  finishedJobRetentionMs?: number | undefined;
  maxFinishedJobs?: number | undefined;
}): JobHistoryOptions {
  const problems: string[] = [];
  if (options.jobHistory !== undefined && typeof options.jobHistory !== "boolean") {
    problems.push(`jobHistory must be true or false; got ${describe(options.jobHistory)}`);
  }
  const count = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    problems.push(`${name} must be a whole number of 0 or more; got ${describe(value)}`);
    return fallback;
  };
  const resolved: JobHistoryOptions = Object.freeze({
    enabled: options.jobHistory ?? true,
    finishedRetentionMs: count(
      "finishedJobRetentionMs",
      options.finishedJobRetentionMs,
      DEFAULT_FINISHED_JOB_RETENTION_MS,
    ),
    maxFinishedJobs: count("maxFinishedJobs", options.maxFinishedJobs, DEFAULT_MAX_FINISHED_JOBS),
  });
  if (problems.length > 0) {
    throw new OffloadError(
      "InvalidEngineOptions",
      `Invalid engine options: ${problems.join("; ")}`,
    );
  }
  return resolved;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
