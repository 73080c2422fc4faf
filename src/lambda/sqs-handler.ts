import { retryDelaySeconds, withinVisibilityLimit } from "../core/backoff.js";
import { type Clock, systemClock } from "../core/clock.js";
import { isRetryLater, isUnrecoverable } from "../core/control-flow.js";
import { OffloadError, toError } from "../core/errors.js";
import { jobIdOf } from "../core/job-id.js";
import type { BatchItem, JobDefinition } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { formatIssues, validatePayload } from "../core/validate-payload.js";
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
}

/** How one record ended. */
export type RecordOutcome =
  | { messageId: string; jobId: string; status: "succeeded"; attempt: number }
  | {
      messageId: string;
      jobId: string;
      status: "failed";
      attempt: number;
      error: ErrorInfo;
      /** Seconds until the next attempt, when the handler or backoff set one. */
      retryAfterSeconds: number | undefined;
    }
  | { messageId: string; jobId: string; status: "dead-lettered"; attempt: number; reason: string };

export interface ErrorInfo {
  name: string;
  message: string;
  code: string | undefined;
}

export interface BatchResult extends SQSBatchResponse {
  outcomes: RecordOutcome[];
}

/** The function Lambda runs, with `process` for runtimes that want per-record outcomes. */
export interface SqsHandler {
  (event: SQSEvent, context?: LambdaContext): Promise<SQSBatchResponse>;
  process(event: SQSEvent, context?: LambdaContext): Promise<BatchResult>;
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

  const process = async (event: SQSEvent, context?: LambdaContext): Promise<BatchResult> => {
    const started = clock.now();
    const deadline = started + (context ? context.getRemainingTimeInMillis() : resolved.timeoutMs);
    const controller = new AbortController();
    const timer = clock.setTimer(
      () =>
        controller.abort(
          new OffloadError("Timeout", `${jobName} reached its timeout`, { jobName }),
        ),
      deadline - started,
    );
    try {
      const records = event.Records;
      const prepared = await Promise.all(records.map((record) => prepare(record)));
      const outcomes: RecordOutcome[] = [];
      const ready: Array<{ record: SQSRecord; payload: unknown; attempt: number }> = [];
      for (const item of prepared) {
        if (item.ok) ready.push(item);
        else outcomes.push(item.outcome);
      }
      if (definition.batchHandler) {
        outcomes.push(...(await runBatch(ready, controller.signal, deadline)));
      } else {
        outcomes.push(
          ...(await Promise.all(ready.map((item) => runOne(item, controller.signal, deadline)))),
        );
      }
      const order = new Map(records.map((r, i) => [r.messageId, i]));
      outcomes.sort((a, b) => (order.get(a.messageId) ?? 0) - (order.get(b.messageId) ?? 0));
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
  ): Promise<
    | { ok: true; record: SQSRecord; payload: unknown; attempt: number }
    | { ok: false; outcome: RecordOutcome }
  > {
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
    return { ok: true, record, payload: result.value, attempt };
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
  ): Promise<RecordOutcome> {
    if (isUnrecoverable(thrown))
      return deadLetter(record, attempt, `Unrecoverable: ${toError(thrown).message}`);
    const error = toError(thrown);
    let retryAfterSeconds: number | undefined;
    // RetryLater's own delay, else the job's backoff; else the queue's visibility timeout.
    if (isRetryLater(thrown)) retryAfterSeconds = thrown.delaySeconds;
    if (retryAfterSeconds === undefined && resolved.backoff) {
      retryAfterSeconds = retryDelaySeconds(resolved, attempt, random);
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
      error: errorInfo(error),
      retryAfterSeconds,
    };
  }

  async function runOne(
    item: { record: SQSRecord; payload: unknown; attempt: number },
    signal: AbortSignal,
    deadline: number,
  ): Promise<RecordOutcome> {
    const { record, payload, attempt } = item;
    const jobId = jobIdOf(record);
    const ctx = {
      jobName,
      jobId,
      messageId: record.messageId,
      attempt,
      signal,
      deadline,
      logger: withFields(logger, { jobName, jobId, messageId: record.messageId, attempt }),
    };
    try {
      await definition.handler!(payload, ctx);
    } catch (thrown) {
      return failed(record, attempt, thrown, deadline);
    }
    return { messageId: record.messageId, jobId, status: "succeeded", attempt };
  }

  async function runBatch(
    items: Array<{ record: SQSRecord; payload: unknown; attempt: number }>,
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
      return Promise.all(items.map((i) => failed(i.record, i.attempt, thrown, deadline)));
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
        failedSet.has(i.record.messageId)
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
  return handler;
}

export function errorInfo(error: Error): ErrorInfo {
  const code = (error as { code?: unknown }).code;
  const message = String(error.message);
  return {
    name: error.name,
    // Logged at every attempt and kept with the message for the DLQ listing: a handler that
    // throws megabytes (a whole response body, say) must not write them each time.
    message:
      message.length > MAX_ERROR_MESSAGE_CHARS
        ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (${message.length} characters in all)`
        : message,
    code: typeof code === "string" ? code : undefined,
  };
}

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
