import type { Clock } from "../core/clock.js";
import { OffloadError, toError } from "../core/errors.js";
import type { JobProgress } from "../core/job-status.js";
import type { Logger } from "../core/logger.js";

/** The shortest interval between two progress records of one job: a chatty handler is thinned. */
export const PROGRESS_INTERVAL_MS = 1000;
/** The longest progress message kept. */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;

/** What `ctx.progress` takes. */
export type ProgressValue = number | { done: number; total: number };

/** Where a job's checked progress goes. */
export type ProgressSink = (jobId: string, progress: JobProgress) => void | Promise<void>;

/** One job's `ctx.progress`, and what is left to write when the job ends. */
export interface ProgressReporter {
  report(value: ProgressValue, message?: string): void;
  /** Writes the last report the thinning held back. */
  flush(): Promise<void>;
}

/**
 * A reporter per job: each report checked, then thinned to one record a second, the last one
 * kept. A failing sink is logged, never thrown into the handler; with no sink, progress is
 * checked and dropped.
 */
export function progressReporters(
  jobName: string,
  clock: Clock,
  logger: Logger,
  sink: ProgressSink | undefined,
): (jobId: string) => ProgressReporter {
  return (jobId) => {
    let lastAt = Number.NEGATIVE_INFINITY;
    let pending: JobProgress | undefined;
    const write = async (progress: JobProgress) => {
      try {
        await sink?.(jobId, progress);
      } catch (e) {
        logger.warn(
          { jobName, jobId, error: toError(e).message },
          "could not record the job's progress",
        );
      }
    };
    return {
      report(value: ProgressValue, message?: string): void {
        const now = clock.now();
        const progress = checkProgress(value, message, jobName, now);
        if (!sink) return;
        if (now - lastAt >= PROGRESS_INTERVAL_MS) {
          lastAt = now;
          pending = undefined;
          void write(progress);
        } else {
          pending = progress;
        }
      },
      async flush(): Promise<void> {
        if (pending) await write(pending);
        pending = undefined;
      },
    };
  };
}

/**
 * A progress report, checked: 0–100, or whole `done` of `total`; the message cut to
 * {@link MAX_PROGRESS_MESSAGE_CHARS}.
 * @throws OffloadError InvalidProgress naming what came.
 */
export function checkProgress(
  value: unknown,
  message: unknown,
  jobName: string,
  now: number,
): JobProgress {
  const ok =
    (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 100) ||
    (typeof value === "object" &&
      value !== null &&
      Number.isInteger((value as { done?: unknown }).done) &&
      Number.isInteger((value as { total?: unknown }).total) &&
      (value as { done: number }).done >= 0 &&
      (value as { total: number }).total >= (value as { done: number }).done);
  if (!ok) {
    throw new OffloadError(
      "InvalidProgress",
      `ctx.progress takes a number from 0 to 100, or { done, total } with whole numbers 0 ≤ done ≤ total; got ${shownValue(value)}`,
      { jobName },
    );
  }
  if (message !== undefined && typeof message !== "string") {
    throw new OffloadError(
      "InvalidProgress",
      `ctx.progress's message must be a string; got ${typeof message}`,
      { jobName },
    );
  }
  const progress: JobProgress = {
    value:
      typeof value === "number"
        ? value
        : { done: (value as { done: number }).done, total: (value as { total: number }).total },
    at: new Date(now).toISOString(),
  };
  if (message !== undefined) {
    progress.message =
      message.length > MAX_PROGRESS_MESSAGE_CHARS
        ? `${message.slice(0, MAX_PROGRESS_MESSAGE_CHARS)}…`
        : message;
  }
  return progress;
}

/** A value as an error message shows it: its JSON when it has one, else its type. */
function shownValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `the bigint ${value}`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    // A cycle, say: its type says enough.
  }
  return typeof value;
}
