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
  type AttributeValue,
  type ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type Clock, systemClock } from "../core/clock.js";
import { parseDuration } from "../core/duration.js";
import { OffloadError, toError } from "../core/errors.js";
import { checkJobId } from "../core/job-id.js";
import {
  type AttemptEnd,
  type AttemptStart,
  type CancelResult,
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  FINISHED_JOB_STATES,
  type JobAcceptance,
  type JobError,
  type JobFilter,
  type JobPage,
  type JobProgress,
  type JobRecorder,
  type JobState,
  type JobStatus,
  type JobStatusStore,
} from "../core/job-status.js";
import { JOB_TABLE } from "../core/job-table.js";
import type { Duration } from "../core/job-types.js";
import {
  capError,
  capText,
  eventValue,
  type Item,
  idempotencyItemKey,
  listKey,
  MESSAGE_LIFE_MS,
  n,
  progressValue,
  RECORD_LIMITS,
  resultValue,
  type StoredEvent,
  s,
  toStatus,
  ttlValue,
  utf8Bytes,
} from "./job-records-items.js";
import { decodeCursor, type ListQuery, listJobs } from "./job-records-list.js";

/** What {@link createDynamoJobRecords} takes. */
export interface DynamoJobRecordsOptions {
  /** The stack's job table (env OFFLOAD_JOB_TABLE in the deployed functions). */
  tableName: string;
  /** @defaultValue `new DynamoDBClient({})`: region and credentials from the environment */
  dynamodb?: DynamoDBClient;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** How long a finished job's record is kept. @defaultValue "7d" */
  retention?: Duration;
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
export interface DynamoJobRecords extends JobRecorder, JobStatusStore {
  /**
   * Records a job before it is sent. With an `idempotencyKey` still held (same job name, within
   * its window, default 24 h) it records nothing and answers the first job's id, `duplicate`.
   * If the send then fails, {@link withdraw} frees the id and the key.
   *
   * @throws OffloadError JobIdInUse when the job id is already recorded.
   */
  accept(acceptance: JobAcceptance): Promise<AcceptResult>;
  /** Undoes an accept whose send failed: removes the job's item and frees its idempotency key. */
  withdraw(acceptance: Pick<JobAcceptance, "jobId" | "jobName" | "idempotencyKey">): Promise<void>;
  /** Records jobs moved from their DLQ back to their queue (they keep their ids). */
  redriven(jobIds: readonly string[]): Promise<void>;
  /**
   * {@link JobRecorder.progress} that also tells whether a cancel was asked for the job (its
   * progress is then not recorded): a running job function learns of a cancel this way, at no
   * extra read.
   */
  reportProgress(jobId: string, progress: JobProgress): Promise<{ cancelRequested: boolean }>;
  /** Whether a cancel was asked for the job while it ran (one strongly consistent read). */
  cancelRequested(jobId: string): Promise<boolean>;
}

const DEFAULT_RETENTION: Duration = "7d";
/** Writes of one batch run at once, at most. */
const WRITE_CONCURRENCY = 16;
/** Tries of a write that loses a race (a transaction conflict, a rewrite raced by another write). */
const MAX_TRIES = 5;
const LIST_LIMIT = { min: 1, max: 1000, default: 100 } as const;
const JOB_STATES: ReadonlySet<string> = new Set<JobState>([
  "queued",
  "delayed",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
  "deleted",
]);

/**
 * One write to a job's item: attributes to set (and set only if missing), attributes to
 * remove, events to append, and the condition it needs, as an expression and as the same
 * test on the item as it was (to tell a refusal from a full event list).
 */
interface Change {
  set: Record<string, AttributeValue>;
  setIfMissing?: Record<string, AttributeValue>;
  remove?: readonly string[];
  events: readonly StoredEvent[];
  /** Over `#<attribute>` names and `:c_*` values. */
  condition?: { expression: string; values: Item; allows(old: Item | undefined): boolean };
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
  if (typeof options.tableName !== "string" || options.tableName.trim() === "") {
    throw new OffloadError(
      "InvalidAwsTransportOptions",
      `tableName must name the stack's job table; got ${JSON.stringify(options.tableName)}`,
    );
  }
  const tableName = options.tableName;
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const clock = options.clock ?? systemClock;
  const retentionMs = parseDuration(options.retention ?? DEFAULT_RETENTION, "retention");
  const jobNames = options.jobNames;
  const pk = JOB_TABLE.partitionKey;
  const key = (id: string): Item => ({ [pk]: s(id) });

  /** TTL of a job that is not finished: its message may still arrive. */
  const unfinishedTtl = (ms: number) => ttlValue(ms + MESSAGE_LIFE_MS + retentionMs);
  const finishedTtl = (ms: number) => ttlValue(ms + retentionMs);

