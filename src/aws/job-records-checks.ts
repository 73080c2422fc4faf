// The job table's checks of what callers give (acceptances, listing filters), and the errors
// its operations answer with.

import { OffloadError, toError } from "../core/errors.js";
import { checkJobId } from "../core/job-id.js";
import { JOB_STATES, type JobAcceptance, type JobFilter } from "../core/job-status.js";
import { RECORD_LIMITS, utf8Bytes } from "./job-records-items.js";
import { decodeCursor, type ListQuery } from "./job-records-list.js";

const LIST_LIMIT = { min: 1, max: 1000, default: 100 } as const;
const STATES: ReadonlySet<string> = new Set(JOB_STATES);

/** An acceptance checked: a valid id, a job name, times as finite numbers, a key within its cap. */
export function checkAcceptance(acceptance: JobAcceptance): JobAcceptance {
  const { jobId, jobName, at, runAt, idempotencyKey, idempotencyWindowMs } = acceptance;
  checkJobId(jobId, jobName);
  const invalid = (message: string) =>
    new OffloadError("InvalidRequest", message, typeof jobName === "string" ? { jobName } : {});
  if (typeof jobName !== "string" || jobName === "")
    throw invalid(`jobName must be a job's name; got ${JSON.stringify(jobName)}`);
  if (!Number.isFinite(at)) throw invalid(`at must be epoch ms; got ${JSON.stringify(at)}`);
  if (runAt !== undefined && !Number.isFinite(runAt))
    throw invalid(`runAt must be epoch ms; got ${JSON.stringify(runAt)}`);
  if (idempotencyKey !== undefined) {
    const bytes = typeof idempotencyKey === "string" ? utf8Bytes(idempotencyKey) : 0;
    if (bytes === 0 || bytes > RECORD_LIMITS.idempotencyKeyBytes) {
      throw invalid(
        `idempotencyKey must be 1 to ${RECORD_LIMITS.idempotencyKeyBytes} bytes of text; got ${typeof idempotencyKey === "string" ? `${bytes} bytes` : typeof idempotencyKey}`,
      );
    }
  }
  if (
    idempotencyWindowMs !== undefined &&
    !(Number.isSafeInteger(idempotencyWindowMs) && idempotencyWindowMs > 0)
  ) {
    throw invalid(
      `idempotencyWindowMs must be a whole number of ms above 0; got ${JSON.stringify(idempotencyWindowMs)}`,
    );
  }
  return acceptance;
}

/** A listing's filter checked, each problem naming the field, what it takes and what came. */
export function checkFilter(filter: JobFilter, jobNames: readonly string[] | undefined): ListQuery {
  const invalid = (message: string) => new OffloadError("InvalidRequest", message);
  const limit = filter.limit ?? LIST_LIMIT.default;
  if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
    throw invalid(
      `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}; got ${JSON.stringify(limit)}`,
    );
  }
  if (filter.state !== undefined && !STATES.has(filter.state)) {
    throw invalid(
      `state must be one of ${JOB_STATES.join(", ")}; got ${JSON.stringify(filter.state)}`,
    );
  }
  let sinceMs: number | undefined;
  if (filter.since !== undefined) {
    sinceMs = typeof filter.since === "string" ? Date.parse(filter.since) : Number.NaN;
    if (!Number.isFinite(sinceMs) || sinceMs < 0) {
      throw invalid(
        `since must be an ISO 8601 time such as 2025-01-31T12:00:00Z; got ${JSON.stringify(filter.since)}`,
      );
    }
  }
  let before: string | undefined;
  if (filter.cursor !== undefined) {
    before = typeof filter.cursor === "string" ? decodeCursor(filter.cursor) : undefined;
    if (before === undefined) {
      throw invalid(
        `cursor must be the nextCursor of an earlier page; got ${JSON.stringify(String(filter.cursor).slice(0, 80))}`,
      );
    }
  }
  const names = filter.jobName !== undefined ? [filter.jobName] : jobNames;
  if (names === undefined) {
    throw invalid(
      "listing every job needs the stack's job names (the jobNames option); or give a jobName",
    );
  }
  return { jobNames: names, state: filter.state, sinceMs, limit, before };
}

export function jobIdInUse(jobId: string, jobName: string): OffloadError {
  return new OffloadError(
    "JobIdInUse",
    `job id ${jobId} is already taken by another job (ids are kept as long as the job's history)`,
    { jobName },
  );
}

export function jobNotFound(jobId: string): OffloadError {
  return new OffloadError(
    "JobNotFound",
    `there is no job ${jobId} (never accepted, or past the history's retention)`,
  );
}

/** Each item's reason code (`None`, `ConditionalCheckFailed`, ...) of a cancelled transaction. */
export function transactionReasons(e: unknown): string[] | undefined {
  const error = toError(e) as Error & { CancellationReasons?: Array<{ Code?: string }> };
  if (error.name !== "TransactionCanceledException") return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
}
