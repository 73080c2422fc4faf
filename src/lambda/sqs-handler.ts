import { type Clock, systemClock } from "../core/clock.js";
import { OffloadError } from "../core/errors.js";
import type { IdempotencyStore } from "../core/idempotency.js";
import { jobIdOf } from "../core/job-id.js";
import type { JobRecorder } from "../core/job-status.js";
import type { JobContext, JobDefinition } from "../core/job-types.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { formatIssues, validatePayload } from "../core/validate-payload.js";
import { recordEnds, recordStarts } from "./attempt-records.js";
import { runBatch } from "./batch-run.js";
import { type CancelCheck, startCancelChecks } from "./cancel-checks.js";
import { failures } from "./failures.js";
import { idempotencyKeyOf, idempotentRun, keepResult } from "./idempotency.js";
import { withFields } from "./log-fields.js";
import type { MessageActions } from "./message-actions.js";
import { cancelledOutcome, type ReceivedJob, type RecordOutcome } from "./outcomes.js";
import { type ProgressSink, progressReporters } from "./progress.js";
import type { LambdaContext, SQSBatchResponse, SQSEvent, SQSRecord } from "./sqs-types.js";

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
  onProgress?: ProgressSink;
  /**
   * Where an idempotent job (the `idempotency` option) keeps its keys and results. Required
   * for such a job. @defaultValue none
   */
  idempotency?: IdempotencyStore;
  /**
   * Asked while a batch runs, every `intervalMs`, whether a cancel was asked for its running
   * jobs; those it names are cancelled as by {@link SqsHandler.cancel}, so a handler that
   * reports no progress still sees its `ctx.signal` fire. @defaultValue none
   */
  cancelCheck?: CancelCheck;
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
   * `why: "lost"`: its message was lost to this worker (the signal fires with MessageLost);
   * a job not running here is left alone, as another receive holds it.
   */
  cancel(jobId: string, why?: "cancelled" | "lost"): boolean;
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
  const progressReporter = progressReporters(
    jobName,
    clock,
    logger,
    recorder ? recorder.progress.bind(recorder) : options.onProgress,
  );
  const { deadLetter, failed } = failures(
    jobName,
    resolved,
    options.actions,
    logger,
    clock,
    random,
  );
  const idempotent =
    resolved.idempotency && store
      ? idempotentRun(store, resolved.idempotency.ttlMs, jobName, logger, clock, failed)
      : undefined;
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
      const recorded = await recordStarts(recorder, logger, jobName, ready, started);
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
        const job: Running = {
          controller: new AbortController(),
          cancelled: false,
          settled: false,
        };
        jobs.push(job);
        item.running = job;
        running.set(item.jobId, job);
      }
      const checks =
        options.cancelCheck && ready.length > 0
          ? startCancelChecks(
              options.cancelCheck,
              clock,
              logger,
              jobName,
              () =>
                ready
                  .filter((i) => !i.running!.cancelled && !i.running!.settled)
                  .map((i) => i.jobId),
              (jobId) => handler.cancel(jobId),
            )
          : undefined;
      try {
        if (definition.batchHandler) {
          outcomes.push(
            ...(await runBatch(
              definition,
              jobName,
              logger,
              failed,
              ready,
              controller.signal,
              deadline,
            )),
          );
        } else {
          outcomes.push(...(await Promise.all(ready.map((item) => runOne(item, deadline)))));
        }
      } finally {
        checks?.stop();
        for (const item of ready) running.delete(item.jobId);
      }
      const order = new Map(records.map((r, i) => [r.messageId, i]));
      outcomes.sort((a, b) => (order.get(a.messageId) ?? 0) - (order.get(b.messageId) ?? 0));
      await recordEnds(recorder, logger, jobName, outcomes, started, clock);
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
    let key: string | undefined;
    if (resolved.idempotency) {
      const keyed = idempotencyKeyOf(resolved.idempotency, result.value, jobId);
      if ("problem" in keyed) {
        return { ok: false, outcome: await deadLetter(record, attempt, keyed.problem) };
      }
      key = keyed.key;
    }
    return { ok: true, record, jobId, payload: result.value, attempt, key };
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
      const answered = await idempotent!.claim(ref, record, attempt, deadline);
      if (answered) return answered;
    }
    let outcome: RecordOutcome;
    try {
      let value: unknown;
      try {
        value = await definition.handler!(payload, ctx);
      } finally {
        job.settled = true;
      }
      const kept = keepResult(value, logger, { jobName, jobId, messageId: record.messageId });
      outcome = { messageId: record.messageId, jobId, status: "succeeded", attempt };
      if (kept) outcome.result = kept.value;
      if (ref && !job.cancelled) await idempotent!.complete(ref, kept);
    } catch (thrown) {
      outcome = job.cancelled
        ? cancelledOutcome(item)
        : await failed(record, attempt, thrown, deadline);
    }
    // A failed or cancelled run frees its key: the next attempt (or job) with it may run.
    if (ref && (outcome.status !== "succeeded" || job.cancelled)) await idempotent!.release(ref);
    await progress.flush();
    // Cancelled while it ran: whatever it did, it ends cancelled (and never runs again).
    return job.cancelled ? cancelledOutcome(item) : outcome;
  }

  const handler = (async (event: SQSEvent, context?: LambdaContext): Promise<SQSBatchResponse> => {
    const { batchItemFailures } = await process(event, context);
    return { batchItemFailures };
  }) as SqsHandler;
  handler.process = process;
  handler.cancel = (jobId, why = "cancelled") => {
    const job = running.get(jobId);
    if (!job) {
      if (why === "lost") return false;
      early.add(jobId);
      if (early.size > MAX_EARLY_CANCELS) early.delete(early.values().next().value!);
      return false;
    }
    if (job.cancelled) return false;
    job.cancelled = true;
    job.controller.abort(
      why === "lost"
        ? new OffloadError(
            "MessageLost",
            `${jobName} job ${jobId}'s message was lost to this worker: another receive holds it, or it was deleted`,
            { jobName },
          )
        : new OffloadError("JobCancelled", `${jobName} job ${jobId} was cancelled`, { jobName }),
    );
    return true;
  };
  return handler;
}

/** A job of the batch that passed its checks, ready to run. */
interface Ready extends ReceivedJob {
  ok: true;
  record: SQSRecord;
  payload: unknown;
  /** The idempotency key, for an idempotent job. */
  key?: string;
  running?: Running;
}

/** A job while it runs: its own signal, whether a cancel came, whether its handler is done. */
interface Running {
  controller: AbortController;
  cancelled: boolean;
  settled: boolean;
}

/** Cancels kept for jobs not running yet (see createSqsHandler): enough for any batch in hand. */
const MAX_EARLY_CANCELS = 1000;
