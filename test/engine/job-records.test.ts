import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OffloadError } from "../../src/core/errors.js";
import type { JobStatus } from "../../src/core/job-status.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { MAX_JOB_EVENTS } from "../../src/engine/jobs/events.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

let te: TestEngine;
let engine: Engine;
let queue: string;
let dlq: string;
let TopicArn: string;
const extra: Engine[] = [];

const MAX_RECEIVES = 3;
const VISIBILITY_SECONDS = 30;

/** A tracked job queue `greet` (with its tracked DLQ) and a topic that routes jobs to it raw. */
async function setUp(options: Parameters<typeof openTestEngine>[0] = {}): Promise<void> {
  te = openTestEngine(options);
  engine = te.engine;
  dlq = await te.createQueue("greet-dlq");
  queue = await te.createQueue("greet", {
    VisibilityTimeout: String(VISIBILITY_SECONDS),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: sqsArnOf("greet-dlq"),
      maxReceiveCount: MAX_RECEIVES,
    }),
  });
  await engine.jobs.track({ QueueUrl: queue, JobName: "greet", Role: "queue" });
  await engine.jobs.track({ QueueUrl: dlq, JobName: "greet", Role: "dlq" });
  ({ TopicArn } = await engine.sns.createTopic({ Name: "jobs" }));
  await engine.sns.subscribe({
    TopicArn,
    Protocol: "sqs",
    Endpoint: sqsArnOf("greet"),
    Attributes: {
      RawMessageDelivery: "true",
      FilterPolicy: JSON.stringify({ jobName: ["greet"] }),
    },
  });
}

afterEach(async () => {
  for (const e of extra.splice(0)) await e.close();
  await te.close();
});

const jobIdAttribute = (jobId: string) => ({ jobId: { DataType: "String", StringValue: jobId } });

const receive = (max = 10) =>
  engine.receiveMessages({ QueueUrl: queue, MaxNumberOfMessages: max, WaitTimeSeconds: 0 });

const accept = (fields: Partial<Parameters<Engine["acceptJob"]>[0]> = {}) =>
  engine.acceptJob({
    JobName: "greet",
    TopicArn,
    MessageBody: "{}",
    MessageAttributes: { jobName: { DataType: "String", StringValue: "greet" } },
    ...fields,
  });

async function rejection(promise: Promise<unknown>): Promise<OffloadError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: OffloadError) => e,
  );
}

async function depth(url = queue): Promise<number> {
  const stats = await engine.queueStats(url);
  return stats.visible + stats.inFlight + stats.delayed;
}

const types = (status: JobStatus) => status.events.map((e) => e.type);

