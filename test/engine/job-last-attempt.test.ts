import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { MAX_JOB_EVENTS } from "../../src/engine/jobs/events.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

// A success writes its events as the row's times, and readers derive them: every view of a
// succeeded job reads as if they were stored, and later writes store them in order.

let te: TestEngine;
let engine: Engine;
let queue: string;
let dlq: string;
const VISIBILITY_SECONDS = 30;

beforeEach(async () => {
  te = openTestEngine();
  engine = te.engine;
  dlq = await te.createQueue("greet-dlq");
  queue = await te.createQueue("greet", {
    VisibilityTimeout: String(VISIBILITY_SECONDS),
    // Above the 100 attempts of the cap's test: only the runtime's moves reach the DLQ here.
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: sqsArnOf("greet-dlq"),
      maxReceiveCount: 1000,
    }),
  });
  await engine.jobs.track({ QueueUrl: queue, JobName: "greet", Role: "queue" });
  await engine.jobs.track({ QueueUrl: dlq, JobName: "greet", Role: "dlq" });
});

const reopened: Engine[] = [];

/** The engine again on the same file (after {@link storedEvents} closed it). */
function reopen(): Engine {
  const again = createEngine({ path: te.path, clock: te.clock, durability: "relaxed" });
  reopened.push(again);
  return again;
}

afterEach(async () => {
  for (const e of reopened.splice(0)) await e.close();
  await te.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

const send = (jobId: string) =>
  engine.sqs.sendMessage({
    QueueUrl: queue,
    MessageBody: "{}",
    MessageAttributes: { jobId: { DataType: "String", StringValue: jobId } },
  });

const receive = () =>
  engine.receiveMessages({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });

const remove = (handle: string) =>
  engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [handle] });

const timeline = async (jobId: string) =>
  (await engine.jobs.get(jobId)).events.map((e) => [
    e.type,
    e.at,
    "attempt" in e ? e.attempt : undefined,
  ]);

/** The job's stored events, read once the engine (which holds the file's lock) is closed. */
async function storedEvents(jobId: string): Promise<string[]> {
  await engine.close();
  const db = new Database(te.path, { readonly: true });
  try {
    const row = db.prepare("SELECT events FROM jobs WHERE job_id = ?").get(jobId) as {
      events: string;
    };
    return (JSON.parse(row.events) as Array<{ type: string }>).map((e) => e.type);
  } finally {
    db.close();
  }
}

