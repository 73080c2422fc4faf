import { OffloadError } from "../core/errors.js";
import type { BatchItem, JobDefinition } from "../core/job-types.js";
import type { Logger } from "../core/logger.js";
import type { Failures } from "./failures.js";
import { withFields } from "./log-fields.js";
import { cancelledOutcome, type ReceivedJob, type RecordOutcome } from "./outcomes.js";
import type { SQSRecord } from "./sqs-types.js";

/** A job of the batch, ready to run: its record, its payload, and whether a cancel came. */
export interface BatchReady extends ReceivedJob {
  record: SQSRecord;
  payload: unknown;
  running?: { cancelled: boolean };
}

/**
 * Runs a job's `batchHandler` on the jobs of a batch: those it names failed are retried (or
 * dead-lettered) as a handler's error would be, the rest succeed, and a job cancelled meanwhile
 * ends cancelled. A whole-batch throw fails every job.
 *
 * @throws OffloadError BatchHandlerContract when it answers with anything but ids of the batch.
 */
export async function runBatch(
  definition: JobDefinition,
  jobName: string,
  logger: Logger,
  failed: Failures["failed"],
  items: readonly BatchReady[],
  signal: AbortSignal,
  deadline: number,
): Promise<RecordOutcome[]> {
  if (items.length === 0) return [];
  const batch: BatchItem<unknown>[] = items.map((i) => ({
    jobId: i.jobId,
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
        i.running?.cancelled ? cancelledOutcome(i) : failed(i.record, i.attempt, thrown, deadline),
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
        ? cancelledOutcome(i)
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
          : ({
              messageId: i.record.messageId,
              jobId: i.jobId,
              status: "succeeded",
              attempt: i.attempt,
            } satisfies RecordOutcome),
    ),
  );
}