describe("job records: acceptance", () => {
  beforeEach(() => setUp());

  it("records messages entering a tracked job queue, keyed by their jobId attribute or message id", async () => {
    await engine.sqs.sendMessage({
      QueueUrl: queue,
      MessageBody: "a",
      MessageAttributes: jobIdAttribute("order-1"),
    });
    const plain = await engine.sqs.sendMessage({ QueueUrl: queue, MessageBody: "b" });
    await engine.sqs.sendMessageBatch({
      QueueUrl: queue,
      Entries: [{ Id: "x", MessageBody: "c", MessageAttributes: jobIdAttribute("batch-1") }],
    });
    await engine.sns.publish({
      TopicArn,
      Message: "d",
      MessageAttributes: {
        jobName: { DataType: "String", StringValue: "greet" },
        ...jobIdAttribute("published-1"),
      },
    });
    const accepted = await accept({ JobId: "accepted-1", IdempotencyKey: "k" });

    for (const id of ["order-1", plain.MessageId, "batch-1", "published-1", "accepted-1"]) {
      const status = await engine.jobs.get(id);
      expect(status).toMatchObject({ jobId: id, jobName: "greet", state: "queued", attempts: [] });
      expect(status.events).toEqual([
        {
          type: "accepted",
          at: status.acceptedAt,
          ...(id === "accepted-1" ? { idempotencyKey: "k" } : {}),
        },
      ]);
    }
    expect(accepted).toMatchObject({ JobId: "accepted-1", Duplicate: false });
    expect((await engine.jobs.get("accepted-1")).idempotencyKey).toBe("k");
    // The id of a job still queued, sent again over the SQS API, names that job only: the new
    // message is a job of its own, named by its message id, which it carries as its jobId.
    const again = await engine.sqs.sendMessage({
      QueueUrl: queue,
      MessageBody: "again",
      MessageAttributes: jobIdAttribute("order-1"),
    });
    expect(types(await engine.jobs.get("order-1"))).toEqual(["accepted"]);
    expect((await engine.jobs.get(again.MessageId)).state).toBe("queued");
    const carried = (await engine.peekMessages({ QueueUrl: queue, Limit: 10 })).find(
      (m) => m.MessageId === again.MessageId,
    );
    expect(carried?.MessageAttributes.jobId?.StringValue).toBe(again.MessageId);
    // So does a message without a jobId, or with one that is no job id.
    const odd = await engine.sqs.sendMessage({
      QueueUrl: queue,
      MessageBody: "odd",
      MessageAttributes: jobIdAttribute("has space"),
    });
    expect((await engine.jobs.get(odd.MessageId)).state).toBe("queued");
    // A queue nobody tracks keeps no records.
    const other = await te.createQueue("other");
    const { MessageId } = await engine.sqs.sendMessage({ QueueUrl: other, MessageBody: "e" });
    expect((await rejection(engine.jobs.get(MessageId))).code).toBe("JobNotFound");
  });

  it("draws a UUIDv7 for acceptJob without an id and sets the jobId attribute", async () => {
    const { JobId, MessageId } = await accept();
    expect(JobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(MessageId).toBeDefined();
    const [message] = await receive();
    expect(message?.messageAttributes.jobId?.stringValue).toBe(JobId);
  });

  it("fails acceptJob, storing nothing, when the job's queue refuses the topic's delivery", async () => {
    // A queue that takes no message this long (set in process: the wire guards job queues).
    await engine.sqs.setQueueAttributes({
      QueueUrl: queue,
      Attributes: { MaximumMessageSize: "1024" },
    });
    const error = await rejection(accept({ JobId: "too-big", MessageBody: "x".repeat(2000) }));
    expect(error.code).toBe("JobNotStored");
    expect(error.message).toContain("job too-big reached no queue of its job");
    expect(await depth()).toBe(0);
    expect((await rejection(engine.jobs.get("too-big"))).code).toBe("JobNotFound");
  });

  it("refuses a job id still on record (JobIdInUse) and sends nothing", async () => {
    await accept({ JobId: "once" });
    const error = await rejection(accept({ JobId: "once" }));
    expect(error.code).toBe("JobIdInUse");
    expect(error.message).toContain("Job id once is held by an earlier job of greet");
    expect(await depth()).toBe(1);
  });

  it("answers a repeated idempotency key within its window with the first job, sending nothing", async () => {
    const first = await accept({ IdempotencyKey: "order-7" });
    te.clock.advance(59_000);
    const again = await accept({ IdempotencyKey: "order-7", IdempotencyWindowMs: 60_000 });
    expect(again).toEqual({ JobId: first.JobId, Duplicate: true });
    expect(await depth()).toBe(1);
    // Another job name does not share keys.
    const otherQueue = await te.createQueue("other");
    await engine.jobs.track({ QueueUrl: otherQueue, JobName: "other", Role: "queue" });
    const other = await engine.acceptJob({
      JobName: "other",
      QueueUrl: otherQueue,
      MessageBody: "{}",
      IdempotencyKey: "order-7",
    });
    expect(other.Duplicate).toBe(false);
    expect((await engine.jobs.get(other.JobId)).jobName).toBe("other");
    te.clock.advance(2000);
    const later = await accept({ IdempotencyKey: "order-7", IdempotencyWindowMs: 60_000 });
    expect(later.Duplicate).toBe(false);
    expect(later.JobId).not.toBe(first.JobId);
    expect(await depth()).toBe(2);
  });

  it("records a delayed job as delayed until its time, then queued, without a write", async () => {
    const { JobId } = await engine.acceptJob({
      JobName: "greet",
      QueueUrl: queue,
      MessageBody: "{}",
      DelaySeconds: 10,
    });
    const runAt = new Date(te.clock.now() + 10_000).toISOString();
    expect(await engine.jobs.get(JobId)).toMatchObject({ state: "delayed", runAt });
    expect((await engine.jobs.list({ state: "delayed" })).jobs.map((j) => j.jobId)).toEqual([
      JobId,
    ]);
    const updatedAt = (await engine.jobs.get(JobId)).updatedAt;
    te.clock.advance(10_000);
    expect(await engine.jobs.get(JobId)).toMatchObject({ state: "queued", runAt: null, updatedAt });
    expect((await engine.jobs.list({ state: "queued" })).jobs.map((j) => j.jobId)).toEqual([JobId]);
    expect((await engine.jobs.list({ state: "delayed" })).jobs).toEqual([]);
  });
});

describe("job records: attempts", () => {
  beforeEach(() => setUp());

  it("records a receive as a started attempt and a delete as success with its duration", async () => {
    const { JobId } = await accept();
    const [message] = await receive();
    expect(await engine.jobs.get(JobId)).toMatchObject({
      state: "running",
      attempts: [{ attempt: 1, startedAt: new Date(te.clock.now()).toISOString() }],
    });
    te.clock.advance(250);
    await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [message!.receiptHandle] });
    const done = await engine.jobs.get(JobId);
    expect(done).toMatchObject({
      state: "succeeded",
      finishedAt: new Date(te.clock.now()).toISOString(),
      attempts: [{ attempt: 1, outcome: "succeeded", durationMs: 250 }],
    });
    expect(done.events.at(-1)).toMatchObject({ type: "succeeded", attempt: 1, durationMs: 250 });
  });

  it("records SQS DeleteMessage and DeleteMessageBatch of received jobs as success", async () => {
    const a = await accept();
    const b = await accept();
    const { Messages = [] } = await engine.sqs.receiveMessage({
      QueueUrl: queue,
      MaxNumberOfMessages: 10,
    });
    expect(Messages).toHaveLength(2);
    await engine.sqs.deleteMessage({ QueueUrl: queue, ReceiptHandle: Messages[0]!.ReceiptHandle });
    await engine.sqs.deleteMessageBatch({
      QueueUrl: queue,
      Entries: [{ Id: "1", ReceiptHandle: Messages[1]!.ReceiptHandle }],
    });
    expect((await engine.jobs.get(a.JobId)).state).toBe("succeeded");
    expect((await engine.jobs.get(b.JobId)).state).toBe("succeeded");
  });

  it("records a failure with its retry, then the next attempt, then the DLQ move at maxReceiveCount", async () => {
    const { JobId } = await accept();
    for (let attempt = 1; attempt <= MAX_RECEIVES; attempt++) {
      const [message] = await receive();
      expect(message).toBeDefined();
      const startedAt = te.clock.now();
      te.clock.advance(100);
      const retryAt = te.clock.now() + 5000;
      await engine.jobs.ended([
        {
          jobId: JobId,
          jobName: "greet",
          attempt,
          startedAt,
          at: te.clock.now(),
          outcome: "failed",
          error: { name: "TypeError", message: `boom ${attempt}`, stack: "x".repeat(10_000) },
          retry: { reason: "error", at: retryAt },
        },
      ]);
      const status = await engine.jobs.get(JobId);
      expect(status).toMatchObject({ state: "retrying", runAt: new Date(retryAt).toISOString() });
      expect(status.attempts[attempt - 1]).toMatchObject({
        attempt,
        outcome: "failed",
        durationMs: 100,
        error: { name: "TypeError", message: `boom ${attempt}` },
        retry: { reason: "error", at: new Date(retryAt).toISOString() },
      });
      expect(status.attempts[attempt - 1]!.error!.stack!.length).toBeLessThan(2100);
      te.clock.advance(VISIBILITY_SECONDS * 1000);
      expect((await engine.jobs.get(JobId)).state).toBe("queued");
    }
    expect(await receive()).toEqual([]);
    const dead = await engine.jobs.get(JobId);
    expect(dead.state).toBe("failed");
    expect(dead.events.at(-1)).toMatchObject({ type: "dead-lettered", attempt: MAX_RECEIVES });
    expect(dead.attempts).toHaveLength(MAX_RECEIVES);
    expect((await engine.jobs.list({})).jobs[0]).toMatchObject({
      jobId: JobId,
      attempts: MAX_RECEIVES,
      lastError: { name: "TypeError", message: `boom ${MAX_RECEIVES}` },
    });
  });

  it("records the runtime's DLQ move with its reason, and a redrive back under the same id", async () => {
    const { JobId } = await accept();
    const [message] = await receive();
    await engine.moveToDeadLetterQueue({
      QueueUrl: queue,
      ReceiptHandle: message!.receiptHandle,
      Reason: "Unrecoverable: card declined",
    });
    const dead = await engine.jobs.get(JobId);
    expect(dead).toMatchObject({
      state: "failed",
      attempts: [{ attempt: 1, outcome: "dead-lettered" }],
    });
    expect(dead.events.at(-1)).toMatchObject({
      type: "dead-lettered",
      attempt: 1,
      reason: "Unrecoverable: card declined",
    });
    const moved = await engine.moveMessages({ SourceUrl: dlq, DestinationUrl: queue });
    expect(moved.moved).toBe(1);
    expect(await engine.jobs.get(JobId)).toMatchObject({ state: "queued", finishedAt: null });
    expect(types(await engine.jobs.get(JobId))).toEqual([
      "accepted",
      "started",
      "dead-lettered",
      "redriven",
    ]);
    const [again] = await receive();
    expect(again?.messageAttributes.jobId?.stringValue).toBe(JobId);
    expect((await engine.jobs.get(JobId)).attempts.map((a) => a.attempt)).toEqual([1, 1]);
  });

  it("records a redrive by StartMessageMoveTask, and keeps the message id as job id without a jobId attribute", async () => {
    const { MessageId } = await engine.sqs.sendMessage({ QueueUrl: queue, MessageBody: "wire" });
    for (let i = 0; i <= MAX_RECEIVES; i++) {
      await receive();
      te.clock.advance(VISIBILITY_SECONDS * 1000);
    }
    expect((await engine.jobs.get(MessageId)).state).toBe("failed");
    await engine.sqs.startMessageMoveTask({ SourceArn: sqsArnOf("greet-dlq") });
    await te.advance(1000);
    await engine.whenIdle();
    expect((await engine.jobs.get(MessageId)).state).toBe("queued");
    expect(types(await engine.jobs.get(MessageId)).at(-1)).toBe("redriven");
  });

  it("shows an attempt cut off by a crash as started with no end, and records the next", async () => {
    const clock = te.clock;
    const { JobId } = await accept();
    await receive();
    // Closed without a delete, as a SIGKILL mid-attempt leaves it (the receive is committed).
    await engine.close();
    const reopened = createEngine({ path: te.path, clock, durability: "relaxed" });
    extra.push(reopened);
    const cut = await reopened.jobs.get(JobId);
    expect(cut.state).toBe("running");
    expect(cut.attempts).toHaveLength(1);
    expect(cut.attempts[0]!.endedAt).toBeUndefined();
    clock.advance(VISIBILITY_SECONDS * 1000);
    const [message] = await reopened.receiveMessages({ QueueUrl: queue, WaitTimeSeconds: 0 });
    expect(message).toBeDefined();
    const next = await reopened.jobs.get(JobId);
    expect(next.attempts.map((a) => [a.attempt, a.endedAt])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
    expect(next.state).toBe("running");
  });

  it("caps a job's events, keeping the first and the latest, and counts those dropped", async () => {
    await te.close();
    await setUp();
    await engine.sqs.setQueueAttributes({ QueueUrl: queue, Attributes: { RedrivePolicy: "" } });
    const { JobId } = await accept();
    const attempts = 150;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await receive();
      await engine.jobs.ended([
        {
          jobId: JobId,
          jobName: "greet",
          attempt,
          startedAt: te.clock.now(),
          at: te.clock.now(),
          outcome: "failed",
          error: { name: "Error", message: "m".repeat(5000) },
        },
      ]);
      te.clock.advance(VISIBILITY_SECONDS * 1000);
    }
    const status = await engine.jobs.get(JobId);
    expect(status.events).toHaveLength(MAX_JOB_EVENTS);
    expect(status.eventsDropped).toBe(1 + 2 * attempts - MAX_JOB_EVENTS);
    expect(status.events[0]!.type).toBe("accepted");
    expect(status.events.at(-1)).toMatchObject({ type: "attempt-failed", attempt: attempts });
    const last = status.events.at(-1) as { error: { message: string } };
    expect(last.error.message.length).toBeLessThan(1100);
  });
});

