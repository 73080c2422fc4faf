/**
 * A job's status and history on AWS, in the stack's DynamoDB table: written by the API function
 * on accept, by each job function as attempts start and end, and by a redrive; read by
 * `GET /jobs` and the CLI with `--aws`.
 *
 * One item per job, partition key `pk` = the job id (every write is then one conditional
 * UpdateItem on one key, and a read of a job is one GetItem):
 *
 * | attribute | type | holds |
 * | --- | --- | --- |
 * | pk | S | the job id |
 * | jobName, listKey | S | the byJobName index's keys; listKey = `<acceptedAt, 15 digits>#<jobId>` |
 * | state | S | a JobState |
 * | acceptedAt, updatedAt, finishedAt?, runAt? | N | epoch ms |
 * | attempts | N | attempts started (SQS's receive count) |
 * | events | L of S | JSON events, times in epoch ms; at most 100 (the first and the newest) |
 * | droppedEvents? | N | events dropped to stay within 100 |
 * | progress?, result?, lastError? | S | JSON; lastError is the latest failure with its stack |
 * | payload? | S | the payload's JSON, at most 16 KiB, while the job is unfinished (a failed job's too: a redrive brings it back) |
 * | idempotencyKey? | S | the key it was accepted with |
 * | cancelRequested? | BOOL | a cancel asked while it ran |
 * | rev | N | bumped by every write; guards the rare rewrite that drops old events |
 * | expiresAt | N | TTL, epoch s |
 *
 * Stacks are the bulk of a failure (often 1–2 KB) and write units are counted per KB of the
 * whole item, so only the latest failure keeps its stack (in lastError, shown on its attempt);
 * earlier attempts keep the error's name, message and code.
 *
 * An idempotency key has an item of its own, `pk` = `idempotency#<jobName>#<key>` (no job id
 * holds `#`), with `jobId` and `windowEndsAt`, put in the same TransactWriteItems as the job's
 * item, so two sends with one key cannot both win.
 *
 * The byJobName index projects keys only: an index is written when an attribute it holds
 * changes, so a keys-only index costs one index write per job (at accept) instead of one per
 * state change; a listing reads the page's items with BatchGetItem instead. Listing every job
 * queries each job name's partition and merges them: an index on one constant key would put
 * every job on one partition, whose write limit (1,000 write units a second) would bound the
 * whole stack.
 *
 * Expiry (TTL `expiresAt`): a finished job (succeeded, cancelled while running) is kept
 * `retention` (7 days) after it finished. Any other job is kept 14 days (the longest an SQS
 * message lives) plus `retention` after its latest write, so its record outlives its message:
 * a job cancelled while queued must still read as cancelled when its message arrives.
 * DynamoDB deletes expired items within days, not at once; readers do not filter them out.
 */
