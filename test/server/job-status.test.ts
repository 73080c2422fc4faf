import { ListTopicsCommand, PublishCommand } from "@aws-sdk/client-sns";
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/core/client.js";
import type { JobPage, JobStatus } from "../../src/core/job-status.js";
import { sdkClients } from "../support/sdk-clients.js";
import { startTestServer } from "../support/server.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const JOBS = {
  greet: `export default defineJob({ schema: z.object({ name: z.string() }),
    handler: async ({ name }, ctx) => { ctx.progress(100, "greeted"); ctx.logger.info({ name }, "greeted " + name); } });`,
  broken: `export default defineJob({ maxAttempts: 1,
    handler: async () => { throw new Error("no printer"); } });`,
  refused: `export default defineJob({
    handler: async () => { throw new Unrecoverable("no such printer"); } });`,
};

async function post(url: string, body: unknown) {
  const response = await fetch(`${url}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** GET /jobs/:id until `ready` holds (the job runs in the server's worker meanwhile). */
async function jobUntil(
  url: string,
  jobId: string,
  ready: (job: JobStatus) => boolean,
): Promise<JobStatus> {
  let job: JobStatus | undefined;
  for (let i = 0; i < 400; i++) {
    const response = await fetch(`${url}/jobs/${jobId}`);
    expect(response.status).toBe(200);
    job = (await response.json()) as JobStatus;
    if (ready(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the job never got there: ${JSON.stringify(job)}`);
}

describe("GET /jobs/:id, GET /jobs and DELETE /jobs/:id on the local server", () => {
  it("follows a job posted over HTTP to its end, lists it, and refuses to cancel it then", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const sent = await post(server.url, { jobName: "greet", payload: { name: "Ada" } });
    expect(sent.status).toBe(202);
    const jobId = sent.body.jobId as string;
    const job = await jobUntil(server.url, jobId, (j) => j.state === "succeeded");
    expect(job).toMatchObject({
      jobId,
      jobName: "greet",
      state: "succeeded",
      progress: { value: 100, message: "greeted" },
      cancelRequested: false,
    });
    expect(job.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: "succeeded", durationMs: expect.any(Number) }),
    ]);

    const listed = (await (
      await fetch(`${server.url}/jobs?job=greet&state=succeeded`)
    ).json()) as JobPage;
    expect(listed.jobs.map((j) => j.jobId)).toEqual([jobId]);
    expect(listed.nextCursor).toBeNull();

    const cancel = await fetch(`${server.url}/jobs/${jobId}`, { method: "DELETE" });
    expect(cancel.status).toBe(409);
    expect(await cancel.json()).toMatchObject({ error: { code: "JobFinished" } });
  });

  it("shows a failed job's error, and answers clearly for unknown ids and bad filters", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const offload = createClient({ url: server.url });
    const jobId = await offload.send("broken", {});
    const failed = await jobUntil(server.url, jobId, (j) => j.attempts[0]?.outcome === "failed");
    expect(failed.attempts[0]?.error).toMatchObject({ name: "Error", message: "no printer" });
    // The typed client reads the same record.
    expect((await offload.getJob(jobId)).jobId).toBe(jobId);

    const unknown = await fetch(`${server.url}/jobs/not-a-job`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "JobNotFound" } });
    await expect(offload.getJob("not-a-job")).rejects.toMatchObject({ code: "JobNotFound" });

    // The last attempt failed: the job has failed for good (it moves to its DLQ next).
    expect(failed.state).toBe("failed");
    expect(failed.runAt).toBeNull();

    for (const [query, message] of [
      ["limit=abc", 'Query parameter limit must be a whole number from 1 to 1000; got "abc"'],
      ["limit=0", 'Query parameter limit must be a whole number from 1 to 1000; got "0"'],
      [
        "since=1",
        'Query parameter since must be an ISO 8601 time such as 2026-12-07T09:00:00Z; got "1"',
      ],
    ] as const) {
      const answer = await fetch(`${server.url}/jobs?${query}`);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: { code: "InvalidRequest", message } });
    }
    const slashed = await fetch(`${server.url}/jobs/a%2Fb`);
    expect(slashed.status).toBe(400);
    expect(await slashed.json()).toMatchObject({
      error: {
        code: "InvalidJobId",
        message: expect.stringMatching(/^jobId must be 1 to 128 .*; got "a\/b"$/),
      },
    });

    const bad = await fetch(`${server.url}/jobs?state=done`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: "InvalidRequest",
        message: expect.stringMatching(
          /^Query parameter state must be one of queued, .*; got "done"$/,
        ),
      },
    });
  });

  it("cancels a delayed job over HTTP, and answers a duplicate idempotencyKey with the first id", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const delayed = await post(server.url, {
      jobName: "greet",
      payload: { name: "Later" },
      delaySeconds: 600,
    });
    const jobId = delayed.body.jobId as string;
    expect((await jobUntil(server.url, jobId, () => true)).state).toBe("delayed");
    const cancel = await fetch(`${server.url}/jobs/${jobId}`, { method: "DELETE" });
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ jobId, cancelled: "removed", state: "cancelled" });
    const queues = (await (await fetch(`${server.url}/api/queues/greet`)).json()) as {
      delayed: number;
    };
    expect(queues.delayed).toBe(0);

    const first = await post(server.url, {
      jobName: "greet",
      payload: { name: "Once" },
      idempotencyKey: "welcome once",
    });
    const second = await post(server.url, {
      jobName: "greet",
      payload: { name: "Once" },
      idempotencyKey: "welcome once",
    });
    expect(second).toEqual({ status: 202, body: { jobId: first.body.jobId } });

    // A key SQS could not carry is refused, naming the character, and nothing is stored.
    const before = (await (await fetch(`${server.url}/jobs?job=greet`)).json()) as JobPage;
    const refused = await post(server.url, {
      jobName: "greet",
      payload: { name: "Nul" },
      idempotencyKey: "a\u0000b",
    });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "InvalidSendOptions",
          message: expect.stringMatching(/^idempotencyKey holds the character U\+0000 at index 1/),
        },
      },
    });
    const after = (await (await fetch(`${server.url}/jobs?job=greet`)).json()) as JobPage;
    expect(after.jobs).toHaveLength(before.jobs.length);
  });
});

