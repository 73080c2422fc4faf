import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/core/client.js";
import type { JobPage, JobStatus } from "../../src/core/job-status.js";
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