describe("job records: removal", () => {
  beforeEach(() => setUp());

  it("records a purge and a DeleteQueue as deleted, and retention as expired", async () => {
    const purged = await accept();
    await engine.sqs.purgeQueue({ QueueUrl: queue });
    expect(await engine.jobs.get(purged.JobId)).toMatchObject({ state: "deleted" });
    expect((await engine.jobs.get(purged.JobId)).events.at(-1)).toMatchObject({
      type: "deleted",
      how: "purge",
    });

    await engine.sqs.setQueueAttributes({
      QueueUrl: queue,
      Attributes: { MessageRetentionPeriod: "60" },
    });
    const expired = await accept();
    te.clock.advance(61_000);
    await engine.sweep();
    expect(await engine.jobs.get(expired.JobId)).toMatchObject({ state: "expired" });
    // Retention met at a receive records the same.
    const atReceive = await accept();
    te.clock.advance(61_000);
    expect(await receive()).toEqual([]);
    expect((await engine.jobs.get(atReceive.JobId)).state).toBe("expired");

    const gone = await accept();
    await engine.sqs.deleteQueue({ QueueUrl: queue });
    expect((await engine.jobs.get(gone.JobId)).state).toBe("deleted");
  });

  it("records a delete of a job out of its DLQ, or of one whose failure was recorded, as deleted", async () => {
    const dead = await accept();
    const [message] = await receive();
    await engine.moveToDeadLetterQueue({ QueueUrl: queue, ReceiptHandle: message!.receiptHandle });
    const { Messages = [] } = await engine.sqs.receiveMessage({ QueueUrl: dlq });
    expect((await engine.jobs.get(dead.JobId)).state).toBe("failed");
    await engine.sqs.deleteMessage({ QueueUrl: dlq, ReceiptHandle: Messages[0]!.ReceiptHandle });
    expect((await engine.jobs.get(dead.JobId)).state).toBe("deleted");

    const failing = await accept();
    const [held] = await receive();
    await engine.jobs.ended([
      {
        jobId: failing.JobId,
        jobName: "greet",
        attempt: 1,
        startedAt: te.clock.now(),
        at: te.clock.now(),
        outcome: "failed",
        error: { name: "Error", message: "no" },
      },
    ]);
    await engine.sqs.deleteMessage({ QueueUrl: queue, ReceiptHandle: held!.receiptHandle });
    expect((await engine.jobs.get(failing.JobId)).events.at(-1)).toMatchObject({
      type: "deleted",
      how: "delete",
    });
  });
});

