import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createClient } from "../../src/core/client.js";
import { defineJob } from "../../src/core/define-job.js";
import type { OffloadError } from "../../src/core/errors.js";
import type { Engine } from "../../src/engine/index.js";
import { createEngineTransport } from "../../src/runtime/engine-transport.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

let te: TestEngine;
let engine: Engine;
let queue: string;
let dlq: string;
let TopicArn: string;

const MAX_RECEIVES = 2;
const VISIBILITY_SECONDS = 30;

beforeEach(async () => {
  te = openTestEngine();
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
});

afterEach(() => te.close());

const accept = (body: string, fields: Partial<Parameters<Engine["acceptJob"]>[0]> = {}) =>
  engine.acceptJob({
    JobName: "greet",
    TopicArn,
    MessageBody: body,
    MessageAttributes: { jobName: { DataType: "String", StringValue: "greet" } },
    ...fields,
  });

const receive = () =>
  engine.receiveMessages({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });

async function rejection(promise: Promise<unknown>): Promise<OffloadError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: OffloadError) => e,
  );
}

describe("a job's status shows its payload while its message exists", () => {
  it("while delayed, running, retrying, in the DLQ and redriven; not once it succeeded", async () => {
    const payload = { friendName: "Ada", tags: ["a", "b"], n: 1.5 };
    const { JobId } = await accept(JSON.stringify(payload), {
      TopicArn: undefined,
      QueueUrl: queue,
      DelaySeconds: 10,
    });
    const payloadIn = async () => {
      const status = await engine.jobs.get(JobId);
      return { state: status.state, payload: status.payload };
    };
    expect(await payloadIn()).toEqual({ state: "delayed", payload });
    await te.advance(10_000);
    expect(await payloadIn()).toEqual({ state: "queued", payload });

    for (let attempt = 1; attempt <= MAX_RECEIVES; attempt++) {
      expect(await receive()).toHaveLength(1);
      expect(await payloadIn()).toEqual({ state: "running", payload });
      const at = te.clock.now();
      await engine.jobs.ended([
        {
          ...{ jobId: JobId, jobName: "greet", attempt, startedAt: at, at },
          ...{ outcome: "failed", error: { name: "Error", message: "boom" } },
          retry: { reason: "error", at: at + VISIBILITY_SECONDS * 1000 },
        },
      ]);
      expect(await payloadIn()).toEqual({ state: "retrying", payload });
      await te.advance(VISIBILITY_SECONDS * 1000);
    }
    // The next receive moves it to the DLQ.
    expect(await receive()).toHaveLength(0);
    expect(await payloadIn()).toEqual({ state: "failed", payload });

    expect((await engine.moveMessages({ SourceUrl: dlq, DestinationUrl: queue })).moved).toBe(1);
    expect(await payloadIn()).toEqual({ state: "queued", payload });
    const [message] = await receive();
    await engine.deleteMessages({ QueueUrl: queue, ReceiptHandles: [message!.receiptHandle] });
    const done = await engine.jobs.get(JobId);
    expect(done.state).toBe("succeeded");
    expect(done).not.toHaveProperty("payload");
  });

  it("is absent once the job is cancelled, and the message's reused row is not read as its", async () => {
    const { JobId: cancelled } = await accept('{"friendName":"Bo"}');
    await engine.jobs.cancel(cancelled);
    // SQLite reuses the highest rowid once its row is gone: the next message may take the
    // cancelled job's message_seq.
    const { JobId: next } = await accept('{"friendName":"Cy"}');
    expect(await engine.jobs.get(cancelled)).toMatchObject({ state: "cancelled" });
    expect(await engine.jobs.get(cancelled)).not.toHaveProperty("payload");
    expect((await engine.jobs.get(next)).payload).toEqual({ friendName: "Cy" });
  });

  it("of a message sent over the SQS API when its body is JSON; none when it is not", async () => {
    const json = await engine.sqs.sendMessage({ QueueUrl: queue, MessageBody: "[1,2]" });
    const text = await engine.sqs.sendMessage({ QueueUrl: queue, MessageBody: "hi" });
    expect((await engine.jobs.get(json.MessageId)).payload).toEqual([1, 2]);
    const status = await engine.jobs.get(text.MessageId);
    expect(status.state).toBe("queued");
    expect(status).not.toHaveProperty("payload");
  });

  it("in the job's status only, not in a listing's summaries", async () => {
    const { JobId } = await accept('{"friendName":"Di"}');
    expect((await engine.jobs.get(JobId)).payload).toEqual({ friendName: "Di" });
    const [summary] = (await engine.jobs.list({})).jobs;
    expect(summary?.jobId).toBe(JobId);
    expect(summary).not.toHaveProperty("payload");
  });
});

describe("client.getJob(jobName, id) in process", () => {
  const greet = defineJob({
    schema: z.object({ friendName: z.string() }),
    handler: async () => {},
  });
  const mail = defineJob({ handler: async () => {} });

  /** A client over an engine transport of its own jobs, greet and mail. */
  async function clientOf() {
    const jobs = { greet, mail };
    const transport = await createEngineTransport(
      engine,
      Object.entries(jobs).map(([name, definition]) => ({ name, definition })),
    );
    return createClient({ transport, records: engine.jobs, jobs });
  }

  it("answers a job of that name with its payload", async () => {
    const offload = await clientOf();
    const jobId = await offload.send("greet", { friendName: "Ed" });
    const status = await offload.getJob("greet", jobId);
    expect(status).toMatchObject({ jobId, jobName: "greet", payload: { friendName: "Ed" } });
    expect(status.payload?.friendName).toBe("Ed");
  });

  it("refuses a job of another name with JobNotFound naming both", async () => {
    const offload = await clientOf();
    const jobId = await offload.send("greet", { friendName: "Fa" });
    const error = await rejection(offload.getJob("mail", jobId));
    expect(error).toMatchObject({ code: "JobNotFound", jobName: "mail" });
    expect(error.message).toBe(`No mail job ${jobId}: job ${jobId} is a greet job`);
  });

  it("refuses a name that is none of the client's jobs, as send does", async () => {
    const offload = await clientOf();
    const jobId = await offload.send("greet", { friendName: "Gu" });
    const error = await rejection(offload.getJob("send-email" as "greet", jobId));
    expect(error).toMatchObject({ code: "UnknownJob", jobName: "send-email" });
  });
});
