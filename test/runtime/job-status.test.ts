import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/core/client.js";
import { recordUntil, startTestApp, type TestApp } from "../support/app.js";
import { tempDir } from "../support/temp.js";

let app: TestApp | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A client over the app's transport and records, as a script in the app's process has. */
function clientOf(running: TestApp) {
  return createClient({ transport: running.transport, records: running.te.engine.jobs });
}

describe("following a job by the id send returned", () => {
  it("through every failed attempt into its DLQ, and out again by a redrive of its id", async () => {
    const folder = tempDir("offload-flag-");
    cleanups.push(folder.cleanup);
    const flag = join(folder.dir, "fail");
    writeFileSync(flag, "");
    app = await startTestApp({
      resize: `import { existsSync } from "node:fs";
        export default defineJob({ maxAttempts: 3, timeout: "2s", retryDelay: "12s",
          handler: async ({ flag }) => { if (existsSync(flag)) throw new Error("Resizing failed"); } });`,
    });
    const jobId = await clientOf(app).send("resize", { flag });
    expect(jobId).toMatch(UUID_V7);

    await app.until("job:failed", 1);
    const retrying = await recordUntil(app, jobId, (j) => j.state === "retrying");
    expect(retrying).toMatchObject({ jobName: "resize", state: "retrying" });
    expect(retrying.attempts).toHaveLength(1);
    const [first] = retrying.attempts;
    expect(first).toMatchObject({
      attempt: 1,
      outcome: "failed",
      error: { name: "Error", message: "Resizing failed" },
      retry: { reason: "error" },
    });
    expect(first?.error?.stack).toMatch(/^Error: Resizing failed\n\s+at /);
    // The next attempt may start once the retry delay has passed since this one started.
    expect(Date.parse(retrying.runAt!)).toBe(Date.parse(first!.startedAt) + 12_000);

    for (const attempt of [2, 3]) {
      await app.te.advance(12_000);
      await app.until("job:failed", attempt);
    }
    const last = await recordUntil(
      app,
      jobId,
      (j) => j.attempts.length === 3 && j.attempts[2]!.outcome === "failed",
    );
    // The last attempt has no retry: the queue moves it to the DLQ at its next receive.
    expect(last.attempts[2]?.retry).toBeUndefined();
    // One stack is kept, the latest failure's: a job failing often does not grow by one each time.
    expect(last.attempts.map((a) => a.error?.stack === undefined)).toEqual([true, true, false]);
    expect(last.state).toBe("failed");
    await app.te.advance(12_000);
    const failed = await recordUntil(app, jobId, (j) => j.state === "failed");
    expect(failed.events.map((e) => e.type)).toEqual([
      "accepted",
      "started",
      "attempt-failed",
      "started",
      "attempt-failed",
      "started",
      "attempt-failed",
      "dead-lettered",
    ]);
    const [dead] = await app.transport.dlq.list("resize", { limit: 10 });
    expect(dead?.jobId).toBe(jobId);

    rmSync(flag);
    expect(await app.transport.dlq.redrive("resize", { ids: [jobId] })).toEqual({
      moved: 1,
      notFound: [],
    });
    const [done] = await app.until("job:done");
    expect(done).toMatchObject({ jobId, attempt: 1 });
    const succeeded = await recordUntil(app, jobId, (j) => j.state === "succeeded");
    expect(succeeded.finishedAt).not.toBeNull();
    expect(succeeded.events.map((e) => e.type).slice(-3)).toEqual([
      "redriven",
      "started",
      "succeeded",
    ]);
    expect(succeeded.attempts.at(-1)).toMatchObject({ outcome: "succeeded" });
    expect(existsSync(flag)).toBe(false);
  });

  it("records a handler's progress, the last report of a burst kept", async () => {
    app = await startTestApp({
      counted: `export default defineJob({ handler: async (_p, ctx) => {
          for (let done = 0; done <= 40; done++) ctx.progress({ done, total: 40 }, "resized " + done);
        } });`,
    });
    const jobId = await clientOf(app).send("counted", {});
    await app.until("job:done");
    const job = await recordUntil(
      app,
      jobId,
      (j) => j.state === "succeeded" && j.progress !== null,
    );
    expect(job.progress).toMatchObject({ value: { done: 40, total: 40 }, message: "resized 40" });
  });

  it("fails an attempt whose handler reports progress it cannot read, naming the value", async () => {
    app = await startTestApp({
      wrong: `export default defineJob({ maxAttempts: 1, handler: async (_p, ctx) => { ctx.progress(140); } });`,
    });
    const jobId = await clientOf(app).send("wrong", {});
    const [failure] = await app.until("job:failed");
    expect(failure?.error).toMatchObject({
      code: "InvalidProgress",
      message: expect.stringMatching(/^ctx\.progress takes a number from 0 to 100.*; got 140$/),
    });
    expect(failure?.jobId).toBe(jobId);
  });
});

