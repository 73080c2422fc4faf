// Idempotent handlers' keys in the stack's job table, for the job function: one conditional
// UpdateItem per call (the job function's grant: UpdateItem and GetItem, nothing more).
import { type AttributeValue, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { type Clock, systemClock } from "../core/clock.js";
import { OffloadError } from "../core/errors.js";
import type { IdempotencyClaim, IdempotencyRef, IdempotencyStore } from "../core/idempotency.js";
import { JOB_TABLE } from "../core/job-table.js";
import { type Item, n, s, ttlValue } from "./job-records-items.js";
import { isConditionFailure } from "./job-records-table.js";

/** Where the keys are kept. */
export interface DynamoIdempotencyOptions {
  /** The stack's job table (env OFFLOAD_JOB_TABLE in the deployed functions). */
  tableName: string;
  /** @defaultValue `new DynamoDBClient({})`: region and credentials from the environment */
  dynamodb?: DynamoDBClient;
  /** @defaultValue the system clock */
  clock?: Clock;
}

/** A key item's partition key: beside the jobs' items and the send idempotency keys'. */
export function handlerKeyOf(ref: Pick<IdempotencyRef, "jobName" | "key">): string {
  return `handler-idempotency#${ref.jobName}#${ref.key}`;
}

/**
 * The job table as an {@link IdempotencyStore}. A key's item holds `status` (held | done),
 * the `jobId` that holds or completed it, `until` (epoch ms: when the hold or the result
 * ends; the conditions read it, since DynamoDB's TTL deletes up to days late), `result` (the
 * result's JSON) and the table's TTL attribute, so expired keys go by themselves.
 *
 * @example
 * const store = createDynamoIdempotencyStore({ tableName: process.env.OFFLOAD_JOB_TABLE! });
 */
export function createDynamoIdempotencyStore(options: DynamoIdempotencyOptions): IdempotencyStore {
  const { tableName } = options;
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const clock = options.clock ?? systemClock;
  const pk = JOB_TABLE.partitionKey;
  const ttl = JOB_TABLE.ttlAttribute;
  const names = {
    "#pk": pk,
    "#status": "status",
    "#jobId": "jobId",
    "#until": "until",
    "#result": "result",
    "#ttl": ttl,
  };
  const update = (
    ref: IdempotencyRef,
    expression: string,
    values: Item,
    condition?: string,
  ): Promise<unknown> =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [pk]: s(handlerKeyOf(ref)) },
        UpdateExpression: expression,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeNames: Object.fromEntries(
          Object.entries(names).filter(([name]) => `${expression} ${condition}`.includes(name)),
        ),
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );

  return {
    async claim(ref, holdMs): Promise<IdempotencyClaim> {
      const now = clock.now();
      const until = now + holdMs;
      try {
        await update(
          ref,
          "SET #status = :held, #jobId = :jobId, #until = :until, #ttl = :ttl REMOVE #result",
          {
            ":held": s("held"),
            ":jobId": s(ref.jobId),
            ":until": n(until),
            ":ttl": ttlValue(until),
            ":now": n(now),
          },
          "attribute_not_exists(#pk) OR #until <= :now",
        );
        return { status: "claimed" };
      } catch (e) {
        if (!isConditionFailure(e) || e.Item === undefined) throw e;
        return heldBy(e.Item, now, ref);
      }
    },
    async complete(ref, resultJson, ttlMs) {
      const until = clock.now() + ttlMs;
      const values: Record<string, AttributeValue> = {
        ":done": s("done"),
        ":jobId": s(ref.jobId),
        ":until": n(until),
        ":ttl": ttlValue(until),
      };
      if (resultJson !== undefined) values[":result"] = s(resultJson);
      await update(
        ref,
        resultJson === undefined
          ? "SET #status = :done, #jobId = :jobId, #until = :until, #ttl = :ttl REMOVE #result"
          : "SET #status = :done, #jobId = :jobId, #until = :until, #ttl = :ttl, #result = :result",
        values,
      );
    },
    async release(ref) {
      // Expired at once, rather than deleted (no DeleteItem grant needed); only this job's hold.
      const now = clock.now();
      try {
        await update(
          ref,
          "SET #until = :now, #ttl = :ttl",
          { ":now": n(now), ":ttl": ttlValue(now), ":held": s("held"), ":jobId": s(ref.jobId) },
          "#status = :held AND #jobId = :jobId",
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    },
  };
}

/** A claim refused by a live item: its result, or how long it is held still. */
function heldBy(item: Item, now: number, ref: IdempotencyRef): IdempotencyClaim {
  const jobId = item.jobId?.S ?? "";
  const until = Number(item.until?.N ?? 0);
  if (item.status?.S === "done") {
    const text = item.result?.S;
    return { status: "done", jobId, result: text === undefined ? undefined : JSON.parse(text) };
  }
  if (item.status?.S === "held") return { status: "in-progress", jobId, heldForMs: until - now };
  throw new OffloadError(
    "IdempotencyUnavailable",
    `the job table's item ${handlerKeyOf(ref)} is not an idempotency key's (status ${JSON.stringify(item.status)})`,
    { jobName: ref.jobName },
  );
}