describe("job records: reading", () => {
  beforeEach(() => setUp());

  it("lists newest first, filtered by name, state and time, paged by cursor", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await accept()).JobId);
      te.clock.advance(1000);
    }
    const since = new Date(te.clock.now() - 3000).toISOString();
    await receive(1);
    const first = await engine.jobs.list({ limit: 2 });
    expect(first.jobs.map((j) => j.jobId)).toEqual([ids[4], ids[3]]);
    const second = await engine.jobs.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.jobs.map((j) => j.jobId)).toEqual([ids[2], ids[1]]);
    const third = await engine.jobs.list({ limit: 2, cursor: second.nextCursor! });
    expect(third).toEqual({ jobs: [expect.objectContaining({ jobId: ids[0] })], nextCursor: null });
    expect((await engine.jobs.list({ state: "running" })).jobs).toEqual([
      expect.objectContaining({ jobId: ids[0], state: "running", attempts: 1 }),
    ]);
    expect((await engine.jobs.list({ since })).jobs.map((j) => j.jobId)).toEqual([
      ids[4],
      ids[3],
      ids[2],
    ]);
    expect((await engine.jobs.list({ jobName: "nope" })).jobs).toEqual([]);
    expect((await engine.jobs.list({ jobName: "greet" })).jobs).toHaveLength(5);
  });

  it("refuses a bad filter, naming the field, what it takes and what came", async () => {
    await expect(engine.jobs.list({ limit: 0 })).rejects.toThrow(
      "limit must be a whole number from 1 to 1000; got 0",
    );
    await expect(engine.jobs.list({ since: "yesterday" })).rejects.toThrow(
      'since must be an ISO 8601 time (2025-01-31T12:00:00Z); got "yesterday"',
    );
    await expect(engine.jobs.list({ state: "lost" as never })).rejects.toThrow(
      'state must be one of queued, delayed, running, retrying, succeeded, failed, cancelled, expired, deleted; got "lost"',
    );
    await expect(engine.jobs.list({ cursor: "gone" })).rejects.toThrow('cursor "gone" is no job');
  });
});

