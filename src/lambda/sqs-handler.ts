import { retryDelaySeconds, withinVisibilityLimit } from "../core/backoff.js";
import { type Clock, systemClock } from "../core/clock.js";
import { isRetryLater, isUnrecoverable } from "../core/control-flow.js";
import { OffloadError, toError } from "../core/errors.js";
import type { IdempotencyStore } from "../core/idempotency.js";
import { jobIdOf } from "../core/job-id.js";
import type { AttemptEnd, JobProgress, JobRecorder } from "../core/job-status.js";
import type { BatchItem, JobContext, JobDefinition } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { formatIssues, validatePayload } from "../core/validate-payload.js";
import { idempotencyKeyOf, type KeptResult, keptResult } from "./idempotency.js";
import type { MessageActions } from "./message-actions.js";
import type { LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from "./sqs-types.js";

/** Lambda's limit on a function's init phase (loading its code): 10 seconds. */
export const LAMBDA_INIT_LIMIT_MS = AWS_LIMITS.lambda.initLimitMs;

export interface SqsHandlerOptions {
  /** The job's name, for logs and `ctx.jobName`. @defaultValue process.env.OFFLOAD_JOB_NAME */
  jobName?: string;
  /** Retry-after and dead-letter operations. Required: there is no safe default. */
  actions: MessageActions;
  /** @defaultValue silent */
  logger?: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Jitter source for backoff. @defaultValue Math.random */
  random?: () => number;
  /**
   * Where each attempt's start, end and progress are written (the AWS job function's table).
   * Jobs it reports cancelled at their start are dropped unrun. @defaultValue none
   */
  recorder?: JobRecorder;
  /**
   * Where `ctx.progress` goes when there is no recorder (the local runtime's workers post it
   * to the engine). @defaultValue none: progress is checked and dropped
   */
  onProgress?: (jobId: string, progress: JobProgress) => void | Promise<void>;
  /**
   * Where an idempotent job (the `idempotency` option) keeps its keys and results. Required
   * for such a job. @defaultValue none
   */
  idempotency?: IdempotencyStore;
}

/** The shortest interval between two progress records of one job: a chatty handler is thinned. */
export const PROGRESS_INTERVAL_MS = 1000;
/** The longest progress message kept. */
export const MAX_PROGRESS_MESSAGE_CHARS = 200;

/** How one record ended. */
export type RecordOutcome =
  | {
      messageId: string;
      jobId: string;
      status: "succeeded";
      attempt: number;
      /** The handler's result (or, for an idempotent duplicate, the first run's), when kept. */
      result?: unknown;
    }
  | {
      messageId: string;
      jobId: string;
      status: "failed";
      attempt: number;
      error: ErrorInfo;
      /** Seconds until the next attempt, when the handler or backoff set one. */
      retryAfterSeconds: number | undefined;
      /** Why it is retried: the handler's RetryLater, the job's backoff, or an error. */
      retryReason: "error" | "retry-later" | "backoff";
    }
  | { messageId: string; jobId: string; status: "dead-lettered"; attempt: number; reason: string }
  /** Cancelled (before it ran, or while it ran): its message is deleted like a success's. */
  | { messageId: string; jobId: string; status: "cancelled"; attempt: number };

export interface ErrorInfo {
  name: string;
  message: string;
  code: string | undefined;
  /** Kept for the job's record (capped), not logged. */
  stack?: string;
}

export interface BatchResult extends SQSBatchResponse {
  outcomes: RecordOutcome[];
}

/** The function Lambda runs, with `process` for runtimes that want per-record outcomes. */
export interface SqsHandler {
  (event: SQSEvent, context?: LambdaContext): Promise<SQSBatchResponse>;
  process(event: SQSEvent, context?: LambdaContext): Promise<BatchResult>;
  /**
   * Cancels a job this handler is running: its `ctx.signal` fires with a JobCancelled error,
   * and whatever it then does, it ends `cancelled`. False if it is not running here; then,
   * should it start here after all (received, not yet started), it is dropped unrun.
   */
  cancel(jobId: string): boolean;
}

/**
 * The deployed handler of a job: Lambda's SQS event source calls it with a
 * batch and deletes every message not listed in `batchItemFailures`.
 *
 * Per record: a body that is not JSON, or fails the schema, goes to the DLQ
 * at once (it would fail every attempt); `Unrecoverable` goes to the DLQ;
 * `RetryLater` and backoff set the next attempt's delay; any other error is
 * retried after the queue's visibility timeout. Records of a batch run
 * concurrently. An error outside the per-record work (a failing action, a
 * batch handler naming an id that is not in the batch) fails the whole batch.
 *
 * An idempotent job (its `idempotency` option) claims its key before the handler runs: a key
 * whose run succeeded answers with that run's result, unrun; a key another attempt holds fails
 * this attempt with IdempotencyInProgress, retried once the hold ends (the other attempt's
 * deadline at the latest); a failed attempt frees its key.
 *
 * @throws OffloadError IdempotencyUnavailable for an idempotent job without `idempotency`.
 * @example
 * import { createSqsHandler } from "offload/lambda";
 * import job from "./jobs/greeting.js";
 * export const handler = createSqsHandler(job, { jobName: "greeting", actions });
 */
export function createSqsHandler(
  job: JobDefinition<never, never>,
  options: SqsHandlerOptions,
): SqsHandler {
  const definition = job as unknown as JobDefinition;
  const jobName = options.jobName ?? globalThis.process?.env?.OFFLOAD_JOB_NAME ?? "job";
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  const { actions } = options;
  const resolved = definition.options;
  const store = options.idempotency;
  if (resolved.idempotency && !store) {
    throw new OffloadError(
      "IdempotencyUnavailable",
      `${jobName} has the idempotency option, but no idempotency store is given to run it with (locally the engine keeps the keys; on AWS the stack's job table, which aws.jobHistory: false leaves out)`,
      { jobName },
    );
  }

  const { recorder } = options;
  const progressSink =
    recorder === undefined
      ? options.onProgress
      : (jobId: string, progress: JobProgress) => recorder.progress(jobId, progress);
  /** The jobs running here, by id: what `cancel` aborts. */
  const running = new Map<string, Running>();
  /**
   * Cancels that came for jobs not running here (yet): a job received but not started when
   * its cancel came is dropped unrun when its batch starts. The newest MAX_EARLY_CANCELS.
   */
  const early = new Set<string>();

  const process = async (event: SQSEvent, context?: LambdaContext): Promise<BatchResult> => {
    const started = clock.now();
    const deadline = started + (context ? context.getRemainingTimeInMillis() : resolved.timeoutMs);
    // One controller for the batch (a batch handler's signal) and one per job, each fired at the
    // timeout; a cancel fires a job's own.
    const controller = new AbortController();
    const jobs: Running[] = [];
    const timer = clock.setTimer(() => {
      const reason = new OffloadError("Timeout", `${jobName} reached its timeout`, { jobName });
      controller.abort(reason);
      for (const job of jobs) job.controller.abort(reason);
    }, deadline - started);
    try {
      const records = event.Records;
      const prepared = await Promise.all(records.map((record) => prepare(record)));
      const outcomes: RecordOutcome[] = [];
      let ready: Ready[] = [];
      for (const item of prepared) {
        if (item.ok) ready.push(item);
        else outcomes.push(item.outcome);
      }
      const recorded = await recordStarts(ready, started);
      const dropped =
        early.size === 0
          ? recorded
          : new Set([
              ...recorded,
              ...ready.filter((i) => early.delete(i.jobId)).map((i) => i.jobId),
            ]);
      if (dropped.size > 0) {
        for (const item of ready) {
          if (!dropped.has(item.jobId)) continue;
          logger.info(
            { jobName, jobId: item.jobId, messageId: item.record.messageId },
            "the job was cancelled before it ran: dropped unrun",
          );
          outcomes.push(cancelledOutcome(item));
        }
        ready = ready.filter((item) => !dropped.has(item.jobId));
      }
      for (const item of ready) {
        const job: Running = { controller: new AbortController(), cancelled: false };
        jobs.push(job);
        item.running = job;
        running.set(item.jobId, job);
      }
      try {
        if (definition.batchHandler) {
          outcomes.push(...(await runBatch(ready, controller.signal, deadline)));
        } else {
          outcomes.push(...(await Promise.all(ready.map((item) => runOne(item, deadline)))));
        }
      } finally {
        for (const item of ready) running.delete(item.jobId);
      }
      const order = new Map(records.map((r, i) => [r.messageId, i]));
      outcomes.sort((a, b) => (order.get(a.messageId) ?? 0) - (order.get(b.messageId) ?? 0));
      await recordEnds(outcomes, started);
      return {
        outcomes,
        batchItemFailures: outcomes
          .filter((o) => o.status === "failed")
          .map((o) => ({ itemIdentifier: o.messageId })),
      };
    } finally {
      clock.clearTimer(timer);
    }
  };

  /** Records the attempts starting; resolves with the jobs cancelled meanwhile (to drop). */
  async function recordStarts(ready: Ready[], at: number): Promise<ReadonlySet<string>> {
    if (!options.recorder || ready.length === 0) return NONE;
    try {
      return await options.recorder.started(
        ready.map((item) => ({
          jobId: item.jobId,
          jobName,
          messageId: item.record.messageId,
          attempt: item.attempt,
          at,
        })),
      );
    } catch (e) {
      // The record is advice; the jobs still run.
      logger.warn(
        { jobName, jobIds: ready.map((i) => i.jobId), error: toError(e).message },
        "could not record the jobs' attempts starting; they run anyway",
      );
      return NONE;
    }
  }

  async function recordEnds(outcomes: RecordOutcome[], startedAt: number): Promise<void> {
    if (!options.recorder || outcomes.length === 0) return;
    const at = clock.now();
    try {
      await options.recorder.ended(outcomes.map((o) => attemptEnd(o, jobName, startedAt, at)));
    } catch (e) {
      logger.warn(
        { jobName, jobIds: outcomes.map((o) => o.jobId), error: toError(e).message },
        "could not record how the jobs' attempts ended",
      );
    }
  }

  async function prepare(
    record: SQSRecord,
  ): Promise<Ready | { ok: false; outcome: RecordOutcome }> {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.body);
    } catch {
      return {
        ok: false,
        outcome: await deadLetter(record, attempt, "the message body is not JSON"),
      };
    }
    const result = await validatePayload(definition.schema, parsed);
    if (!result.ok) {
      const issues = formatIssues(result.issues);
      return {
        ok: false,
        outcome: await deadLetter(
          record,
          attempt,
          `the payload does not match the job's schema: ${issues}`,
        ),
      };
    }
    const jobId = jobIdOf(record);
    if (!resolved.idempotency) return { ok: true, record, jobId, payload: result.value, attempt };
    const key = idempotencyKeyOf(resolved.idempotency, result.value, jobId);
    if ("problem" in key) {
      return { ok: false, outcome: await deadLetter(record, attempt, key.problem) };
    }
    return { ok: true, record, jobId, payload: result.value, attempt, key: key.key };
  }

  async function deadLetter(
    record: SQSRecord,
    attempt: number,
    reason: string,
  ): Promise<RecordOutcome> {
    const jobId = jobIdOf(record);
    logger.warn(
      { jobName, jobId, messageId: record.messageId, attempt, reason },
      "moving the job to its dead-letter queue",
    );
    await actions.deadLetter(record, reason);
    return { messageId: record.messageId, jobId, status: "dead-lettered", attempt, reason };
  }

  async function failed(
    record: SQSRecord,
    attempt: number,
    thrown: unknown,
    deadline: number,
    /** A delay that replaces the job's own (a held idempotency key's). */
    delaySeconds?: number,
  ): Promise<RecordOutcome> {
    if (isUnrecoverable(thrown))
      return deadLetter(record, attempt, `Unrecoverable: ${toError(thrown).message}`);
    const error = toError(thrown);
    let retryAfterSeconds: number | undefined;
    let retryReason: "error" | "retry-later" | "backoff" = "error";
    // RetryLater's own delay, else the job's backoff; else the queue's visibility timeout.
    if (isRetryLater(thrown)) {
      retryAfterSeconds = thrown.delaySeconds;
      retryReason = "retry-later";
    } else if (delaySeconds !== undefined) {
      retryAfterSeconds = delaySeconds;
      retryReason = "retry-later";
    }
    if (retryAfterSeconds === undefined && resolved.backoff) {
      retryAfterSeconds = retryDelaySeconds(resolved, attempt, random);
      retryReason = "backoff";
    }
    if (retryAfterSeconds !== undefined) {
      // Within SQS's 12 hours from the receive: the messages were received up to the batching
      // window and a cold start (at most 10 s) before the invocation began.
      const heldMs =
        clock.now() -
        (deadline - resolved.timeoutMs) +
        resolved.maxBatchingWindowMs +
        LAMBDA_INIT_LIMIT_MS;
      retryAfterSeconds = withinVisibilityLimit(retryAfterSeconds, heldMs);
      try {
        await actions.retryAfter(record, retryAfterSeconds);
      } catch (e) {
        logger.warn(
          {
            jobName,
            jobId: jobIdOf(record),
            messageId: record.messageId,
            error: toError(e).message,
          },
          "could not set the job's retry delay; it retries after the queue's",
        );
        retryAfterSeconds = undefined;
      }
    }
    // The queue moves the message to the DLQ at the receive after its last attempt, and says
    // nothing then (on AWS neither): this line is where a user watching the log learns of it.
    const last = attempt >= resolved.maxAttempts;
    const jobId = jobIdOf(record);
    logger.warn(
      {
        jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        maxAttempts: resolved.maxAttempts,
        error: errorInfo(error),
        retryAfterSeconds,
      },
      last
        ? `job failed; that was its last attempt of ${resolved.maxAttempts}: it moves to the dead-letter queue once its retry delay has passed`
        : "job failed",
    );
    return {
      messageId: record.messageId,
      jobId,
      status: "failed",
      attempt,
      error: errorInfo(error, { stack: true }),
      retryAfterSeconds,
      retryReason,
    };
  }

  async function runOne(item: Ready, deadline: number): Promise<RecordOutcome> {
    const { record, payload, attempt, jobId } = item;
    const job = item.running!;
    const progress = progressReporter(jobId);
    const ctx: JobContext = {
      jobName,
      jobId,
      messageId: record.messageId,
      attempt,
      signal: job.controller.signal,
      deadline,
      logger: withFields(logger, { jobName, jobId, messageId: record.messageId, attempt }),
      progress: progress.report,
    };
    const ref = item.key === undefined ? undefined : { jobName, key: item.key, jobId };
    if (ref) {
      const answered = await claimKey(item, ref, deadline);
      if (answered) return answered;
    }
    let outcome: RecordOutcome;
    try {
      const value = await definition.handler!(payload, ctx);
      const kept = keepResult(value, item);
      outcome = { messageId: record.messageId, jobId, status: "succeeded", attempt };
      if (kept) outcome.result = kept.value;
      if (ref && !job.cancelled) await completeKey(ref, kept);
    } catch (thrown) {
      outcome = job.cancelled
        ? cancelledOutcome(item)
        : await failed(record, attempt, thrown, deadline);
    }
    // A failed or cancelled run frees its key: the next attempt (or job) with it may run.
    if (ref && (outcome.status !== "succeeded" || job.cancelled)) await releaseKey(ref);
    await progress.flush();
    // Cancelled while it ran: whatever it did, it ends cancelled (and never runs again).
    return job.cancelled ? cancelledOutcome(item) : outcome;
  }

  /**
   * Claims an idempotent job's key for the rest of the attempt (its deadline): undefined when
   * claimed (the handler runs), else the attempt's outcome: a duplicate of a success answers
   * with its result, unrun; a key held elsewhere (or a store that failed) fails the attempt.
   */
  async function claimKey(
    item: Ready,
    ref: { jobName: string; key: string; jobId: string },
    deadline: number,
  ): Promise<RecordOutcome | undefined> {
    const { record, attempt, jobId } = item;
    const fields = {
      jobName,
      jobId,
      messageId: record.messageId,
      attempt,
      idempotencyKey: ref.key,
    };
    let claim: Awaited<ReturnType<IdempotencyStore["claim"]>>;
    try {
      claim = await store!.claim(ref, Math.max(1, deadline - clock.now()));
    } catch (e) {
      const cause = toError(e);
      const error = new OffloadError(
        "IdempotencyUnavailable",
        `${jobName}: could not claim idempotency key ${JSON.stringify(ref.key)} (${cause.message}); the job is not run unguarded and is retried`,
        { jobName, messageId: record.messageId, cause },
      );
      return failed(record, attempt, error, deadline);
    }
    if (claim.status === "claimed") return undefined;
    if (claim.status === "done") {
      logger.info(
        { ...fields, firstJobId: claim.jobId },
        "this idempotency key already succeeded: its result is returned, and the handler is not run",
      );
      const outcome: RecordOutcome = {
        messageId: record.messageId,
        jobId,
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
      { jobName, messageId: record.messageId },
    );
    return failed(record, attempt, error, deadline, seconds);
  }

  /** The handler's value as kept; one too large is kept nowhere (and said so). */
  function keepResult(value: unknown, item: Ready): KeptResult | undefined {
    const kept = keptResult(value);
    if (kept && "tooLarge" in kept) {
      logger.warn(
        { jobName, jobId: item.jobId, messageId: item.record.messageId, chars: kept.tooLarge },
        "the handler's result is over 16 KiB as JSON: it is not kept",
      );
      return undefined;
    }
    return kept;
  }

  async function completeKey(
    ref: { jobName: string; key: string; jobId: string },
    kept: KeptResult | undefined,
  ): Promise<void> {
    try {
      await store!.complete(ref, kept?.json, resolved.idempotency!.ttlMs);
    } catch (e) {
      // The handler ran and succeeded: failing it now would run it again. The key stays held
      // until the attempt's deadline; a duplicate after that runs again.
      logger.warn(
        { jobName, jobId: ref.jobId, idempotencyKey: ref.key, error: toError(e).message },
        "could not record the idempotency key's success: a duplicate coming after this attempt's deadline runs again",
      );
    }
  }

  async function releaseKey(ref: { jobName: string; key: string; jobId: string }): Promise<void> {
    try {
      await store!.release(ref);
    } catch (e) {
      logger.warn(
        { jobName, jobId: ref.jobId, idempotencyKey: ref.key, error: toError(e).message },
        "could not free the idempotency key: the next attempt waits until this one's deadline",
      );
    }
  }

  /** ctx.progress for one job: checked, thinned to one record a second, the last one kept. */
  function progressReporter(jobId: string) {
    let lastAt = Number.NEGATIVE_INFINITY;
    let pending: JobProgress | undefined;
    const write = async (progress: JobProgress) => {
      try {
        await progressSink?.(jobId, progress);
      } catch (e) {
        logger.warn(
          { jobName, jobId, error: toError(e).message },
          "could not record the job's progress",
        );
      }
    };
    return {
      report(value: ProgressValue, message?: string): void {
        const progress = checkProgress(value, message, jobName, clock.now());
        if (!progressSink) return;
        const now = clock.now();
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
  }

  async function runBatch(
    items: Ready[],
    signal: AbortSignal,
    deadline: number,
  ): Promise<RecordOutcome[]> {
    if (items.length === 0) return [];
    const batch: BatchItem<unknown>[] = items.map((i) => ({
      jobId: jobIdOf(i.record),
      messageId: i.record.messageId,
      payload: i.payload,
      attempt: i.attempt,
    }));
    let failedIds: ReadonlyArray<string>;
    try {
      failedIds =
        (await definition.batchHandler!(batch, {
          jobName,
          signal,
          deadline,
          logger: withFields(logger, { jobName }),
        })) ?? [];
    } catch (thrown) {
      return Promise.all(
        items.map((i) =>
          i.running?.cancelled
            ? cancelledOutcome(i)
            : failed(i.record, i.attempt, thrown, deadline),
        ),
      );
    }
    if (!Array.isArray(failedIds)) {
      throw new OffloadError(
        "BatchHandlerContract",
        `${jobName}: batchHandler must resolve with an array of failed message ids (or nothing); got ${typeof failedIds}`,
        { jobName },
      );
    }
    const known = new Set(items.map((i) => i.record.messageId));
    const unknown = failedIds.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw new OffloadError(
        "BatchHandlerContract",
        `${jobName}: batchHandler returned message id ${JSON.stringify(unknown)}, which is not in the batch`,
        { jobName, messageId: String(unknown) },
      );
    }
    const failedSet = new Set(failedIds);
    return Promise.all(
      items.map((i) =>
        i.running?.cancelled
          ? Promise.resolve(cancelledOutcome(i))
          : failedSet.has(i.record.messageId)
            ? failed(
                i.record,
                i.attempt,
                new OffloadError("BatchItemFailed", "batchHandler reported this job as failed", {
                  jobName,
                  messageId: i.record.messageId,
                }),
                deadline,
              )
            : Promise.resolve<RecordOutcome>({
                messageId: i.record.messageId,
                jobId: jobIdOf(i.record),
                status: "succeeded",
                attempt: i.attempt,
              }),
      ),
    );
  }

  const handler = (async (event: SQSEvent, context?: LambdaContext): Promise<SQSBatchResponse> => {
    const { batchItemFailures } = await process(event, context);
    return { batchItemFailures };
  }) as SqsHandler;
  handler.process = process;
  handler.cancel = (jobId) => {
    const job = running.get(jobId);
    if (!job) {
      early.add(jobId);
      if (early.size > MAX_EARLY_CANCELS) early.delete(early.values().next().value!);
      return false;
    }
    if (job.cancelled) return false;
    job.cancelled = true;
    job.controller.abort(
      new OffloadError("JobCancelled", `${jobName} job ${jobId} was cancelled`, { jobName }),
    );
    return true;
  };
  return handler;
}

/** A job of the batch that passed its checks, ready to run. */
interface Ready {
  ok: true;
  record: SQSRecord;
  jobId: string;
  payload: unknown;
  attempt: number;
  /** The idempotency key, for an idempotent job. */
  key?: string;
  running?: Running;
}

/** A job while it runs: its own signal, and whether a cancel came. */
interface Running {
  controller: AbortController;
  cancelled: boolean;
}

const NONE: ReadonlySet<string> = new Set();

/** Cancels kept for jobs not running yet (see createSqsHandler): enough for any batch in hand. */
const MAX_EARLY_CANCELS = 1000;

function cancelledOutcome(item: Ready): RecordOutcome {
  return {
    messageId: item.record.messageId,
    jobId: item.jobId,
    status: "cancelled",
    attempt: item.attempt,
  };
}

/** What a recorder keeps of how an attempt ended. */
function attemptEnd(
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

/** What `ctx.progress` takes. */
export type ProgressValue = number | { done: number; total: number };

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

export function errorInfo(error: Error, options: { stack?: boolean } = {}): ErrorInfo {
  const code = (error as { code?: unknown }).code;
  const message = String(error.message);
  const info: ErrorInfo = {
    name: error.name,
    // Logged at every attempt and kept with the message for the DLQ listing: a handler that
    // throws megabytes (a whole response body, say) must not write them each time.
    message:
      message.length > MAX_ERROR_MESSAGE_CHARS
        ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (${message.length} characters in all)`
        : message,
    code: typeof code === "string" ? code : undefined,
  };
  if (options.stack && typeof error.stack === "string") {
    info.stack =
      error.stack.length > MAX_ERROR_STACK_CHARS
        ? `${error.stack.slice(0, MAX_ERROR_STACK_CHARS)}…`
        : error.stack;
  }
  return info;
}

/** The longest stack kept with a failed attempt's record. */
export const MAX_ERROR_STACK_CHARS = 4096;

/** The longest error message kept and logged; the rest is cut, saying how long it was. */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

/** A logger that adds `fields` to every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  // Built for every job. Methods, not arrow properties: under tsx (esbuild keepNames) each
  // arrow property gets a name-setting call, which costs more than the rest of this.
  // They use no `this`, so destructuring them from ctx.logger still works.
  return {
    debug(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.debug, fields, a, message);
    },
    info(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.info, fields, a, message);
    },
    warn(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.warn, fields, a, message);
    },
    error(a: Record<string, unknown> | string, message?: string) {
      logWithFields(logger.error, fields, a, message);
    },
  };
}

function logWithFields(
  fn: Logger["info"],
  fields: Record<string, unknown>,
  a: Record<string, unknown> | string,
  message: string | undefined,
): void {
  if (typeof a === "string") fn({ ...fields }, a);
  else fn({ ...fields, ...a }, message);
}