import {
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { OffloadError } from "../core/errors.js";
import { checkJobId } from "../core/job-id.js";
import {
  type CancelResult,
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  FINISHED_JOB_STATES,
  type JobAcceptance,
  type JobFilter,
  type JobPage,
  type JobRecorder,
  type JobState,
  type JobStatus,
  type JobStatusStore,
} from "../core/job-status.js";
import { attemptRecords, type JobAttemptRecords } from "./job-records-attempts.js";
import {
  checkAcceptance,
  checkFilter,
  jobIdInUse,
  jobNotFound,
  transactionReasons,
} from "./job-records-checks.js";
import {
  eventValue,
  type Item,
  idempotencyItemKey,
  listKey,
  n,
  payloadValue,
  type StoredEvent,
  s,
  toStatus,
  ttlValue,
} from "./job-records-items.js";
import { listJobs } from "./job-records-list.js";
import {
  isConditionFailure,
  type JobTableOptions,
  MAX_TRIES,
  openJobTable,
} from "./job-records-table.js";
import type { AwsJobAcceptance } from "./options.js";

/** What {@link createDynamoJobRecords} takes. */
export interface DynamoJobRecordsOptions extends JobTableOptions {
  /** Every job name of the stack: `list()` without a job name queries each. @defaultValue none: such a listing is refused */
  jobNames?: readonly string[];
}

/** What an accept did: the job's id, or (a duplicate idempotency key) the first job's. */
export interface AcceptResult {
  jobId: string;
  /** True when the key was already held: nothing was recorded, and nothing should be sent. */
  duplicate: boolean;
}

/** The job table, as the API function, the job functions and the CLI use it. */
export interface DynamoJobRecords extends JobAttemptRecords, JobStatusStore {
  /**
   * Records a job before it is sent. With an `idempotencyKey` still held (same job name, within
   * its window, default 24 h) it records nothing and answers the first job's id, `duplicate`.
   * If the send then fails, {@link withdraw} frees the id and the key.
   *
   * @throws OffloadError JobIdInUse when the job id is already recorded.
   */
  accept(acceptance: AwsJobAcceptance): Promise<AcceptResult>;
  /** Undoes an accept whose send failed: removes the job's item and frees its idempotency key. */
  withdraw(acceptance: Pick<JobAcceptance, "jobId" | "jobName" | "idempotencyKey">): Promise<void>;
  /** Records jobs moved from their DLQ back to their queue (they keep their ids). */
  redriven(jobIds: readonly string[]): Promise<void>;
}

/**
 * The job table's records: {@link JobRecorder} for the job functions, {@link JobStatusStore}
 * for `GET /jobs` and the CLI, plus `accept` (before a send), `withdraw` and `redriven`.
 *
 * @example
 * import { createDynamoJobRecords } from "offload/aws";
 * const records = createDynamoJobRecords({ tableName: process.env.OFFLOAD_JOB_TABLE!, jobNames: ["greeting"] });
 * const { jobId, duplicate } = await records.accept({ jobId: newJobId(Date.now()), jobName: "greeting", at: Date.now() });
 * const status = await records.get(jobId);
 */
export function createDynamoJobRecords(options: DynamoJobRecordsOptions): DynamoJobRecords {
  const table = openJobTable(options);
  const { tableName, dynamodb, clock, pk, key, write, each, unfinishedTtl } = table;
  const jobNames = options.jobNames;
  const { started, ended, progress, reportProgress, cancelRequested, cancelsRequested } =
    attemptRecords(table);

  async function accept(acceptance: AwsJobAcceptance): Promise<AcceptResult> {
    const { jobId, jobName, at, runAt, idempotencyKey } = checkAcceptance(acceptance);
    const payload = payloadValue(acceptance.body);
    const state: JobState = runAt !== undefined && runAt > at ? "delayed" : "queued";
    const accepted: StoredEvent = {
      type: "accepted",
      at,
      ...(state === "delayed" ? { runAt } : {}),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    } as StoredEvent;
    const item: Item = {
      ...key(jobId),
      jobName: s(jobName),
      listKey: s(listKey(at, jobId)),
      state: s(state),
      acceptedAt: n(at),
      updatedAt: n(at),
      ...(state === "delayed" ? { runAt: n(runAt!) } : {}),
      attempts: n(0),
      events: { L: [eventValue(accepted)] },
      ...(idempotencyKey === undefined ? {} : { idempotencyKey: s(idempotencyKey) }),
      ...(payload === undefined ? {} : { payload }),
      rev: n(1),
      expiresAt: unfinishedTtl(Math.max(at, runAt ?? at)),
    };
    const putJob = {
      TableName: tableName,
      Item: item,
      ConditionExpression: "attribute_not_exists(#pk)",
      ExpressionAttributeNames: { "#pk": pk },
    };
    if (idempotencyKey === undefined) {
      try {
        await dynamodb.send(new PutItemCommand(putJob));
      } catch (e) {
        if (isConditionFailure(e)) throw jobIdInUse(jobId, jobName);
        throw e;
      }
      return { jobId, duplicate: false };
    }

    const keyId = idempotencyItemKey(jobName, idempotencyKey);
    const windowEndsAt = at + (acceptance.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      try {
        await dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...key(keyId),
                    jobId: s(jobId),
                    windowEndsAt: n(windowEndsAt),
                    expiresAt: ttlValue(windowEndsAt),
                  },
                  // A key past its window may linger until TTL deletes it: it is free.
                  ConditionExpression: "attribute_not_exists(#pk) OR #windowEndsAt <= :at",
                  ExpressionAttributeNames: { "#pk": pk, "#windowEndsAt": "windowEndsAt" },
                  ExpressionAttributeValues: { ":at": n(at) },
                },
              },
              { Put: putJob },
            ],
          }),
        );
        return { jobId, duplicate: false };
      } catch (e) {
        const reasons = transactionReasons(e);
        if (reasons === undefined) throw e;
        if (reasons[0] === "ConditionalCheckFailed") {
          const held = await dynamodb.send(
            new GetItemCommand({ TableName: tableName, Key: key(keyId), ConsistentRead: true }),
          );
          const first = held.Item?.jobId?.S;
          if (first !== undefined && Number(held.Item?.windowEndsAt?.N) > at) {
            return { jobId: first, duplicate: true };
          }
          continue; // the key expired or was withdrawn meanwhile: try again
        }
        if (reasons[1] === "ConditionalCheckFailed") throw jobIdInUse(jobId, jobName);
        if (!reasons.includes("TransactionConflict")) throw e;
        // Another write on the key or the job at the same time: the next try sees it.
      }
    }
    throw new Error(`job ${jobId}: idempotency key ${idempotencyKey} kept conflicting`);
  }

  async function withdraw(
    acceptance: Pick<JobAcceptance, "jobId" | "jobName" | "idempotencyKey">,
  ): Promise<void> {
    const { jobId, jobName, idempotencyKey } = acceptance;
    // Only a record no attempt has touched: a send that did go through must keep its record.
    await dynamodb
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: tableName,
                Key: key(jobId),
                ConditionExpression: "#attempts = :zero",
                ExpressionAttributeNames: { "#attempts": "attempts" },
                ExpressionAttributeValues: { ":zero": n(0) },
              },
            },
            ...(idempotencyKey === undefined
              ? []
              : [
                  {
                    Delete: {
                      TableName: tableName,
                      Key: key(idempotencyItemKey(jobName, idempotencyKey)),
                      ConditionExpression: "#jobId = :jobId",
                      ExpressionAttributeNames: { "#jobId": "jobId" },
                      ExpressionAttributeValues: { ":jobId": s(jobId) },
                    },
                  },
                ]),
          ],
        }),
      )
      .catch((e: unknown) => {
        if (transactionReasons(e) === undefined) throw e;
        // Already started, already gone, or the key is another job's: nothing to undo.
      });
  }

  async function redriven(jobIds: readonly string[]): Promise<void> {
    const at = clock.now();
    await each(jobIds, async (jobId) => {
      // A job cancelled while in the DLQ stays cancelled: its function drops it when it arrives.
      await write(jobId, {
        set: { state: s("queued"), updatedAt: n(at), expiresAt: unfinishedTtl(at) },
        remove: ["runAt", "finishedAt"],
        events: [{ type: "redriven", at }],
        condition: {
          expression: "attribute_exists(#pk) AND #state <> :c_cancelled",
          values: { ":c_cancelled": s("cancelled") },
          allows: (old) => old !== undefined && old.state?.S !== "cancelled",
        },
      });
    });
  }

  async function get(jobId: string): Promise<JobStatus> {
    checkJobId(jobId);
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: key(jobId), ConsistentRead: true }),
    );
    if (Item === undefined) throw jobNotFound(jobId);
    return toStatus(Item);
  }

  async function list(filter: JobFilter): Promise<JobPage> {
    return listJobs(dynamodb, tableName, checkFilter(filter, jobNames));
  }

  async function cancel(jobId: string): Promise<CancelResult> {
    checkJobId(jobId);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: tableName,
          Key: key(jobId),
          ConsistentRead: true,
          ProjectionExpression: "#state, #cancelRequested, #jobName",
          ExpressionAttributeNames: {
            "#state": "state",
            "#cancelRequested": "cancelRequested",
            "#jobName": "jobName",
          },
        }),
      );
      if (Item === undefined) throw jobNotFound(jobId);
      const state = (Item.state?.S ?? "queued") as JobState;
      const jobName = Item.jobName?.S;
      if (FINISHED_JOB_STATES.has(state)) {
        throw new OffloadError(
          "JobFinished",
          `job ${jobId} has already finished (${state}): there is nothing to cancel`,
          jobName === undefined ? {} : { jobName },
        );
      }
      const at = clock.now();
      const sameState = {
        expression: "#state = :c_state",
        values: { ":c_state": s(state) },
        allows: (old: Item | undefined) => old?.state?.S === state,
      };
      if (state === "running") {
        // Its function learns of it at its next cancel check or progress write (or next attempt).
        if (Item.cancelRequested?.BOOL !== true) {
          const outcome = await write(jobId, {
            set: { cancelRequested: { BOOL: true }, updatedAt: n(at) },
            events: [],
            condition: sameState,
          });
          if (outcome !== undefined) continue;
        }
        return { jobId, cancelled: "signalled", state: "running" };
      }
      const outcome = await write(jobId, {
        set: {
          state: s("cancelled"),
          updatedAt: n(at),
          finishedAt: n(at),
          expiresAt: unfinishedTtl(at),
        },
        remove: ["runAt", "payload"],
        events: [
          {
            type: "cancelled",
            at,
            while: state as "queued" | "delayed" | "retrying" | "failed",
          },
        ],
        condition: sameState,
      });
      if (outcome === undefined) return { jobId, cancelled: "marked", state: "cancelled" };
    }
    throw new Error(`job ${jobId}: its state kept changing while it was being cancelled`);
  }

  return {
    accept,
    withdraw,
    started,
    ended,
    progress,
    reportProgress,
    cancelRequested,
    cancelsRequested,
    redriven,
    get,
    list,
    cancel,
  };
}