describe("job records: cancel", () => {
  beforeEach(() => setUp());

  it("removes a queued, delayed, retrying or dead-lettered job's message in the same commit", async () => {
    const queued = await accept();
    const delayed = await engine.acceptJob({
      JobName: "greet",
      QueueUrl: queue,
      MessageBody: "{}",
      DelaySeconds: 60,
    });
    expect(await engine.jobs.cancel(queued.JobId)).toEqual({
      jobId: queued.JobId,
      cancelled: "removed",
      state: "cancelled",
    });
    expect((await engine.jobs.cancel(delayed.JobId)).cancelled).toBe("removed");
    expect(await depth()).toBe(0);
    expect((await engine.jobs.get(delayed.JobId)).events.at(-1)).toMatchObject({
      type: "cancelled",
      while: "delayed",
    });

    const retrying = await accept();
    await receive();
    await engine.jobs.ended([
      {
        jobId: retrying.JobId,
        jobName: "greet",
        attempt: 1,
        startedAt: te.clock.now(),
        at: te.clock.now(),
        outcome: "failed",
        error: { name: "Error", message: "no" },
        retry: { reason: "retry-later", at: te.clock.now() + 60_000 },
      },
    ]);
    await engine.jobs.cancel(retrying.JobId);
    expect((await engine.jobs.get(retrying.JobId)).events.at(-1)).toMatchObject({
      while: "retrying",
    });
    expect(await depth()).toBe(0);

    const dead = await accept();
    const [message] = await receive();
    await engine.moveToDeadLetterQueue({ QueueUrl: queue, ReceiptHandle: message!.receiptHandle });
    expect(await depth(dlq)).toBe(1);
    await engine.jobs.cancel(dead.JobId);
    expect(await depth(dlq)).toBe(0);
    expect((await engine.jobs.get(dead.JobId)).state).toBe("cancelled");
  });

  it("asks a running job's listener to stop it, and records it cancelled when its message goes", async () => {
    const told: string[] = [];
    const off = engine.jobs.onCancelRequested((jobId) => told.push(jobId));
    const { JobId } = await accept();
    const [message] = await receive();
    expect(await engine.jobs.cancel(JobId)).toEqual({
      jobId: JobId,
      cancelled: "signalled",
      state: "running",
    });
    expect(told).toEqual([JobId]);
    expect(await engine.jobs.get(JobId)).toMatchObject({ state: "running", cancelRequested: true });
    await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [message!.receiptHandle] });
    expect(await engine.jobs.get(JobId)).toMatchObject({
      state: "cancelled",
      attempts: [{ outcome: "cancelled" }],
    });
    off();
  });

  it("ends a running job cancelled when the runtime reports it so, deleting its message", async () => {
    const { JobId } = await accept();
    await receive();
    await engine.jobs.cancel(JobId);
    await engine.jobs.ended([
      {
        jobId: JobId,
        jobName: "greet",
        attempt: 1,
        startedAt: te.clock.now(),
        at: te.clock.now(),
        outcome: "cancelled",
      },
    ]);
    expect((await engine.jobs.get(JobId)).state).toBe("cancelled");
    expect(await depth()).toBe(0);
  });

  it("refuses to cancel a finished job (JobFinished) or an unknown one (JobNotFound)", async () => {
    const { JobId } = await accept();
    const [message] = await receive();
    await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [message!.receiptHandle] });
    const finished = await rejection(engine.jobs.cancel(JobId));
    expect(finished.code).toBe("JobFinished");
    expect(finished.message).toContain(`Job ${JobId} has already finished: succeeded at`);
    expect((await rejection(engine.jobs.cancel("nobody"))).code).toBe("JobNotFound");
  });
});

