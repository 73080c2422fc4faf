import { afterAll, describe, expect, it } from "vitest";
import type { JobStatus } from "../../src/core/job-status.js";
import { appFolder, type Server, startServer } from "./server.js";

// A job whose first attempt hangs until the server is killed with SIGKILL; restarted on the
// same database, the job's record must say what happened: attempt 1 started and never ended,
// attempt 2 started and succeeded.
const folder = appFolder({
  stuck: `export default defineJob({ timeout: "1s", retryDelay: "1s",
  handler: async (_p, ctx) => {
    ctx.logger.info({ attempt: ctx.attempt }, "attempt began");
    if (ctx.attempt === 1) await new Promise(() => {});
  } });`,
});
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.child.kill("SIGKILL");
    await s.exited;
  }
  folder.cleanup();
});

describe("a job whose server is killed mid-attempt", () => {
  it("keeps the attempt's start with no end, and records the next attempt after the restart", async () => {
    const first = await startServer(folder.dir);
    servers.push(first);
    const response = await fetch(`${first.url}/jobs/stuck`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const { jobId } = (await response.json()) as { jobId: string };
    await first.waitForLog((l) => l.msg === "attempt began" && l.jobId === jobId);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = await startServer(folder.dir);
    servers.push(second);
    // The message comes back once its 1 s visibility timeout has passed.
    await second.waitForLog((l) => l.msg === "attempt began" && l.attempt === 2);
    let job: JobStatus | undefined;
    await expect
      .poll(
        async () => {
          job = (await (await fetch(`${second.url}/jobs/${jobId}`)).json()) as JobStatus;
          return job.state;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe("succeeded");
    expect(job!.attempts).toEqual([
      { attempt: 1, startedAt: expect.any(String) },
      expect.objectContaining({ attempt: 2, outcome: "succeeded" }),
    ]);
    expect(job!.events.map((e) => e.type)).toEqual(["accepted", "started", "started", "succeeded"]);
  }, 60_000);
});
