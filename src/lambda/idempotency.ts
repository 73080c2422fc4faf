import type { Clock } from "../core/clock.js";
import { describeValue } from "../core/duration.js";
import { OffloadError, toError } from "../core/errors.js";
import {
  type IdempotencyRef,
  type IdempotencyStore,
  MAX_IDEMPOTENCY_KEY_CHARS,
  MAX_RESULT_JSON_CHARS,
} from "../core/idempotency.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import type { Failures } from "./failures.js";
import type { RecordOutcome } from "./outcomes.js";
import type { SQSRecord } from "./sqs-types.js";

/**
 * A job's idempotency key for a payload: the `idempotency.key` function's, or the job's id.
 * `{ problem }` when the function throws or gives no usable key: the payload can never run.
 */
export function idempotencyKeyOf(
  idempotency: NonNullable<ResolvedJobOptions["idempotency"]>,
  payload: unknown,
  jobId: string,
): { key: string } | { problem: string } {
  if (idempotency.key === undefined) return { key: jobId };
  let key: unknown;
  try {
    key = idempotency.key(payload);
  } catch (e) {
    const error = toError(e);
    return { problem: `idempotency.key threw ${error.name}: ${error.message}` };
  }
  if (typeof key !== "string" || key === "" || key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
    return {
      problem: `idempotency.key returned ${describeValue(key)}: a key is a non-empty string of at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`,
    };
  }
  return { key };
}

/** A handler's result as kept: JSON text within the cap, and its value as read back. */
export interface KeptResult {
  json: string;
  value: unknown;
}

/**
 * The handler's resolved value as it is kept: undefined for none (undefined, or nothing JSON
 * can write, a function say); `{ tooLarge }` when its JSON is over MAX_RESULT_JSON_CHARS.
 * The value is read back from the JSON, so what the record, a duplicate and a worker's answer
 * carry is the same plain data.
 */
export function keptResult(value: unknown): KeptResult | { tooLarge: number } | undefined {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined; // a cycle or a BigInt: not JSON
  }
  if (json === undefined) return undefined;
  if (json.length > MAX_RESULT_JSON_CHARS) return { tooLarge: json.length };
  return { json, value: JSON.parse(json) };
}

/** The handler's value as kept; one too large is kept nowhere (and said so). */
export function keepResult(
  value: unknown,
  logger: Logger,
  fields: { jobName: string; jobId: string; messageId: string },
): KeptResult | undefined {
  const kept = keptResult(value);
  if (kept && "tooLarge" in kept) {
    logger.warn(
      { ...fields, chars: kept.tooLarge },
      "the handler's result is over 16 KiB as JSON: it is not kept",
    );
    return undefined;
  }
  return kept;
}

/** An idempotent job's steps around its handler: claim the key, then complete or release it. */
export interface IdempotentRun {
  /**
   * Claims the key for the rest of the attempt (its deadline): undefined when claimed (the
   * handler runs), else the attempt's outcome: a duplicate of a success answers with its
   * result, unrun; a key held elsewhere fails the attempt with IdempotencyInProgress, retried
   * once the hold ends; a store that fails, with IdempotencyUnavailable (never run unguarded).
   */
  claim(
    ref: IdempotencyRef,
    record: SQSRecord,
    attempt: number,
    deadline: number,
  ): Promise<RecordOutcome | undefined>;
  /** Keeps a success's result under the key for the job's ttl. Never throws: logs. */
  complete(ref: IdempotencyRef, kept: KeptResult | undefined): Promise<void>;
  /** Frees the key of a failed or cancelled run. Never throws: logs. */
  release(ref: IdempotencyRef): Promise<void>;
}

/** `ttlMs`: how long a success's result answers duplicates; `failed` ends a refused attempt. */
export function idempotentRun(
  store: IdempotencyStore,
  ttlMs: number,
  jobName: string,
  logger: Logger,
  clock: Clock,
  failed: Failures["failed"],
): IdempotentRun {
  return {
    async claim(ref, record, attempt, deadline) {
      const { messageId } = record;
      let claim: Awaited<ReturnType<IdempotencyStore["claim"]>>;
      try {
        claim = await store.claim(ref, Math.max(1, deadline - clock.now()));
      } catch (e) {
        const cause = toError(e);
        const error = new OffloadError(
          "IdempotencyUnavailable",
          `${jobName}: could not claim idempotency key ${JSON.stringify(ref.key)} (${cause.message}); the job is not run unguarded and is retried`,
          { jobName, messageId, cause },
        );
        return failed(record, attempt, error, deadline);
      }
      if (claim.status === "claimed") return undefined;
      if (claim.status === "done") {
        logger.info(
          {
            jobName,
            jobId: ref.jobId,
            messageId,
            attempt,
            idempotencyKey: ref.key,
            firstJobId: claim.jobId,
          },
          "this idempotency key already succeeded: its result is returned, and the handler is not run",
        );
        const outcome: RecordOutcome = {
          messageId,
          jobId: ref.jobId,
          status: "succeeded",
          attempt,
        };
        if (claim.result !== undefined) outcome.result = claim.result;
        return outcome;
      }
      const seconds = Math.max(1, Math.ceil(claim.heldForMs / 1000));
      const error = new OffloadError(
        "IdempotencyInProgress",
        `${jobName}: idempotency key ${JSON.stringify(ref.key)} is held by a running attempt of job ${claim.jobId} (for up to ${seconds} s more); this attempt does not run the handler, and is retried in ${seconds} s`,
        { jobName, messageId },
      );
      return failed(record, attempt, error, deadline, seconds);
    },

    async complete(ref, kept) {
      try {
        await store.complete(ref, kept?.json, ttlMs);
      } catch (e) {
        // The handler ran and succeeded: failing it now would run it again. The key stays held
        // until the attempt's deadline; a duplicate after that runs again.
        logger.warn(
          { jobName, jobId: ref.jobId, idempotencyKey: ref.key, error: toError(e).message },
          "could not record the idempotency key's success: a duplicate coming after this attempt's deadline runs again",
        );
      }
    },

    async release(ref) {
      try {
        await store.release(ref);
      } catch (e) {
        logger.warn(
          { jobName, jobId: ref.jobId, idempotencyKey: ref.key, error: toError(e).message },
          "could not free the idempotency key: the next attempt waits until this one's deadline",
        );
      }
    },
  };
}
