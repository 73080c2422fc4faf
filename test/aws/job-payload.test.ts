/**
 * A job's payload in its record on AWS: kept from its accept while the job is unfinished (at
 * most 16 KiB), shown by `get` as `payload`, removed by the write that finishes the job.
 * Against moto's DynamoDB.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoJobRecords } from "../../src/aws/job-records.js";
import { RECORD_LIMITS } from "../../src/aws/job-records-items.js";
import { TestClock } from "../../src/core/clock.js";
import { newJobId } from "../../src/core/job-id.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { createJobTable } from "./job-stack.js";

let moto: MotoServer;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  moto = await startMoto();
  dynamodb = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  dynamodb?.destroy();
  await moto?.stop();
});

async function records() {
  const tableName = await createJobTable(dynamodb);
  const clock = new TestClock();
  const store = createDynamoJobRecords({ dynamodb, tableName, clock, jobNames: ["a"] });
  /** The item's stored payload attribute, if any. */
  const stored = async (jobId: string) =>
    (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: jobId } } })))
      .Item?.payload?.S;
  const accept = async (body: string) => {
    const jobId = newJobId(clock.now());
    await store.accept({ jobId, jobName: "a", at: clock.now(), body });
    return jobId;
  };
  return { store, clock, stored, accept };
}

describe("a job's payload on AWS", () => {
  it("is kept while the job is unfinished (retrying, failed in its DLQ, redriven) and removed when it succeeds", async () => {
    const { store, clock, stored, accept } = await records();
    const jobId = await accept('{"order":7,"items":["a","b"]}');
    const payload = { order: 7, items: ["a", "b"] };
    expect((await store.get(jobId)).payload).toEqual(payload);

    const attempt = async (n: number, outcome: "failed" | "dead-lettered" | "succeeded") => {
      const at = clock.now();
      await store.started([{ jobId, jobName: "a", messageId: "m", attempt: n, at }]);
      expect((await store.get(jobId)).payload).toEqual(payload);
      const end = { jobId, jobName: "a", attempt: n, startedAt: at, at: at + 10 } as const;
      await store.ended([
        outcome === "succeeded"
          ? { ...end, outcome, result: { charged: true } }
          : outcome === "failed"
            ? {
                ...end,
                outcome,
                error: { name: "Error", message: "503" },
                retry: { reason: "error", at: at + 1000 },
              }
            : { ...end, outcome, error: { name: "Error", message: "503" }, reason: "last attempt" },
      ]);
    };
    await attempt(1, "failed");
    expect(await store.get(jobId)).toMatchObject({ state: "retrying", payload });
    await attempt(2, "dead-lettered");
    expect(await store.get(jobId)).toMatchObject({ state: "failed", payload });
    await store.redriven([jobId]);
    expect(await store.get(jobId)).toMatchObject({ state: "queued", payload });

    await attempt(1, "succeeded");
    const done = await store.get(jobId);
    expect(done).toMatchObject({ state: "succeeded", result: { charged: true } });
    expect(done).not.toHaveProperty("payload");
    expect(await stored(jobId)).toBeUndefined();
  });

  it("is removed when the job is cancelled, queued or running", async () => {
    const { store, clock, stored, accept } = await records();
    const queued = await accept('{"n":1}');
    expect(await store.cancel(queued)).toMatchObject({ cancelled: "marked" });
    expect(await store.get(queued)).not.toHaveProperty("payload");
    expect(await stored(queued)).toBeUndefined();

    const running = await accept('{"n":2}');
    const at = clock.now();
    await store.started([{ jobId: running, jobName: "a", messageId: "m", attempt: 1, at }]);
    expect(await store.cancel(running)).toMatchObject({ cancelled: "signalled" });
    // Still running (the signal may be ignored for a while): still unfinished.
    expect((await store.get(running)).payload).toEqual({ n: 2 });
    await store.ended([
      { jobId: running, jobName: "a", attempt: 1, startedAt: at, at, outcome: "cancelled" },
    ]);
    expect(await store.get(running)).toMatchObject({ state: "cancelled" });
    expect(await store.get(running)).not.toHaveProperty("payload");
    expect(await stored(running)).toBeUndefined();
  });

  it("is kept up to 16 KiB of JSON; a larger one is not kept, and the status has no payload", async () => {
    const { store, stored, accept } = await records();
    // A JSON string of exactly the cap: its quotes count.
    const fits = JSON.stringify("é".repeat((RECORD_LIMITS.payloadBytes - 2) / 2));
    expect(Buffer.byteLength(fits)).toBe(16_384);
    const kept = await accept(fits);
    expect((await store.get(kept)).payload).toBe(JSON.parse(fits));

    const over = JSON.stringify(`${"é".repeat((RECORD_LIMITS.payloadBytes - 2) / 2)}x`);
    const notKept = await accept(over);
    const status = await store.get(notKept);
    expect(status.state).toBe("queued");
    expect(status).not.toHaveProperty("payload");
    expect(await stored(notKept)).toBeUndefined();
  });
});