describe("job records: a first attempt, written at its end", () => {
  beforeEach(() => setUp());

  const iso = (ms: number) => new Date(ms).toISOString();

  /** The job's row as stored, read once the engine (which holds the file's lock) is closed. */
  async function storedRow(jobId: string): Promise<{ state: string; events: string }> {
    await engine.close();
    const db = new Database(te.path, { readonly: true });
    try {
      return db.prepare("SELECT state, events FROM jobs WHERE job_id = ?").get(jobId) as {
        state: string;
        events: string;
      };
    } finally {
      db.close();
    }
  }

  it("writes nothing at a first receive; reads it running from its message, in every view", async () => {
    const { JobId } = await accept();
    const delayed = await engine.acceptJob({
      JobName: "greet",
      QueueUrl: queue,
      MessageBody: "{}",
      DelaySeconds: 5,
    });
    te.clock.advance(5_000);
    const receivedAt = te.clock.now();
    expect(await receive(2)).toHaveLength(2);
    const untouched = await accept();
    te.clock.advance(100);
    for (const id of [JobId, delayed.JobId]) {
      const status = await engine.jobs.get(id);
      expect(status).toMatchObject({
        state: "running",
        runAt: null,
        updatedAt: iso(receivedAt),
        attempts: [{ attempt: 1, startedAt: iso(receivedAt) }],
      });
      expect(status.events.at(-1)).toEqual({ type: "started", at: iso(receivedAt), attempt: 1 });
    }
    const listed = (state: "running" | "queued" | "delayed") =>
      engine.jobs.list({ state }).then((page) => page.jobs.map((j) => [j.jobId, j.attempts]));
    expect(await listed("running")).toEqual([
      [delayed.JobId, 1],
      [JobId, 1],
    ]);
    expect(await listed("queued")).toEqual([[untouched.JobId, 0]]);
    expect(await listed("delayed")).toEqual([]);
    const stored = await storedRow(JobId);
    expect(stored.state).toBe("queued");
    expect(JSON.parse(stored.events)).toHaveLength(1);
  });

  it("records the start with the end: success, failure, a crash then a redelivery, a purge", async () => {
    const ok = await accept();
    const failing = await accept();
    const cut = await accept();
    const purged = await accept();
    const firstAt = te.clock.now();
    const messages = await receive(4);
    te.clock.advance(300);
    await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [messages[0]!.receiptHandle] });
    expect((await engine.jobs.get(ok.JobId)).events.map((e) => [e.type, e.at])).toEqual([
      ["accepted", iso(firstAt)],
      ["started", iso(firstAt)],
      ["succeeded", iso(firstAt + 300)],
    ]);
    expect((await engine.jobs.get(ok.JobId)).attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "succeeded", durationMs: 300 }),
    ]);
    await engine.jobs.ended([
      {
        jobId: failing.JobId,
        jobName: "greet",
        attempt: 1,
        startedAt: firstAt,
        at: te.clock.now(),
        outcome: "failed",
        error: { name: "Error", message: "boom" },
        retry: { reason: "error", at: te.clock.now() + 60_000 },
      },
    ]);
    expect(await engine.jobs.get(failing.JobId)).toMatchObject({
      state: "retrying",
      attempts: [{ attempt: 1, startedAt: iso(firstAt), outcome: "failed" }],
    });
    // The cut-off attempt's message comes back after its visibility timeout: the redelivery
    // writes the first attempt's start (at its receive) before its own.
    te.clock.advance(VISIBILITY_SECONDS * 1000);
    const againAt = te.clock.now();
    await engine.sqs.purgeQueue({ QueueUrl: queue });
    expect((await engine.jobs.get(purged.JobId)).events.map((e) => e.type)).toEqual([
      "accepted",
      "started",
      "deleted",
    ]);
    expect((await engine.jobs.get(cut.JobId)).attempts).toEqual([
      { attempt: 1, startedAt: iso(firstAt) },
    ]);
    const { JobId } = await accept();
    await receive();
    te.clock.advance(VISIBILITY_SECONDS * 1000);
    const redeliveredAt = te.clock.now();
    await receive();
    expect((await engine.jobs.get(JobId)).attempts).toEqual([
      { attempt: 1, startedAt: iso(againAt) },
      { attempt: 2, startedAt: iso(redeliveredAt) },
    ]);
    expect((await storedRow(JobId)).state).toBe("running");
  });

  it("signals a cancel of a first attempt under way, and moves it to the DLQ with its start", async () => {
    await te.close();
    await setUp();
    await engine.sqs.setQueueAttributes({
      QueueUrl: queue,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: sqsArnOf("greet-dlq"),
          maxReceiveCount: 1,
        }),
      },
    });
    const told: string[] = [];
    engine.jobs.onCancelRequested((jobId) => told.push(jobId));
    const cancelled = await accept();
    const dead = await accept();
    const firstAt = te.clock.now();
    await receive(2);
    expect(await engine.jobs.cancel(cancelled.JobId)).toEqual({
      jobId: cancelled.JobId,
      cancelled: "signalled",
      state: "running",
    });
    expect(told).toEqual([cancelled.JobId]);
    expect(await depth()).toBe(2);
    // The other one's attempt is cut off; its next receive finds it received maxReceiveCount times.
    te.clock.advance(VISIBILITY_SECONDS * 1000);
    await receive();
    const status = await engine.jobs.get(dead.JobId);
    expect(status).toMatchObject({ state: "failed" });
    expect(status.events.map((e) => [e.type, e.at])).toEqual([
      ["accepted", iso(firstAt)],
      ["started", iso(firstAt)],
      ["dead-lettered", iso(te.clock.now())],
    ]);
  });
});