describe("job records: a success's events, derived from its times", () => {
  it("stores no events for a first attempt's success; reads its start and success", async () => {
    await send("job-1");
    const acceptedAt = te.clock.now();
    te.clock.advance(10);
    const [message] = await receive();
    te.clock.advance(250);
    await remove(message!.receiptHandle);
    const status = await engine.jobs.get("job-1");
    expect(status).toMatchObject({
      state: "succeeded",
      finishedAt: iso(acceptedAt + 260),
      attempts: [
        { attempt: 1, startedAt: iso(acceptedAt + 10), outcome: "succeeded", durationMs: 250 },
      ],
    });
    expect(status.events).toEqual([
      { type: "accepted", at: iso(acceptedAt) },
      { type: "started", at: iso(acceptedAt + 10), attempt: 1 },
      { type: "succeeded", at: iso(acceptedAt + 260), attempt: 1, durationMs: 250 },
    ]);
    expect(status.eventsDropped).toBeUndefined();
    expect((await engine.jobs.list({ state: "succeeded" })).jobs).toMatchObject([
      { jobId: "job-1", attempts: 1, finishedAt: iso(acceptedAt + 260) },
    ]);
    expect(await storedEvents("job-1")).toEqual(["accepted"]);
    // A row as a success that stored its events leaves it (no start kept) derives nothing.
    const db = new Database(te.path);
    const stored = status.events.map((e) => ({ ...e, at: Date.parse(e.at) }));
    db.prepare(
      "UPDATE jobs SET attempt_started_at = NULL, events = ?, event_count = 3 WHERE job_id = 'job-1'",
    ).run(JSON.stringify(stored));
    db.close();
    expect(await reopen().jobs.get("job-1")).toEqual(status);
  });

  it("derives only the success of a redelivered attempt, whose start is stored", async () => {
    await send("job-2");
    const firstAt = te.clock.now();
    await receive();
    te.clock.advance(VISIBILITY_SECONDS * 1000);
    const secondAt = te.clock.now();
    const [message] = await receive();
    te.clock.advance(40);
    await remove(message!.receiptHandle);
    expect(await timeline("job-2")).toEqual([
      ["accepted", iso(firstAt), undefined],
      ["started", iso(firstAt), 1],
      ["started", iso(secondAt), 2],
      ["succeeded", iso(secondAt + 40), 2],
    ]);
    expect((await engine.jobs.get("job-2")).attempts).toEqual([
      { attempt: 1, startedAt: iso(firstAt) },
      {
        attempt: 2,
        startedAt: iso(secondAt),
        endedAt: iso(secondAt + 40),
        outcome: "succeeded",
        durationMs: 40,
      },
    ]);
    expect(await storedEvents("job-2")).toEqual(["accepted", "started", "started"]);
  });

  it("stores them, in order, when the job id is accepted again; the next life derives its own", async () => {
    await send("job-3");
    const at = te.clock.now();
    // Every step in the same millisecond: the second life's attempt 1 starts when the first's
    // did, and is still told apart from it.
    await remove((await receive())[0]!.receiptHandle);
    await send("job-3");
    expect((await engine.jobs.get("job-3")).state).toBe("queued");
    await remove((await receive())[0]!.receiptHandle);
    const status = await engine.jobs.get("job-3");
    expect(status.events.map((e) => e.type)).toEqual([
      "accepted",
      "started",
      "succeeded",
      "accepted",
      "started",
      "succeeded",
    ]);
    expect(status.events.every((e) => e.at === iso(at))).toBe(true);
    expect(status.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "succeeded"],
      [1, "succeeded"],
    ]);
    expect(await storedEvents("job-3")).toEqual(["accepted", "started", "succeeded", "accepted"]);
  });

  it("stores them when a message of the job is redriven after its success", async () => {
    // The job's first life ends in its DLQ; accepted again, it succeeds; then the first life's
    // message is redriven.
    await send("job-6");
    await engine.moveToDeadLetterQueue({
      QueueUrl: queue,
      ReceiptHandle: (await receive())[0]!.receiptHandle,
      Reason: "Unrecoverable: no",
    });
    await send("job-6");
    te.clock.advance(20);
    const startedAt = te.clock.now();
    const [message] = await receive();
    te.clock.advance(30);
    await remove(message!.receiptHandle);
    expect((await engine.jobs.get("job-6")).state).toBe("succeeded");
    expect(await storedEvents("job-6")).toEqual([
      "accepted",
      "started",
      "dead-lettered",
      "accepted",
    ]);
    engine = reopen();
    expect((await engine.moveMessages({ SourceUrl: dlq, DestinationUrl: queue })).moved).toBe(1);
    const status = await engine.jobs.get("job-6");
    expect(status.state).toBe("queued");
    expect(status.events.map((e) => e.type)).toEqual([
      "accepted",
      "started",
      "dead-lettered",
      "accepted",
      "started",
      "succeeded",
      "redriven",
    ]);
    expect(status.attempts.at(-1)).toMatchObject({
      attempt: 1,
      startedAt: iso(startedAt),
      outcome: "succeeded",
      durationMs: 30,
    });
    expect(await storedEvents("job-6")).toEqual(status.events.map((e) => e.type));
  });

  it("counts derived events against the cap, when read and when stored", async () => {
    await send("job-4");
    // 99 failed attempts: 1 + 2 × 99 = 199 events stored, then attempt 100's start: 200.
    for (let attempt = 1; attempt < 100; attempt++) {
      await receive();
      await engine.jobs.ended([
        {
          jobId: "job-4",
          jobName: "greet",
          attempt,
          startedAt: te.clock.now(),
          at: te.clock.now(),
          outcome: "failed",
          error: { name: "Error", message: "boom" },
        },
      ]);
      te.clock.advance(VISIBILITY_SECONDS * 1000);
    }
    const [message] = await receive();
    te.clock.advance(5);
    await remove(message!.receiptHandle);
    const read = await engine.jobs.get("job-4");
    expect(read.events).toHaveLength(MAX_JOB_EVENTS);
    expect(read.eventsDropped).toBe(1);
    expect(read.events[0]!.type).toBe("accepted");
    expect(read.events.at(-1)).toMatchObject({ type: "succeeded", attempt: 100, durationMs: 5 });
    expect(read.events.at(-2)).toMatchObject({ type: "started", attempt: 100 });
    expect((await storedEvents("job-4")).slice(-2)).toEqual(["attempt-failed", "started"]);
    engine = reopen();
    await send("job-4");
    const again = await engine.jobs.get("job-4");
    expect(again.events).toHaveLength(MAX_JOB_EVENTS);
    expect(again.eventsDropped).toBe(2);
    expect(again.events.slice(-3).map((e) => e.type)).toEqual(["started", "succeeded", "accepted"]);
  });
});
