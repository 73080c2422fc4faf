// What a job function writes to the job table: each attempt's start and end, and progress
// (which also tells of a cancel). Apart from the rest of the records so that the job
// functions' bundle holds no accept, listing or cancel code. See job-records.ts for the layout.
import { BatchGetItemCommand, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type {
  AttemptEnd,
  AttemptStart,
  JobError,
  JobProgress,
  JobRecorder,
} from "../core/job-status.js";
import {
  capError,
  capText,
  type Item,
  listKey,
  n,
  progressValue,
  RECORD_LIMITS,
  resultValue,
  type StoredEvent,
  s,
} from "./job-records-items.js";
import {
  type Change,
  isConditionFailure,
  type JobTable,
  type JobTableOptions,
  openJobTable,
} from "./job-records-table.js";

/** A job function's records: {@link JobRecorder}, plus progress that tells of a cancel. */
export interface JobAttemptRecords extends JobRecorder {
  /**
   * {@link JobRecorder.progress} that also tells whether a cancel was asked for the job (its
   * progress is then not recorded): a running job function learns of a cancel this way, at no
   * extra read.
   */
  reportProgress(jobId: string, progress: JobProgress): Promise<{ cancelRequested: boolean }>;
  /** Whether a cancel was asked for the job while it ran (one strongly consistent read). */
  cancelRequested(jobId: string): Promise<boolean>;
  /**
   * Which of these running jobs a cancel was asked for: one eventually consistent BatchGetItem
   * per 100 ids (half a read unit per job whose record is under 4 KB). Ids DynamoDB leaves
   * unprocessed are left out, for the next check.
   */
  cancelsRequested(jobIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/**
 * The job table's attempt records, for a job function.
 *
 * @example
 * const records = createJobAttemptRecords({ tableName: process.env.OFFLOAD_JOB_TABLE! });
 * const cancelled = await records.started([{ jobId, jobName: "greeting", messageId, attempt: 1, at: Date.now() }]);
 */
export function createJobAttemptRecords(options: JobTableOptions): JobAttemptRecords {
  return attemptRecords(openJobTable(options));
}

/** BatchGetItem reads at most 100 keys (API reference, BatchGetItem). */
const BATCH_GET_KEYS = 100;

/** The attempt records over an opened table (job-records.ts shares it). */
export function attemptRecords(table: JobTable): JobAttemptRecords {
  const { tableName, dynamodb, clock, pk, key, write, each, unfinishedTtl, finishedTtl } = table;

  async function started(attempts: readonly AttemptStart[]): Promise<ReadonlySet<string>> {
    const cancelled = new Set<string>();
    await each(attempts, async (attempt) => {
      const { jobId, at } = attempt;
      const worker =
        attempt.worker === undefined
          ? undefined
          : capText(attempt.worker, RECORD_LIMITS.shortTextBytes);
      const outcome = await write(jobId, {
        set: {
          state: s("running"),
          attempts: n(attempt.attempt),
          updatedAt: n(at),
          expiresAt: unfinishedTtl(at),
        },
        // A job sent without a record (over the SQS API, or its accept withdrawn) gets one now.
        setIfMissing: {
          jobName: s(attempt.jobName),
          listKey: s(listKey(at, jobId)),
          acceptedAt: n(at),
        },
        remove: ["runAt"],
        events: [
          {
            type: "started",
            at,
            attempt: attempt.attempt,
            ...(worker === undefined ? {} : { worker }),
          },
        ],
        condition: {
          expression:
            "attribute_not_exists(#pk) OR (#state <> :c_cancelled AND attribute_not_exists(#cancelRequested))",
          values: { ":c_cancelled": s("cancelled") },
          allows: (old) =>
            old === undefined ||
            (old.state?.S !== "cancelled" && old.cancelRequested === undefined),
        },
      });
      if (outcome === undefined) return;
      cancelled.add(jobId);
      if (outcome.refused?.state?.S !== "cancelled") {
        // Asked to cancel while an earlier attempt ran, which never ended (the function timed out).
        await write(jobId, {
          set: {
            state: s("cancelled"),
            updatedAt: n(at),
            finishedAt: n(at),
            expiresAt: unfinishedTtl(at),
          },
          remove: ["runAt", "payload"],
          events: [{ type: "cancelled", at, while: "running" }],
          condition: {
            expression: "#state <> :c_cancelled",
            values: { ":c_cancelled": s("cancelled") },
            allows: (old) => old?.state?.S !== "cancelled",
          },
        });
      }
    });
    return cancelled;
  }

  async function ended(ends: readonly AttemptEnd[]): Promise<void> {
    await each(ends, async (end) => {
      const change = endChange(end);
      const outcome = await write(end.jobId, {
        ...change,
        setIfMissing: {
          jobName: s(end.jobName),
          listKey: s(listKey(end.startedAt, end.jobId)),
          acceptedAt: n(end.startedAt),
        },
        // An end that arrives after a later attempt started is history, not the job's state.
        condition: {
          expression: "attribute_not_exists(#attempts) OR #attempts <= :c_attempt",
          values: { ":c_attempt": n(end.attempt) },
          allows: (old) => old?.attempts?.N === undefined || Number(old.attempts.N) <= end.attempt,
        },
      });
      if (outcome !== undefined) await write(end.jobId, { set: {}, events: change.events });
    });
  }

  function endChange(end: AttemptEnd): Change {
    const { at } = end;
    const durationMs = Math.max(0, at - end.startedAt);
    const error = end.error === undefined ? undefined : capError(end.error);
    const failedEvent = (retry?: {
      reason: NonNullable<AttemptEnd["retry"]>["reason"];
      at: number;
    }) =>
      ({
        type: "attempt-failed",
        at,
        attempt: end.attempt,
        durationMs,
        // The stack is kept once, in lastError (see the layout above): not per event.
        error: withoutStack(error ?? { name: "Error", message: "the attempt failed" }),
        ...(retry === undefined ? {} : { retry }),
      }) as StoredEvent;
    const lastError: Item = error === undefined ? {} : { lastError: s(JSON.stringify(error)) };
    switch (end.outcome) {
      case "succeeded": {
        const result = resultValue(end.result);
        return {
          set: {
            state: s("succeeded"),
            updatedAt: n(at),
            finishedAt: n(at),
            expiresAt: finishedTtl(at),
            ...(result === undefined ? {} : { result }),
          },
          remove: ["runAt", "lastError", "payload", ...(result === undefined ? ["result"] : [])],
          events: [{ type: "succeeded", at, attempt: end.attempt, durationMs }],
        };
      }
      case "failed":
        return {
          set: {
            state: s("retrying"),
            updatedAt: n(at),
            expiresAt: unfinishedTtl(Math.max(at, end.retry?.at ?? at)),
            ...(end.retry === undefined ? {} : { runAt: n(end.retry.at) }),
            ...lastError,
          },
          remove: end.retry === undefined ? ["runAt"] : [],
          events: [failedEvent(end.retry)],
        };
      case "dead-lettered":
        return {
          set: { state: s("failed"), updatedAt: n(at), expiresAt: unfinishedTtl(at), ...lastError },
          remove: ["runAt"],
          events: [
            ...(error === undefined ? [] : [failedEvent()]),
            {
              type: "dead-lettered",
              at,
              attempt: end.attempt,
              reason: capText(end.reason ?? "failed for good", RECORD_LIMITS.shortTextBytes),
            },
          ],
        };
      case "cancelled":
        return {
          set: {
            state: s("cancelled"),
            updatedAt: n(at),
            finishedAt: n(at),
            expiresAt: finishedTtl(at),
          },
          remove: ["runAt", "payload"],
          events: [{ type: "cancelled", at, while: "running" }],
        };
    }
  }

  async function reportProgress(
    jobId: string,
    value: JobProgress,
  ): Promise<{ cancelRequested: boolean }> {
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(jobId),
          UpdateExpression: "SET #progress = :progress, #updatedAt = :at",
          ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#cancelRequested)",
          ExpressionAttributeNames: {
            "#pk": pk,
            "#progress": "progress",
            "#updatedAt": "updatedAt",
            "#cancelRequested": "cancelRequested",
          },
          ExpressionAttributeValues: { ":progress": progressValue(value), ":at": n(clock.now()) },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { cancelRequested: false };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // No record (it expired, or was never written): progress has nowhere to go.
      return { cancelRequested: e.Item?.cancelRequested?.BOOL === true };
    }
  }

  async function progress(jobId: string, value: JobProgress): Promise<void> {
    await reportProgress(jobId, value);
  }

  async function cancelRequested(jobId: string): Promise<boolean> {
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: key(jobId),
        ConsistentRead: true,
        ProjectionExpression: "#cancelRequested",
        ExpressionAttributeNames: { "#cancelRequested": "cancelRequested" },
      }),
    );
    return Item?.cancelRequested?.BOOL === true;
  }

  async function cancelsRequested(jobIds: readonly string[]): Promise<ReadonlySet<string>> {
    const asked = new Set<string>();
    const unique = [...new Set(jobIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
      const answer = await dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: unique.slice(i, i + BATCH_GET_KEYS).map(key),
              ProjectionExpression: "#pk, #cancelRequested",
              ExpressionAttributeNames: { "#pk": pk, "#cancelRequested": "cancelRequested" },
            },
          },
        }),
      );
      for (const item of answer.Responses?.[tableName] ?? []) {
        const jobId = item[pk]?.S;
        if (jobId !== undefined && item.cancelRequested?.BOOL === true) asked.add(jobId);
      }
    }
    return asked;
  }

  return { started, ended, progress, reportProgress, cancelRequested, cancelsRequested };
}

function withoutStack(error: JobError): JobError {
  const { stack: _, ...rest } = error;
  return rest;
}
