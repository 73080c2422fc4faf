import type { Clock } from "../core/clock.js";
import { toError } from "../core/errors.js";
import type { AttemptEnd, JobRecorder } from "../core/job-status.js";
import type { Logger } from "../core/logger.js";
import type { ReceivedJob, RecordOutcome } from "./outcomes.js";

const NONE: ReadonlySet<string> = new Set();

/**
 * Records the attempts starting; resolves with the jobs cancelled meanwhile (to drop). The
 * record is advice: when it cannot be written, the jobs run anyway.
 */
export async function recordStarts(
  recorder: JobRecorder | undefined,
  logger: Logger,
  jobName: string,
  ready: readonly ReceivedJob[],
  at: number,
): Promise<ReadonlySet<string>> {
  if (!recorder || ready.length === 0) return NONE;
  try {
    return await recorder.started(
      ready.map((item) => ({
        jobId: item.jobId,
        jobName,
        messageId: item.record.messageId,
        attempt: item.attempt,
        at,
      })),
    );
  } catch (e) {
    logger.warn(
      { jobName, jobIds: ready.map((i) => i.jobId), error: toError(e).message },
      "could not record the jobs' attempts starting; they run anyway",
    );
    return NONE;
  }
}

/** Records how the attempts ended; a failure to is logged. */
export async function recordEnds(
  recorder: JobRecorder | undefined,
  logger: Logger,
  jobName: string,
  outcomes: readonly RecordOutcome[],
  startedAt: number,
  clock: Clock,
): Promise<void> {
  if (!recorder || outcomes.length === 0) return;
  const at = clock.now();
  try {
    await recorder.ended(outcomes.map((o) => attemptEnd(o, jobName, startedAt, at)));
  } catch (e) {
    logger.warn(
      { jobName, jobIds: outcomes.map((o) => o.jobId), error: toError(e).message },
      "could not record how the jobs' attempts ended",
    );
  }
}

/** What a recorder keeps of how an attempt ended. */
export function attemptEnd(
  outcome: RecordOutcome,
  jobName: string,
  startedAt: number,
  at: number,
): AttemptEnd {
  const end: AttemptEnd = {
    jobId: outcome.jobId,
    jobName,
    attempt: outcome.attempt,
    startedAt,
    at,
    outcome: outcome.status,
  };
  if (outcome.status === "failed") {
    end.error = { name: outcome.error.name, message: outcome.error.message };
    if (outcome.error.code !== undefined) end.error.code = outcome.error.code;
    if (outcome.error.stack !== undefined) end.error.stack = outcome.error.stack;
    if (outcome.retryAfterSeconds !== undefined) {
      end.retry = { reason: outcome.retryReason, at: at + outcome.retryAfterSeconds * 1000 };
    }
  }
  if (outcome.status === "dead-lettered") end.reason = outcome.reason;
  if (outcome.status === "succeeded" && outcome.result !== undefined) end.result = outcome.result;
  return end;
}
