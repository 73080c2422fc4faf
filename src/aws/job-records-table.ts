// The job table's one write path, shared by every writer of job records (the API's accepts and
// cancels, the job functions' attempts): a conditional UpdateItem per change, with the rewrite
// that keeps an item's event list within its cap. See job-records.ts for the layout.
import {
  type AttributeValue,
  type ConditionalCheckFailedException,
  DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type Clock, systemClock } from "../core/clock.js";
import { parseDuration } from "../core/duration.js";
import { OffloadError, toError } from "../core/errors.js";
import { JOB_TABLE } from "../core/job-table.js";
import type { Duration } from "../core/job-types.js";
import {
  eventValue,
  type Item,
  MESSAGE_LIFE_MS,
  n,
  RECORD_LIMITS,
  type StoredEvent,
  s,
  ttlValue,
} from "./job-records-items.js";

/** Where the job table is and how long its records are kept. */
export interface JobTableOptions {
  /** The stack's job table (env OFFLOAD_JOB_TABLE in the deployed functions). */
  tableName: string;
  /** @defaultValue `new DynamoDBClient({})`: region and credentials from the environment */
  dynamodb?: DynamoDBClient;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** How long a finished job's record is kept. @defaultValue "7d" */
  retention?: Duration;
}

const DEFAULT_RETENTION: Duration = "7d";
/** Writes of one batch run at once, at most. */
const WRITE_CONCURRENCY = 16;
/** Tries of a write that loses a race (a transaction conflict, a rewrite raced by another write). */
export const MAX_TRIES = 5;

/**
 * One write to a job's item: attributes to set (and set only if missing), attributes to
 * remove, events to append, and the condition it needs, as an expression and as the same
 * test on the item as it was (to tell a refusal from a full event list).
 */
export interface Change {
  set: Record<string, AttributeValue>;
  setIfMissing?: Record<string, AttributeValue>;
  remove?: readonly string[];
  events: readonly StoredEvent[];
  /** Over `#<attribute>` names and `:c_*` values. */
  condition?: { expression: string; values: Item; allows(old: Item | undefined): boolean };
}

/** The job table, opened: its client, keys, TTLs and the write of a {@link Change}. */
export interface JobTable {
  readonly tableName: string;
  readonly dynamodb: DynamoDBClient;
  readonly clock: Clock;
  /** The partition key's attribute name. */
  readonly pk: string;
  key(id: string): Item;
  /** TTL of a job that is not finished: its message may still arrive. */
  unfinishedTtl(ms: number): AttributeValue;
  finishedTtl(ms: number): AttributeValue;
  /**
   * Applies a change in one conditional UpdateItem. When the item's event list is full, the
   * item is rewritten with the oldest events (after `accepted`) dropped, guarded by `rev`.
   * Resolves with the item as it was when the change's own condition refused it, else undefined.
   */
  write(jobId: string, change: Change): Promise<{ refused: Item | undefined } | undefined>;
  /** Runs `fn` on each of `items`, a few at a time. */
  each<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void>;
}

/** @throws OffloadError InvalidAwsTransportOptions when the table name or the retention is invalid. */
export function openJobTable(options: JobTableOptions): JobTable {
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
  const pk = JOB_TABLE.partitionKey;
  const key = (id: string): Item => ({ [pk]: s(id) });

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

  return {
    tableName,
    dynamodb,
    clock,
    pk,
    key,
    unfinishedTtl: (ms) => ttlValue(ms + MESSAGE_LIFE_MS + retentionMs),
    finishedTtl: (ms) => ttlValue(ms + retentionMs),
    write,
    each,
  };
}

export function isConditionFailure(e: unknown): e is ConditionalCheckFailedException {
  return toError(e).name === "ConditionalCheckFailedException";
}