describe("job records: keeping", () => {
  it("sweeps finished jobs after their retention and beyond the row cap, oldest first", async () => {
    await setUp({ finishedJobRetentionMs: 60_000, maxFinishedJobs: 2 });
    const finish = async () => {
      const { JobId } = await accept();
      const [message] = await receive();
      await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [message!.receiptHandle] });
      te.clock.advance(1000);
      return JobId;
    };
    const [a, b, c] = [await finish(), await finish(), await finish()];
    const open = await accept();
    await engine.sweep();
    expect((await rejection(engine.jobs.get(a))).code).toBe("JobNotFound");
    expect((await engine.jobs.get(b)).state).toBe("succeeded");
    expect((await engine.jobs.get(c)).state).toBe("succeeded");
    te.clock.advance(60_000);
    await engine.sweep();
    expect((await rejection(engine.jobs.get(b))).code).toBe("JobNotFound");
    expect((await rejection(engine.jobs.get(c))).code).toBe("JobNotFound");
    // Unfinished jobs stay as long as they exist.
    expect((await engine.jobs.get(open.JobId)).state).toBe("queued");
  });

  it("keeps nothing with history off: acceptJob still sends, get says history is off", async () => {
    await setUp({ jobHistory: false });
    const { JobId } = await accept({ JobId: "same" });
    await accept({ JobId: "same" });
    expect(await depth()).toBe(2);
    const error = await rejection(engine.jobs.get(JobId));
    expect(error.code).toBe("JobNotFound");
    expect(error.message).toContain("keeps no job history (its jobHistory option is off)");
  });

  it("refuses bad history options, naming each", async () => {
    expect(() =>
      createEngine({ path: ":memory:", finishedJobRetentionMs: -1, maxFinishedJobs: 1.5 }),
    ).toThrow(
      "Invalid engine options: finishedJobRetentionMs must be a whole number of 0 or more; got -1; maxFinishedJobs must be a whole number of 0 or more; got 1.5",
    );
    te = openTestEngine();
  });
});