  /**
   * Applies a change in one conditional UpdateItem. When the item's event list is full, the
   * item is rewritten with the oldest events (after `accepted`) dropped, guarded by `rev`.
   * Resolves with the item as it was when the change's own condition refused it, else undefined.
   */
  async function write(
    jobId: string,
    change: Change,
  ): Promise<{ refused: Item | undefined } | undefined> {
    let rewrite: Item | undefined;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const names: Record<string, string> = { "#rev": "rev" };
      const values: Item = { ":one": n(1) };
      const sets: string[] = [];
      const name = (attribute: string) => {
        names[`#${attribute}`] = attribute;
        return `#${attribute}`;
      };
      Object.entries(change.set).forEach(([attribute, value], i) => {
        values[`:s${i}`] = value;
        sets.push(`${name(attribute)} = :s${i}`);
      });
      Object.entries(change.setIfMissing ?? {}).forEach(([attribute, value], i) => {
        values[`:m${i}`] = value;
        sets.push(`${name(attribute)} = if_not_exists(${name(attribute)}, :m${i})`);
      });
      const conditions: string[] = [];
      if (change.condition) {
        for (const attribute of change.condition.expression.match(/#\w+/g) ?? []) {
          name(attribute.slice(1));
        }
        Object.assign(values, change.condition.values);
        conditions.push(`(${change.condition.expression})`);
      }
      const added = change.events.map(eventValue);
      if (rewrite === undefined) {
        if (added.length > 0) {
          names["#events"] = "events";
          values[":events"] = { L: added };
          values[":none"] = { L: [] };
          values[":room"] = n(RECORD_LIMITS.maxEvents - added.length);
          sets.push("#events = list_append(if_not_exists(#events, :none), :events)");
          conditions.push("(attribute_not_exists(#events) OR size(#events) <= :room)");
        }
      } else {
        const old = rewrite.events?.L ?? [];
        const keep = RECORD_LIMITS.maxEvents - added.length;
        const kept = [...old.slice(0, 1), ...old.slice(Math.max(1, old.length - (keep - 1)))];
        values[":events"] = { L: [...kept, ...added] };
        values[":dropped"] = n(Number(rewrite.droppedEvents?.N ?? 0) + old.length - kept.length);
        values[":rev"] = rewrite.rev ?? n(0);
        names["#events"] = "events";
        sets.push("#events = :events", `${name("droppedEvents")} = :dropped`);
        conditions.push("#rev = :rev");
      }
      const remove = (change.remove ?? []).map(name);
      const expression = `SET ${sets.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""} ADD #rev :one`;
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(jobId),
            UpdateExpression: expression,
            ...(conditions.length > 0 ? { ConditionExpression: conditions.join(" AND ") } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return undefined;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const old = e.Item;
        if (change.condition && !change.condition.allows(old)) return { refused: old };
        if (old === undefined) throw e;
        rewrite = old; // full (or raced while rewriting): rewrite from what is there now
      }
    }
    throw new Error(`job ${jobId}: the record kept changing under ${MAX_TRIES} writes`);
  }

  /** Runs `fn` on each of `items`, WRITE_CONCURRENCY at a time. */
  async function each<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await fn(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, worker));
  }

  async function accept(acceptance: JobAcceptance): Promise<AcceptResult> {
    const { jobId, jobName, at, runAt, idempotencyKey } = checkAcceptance(acceptance);
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
          remove: ["runAt"],
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
          remove: ["runAt", "lastError", ...(result === undefined ? ["result"] : [])],
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
          remove: ["runAt"],
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
        // On AWS the running function learns of it at its next progress write (or next attempt).
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
        remove: ["runAt"],
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
    redriven,
    get,
    list,
    cancel,
  };
}

/** An acceptance checked: a valid id, a job name, times as finite numbers, a key within its cap. */
function checkAcceptance(acceptance: JobAcceptance): JobAcceptance {
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
function checkFilter(filter: JobFilter, jobNames: readonly string[] | undefined): ListQuery {
  const invalid = (message: string) => new OffloadError("InvalidRequest", message);
  const limit = filter.limit ?? LIST_LIMIT.default;
  if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
    throw invalid(
      `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}; got ${JSON.stringify(limit)}`,
    );
  }
  if (filter.state !== undefined && !JOB_STATES.has(filter.state)) {
    throw invalid(
      `state must be one of ${[...JOB_STATES].join(", ")}; got ${JSON.stringify(filter.state)}`,
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

function withoutStack(error: JobError): JobError {
  const { stack: _, ...rest } = error;
  return rest;
}

function jobIdInUse(jobId: string, jobName: string): OffloadError {
  return new OffloadError(
    "JobIdInUse",
    `job id ${jobId} is already taken by another job (ids are kept as long as the job's history)`,
    { jobName },
  );
}

function jobNotFound(jobId: string): OffloadError {
  return new OffloadError(
    "JobNotFound",
    `there is no job ${jobId} (never accepted, or past the history's retention)`,
  );
}

function isConditionFailure(e: unknown): e is ConditionalCheckFailedException {
  return toError(e).name === "ConditionalCheckFailedException";
}

/** Each item's reason code (`None`, `ConditionalCheckFailed`, ...) of a cancelled transaction. */
function transactionReasons(e: unknown): string[] | undefined {
  const error = toError(e) as Error & { CancellationReasons?: Array<{ Code?: string }> };
  if (error.name !== "TransactionCanceledException") return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
}