describe("cancelling a job", () => {
  it("removes a delayed job from its queue: it never runs", async () => {
    app = await startTestApp({ later: `export default defineJob({ handler: async () => {} });` });
    const offload = clientOf(app);
    const jobId = await app.send("later", {}, 60);
    expect(await offload.cancel(jobId)).toEqual({
      jobId,
      cancelled: "removed",
      state: "cancelled",
    });
    expect(await app.transport.stats("later")).toMatchObject({ visible: 0, delayed: 0 });
    await app.te.advance(61_000);
    expect(app.seen("batch:start")).toEqual([]);
    expect((await offload.getJob(jobId)).state).toBe("cancelled");
    await expect(offload.cancel(jobId)).rejects.toMatchObject({ code: "JobFinished" });
    await expect(offload.cancel("no-such-job")).rejects.toMatchObject({ code: "JobNotFound" });
  });

  it("fires a running job's signal with JobCancelled; it ends cancelled and is not retried", async () => {
    app = await startTestApp({
      long: `export default defineJob({ timeout: "10m", handler: async (_p, ctx) => {
          ctx.logger.info("started");
          const reason = await new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason)));
          ctx.logger.info({ code: reason.code }, "stopping");
          throw reason;
        } });`,
    });
    const offload = clientOf(app);
    const jobId = await offload.send("long", {});
    await app.until("batch:start");
    await recordUntil(app, jobId, (j) => j.state === "running");
    // The handler is waiting on its signal (logged once it began).
    for (let i = 0; i < 500 && !app.logs.some((l) => l.message === "started"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await offload.cancel(jobId)).toEqual({
      jobId,
      cancelled: "signalled",
      state: "running",
    });
    const [cancelled] = await app.until("job:cancelled");
    expect(cancelled).toMatchObject({ jobName: "long", jobId, attempt: 1 });
    expect(app.logs.find((l) => l.message === "stopping")?.fields).toMatchObject({
      code: "JobCancelled",
      jobId,
    });
    const job = await recordUntil(app, jobId, (j) => j.state === "cancelled");
    expect(job.events.at(-1)).toMatchObject({ type: "cancelled", while: "running" });
    expect(await app.transport.stats("long")).toMatchObject({ visible: 0, inFlight: 0 });
    expect(app.seen("job:failed")).toEqual([]);
  });
});

describe("idempotent sends", () => {
  it("answers a second send with the same key within the window with the first job's id", async () => {
    app = await startTestApp({
      mail: `export default defineJob({ idempotencyWindow: "1h", handler: async () => {} });`,
    });
    const offload = createClient({
      transport: app.transport,
      jobs: Object.fromEntries(app.jobs.map((j) => [j.name, j.definition])),
      records: app.te.engine.jobs,
    });
    const first = await offload.send("mail", {}, { idempotencyKey: "welcome ada" });
    const again = await offload.send("mail", {}, { idempotencyKey: "welcome ada" });
    expect(again).toBe(first);
    await app.until("job:done");
    expect(app.seen("batch:start").flatMap((b) => b.jobIds)).toEqual([first]);
    // Past the window, the key sends again.
    await app.te.advance(3_600_001);
    const later = await offload.send("mail", {}, { idempotencyKey: "welcome ada" });
    expect(later).not.toBe(first);
    await app.until("job:done", 2);
  });

  it("refuses a caller's jobId that an earlier job holds, sending nothing", async () => {
    app = await startTestApp({ mail: `export default defineJob({ handler: async () => {} });` });
    const offload = clientOf(app);
    expect(await offload.send("mail", {}, { jobId: "order-9" })).toBe("order-9");
    await expect(offload.send("mail", {}, { jobId: "order-9" })).rejects.toMatchObject({
      code: "JobIdInUse",
    });
    await app.until("job:done");
    expect(app.seen("batch:start").flatMap((b) => b.jobIds)).toEqual(["order-9"]);
  });
});

describe("a failed attempt's stack", () => {
  it("points at the job's own file and line, not at its worker bundle", async () => {
    app = await startTestApp({
      thrower: `export default defineJob({ maxAttempts: 1, handler: async () => {
          throw new Error("from line 4");
        } });`,
    });
    const jobId = await clientOf(app).send("thrower", {});
    await app.until("job:failed");
    const job = await recordUntil(app, jobId, (j) => j.attempts[0]?.outcome === "failed");
    const stack = job.attempts[0]?.error?.stack ?? "";
    expect(stack).toMatch(/^Error: from line 4\n\s+at .*thrower\.ts:\d+:\d+/);
    expect(stack).not.toContain(".bundle.mjs");
  });
});