describe("jobs sent over the SQS and SNS APIs", () => {
  it("takes the publish's or the message's id as the job's id when the sender gives none", async () => {
    const { server, log } = await startTestServer(JOBS, cleanups);
    const aws = sdkClients(server.url);
    cleanups.push(() => aws.destroy());
    const { Topics } = await aws.sns.send(new ListTopicsCommand({}));
    const TopicArn = Topics!.find((t) => t.TopicArn!.endsWith(":offload-jobs"))!.TopicArn!;
    const published = await aws.sns.send(
      new PublishCommand({
        TopicArn,
        Message: '{"name":"Sns"}',
        MessageAttributes: { jobName: { DataType: "String", StringValue: "greet" } },
      }),
    );
    const byPublish = await jobUntil(
      server.url,
      published.MessageId!,
      (j) => j.state === "succeeded",
    );
    expect(byPublish.jobName).toBe("greet");
    const greetedSns = await log.waitFor((l) => l.message === "greeted Sns");
    expect((greetedSns.fields as { jobId?: string }).jobId).toBe(published.MessageId);

    const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: "greet" }));
    const sent = await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"name":"Sqs"}',
        // A jobId of another type is no job id: the message id is.
        MessageAttributes: { jobId: { DataType: "Number", StringValue: "42" } },
      }),
    );
    await jobUntil(server.url, sent.MessageId!, (j) => j.state === "succeeded");
    const greetedSqs = await log.waitFor((l) => l.message === "greeted Sqs");
    expect((greetedSqs.fields as { jobId?: string }).jobId).toBe(sent.MessageId);
  });

  it("keeps a wire-sent job's id through its DLQ and a move task back", async () => {
    const { server } = await startTestServer(JOBS, cleanups);
    const aws = sdkClients(server.url);
    cleanups.push(() => aws.destroy());
    const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: "refused" }));
    const sent = await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "{}" }));
    const jobId = sent.MessageId!;
    await jobUntil(server.url, jobId, (j) => j.state === "failed");
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: `${QueueUrl}-dlq`,
        AttributeNames: ["QueueArn"],
      }),
    );
    await aws.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: Attributes!.QueueArn! }));
    // Back in its queue under the same id, it runs and is refused again, recorded there.
    const again = await jobUntil(
      server.url,
      jobId,
      (j) => j.events.some((e) => e.type === "redriven") && j.state === "failed",
    );
    expect(again.events.map((e) => e.type)).toEqual([
      "accepted",
      "started",
      "dead-lettered",
      "redriven",
      "started",
      "dead-lettered",
    ]);
    // The message carries its id too: the DLQ lists it under it, as the handler knew it.
    const dlq = (await (await fetch(`${server.url}/api/queues/refused/dlq`)).json()) as {
      messages: Array<{ jobId: string; messageId: string }>;
    };
    expect(dlq.messages.map((m) => m.jobId)).toEqual([jobId]);
    expect(dlq.messages[0]?.messageId).not.toBe(jobId);
  });

  it("records nothing with jobHistory off, and says so to a lookup", async () => {
    const { server } = await startTestServer(JOBS, cleanups, { jobHistory: false });
    const sent = await post(server.url, { jobName: "greet", payload: { name: "Ada" } });
    expect(sent.status).toBe(202);
    const response = await fetch(`${server.url}/jobs/${sent.body.jobId as string}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: "JobNotFound", message: expect.stringMatching(/keeps no job history/) },
    });
  });
});
