/**
 * A job's history on AWS, end to end against moto: the API function records each job in the
 * job table before publishing it, the job function records its attempts as it runs the real
 * SQS messages, and GET /jobs/:id answers from the table.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDynamoJobRecords } from "../../src/aws/index.js";
import { defineJob } from "../../src/core/define-job.js";
import { newJobId } from "../../src/core/job-id.js";
import { jobStack } from "./job-stack.js";
import { type MotoClients, startMotoClients } from "./support.js";

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

/** What the handlers saw, by friend name. */
const ran: string[] = [];
interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
/** Resolved when the `waiter` job has started; it then waits for `proceed`. */
let running: Deferred;
let proceed: Deferred;

const jobs = {
  greeting: defineJob({
    schema: z.object({ friendName: z.string() }),
    handler: async ({ friendName }) => {
      ran.push(friendName);
    },
  }),
  failing: defineJob({
    maxAttempts: 2,
    handler: async () => {
      throw new Error("payment gateway answered 503");
    },
  }),
  waiter: defineJob({
    handler: async (_payload, ctx) => {
      running.resolve();
      await proceed.promise;
      // Its progress write is where a job function learns of a cancel.
      ctx.progress(50, "half way");
      await new Promise((_, reject) => {
        if (ctx.signal.aborted) reject(ctx.signal.reason);
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      });
    },
  }),
};

/** A stack on moto running these jobs. */
const stack = () =>
  jobStack(clients, dynamodb, jobs, {
    // Visible again at once after a failure: the next receive is its next attempt.
    specs: [{ name: "failing", maxAttempts: 2, visibilityTimeoutSeconds: 0 }],
  });

