/**
 * Idempotent handlers on AWS, against moto: the job function keeps each key in the stack's
 * job table (conditional UpdateItems), so duplicate deliveries and jobs with the same key
 * run once, and a key's hold and result expire.
 */
import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createDynamoIdempotencyStore,
  createJobFunction,
  JOB_TABLE_ENV,
} from "../../src/aws/index.js";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import { newJobId } from "../../src/core/job-id.js";
import { JOB_TABLE } from "../../src/core/job-table.js";
import { silentLogger } from "../../src/core/logger.js";
import { toSqsEvent } from "../../src/runtime/sqs-event.js";
import { createLayout, type MotoClients, startMotoClients } from "./support.js";

let clients: MotoClients;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  clients = await startMotoClients();
  dynamodb = new DynamoDBClient({ ...clients.config, maxAttempts: 1 });
});
afterAll(async () => {
  dynamodb?.destroy();
  await clients?.close();
});

async function jobTable(): Promise<string> {
  const tableName = `jobs-${randomBytes(4).toString("hex")}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: JOB_TABLE.partitionKey, KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: JOB_TABLE.partitionKey, AttributeType: "S" }],
    }),
  );
  return tableName;
}

describe("the job table as an idempotency store", () => {
  it("holds a key, refuses it while held or done, frees it on release or expiry", async () => {
    const clock = new TestClock();
    const store = createDynamoIdempotencyStore({ tableName: await jobTable(), dynamodb, clock });
    const a = { jobName: "charge", key: "o-1", jobId: "job-a" };
    const b = { ...a, jobId: "job-b" };
    expect(await store.claim(a, 10_000)).toEqual({ status: "claimed" });
    clock.advance(4_000);
    expect(await store.claim(b, 10_000)).toEqual({
      status: "in-progress",
      jobId: "job-a",
      heldForMs: 6_000,
    });
    // Only the holder frees it.
    await store.release(b);
    expect((await store.claim(b, 10_000)).status).toBe("in-progress");
    await store.release(a);
    expect(await store.claim(b, 10_000)).toEqual({ status: "claimed" });
    // A crashed attempt's hold ends at its deadline.
    clock.advance(10_000);
    expect(await store.claim(a, 10_000)).toEqual({ status: "claimed" });
    await store.complete(a, JSON.stringify({ charged: "o-1" }), 60_000);
    expect(await store.claim(b, 10_000)).toEqual({
      status: "done",
      jobId: "job-a",
      result: { charged: "o-1" },
    });
    // A completed key stays done: a late release of the holder changes nothing.
    await store.release(a);
    expect((await store.claim(b, 10_000)).status).toBe("done");
    clock.advance(60_000);
    expect(await store.claim(b, 10_000)).toEqual({ status: "claimed" });
  });
});

describe("an idempotent job's function", () => {
  it("runs jobs with one key once, whichever comes while the other runs or after it", async () => {
    const ran: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const job = defineJob({
      schema: z.object({ order: z.string() }),
      timeout: "20s",
      idempotency: { key: (p) => p.order, ttl: "1h" },
      handler: async (payload, ctx) => {
        ran.push(ctx.jobId);
        await released;
        return { charged: payload.order };
      },
    });
    const layout = await createLayout(clients, [{ name: "charge" }]);
    const transport = layout.transport();
    const handler = createJobFunction(job as never, {
      env: {
        OFFLOAD_JOB_NAME: "charge",
        OFFLOAD_QUEUE_URL: layout.queues.charge!.queueUrl,
        OFFLOAD_DLQ_URL: layout.queues.charge!.dlqUrl,
        [JOB_TABLE_ENV]: await jobTable(),
      },
      sqs: clients.sqs,
      dynamodb,
      logger: silentLogger,
    });
    const eventOf = async () => {
      const messages = await transport.receive("charge", { maxMessages: 1, waitTimeSeconds: 0 });
      expect(messages).toHaveLength(1);
      return toSqsEvent(messages, transport.queueArn("charge"), transport.region);
    };
    const first = newJobId(Date.now());
    const second = newJobId(Date.now());
    for (const jobId of [first, second]) {
      await transport.send({ jobId, jobName: "charge", body: JSON.stringify({ order: "o-5" }) });
    }
    // Two invocations at once (Lambda runs a queue's batches concurrently): the second
    // comes while the first runs its handler.
    const [a, b] = [await eventOf(), await eventOf()];
    const running = handler.process(a);
    while (ran.length === 0) await new Promise((r) => setTimeout(r, 5));
    const duplicate = await handler.process(b);
    expect(duplicate.outcomes).toMatchObject([
      { status: "failed", error: { code: "IdempotencyInProgress" } },
    ]);
    const [held] = duplicate.outcomes;
    expect(held?.status === "failed" && held.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(duplicate.batchItemFailures).toEqual([{ itemIdentifier: held?.messageId }]);
    release();
    expect((await running).outcomes).toMatchObject([
      { status: "succeeded", result: { charged: "o-5" } },
    ]);

    // Both come again (the failed one after its delay; the other as SQS may redeliver).
    for (const event of [b, a]) {
      expect((await handler.process(event)).outcomes).toMatchObject([
        { status: "succeeded", result: { charged: "o-5" } },
      ]);
    }
    expect(ran).toHaveLength(1);
  });

  it("refuses to load an idempotent job where the stack keeps no job table", () => {
    const job = defineJob({ idempotency: { ttl: "1h" }, handler: async () => {} });
    expect(() =>
      createJobFunction(job as never, {
        env: { OFFLOAD_JOB_NAME: "charge", OFFLOAD_QUEUE_URL: "q", OFFLOAD_DLQ_URL: "d" },
        sqs: clients.sqs,
        logger: silentLogger,
      }),
    ).toThrow(/charge has the idempotency option, but no idempotency store/);
  });
});
