import { randomBytes } from "node:crypto";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoJobRecords, type DynamoJobRecords } from "../../src/aws/job-records.js";
import { type Item, itemBytes, RECORD_LIMITS } from "../../src/aws/job-records-items.js";
import { TestClock } from "../../src/core/clock.js";
import { OffloadError } from "../../src/core/errors.js";
import { newJobId } from "../../src/core/job-id.js";
import type { AttemptEnd, JobError } from "../../src/core/job-status.js";
import { codeFolder, tempFolder, twoJobStack } from "../cdk/support.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";

const folder = tempFolder();
let moto: MotoServer;
let dynamodb: DynamoDBClient;
/** The job table's definition, as the stack's template has it. */
let definition: {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes: GlobalSecondaryIndex[];
};

beforeAll(async () => {
  const [server] = await Promise.all([startMoto()]);
  moto = server;
  dynamodb = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  const { template } = twoJobStack(codeFolder(folder.dir));
  const [table] = Object.values(template.findResources("AWS::DynamoDB::Table"));
  definition = table!.Properties;
});
afterAll(async () => {
  dynamodb?.destroy();
  await moto?.stop();
  folder.cleanup();
});

/** A fresh table laid out as the stack's, and records over it with a test clock. */
async function records(jobNames = ["a", "b"]) {
  const tableName = `jobs-${randomBytes(4).toString("hex")}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: definition.KeySchema,
      AttributeDefinitions: definition.AttributeDefinitions,
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
    }),
  );
  const clock = new TestClock();
  const store = createDynamoJobRecords({ dynamodb, tableName, clock, jobNames });
  const raw = async (pk: string): Promise<Item | undefined> =>
    (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } })))
      .Item;
  return { store, clock, tableName, raw };
}

/** An error as the runtime reports it, with a realistic stack of ~1 KB. */
function boom(i: number): JobError {
  return {
    name: "Error",
    message: `payment gateway answered 503 (try ${i})`,
    stack: `Error: payment gateway answered 503\n${"    at charge (/var/task/index.mjs:1:2345)\n".repeat(22)}`,
  };
}

async function acceptOne(store: DynamoJobRecords, clock: TestClock, jobName = "a", body?: string) {
  const jobId = newJobId(clock.now());
  await store.accept({ jobId, jobName, at: clock.now(), ...(body === undefined ? {} : { body }) });
  return jobId;
}

describe("accept", () => {
  it("records a queued job, and a delayed one with its runAt", async () => {
    const { store, clock } = await records();
    const at = clock.now();
    const queued = await store.accept({ jobId: newJobId(at), jobName: "a", at });
    expect(queued.duplicate).toBe(false);
    const later = newJobId(at);
    await store.accept({ jobId: later, jobName: "a", at, runAt: at + 60_000 });
    expect(await store.get(queued.jobId)).toMatchObject({
      jobId: queued.jobId,
      jobName: "a",
      state: "queued",
      acceptedAt: new Date(at).toISOString(),
      finishedAt: null,
      runAt: null,
      attempts: [],
      events: [{ type: "accepted", at: new Date(at).toISOString() }],
    });
    expect(await store.get(later)).toMatchObject({
      state: "delayed",
      runAt: new Date(at + 60_000).toISOString(),
      events: [{ type: "accepted", runAt: new Date(at + 60_000).toISOString() }],
    });
  });

  it("refuses a job id already recorded with JobIdInUse, keeping the first job", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    const second = store.accept({ jobId, jobName: "b", at: clock.now() + 5 });
    await expect(second).rejects.toMatchObject({ code: "JobIdInUse", jobName: "b" });
    expect((await store.get(jobId)).jobName).toBe("a");
  });

  it("answers a duplicate idempotency key with the first job's id and records nothing", async () => {
    const { store, clock, raw } = await records();
    const first = newJobId(clock.now());
    await store.accept({ jobId: first, jobName: "a", at: clock.now(), idempotencyKey: "order-1" });
    clock.advance(1000);
    const second = newJobId(clock.now());
    const again = await store.accept({
      jobId: second,
      jobName: "a",
      at: clock.now(),
      idempotencyKey: "order-1",
    });
    expect(again).toEqual({ jobId: first, duplicate: true });
    expect(await raw(second)).toBeUndefined();
    // Another job's key space, and the same key after its window, are free.
    const other = await store.accept({
      jobId: second,
      jobName: "b",
      at: clock.now(),
      idempotencyKey: "order-1",
    });
    expect(other).toEqual({ jobId: second, duplicate: false });
    clock.advance(86_400_000);
    const third = newJobId(clock.now());
    const afterWindow = await store.accept({
      jobId: third,
      jobName: "a",
      at: clock.now(),
      idempotencyKey: "order-1",
    });
    expect(afterWindow).toEqual({ jobId: third, duplicate: false });
    expect((await store.get(first)).idempotencyKey).toBe("order-1");
  });

  it("lets one of concurrent sends with one key win; the others get its id", async () => {
    const { store, clock } = await records();
    const ids = Array.from({ length: 5 }, () => newJobId(clock.now()));
    const results = await Promise.all(
      ids.map((jobId) =>
        store.accept({ jobId, jobName: "a", at: clock.now(), idempotencyKey: "same" }),
      ),
    );
    const winners = results.filter((r) => !r.duplicate);
    expect(winners).toHaveLength(1);
    expect(new Set(results.map((r) => r.jobId))).toEqual(new Set([winners[0]!.jobId]));
  });

  it("frees the id and the key when a failed send withdraws its accept", async () => {
    const { store, clock, raw } = await records();
    const jobId = newJobId(clock.now());
    const acceptance = { jobId, jobName: "a", at: clock.now(), idempotencyKey: "k" };
    await store.accept(acceptance);
    await store.withdraw(acceptance);
    expect(await raw(jobId)).toBeUndefined();
    expect(await store.accept(acceptance)).toEqual({ jobId, duplicate: false });
  });

  it("says which field is wrong", async () => {
    const { store, clock } = await records();
    await expect(store.accept({ jobId: "no spaces", jobName: "a", at: 1 })).rejects.toMatchObject({
      code: "InvalidJobId",
    });
    const long = "k".repeat(RECORD_LIMITS.idempotencyKeyBytes + 1);
    await expect(
      store.accept({ jobId: newJobId(clock.now()), jobName: "a", at: 1, idempotencyKey: long }),
    ).rejects.toThrow("idempotencyKey must be 1 to 1024 bytes of text; got 1025 bytes");
  });
});

describe("attempts", () => {
  it("follows a job through three failed attempts into the DLQ, then a redrive and a success", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    for (let attempt = 1; attempt <= 3; attempt++) {
      clock.advance(1000);
      const startedAt = clock.now();
      const dropped = await store.started([
        { jobId, jobName: "a", messageId: "m1", attempt, at: startedAt, worker: "req-1" },
      ]);
      expect(dropped.size).toBe(0);
      expect((await store.get(jobId)).state).toBe("running");
      clock.advance(250);
      const end: AttemptEnd =
        attempt < 3
          ? {
              jobId,
              jobName: "a",
              attempt,
              startedAt,
              at: clock.now(),
              outcome: "failed",
              error: boom(attempt),
              retry: { reason: "error", at: clock.now() + 30_000 },
            }
          : {
              jobId,
              jobName: "a",
              attempt,
              startedAt,
              at: clock.now(),
              outcome: "dead-lettered",
              error: boom(attempt),
              reason: "failed 3 attempts (maxAttempts 3)",
            };
      await store.ended([end]);
      const status = await store.get(jobId);
      expect(status.state).toBe(attempt < 3 ? "retrying" : "failed");
      expect(status.runAt).toBe(attempt < 3 ? new Date(clock.now() + 30_000).toISOString() : null);
    }
    const failed = await store.get(jobId);
    expect(failed.attempts.map((a) => [a.attempt, a.outcome, a.durationMs])).toEqual([
      [1, "failed", 250],
      [2, "failed", 250],
      [3, "dead-lettered", 250],
    ]);
    expect(failed.attempts[0]!.retry?.reason).toBe("error");
    expect(failed.attempts[2]!.error?.message).toBe("payment gateway answered 503 (try 3)");
    expect(failed.finishedAt).toBeNull();

    clock.advance(60_000);
    await store.redriven([jobId]);
    expect((await store.get(jobId)).state).toBe("queued");
    clock.advance(1000);
    await store.started([{ jobId, jobName: "a", messageId: "m2", attempt: 1, at: clock.now() }]);
    await store.ended([
      {
        jobId,
        jobName: "a",
        attempt: 1,
        startedAt: clock.now(),
        at: clock.now() + 40,
        outcome: "succeeded",
        result: { charged: 42 },
      },
    ]);
    const done = await store.get(jobId);
    expect(done).toMatchObject({
      state: "succeeded",
      finishedAt: new Date(clock.now() + 40).toISOString(),
      result: { charged: 42 },
    });
    expect(done.events.map((e) => e.type)).toEqual([
      "accepted",
      ...["started", "attempt-failed", "started", "attempt-failed"],
      ...["started", "attempt-failed", "dead-lettered"],
      "redriven",
      "started",
      "succeeded",
    ]);
    // The redriven job's receive count starts again: its attempt 1 follows the old ones.
    expect(done.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "dead-lettered"],
      [1, "succeeded"],
    ]);
    const page = await store.list({ jobName: "a" });
    expect(page.jobs[0]).toMatchObject({ jobId, attempts: 1, lastError: null });
  });

  it("records the first attempt of a job that was never accepted here (sent over the SQS API)", async () => {
    const { store, clock } = await records();
    const jobId = "b7a1c2d3-0000-4000-8000-000000000001";
    await store.started([{ jobId, jobName: "b", messageId: jobId, attempt: 1, at: clock.now() }]);
    expect(await store.get(jobId)).toMatchObject({
      jobName: "b",
      state: "running",
      acceptedAt: new Date(clock.now()).toISOString(),
    });
    expect((await store.list({ jobName: "b" })).jobs.map((j) => j.jobId)).toEqual([jobId]);
  });

  it("keeps the state of a later attempt when an earlier attempt's end arrives late", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    const at = clock.now();
    await store.started([{ jobId, jobName: "a", messageId: "m", attempt: 2, at }]);
    await store.ended([
      {
        jobId,
        jobName: "a",
        attempt: 1,
        startedAt: at - 10,
        at,
        outcome: "failed",
        error: boom(1),
      },
    ]);
    const status = await store.get(jobId);
    expect(status.state).toBe("running");
    expect(status.events.map((e) => e.type)).toEqual(["accepted", "started", "attempt-failed"]);
  });

  it("records progress, read back by get and list", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    await store.started([{ jobId, jobName: "a", messageId: "m", attempt: 1, at: clock.now() }]);
    const at = new Date(clock.now() + 5).toISOString();
    await store.progress(jobId, { value: { done: 3, total: 10 }, message: "resizing", at });
    const progress = { value: { done: 3, total: 10 }, message: "resizing", at };
    expect((await store.get(jobId)).progress).toEqual(progress);
    expect((await store.list({})).jobs[0]!.progress).toEqual(progress);
  });
});

describe("cancel", () => {
  it("marks a queued job; its function is then told to drop it when it arrives", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    const other = await acceptOne(store, clock);
    expect(await store.cancel(jobId)).toEqual({ jobId, cancelled: "marked", state: "cancelled" });
    const dropped = await store.started([
      { jobId, jobName: "a", messageId: "m1", attempt: 1, at: clock.now() },
      { jobId: other, jobName: "a", messageId: "m2", attempt: 1, at: clock.now() },
    ]);
    expect([...dropped]).toEqual([jobId]);
    const status = await store.get(jobId);
    expect(status.state).toBe("cancelled");
    expect(status.events.map((e) => e.type)).toEqual(["accepted", "cancelled"]);
    expect(status.events[1]).toMatchObject({ while: "queued" });
    expect((await store.get(other)).state).toBe("running");
  });

  it("asks a running job to stop: reported at its next progress write, and it ends cancelled", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    const startedAt = clock.now();
    await store.started([{ jobId, jobName: "a", messageId: "m", attempt: 1, at: startedAt }]);
    const at = new Date(startedAt).toISOString();
    expect(await store.reportProgress(jobId, { value: 10, at })).toEqual({
      cancelRequested: false,
    });
    expect(await store.cancel(jobId)).toEqual({ jobId, cancelled: "signalled", state: "running" });
    expect(await store.cancelRequested(jobId)).toBe(true);
    expect(await store.reportProgress(jobId, { value: 20, at })).toEqual({
      cancelRequested: true,
    });
    await store.ended([
      { jobId, jobName: "a", attempt: 1, startedAt, at: startedAt + 9, outcome: "cancelled" },
    ]);
    const status = await store.get(jobId);
    expect(status).toMatchObject({ state: "cancelled", cancelRequested: true });
    expect(status.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "cancelled", durationMs: 9 }),
    ]);
  });

  it("refuses a finished job (JobFinished) and an unknown one (JobNotFound)", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    await store.started([{ jobId, jobName: "a", messageId: "m", attempt: 1, at: clock.now() }]);
    await store.ended([
      {
        jobId,
        jobName: "a",
        attempt: 1,
        startedAt: clock.now(),
        at: clock.now(),
        outcome: "succeeded",
      },
    ]);
    await expect(store.cancel(jobId)).rejects.toMatchObject({ code: "JobFinished" });
    const unknown = newJobId(clock.now());
    await expect(store.cancel(unknown)).rejects.toMatchObject({ code: "JobNotFound" });
    await expect(store.get(unknown)).rejects.toBeInstanceOf(OffloadError);
  });

  it("keeps a job cancelled in the DLQ cancelled through a redrive", async () => {
    const { store, clock } = await records();
    const jobId = await acceptOne(store, clock);
    await store.started([{ jobId, jobName: "a", messageId: "m", attempt: 1, at: clock.now() }]);
    await store.ended([
      {
        jobId,
        jobName: "a",
        attempt: 1,
        startedAt: clock.now(),
        at: clock.now(),
        outcome: "dead-lettered",
        reason: "Unrecoverable",
      },
    ]);
    expect(await store.cancel(jobId)).toMatchObject({ cancelled: "marked" });
    await store.redriven([jobId]);
    const dropped = await store.started([
      { jobId, jobName: "a", messageId: "m", attempt: 1, at: clock.now() },
    ]);
    expect([...dropped]).toEqual([jobId]);
    expect((await store.get(jobId)).state).toBe("cancelled");
  });
});

describe("list", () => {
  it("pages newest first through one job, and through every job merged", async () => {
    const { store, clock } = await records();
    const accepted: Array<{ jobId: string; jobName: string }> = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(10);
      const jobName = i % 3 === 0 ? "b" : "a";
      accepted.push({ jobId: await acceptOne(store, clock, jobName), jobName });
    }
    const newestFirst = [...accepted].reverse();
    const all: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.jobs.length).toBeLessThanOrEqual(3);
      all.push(...page.jobs.map((j) => j.jobId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(all).toEqual(newestFirst.map((j) => j.jobId));

    const onlyA = await store.list({ jobName: "a", limit: 100 });
    expect(onlyA.jobs.map((j) => j.jobId)).toEqual(
      newestFirst.filter((j) => j.jobName === "a").map((j) => j.jobId),
    );
    expect(onlyA.nextCursor).toBeNull();
  });

  it("filters by state and since", async () => {
    const { store, clock } = await records();
    const old = await acceptOne(store, clock);
    clock.advance(60_000);
    const since = new Date(clock.now()).toISOString();
    const running = await acceptOne(store, clock, "b");
    const queued = await acceptOne(store, clock);
    await store.started([
      { jobId: running, jobName: "b", messageId: "m", attempt: 1, at: clock.now() },
      { jobId: old, jobName: "a", messageId: "m", attempt: 1, at: clock.now() },
    ]);
    expect((await store.list({ state: "running" })).jobs.map((j) => j.jobId).sort()).toEqual(
      [running, old].sort(),
    );
    expect((await store.list({ since })).jobs.map((j) => j.jobId).sort()).toEqual(
      [running, queued].sort(),
    );
    expect((await store.list({ since, state: "queued" })).jobs.map((j) => j.jobId)).toEqual([
      queued,
    ]);
  });

  it("says which filter field is wrong", async () => {
    const { store } = await records();
    await expect(store.list({ limit: 0 })).rejects.toThrow(
      "limit must be a whole number from 1 to 1000; got 0",
    );
    await expect(store.list({ state: "lost" as never })).rejects.toThrow(/^state must be one of/);
    await expect(store.list({ since: "yesterday" })).rejects.toThrow(/^since must be an ISO 8601/);
    await expect(store.list({ cursor: "nope" })).rejects.toThrow(
      'cursor must be the nextCursor of an earlier page; got "nope"',
    );
  });
});

describe("caps", () => {
  it("keeps at most 100 events (the first and the newest), counts the rest, and stays under 400 KB", async () => {
    const { store, clock, raw } = await records();
    const jobId = await acceptOne(store, clock);
    const huge: JobError = {
      name: "E".repeat(1000),
      message: "\u0001".repeat(5000),
      code: "C".repeat(1000),
      stack: 'é"\n'.repeat(10_000),
    };
    for (let attempt = 1; attempt <= 60; attempt++) {
      const at = clock.now() + attempt;
      await store.started([{ jobId, jobName: "a", messageId: "m", attempt, at }]);
      await store.ended([
        { jobId, jobName: "a", attempt, startedAt: at, at, outcome: "failed", error: huge },
      ]);
    }
    // The latest failure keeps its stack, capped, in lastError and on its attempt.
    const lastError = JSON.parse((await raw(jobId))!.lastError!.S!) as JobError;
    expect(Buffer.byteLength(JSON.stringify(lastError.stack)) - 2).toBeLessThanOrEqual(
      RECORD_LIMITS.errorStackBytes,
    );
    expect(lastError.stack!.endsWith("…")).toBe(true);
    const failing = await store.get(jobId);
    expect(failing.attempts.at(-1)!.error!.stack).toBe(lastError.stack);
    expect(failing.attempts.at(-2)!.error!.stack).toBeUndefined();
    await store.ended([
      {
        jobId,
        jobName: "a",
        attempt: 60,
        startedAt: clock.now(),
        at: clock.now() + 61,
        outcome: "succeeded",
        result: "r".repeat(RECORD_LIMITS.resultBytes + 1),
      },
    ]);
    const item = (await raw(jobId))!;
    expect(item.events?.L).toHaveLength(RECORD_LIMITS.maxEvents);
    // 1 accepted + 60 × (started, attempt-failed) + succeeded = 122 events.
    expect(item.droppedEvents?.N).toBe("22");
    expect(itemBytes(item)).toBeLessThan(409_600);
    const status = await store.get(jobId);
    expect(status.events[0]!.type).toBe("accepted");
    expect(status.events.at(-1)!.type).toBe("succeeded");
    expect(status.result).toBeNull();
    const failed = status.attempts.find((a) => a.error)!;
    expect(Buffer.byteLength(JSON.stringify(failed.error!.message))).toBeLessThanOrEqual(
      RECORD_LIMITS.errorMessageBytes + 2,
    );
  });
});

describe("cost per job", () => {
  /**
   * Write units as DynamoDB counts them: 1 per started KB of the larger of the item before and
   * after each write, plus 1 for the index entry written at accept (keys only, under 1 KB).
   */
  async function followed(failures: number, body?: string) {
    const { store, clock, raw } = await records();
    const jobId = await acceptOne(store, clock, "a", body);
    const sizes = [itemBytes((await raw(jobId))!)];
    let units = 1 + Math.ceil(sizes[0]! / 1024);
    const step = async (write: () => Promise<unknown>) => {
      const before = sizes.at(-1)!;
      await write();
      const after = itemBytes((await raw(jobId))!);
      units += Math.ceil(Math.max(before, after) / 1024);
      sizes.push(after);
    };
    for (let attempt = 1; attempt <= failures + 1; attempt++) {
      const at = clock.now() + attempt * 1000;
      const base = { jobId, jobName: "a", attempt, startedAt: at, at: at + 120 } as const;
      await step(() =>
        store.started([{ jobId, jobName: "a", messageId: "m", attempt, at, worker: "req-1" }]),
      );
      await step(() =>
        store.ended([
          attempt <= failures
            ? { ...base, outcome: "failed", error: boom(attempt), retry: { reason: "error", at } }
            : { ...base, outcome: "succeeded" },
        ]),
      );
    }
    return { units, bytes: sizes.at(-1)! };
  }

  it("is 4 write units and under 1 KB for a job that succeeds first time; 20 after 3 failures", async () => {
    const once = await followed(0);
    const thrice = await followed(3);
    // Printed for the README's figures.
    console.info(
      `job records: first-time success ${JSON.stringify(once)}; 3 failures then success ${JSON.stringify(thrice)}`,
    );
    expect(once.units).toBe(4);
    expect(once.bytes).toBeLessThan(1024);
    expect(thrice.units).toBe(20);
    expect(thrice.bytes).toBeLessThan(2 * 1024);
  });

  it("grows with the payload kept while the job is unfinished: 16 write units with 4 KB, 52 with 16 KiB", async () => {
    const small = await followed(0, JSON.stringify({ email: "ada@example.com", plan: "pro" }));
    const fourKb = await followed(0, JSON.stringify({ note: "n".repeat(4000) }));
    const largest = await followed(0, JSON.stringify("n".repeat(RECORD_LIMITS.payloadBytes - 2)));
    console.info(
      `job records with a payload: 45 bytes ${JSON.stringify(small)}; 4 KB ${JSON.stringify(fourKb)}; 16 KiB ${JSON.stringify(largest)}`,
    );
    // The accept, start and end each count the payload (the end's item before it is removed).
    expect(small.units).toBe(4);
    expect(fourKb.units).toBe(16);
    expect(largest.units).toBe(52);
    // Gone once the job succeeded.
    expect(fourKb.bytes).toBeLessThan(1024);
  });
});