describe("a job's history on AWS (API function → SQS → job function → job table)", () => {
  it("a job sent through the API and run by its function reads as succeeded, with its attempt", async () => {
    const s = await stack();
    const sent = await s.post({ jobName: "greeting", payload: { friendName: "Hank" } });
    expect(sent.status).toBe(202);
    const jobId = sent.body.jobId as string;
    expect(await s.get(jobId)).toMatchObject({
      jobId,
      jobName: "greeting",
      state: "queued",
      payload: { friendName: "Hank" },
    });

    const { outcomes } = await s.deliver("greeting");
    expect(outcomes).toMatchObject([{ jobId, status: "succeeded" }]);
    const status = await s.get(jobId);
    expect(status).toMatchObject({
      state: "succeeded",
      attempts: [{ attempt: 1, outcome: "succeeded" }],
    });
    expect(status.finishedAt).not.toBeNull();
    expect(status).not.toHaveProperty("payload");
    expect(status.events.map((e) => e.type)).toEqual(["accepted", "started", "succeeded"]);

    const listed = await s.post({ jobName: "greeting", payload: { friendName: "Ada" } });
    const page = await s.list("job=greeting");
    expect(page.jobs.map((j) => [j.jobId, j.state])).toEqual([
      [listed.body.jobId, "queued"],
      [jobId, "succeeded"],
    ]);
  });

  it("a job failing every attempt reads as failed, dead-lettered at its last; a redrive by id queues it again", async () => {
    const s = await stack();
    const { body } = await s.post({ jobName: "failing", payload: {} });
    const jobId = body.jobId as string;

    await s.deliver("failing");
    expect(await s.get(jobId)).toMatchObject({
      state: "retrying",
      attempts: [
        { attempt: 1, outcome: "failed", error: { message: "payment gateway answered 503" } },
      ],
    });
    await s.deliver("failing");
    const failed = await s.get(jobId);
    expect(failed).toMatchObject({
      state: "failed",
      attempts: [
        { attempt: 1, outcome: "failed" },
        {
          attempt: 2,
          outcome: "dead-lettered",
          error: { message: "payment gateway answered 503" },
        },
      ],
    });
    expect(failed.events.at(-1)).toMatchObject({ type: "dead-lettered", attempt: 2 });

    // SQS moves it at the receive after its last attempt: the function never sees it again.
    const { queueUrl, dlqUrl } = s.layout.queues.failing!;
    expect(await s.layout.receiveOnce(queueUrl, 0)).toEqual([]);
    expect(await s.layout.counts(dlqUrl)).toMatchObject({ visible: 1 });

    const response = await s.redrive("failing", [jobId]);
    expect(response).toMatchObject({ status: 200, body: { moved: 1, notFound: [] } });
    const again = await s.get(jobId);
    expect(again.state).toBe("queued");
    expect(again.events.at(-1)).toMatchObject({ type: "redriven" });

    // Its receive count starts again: the new attempt 1 follows the old ones.
    await s.deliver("failing");
    const redriven = await s.get(jobId);
    expect(redriven.state).toBe("retrying");
    expect(redriven.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "failed"],
      [2, "dead-lettered"],
      [1, "failed"],
    ]);
    expect(redriven.events.map((e) => e.type)).toEqual([
      "accepted",
      ...["started", "attempt-failed", "started", "attempt-failed", "dead-lettered"],
      "redriven",
      ...["started", "attempt-failed"],
    ]);
  });

  it("a duplicate idempotencyKey is answered with the first job's id, and nothing more is sent", async () => {
    const s = await stack();
    const payload = {
      jobName: "greeting",
      payload: { friendName: "Grace" },
      idempotencyKey: "order-7",
    };
    const first = await s.post(payload);
    const second = await s.post(payload);
    expect(first.status).toBe(202);
    expect(second).toEqual({ status: 202, body: first.body });
    const messages = await s.layout.receiveAll(s.layout.queues.greeting!.queueUrl);
    expect(messages.map((m) => m.MessageAttributes?.jobId?.StringValue)).toEqual([
      first.body.jobId,
    ]);
  });

  it("a job cancelled while queued is dropped unrun by its function, and reads as cancelled", async () => {
    const s = await stack();
    const { body } = await s.post({ jobName: "greeting", payload: { friendName: "Dropped" } });
    const jobId = body.jobId as string;
    expect(await s.cancel(jobId)).toEqual({
      status: 200,
      body: { jobId, cancelled: "marked", state: "cancelled" },
    });

    const { outcomes, batchItemFailures } = await s.deliver("greeting");
    expect(outcomes).toMatchObject([{ jobId, status: "cancelled" }]);
    expect(batchItemFailures).toEqual([]);
    expect(ran).not.toContain("Dropped");
    const status = await s.get(jobId);
    expect(status.state).toBe("cancelled");
    expect(status.attempts).toEqual([]);
    expect(await s.cancel(jobId)).toMatchObject({
      status: 409,
      body: { error: { code: "JobFinished" } },
    });
  });

  it("a job cancelled while it runs has its signal fired at its next progress write, and ends cancelled", async () => {
    const s = await stack();
    running = deferred();
    proceed = deferred();
    const { body } = await s.post({ jobName: "waiter", payload: {} });
    const jobId = body.jobId as string;

    const delivered = s.deliver("waiter");
    await running.promise;
    expect(await s.cancel(jobId)).toEqual({
      status: 200,
      body: { jobId, cancelled: "signalled", state: "running" },
    });
    proceed.resolve();
    const { outcomes } = await delivered;
    expect(outcomes).toMatchObject([{ jobId, status: "cancelled" }]);
    const status = await s.get(jobId);
    expect(status).toMatchObject({
      state: "cancelled",
      attempts: [{ attempt: 1, outcome: "cancelled" }],
    });
    expect(status.events.at(-1)).toMatchObject({ type: "cancelled", while: "running" });
  });

  it("a jobId already held is refused with 409 JobIdInUse, and nothing more is sent", async () => {
    const s = await stack();
    const jobId = newJobId(Date.now());
    const first = await s.post({ jobName: "greeting", payload: { friendName: "A" }, jobId });
    expect(first).toEqual({ status: 202, body: expect.objectContaining({ jobId }) });
    const second = await s.post({ jobName: "greeting", payload: { friendName: "B" }, jobId });
    expect(second).toMatchObject({ status: 409, body: { error: { code: "JobIdInUse" } } });
    const messages = await s.layout.receiveAll(s.layout.queues.greeting!.queueUrl);
    expect(messages.map((m) => m.Body)).toEqual(['{"friendName":"A"}']);
  });

  it("a send whose publish fails is withdrawn: the id and the key are free for the retry", async () => {
    const s = await stack();
    const records = createDynamoJobRecords({ tableName: s.tableName, dynamodb });
    const request = {
      jobName: "greeting",
      jobId: newJobId(Date.now()),
      body: '{"friendName":"Retry"}',
      idempotencyKey: "signup-9",
    };
    const broken = s.layout.transport({
      topicArn: `${s.layout.topicArn}-gone`,
      records,
    });
    await expect(broken.send(request)).rejects.toThrow(/topic|not.*exist|NotFound/i);
    await expect(records.get(request.jobId)).rejects.toMatchObject({ code: "JobNotFound" });

    expect(await s.layout.transport({ records }).send(request)).toBe(request.jobId);
    expect(await records.get(request.jobId)).toMatchObject({
      state: "queued",
      idempotencyKey: "signup-9",
    });
  });
});
