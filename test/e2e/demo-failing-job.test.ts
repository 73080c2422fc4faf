import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobStatus } from "../../src/core/job-status.js";
import type { DlqMessage } from "../../src/http/backend.js";
import { startServerOnTestClock, type TestClockServer } from "../../src/server/start.js";
import { recordingLogger } from "../support/recording-logger.js";
import { tempDir } from "../support/temp.js";
import { cli, repo } from "./server.js";

// The demo app (examples/) on a test clock: its failing job is followed by the id the page
// shows, through each retry delay (12 s: 6 × its 2 s timeout) without waiting for any.
const START = Date.UTC(2026, 2, 1, 9, 0, 0);
const TASK = "thumb-dlq";
const ERROR = `Resizing failed for task ${TASK}`;
const MAX_ATTEMPTS = 3;

let app: TestClockServer;
let browser: Browser;
let data: { dir: string; cleanup: () => void };
/** Where the app's clock is: it moves only by `advance`. */
let now = START;

beforeAll(async () => {
  data = tempDir("offload-demo-clock-");
  app = await startServerOnTestClock(
    {
      jobsDir: join(repo, "examples/jobs"),
      pagesDir: join(repo, "examples/pages"),
      database: join(data.dir, "demo.db"),
      port: 0,
      durability: "relaxed",
      logger: recordingLogger().logger,
    },
    START,
  );
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  data?.cleanup();
});

async function advance(ms: number): Promise<void> {
  await app.advanceClock(ms);
  now += ms;
}

async function getJob(jobId: string): Promise<JobStatus> {
  const response = await fetch(`${app.url}/jobs/${jobId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as JobStatus;
}

/**
 * GET /jobs/:id until `ready` holds: the attempts run in the app's job worker, in real time,
 * but no time passes on the app's clock meanwhile, so no retry can come early.
 */
async function jobUntil(jobId: string, ready: (job: JobStatus) => boolean): Promise<JobStatus> {
  let job = await getJob(jobId);
  for (let i = 0; !ready(job) && i < 1000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    job = await getJob(jobId);
  }
  expect(ready(job), JSON.stringify(job)).toBe(true);
  return job;
}

async function dlqIds(): Promise<string[]> {
  const response = await fetch(`${app.url}/api/queues/resize-image/dlq`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: DlqMessage[] }).messages.map((m) => m.jobId);
}

describe("the demo page's failing job, followed by its id", () => {
  it("through every attempt into the DLQ, and out again by a redrive of its id", async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await page.getByLabel("Task").fill(TASK);
    await page.getByRole("button", { name: "Submit Failing Job" }).click();
    const output = page.locator("#resize-result");
    await output.getByText(/^Accepted \(202\): job [0-9a-f-]{36}/).waitFor();
    const jobId = /job ([0-9a-f-]{36})/.exec((await output.textContent()) ?? "")?.[1];
    expect(jobId).toBeDefined();
    const id = jobId!;

    const payload = { task: TASK, fail: true };
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const job = await jobUntil(
        id,
        (j) => j.attempts.length === attempt && j.state === "retrying",
      );
      expect(job).toMatchObject({ jobId: id, jobName: "resize-image", payload });
      const last = job.attempts.at(-1)!;
      expect(last).toMatchObject({
        attempt,
        outcome: "failed",
        error: { name: "Error", message: ERROR },
        retry: { reason: "error" },
      });
      // The next attempt may start 12 s after this one started: not a moment sooner.
      const retryAt = Date.parse(job.runAt!);
      expect(retryAt - Date.parse(last.startedAt)).toBe(12_000);
      expect(Date.parse(last.startedAt)).toBe(now);
      await advance(retryAt - now - 1);
      expect((await getJob(id)).attempts).toHaveLength(attempt);
      await advance(1);
    }

    const failed = await jobUntil(id, (j) => j.state === "failed");
    expect(failed).toMatchObject({ payload, finishedAt: null });
    expect(failed.attempts.map((a) => [a.attempt, a.outcome, a.error?.message])).toEqual([
      [1, "failed", ERROR],
      [2, "failed", ERROR],
      [3, "failed", ERROR],
    ]);
    await page
      .locator("#resize-result .status")
      .and(page.locator('[data-state="failed"]'))
      .waitFor();
    await expect(page.locator("#resize-result .status").textContent()).resolves.toBe(
      `failed · 3 attempts · in the dead-letter queue · last error: ${ERROR}`,
    );

    // Failed for good, its message moves to the DLQ once the retry delay has passed.
    expect(await dlqIds()).toEqual([]);
    await advance(12_000);
    await jobUntil(id, (j) => j.events.some((e) => e.type === "dead-lettered"));
    expect(await dlqIds()).toEqual([id]);
    const listed = await cli(["dlq", "list", "resize-image", "--url", app.url]);
    expect(listed.stdout).toContain(id);

    const redrive = await fetch(`${app.url}/api/queues/resize-image/redrive`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ids: [id] }),
    });
    expect(redrive.status).toBe(200);
    expect(await dlqIds()).toEqual([]);
    // Redriven, it runs again under the same id (no time passes): a fourth attempt.
    const again = await jobUntil(id, (j) => j.attempts.length === MAX_ATTEMPTS + 1);
    const tried = ["started", "attempt-failed"];
    expect(again.events.map((e) => e.type).slice(0, 10)).toEqual([
      ...["accepted", ...tried, ...tried, ...tried],
      ...["dead-lettered", "redriven", "started"],
    ]);
    expect(again).toMatchObject({ jobId: id, payload, finishedAt: null });
    expect(["queued", "running", "retrying"]).toContain(again.state);
    expect(again.attempts.at(-1)).toMatchObject({
      attempt: 1,
      startedAt: new Date(now).toISOString(),
    });

    const timeline = await cli(["job", id, "--url", app.url]);
    expect(timeline.stdout).toContain(`payload    {"task":"${TASK}","fail":true}`);
    await page.close();
  });
});
