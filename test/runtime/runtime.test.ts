import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const job = (options: string) => `export default defineJob({ ${options} });`;

describe("the local runtime", () => {
  it("runs a job and deletes its message", async () => {
    app = await startTestApp({
      greeting: job(`schema: z.object({ friendName: z.string() }),
        handler: async ({ friendName }, ctx) => { ctx.logger.info({ friendName }, "hello " + friendName); }`),
    });
    await app.send("greeting", { friendName: "Hank" });
    const [done] = await app.until("job:done");
    expect(done).toMatchObject({ jobName: "greeting", attempt: 1 });
    expect(
      app.logs.some((l) => l.message === "hello Hank" && l.fields.messageId === done!.messageId),
    ).toBe(true);
    const stats = await app.transport.stats("greeting");
    expect(stats).toMatchObject({ visible: 0, inFlight: 0, dlq: { visible: 0 } });
    expect(app.runtime.counters("greeting")).toEqual({ processed: 1, failed: 0, deadLettered: 0 });
  });

  it("logs a runtime event listener that throws, and runs the job and the listeners after it", async () => {
    app = await startTestApp({ listened: job(`handler: async () => {}`) });
    let calls = 0;
    app.runtime.once("batch:start", () => {
      throw new Error("a bug in the listener");
    });
    app.runtime.on("batch:start", () => {
      calls++;
    });
    await app.send("listened", {});
    await app.until("job:done");
    await app.send("listened", {});
    await app.until("job:done", 2);
    // The throwing listener was a `once`: it ran for the first batch only.
    expect(calls).toBe(2);
    const logged = app.logs.filter((l) => l.message === "a runtime event listener threw");
    expect(logged).toHaveLength(1);
    expect(logged[0]?.fields).toMatchObject({
      event: "batch:start",
      error: { message: "a bug in the listener" },
    });
    await app.close();
    app = undefined;
  });

  it("starts a job's workers from a bundle of the job file, as Lambda runs it", async () => {
    app = await startTestApp({
      bundled: job(
        `handler: async (_p, ctx) => { ctx.logger.info({ url: import.meta.url }, "where"); }`,
      ),
    });
    await app.send("bundled", {});
    await app.until("job:done");
    const where = app.logs.find((l) => l.message === "where");
    expect(String(where?.fields.url)).toMatch(/offload-workers-[^/]+\/bundled\.bundle\.mjs$/);
    expect(app.logs.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("loads a job through the TypeScript loader when its bundle does not load", async () => {
    // The job reads its own file by a path relative to itself: there is no such file next to a bundle.
    app = await startTestApp({
      relative: `import { readFileSync } from "node:fs";
        const self = readFileSync(new URL("./relative.ts", import.meta.url), "utf8");
        ${job(`handler: async (_p, ctx) => { ctx.logger.info({ length: self.length }, "read myself"); }`)}`,
    });
    const warning = app.logs.find((l) => l.level === "warn");
    expect(warning?.message).toContain("its workers load it through the TypeScript loader");
    expect(warning?.fields).toMatchObject({ jobName: "relative" });
    expect(String(warning?.fields.reason)).toContain("relative.ts");
    await app.send("relative", {});
    await app.until("job:done");
    expect(app.logs.some((l) => l.message === "read myself")).toBe(true);
  });

  it("retries a job that fails twice, after its retry delay, then succeeds", async () => {
    app = await startTestApp({
      flaky: job(`timeout: "2s", retryDelay: "12s",
        handler: async (_payload, ctx) => { if (ctx.attempt <= 2) throw new Error("not yet, attempt " + ctx.attempt); }`),
    });
    await app.send("flaky", {});
    const [first] = await app.until("job:failed", 1);
    expect(first).toMatchObject({
      attempt: 1,
      final: false,
      error: { message: "not yet, attempt 1" },
    });
    await app.te.advance(11_999);
    expect(app.seen("job:failed")).toHaveLength(1);
    await app.te.advance(1);
    await app.until("job:failed", 2);
    await app.te.advance(12_000);
    const [done] = await app.until("job:done");
    expect(done?.attempt).toBe(3);
  });

  it.each([1, 2, 5])(
    "moves a job that always fails to its DLQ after exactly maxAttempts = %i receives",
    async (maxAttempts) => {
      app = await startTestApp({
        doomed: job(`maxAttempts: ${maxAttempts}, timeout: "1s", retryDelay: "6s",
        handler: async (_p, ctx) => { throw new Error("always " + ctx.attempt); }`),
      });
      await app.send("doomed", { n: 1 });
      for (let i = 1; i <= maxAttempts; i++) {
        const failures = await app.until("job:failed", i);
        expect(failures[i - 1]).toMatchObject({ attempt: i, final: i === maxAttempts });
        await app.te.advance(6000);
      }
      // The receive after the last attempt moves the message to the DLQ instead of delivering it.
      await app.te.advance(6000);
      let stats = await app.transport.stats("doomed");
      for (let i = 0; i < 50 && stats.dlq.visible === 0; i++) {
        await app.te.advance(0);
        stats = await app.transport.stats("doomed");
      }
      expect(stats).toMatchObject({ visible: 0, inFlight: 0, dlq: { visible: 1 } });
      expect(app.seen("job:failed")).toHaveLength(maxAttempts);
      // The move itself is silent (as on AWS): the last failure's line says it is coming.
      const failures = app.logs.filter((l) => String(l.message).startsWith("job failed"));
      expect(failures.map((l) => [l.fields.attempt, l.message])).toEqual([
        ...Array.from({ length: maxAttempts - 1 }, (_, i) => [i + 1, "job failed"]),
        [
          maxAttempts,
          `job failed; that was its last attempt of ${maxAttempts}: it moves to the dead-letter queue once its retry delay has passed`,
        ],
      ]);
      // The DLQ listing keeps what the attempts threw.
      expect(await app.transport.dlq.list("doomed", { limit: 10 })).toMatchObject([
        {
          receiveCount: maxAttempts,
          firstError: "Error: always 1",
          lastError: `Error: always ${maxAttempts}`,
        },
      ]);
    },
  );

  it("retries after the delay a RetryLater asks for", async () => {
    app = await startTestApp({
      later: job(`timeout: "1s", retryDelay: "6s",
        handler: async (_p, ctx) => { if (ctx.attempt === 1) throw new RetryLater("busy", { delay: "2m" }); }`),
    });
    await app.send("later", {});
    const [failed] = await app.until("job:failed");
    expect(failed).toMatchObject({ retryAfterSeconds: 120 });
    await app.te.advance(119_000);
    expect(app.seen("job:done")).toHaveLength(0);
    await app.te.advance(1000);
    expect((await app.until("job:done"))[0]?.attempt).toBe(2);
  });

  it("keeps a RetryLater of 12 hours within SQS's limit from the receive, and still finishes the rest of the batch", async () => {
    // SQS refuses to hide a message beyond 12 hours from its receive: a retry of 12 hours asked
    // for a second into the run is what is left of them. The job beside it is deleted as done
    // (a refused change had stopped the batch's deletes and events: the done job ran again).
    const dir = mkdtempSync(join(tmpdir(), "offload-later-"));
    app = await startTestApp({
      later: job(`timeout: "5s", retryDelay: "30s", batchSize: 2,
        handler: async (p, ctx) => {
          if (!p.later || ctx.attempt > 1) return;
          while (!(await import("node:fs")).existsSync(p.release)) await new Promise((r) => setTimeout(r, 2));
          throw new RetryLater("tomorrow", { delay: "12h" });
        }`),
    });
    try {
      const release = join(dir, "release");
      await app.send("later", { later: true, release }, 1);
      await app.send("later", {}, 1);
      // Both become visible at once, so one receive takes both.
      await app.te.advance(1000);
      const [batch] = await app.until("batch:start");
      expect(batch?.messageIds).toHaveLength(2);
      await app.te.advance(1000);
      writeFileSync(release, "");
      const [failed] = await app.until("job:failed");
      const [done] = await app.until("job:done");
      expect(done?.messageId).not.toBe(failed?.messageId);
      expect(await app.transport.stats("later")).toMatchObject({ visible: 0, inFlight: 1 });
      // Not back after the queue's 30 s retry delay, but just within 12 hours of the receive.
      await app.te.advance(60_000);
      expect(await app.transport.stats("later")).toMatchObject({ visible: 0, inFlight: 1 });
      // The handler asked for the 12 hours less what the batch has held the job (and, on
      // Lambda, could have held it before the invocation: a batching window, a cold start).
      const seconds = failed!.retryAfterSeconds!;
      expect(seconds).toBeGreaterThan(43_200 - 60);
      expect(seconds).toBeLessThan(43_200 - 1);
      expect(app.logs.filter((l) => l.level === "warn" || l.level === "error")).toEqual([
        expect.objectContaining({ message: "job failed" }),
      ]);
      await app.te.advance(seconds * 1000 - 60_000 - 1);
      expect(app.seen("job:done")).toHaveLength(1);
      await app.te.advance(1);
      await app.until("job:done", 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends an Unrecoverable job to the DLQ at once", async () => {
    app = await startTestApp({
      hopeless: job(`handler: async () => { throw new Unrecoverable("bad address"); }`),
    });
    await app.send("hopeless", {});
    const [dead] = await app.until("job:dlq");
    expect(dead).toMatchObject({
      jobName: "hopeless",
      attempt: 1,
      reason: "Unrecoverable: bad address",
    });
    expect((await app.transport.stats("hopeless")).dlq.visible).toBe(1);
    expect(app.seen("job:failed")).toHaveLength(0);
    // Still a failed attempt in the counts /api/queues and `offload stats` show.
    expect(app.runtime.counters("hopeless")).toEqual({ processed: 0, failed: 1, deadLettered: 1 });
  });

  it("keeps and logs at most 4096 characters of an error's message, saying how long it was", async () => {
    app = await startTestApp({
      loud: job(`maxAttempts: 1, timeout: "1s", retryDelay: "6s",
        handler: async () => { throw new Error("E".repeat(5_000_000)); }`),
    });
    await app.send("loud", {});
    const [failed] = await app.until("job:failed");
    const cut = `${"E".repeat(4096)}… (5000000 characters in all)`;
    expect(failed?.error.message).toBe(cut);
    const line = app.logs.find((l) => String(l.message).startsWith("job failed"));
    expect(line?.fields.error).toMatchObject({ message: cut });
    // The error kept for the DLQ listing is the cut one too.
    await app.te.advance(6000);
    let dead = await app.transport.dlq.list("loud", { limit: 1 });
    for (let i = 0; i < 50 && dead.length === 0; i++) {
      await app.te.advance(0);
      dead = await app.transport.dlq.list("loud", { limit: 1 });
    }
    expect(dead[0]?.lastError).toBe(`Error: ${cut}`);
  });

  it("sends a payload that fails the schema on receive to the DLQ without retries, logging why", async () => {
    app = await startTestApp({
      typed: job(
        `schema: z.object({ quantity: z.number().int().positive() }), handler: async () => {}`,
      ),
    });
    await app.send("typed", { quantity: -3 });
    const [dead] = await app.until("job:dlq");
    expect(dead?.reason).toMatch(/^the payload does not match the job's schema: quantity: /);
    expect(
      app.logs.some(
        (l) =>
          l.level === "warn" && String(l.fields.reason).startsWith("the payload does not match"),
      ),
    ).toBe(true);
    expect((await app.transport.stats("typed")).dlq.visible).toBe(1);
  });

  it("retries exactly the 2 jobs of 5 a batch handler reports as failed", async () => {
    app = await startTestApp({
      batch: job(`batchSize: 5, maxBatchingWindow: "1s", timeout: "2s", retryDelay: "12s",
        batchHandler: async (jobs) => jobs.filter((j) => j.payload.fail && j.attempt === 1).map((j) => j.messageId)`),
    });
    for (const fail of [false, true, false, true, false]) await app.send("batch", { fail });
    await app.te.advance(1000); // the batching window
    const failed0 = await app.until("job:failed", 2);
    await app.until("job:done", 3);
    // The job's concurrency runs several pollers (as Lambda does), so the 5 may come in more than one batch.
    const batched = app.seen("batch:start").flatMap((b) => b.messageIds);
    expect(new Set(batched).size).toBe(5);
    expect(failed0).toHaveLength(2);
    const failed = await app.until("job:failed", 2);
    const done = await app.until("job:done", 3);
    expect(new Set(failed.map((f) => f.messageId)).size).toBe(2);
    expect(done.every((d) => !failed.some((f) => f.messageId === d.messageId))).toBe(true);
    await app.te.advance(12_000);
    await app.te.advance(1000); // the window of the retry batch
    const retried = await app.until("job:done", 5);
    expect(new Set(retried.slice(3).map((d) => d.messageId))).toEqual(
      new Set(failed.map((f) => f.messageId)),
    );
  });

  it("computes backoff delays from the receive count", async () => {
    app = await startTestApp({
      backoff:
        job(`timeout: "1s", retryDelay: "6s", backoff: { initialDelay: "10s", jitter: "none" },
        handler: async () => { throw new Error("down"); }`),
    });
    await app.send("backoff", {});
    expect((await app.until("job:failed", 1))[0]?.retryAfterSeconds).toBe(10);
    await app.te.advance(10_000);
    expect((await app.until("job:failed", 2))[1]?.retryAfterSeconds).toBe(20);
    await app.te.advance(19_999);
    expect(app.seen("job:failed")).toHaveLength(2);
    await app.te.advance(1);
    expect((await app.until("job:failed", 3))[2]?.retryAfterSeconds).toBe(40);
  });

  it("uses the backoff for a RetryLater without a delay of its own", async () => {
    app = await startTestApp({
      later: job(`timeout: "1s", backoff: { initialDelay: "3s", jitter: "none" },
        handler: async () => { throw new RetryLater("not yet"); }`),
    });
    await app.send("later", {});
    expect((await app.until("job:failed", 1))[0]?.retryAfterSeconds).toBe(3);
    await app.te.advance(3_000);
    expect((await app.until("job:failed", 2))[1]?.retryAfterSeconds).toBe(6);
  });
});

describe("job workers", () => {
  it("runs a light job's concurrent batches together in one worker thread", async () => {
    // Each run waits (without blocking its thread) until three have started in its worker.
    app = await startTestApp(
      {
        light: `import { threadId } from "node:worker_threads";
        let started = 0;
        ${job(`batchSize: 1, concurrency: 3, handler: async (p, ctx) => {
          started++;
          ctx.logger.info({ threadId }, "ran");
          if (!p.together) return;
          for (let i = 0; i < 2000 && started < 4; i++) await new Promise((r) => setTimeout(r, 1));
          if (started < 4) throw new Error("the batches did not run together");
        }`)}`,
      },
      // Light whatever the machine's load makes of the worker's real-time measure.
      { batchBusyOf: () => 0 },
    );
    await app.send("light", {});
    await app.until("job:done");
    await Promise.all([1, 2, 3].map(() => app!.send("light", { together: true })));
    const ended = await Promise.race([
      app.until("job:done", 4).then(() => "all done"),
      app.until("job:failed").then(([f]) => f?.error.message),
    ]);
    expect(ended).toBe("all done");
    const threads = app.logs.filter((l) => l.message === "ran").map((l) => l.fields.threadId);
    expect(threads).toHaveLength(4);
    expect(new Set(threads).size).toBe(1);
  });
});

describe("a batch that waits for its worker to start", () => {
  let dir: string | undefined;
  afterEach(() => {
    // Lets workers and handlers that still wait end, should the test have failed.
    for (const file of ["go", "release"]) if (dir) writeFileSync(join(dir, file), "");
    delete process.env.SLOW_START_DIR;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs each job once although its retry delay passed while workers loaded", async () => {
    // The job's module code waits, once SLOW_START_DIR/slow exists, until SLOW_START_DIR/go
    // does: a worker started then loads as slowly as the test wants.
    dir = mkdtempSync(join(tmpdir(), "offload-slow-"));
    process.env.SLOW_START_DIR = dir;
    app = await startTestApp({
      slow: `import { existsSync } from "node:fs";
        const dir = process.env.SLOW_START_DIR;
        if (existsSync(dir + "/slow")) {
          while (!existsSync(dir + "/go")) await new Promise((r) => setTimeout(r, 2));
        }
        ${job(`timeout: "1s", retryDelay: "3s", concurrency: 2, handler: async (p, ctx) => {
          if (p.exit && ctx.attempt === 1) process.exit(1);
          ctx.logger.info({ n: p.n, attempt: ctx.attempt }, "ran");
          while (p.hold && !existsSync(dir + "/release")) await new Promise((r) => setTimeout(r, 2));
        }`)}`,
    });
    const stats = () => app!.transport.stats("slow");
    writeFileSync(join(dir, "slow"), "");
    // The first attempt of A stops the only worker: every batch from now on needs a new one.
    await app.send("slow", { exit: true });
    await app.until("job:failed");
    // One slot receives B and waits for its worker (A is held by its crash's retry delay).
    await app.send("slow", { n: 1, hold: true });
    while ((await stats()).inFlight < 2) await sleep(5);
    // The retry delay passes: the other slot receives A and B again and waits for a worker too.
    await app.te.advance(3000);
    while ((await stats()).visible > 0) await sleep(5);
    // And passes again: A and B are visible, though both slots still wait.
    await app.te.advance(3000);
    expect(await stats()).toMatchObject({ visible: 2 });
    writeFileSync(join(dir, "go"), "");
    // The first slot's receipt for B no longer holds it: that slot leaves B to the queue.
    const left = (l: TestApp["logs"][number]) => l.message?.includes("another receive took them");
    while (!app.logs.some(left)) await sleep(5);
    const [, batch] = await app.until("batch:start", 2);
    const [a, b] = batch!.messageIds;
    expect(a).toBe(app.seen("job:failed")[0]?.messageId);
    expect(app.logs.find(left)?.fields).toMatchObject({ jobName: "slow", messageIds: [b] });
    // A and B run in one batch, hidden meanwhile for a whole retry delay.
    expect(await app.transport.receive("slow", { maxMessages: 10, waitTimeSeconds: 0 })).toEqual(
      [],
    );
    writeFileSync(join(dir, "release"), "");
    const attempts = (await app.until("job:done", 2)).map((d) => d.attempt);
    // Which slot runs them depends on which worker loads first: the second slot (it hid them
    // again when its worker was ready), or the first, which received them again before that;
    // then the second slot's receipts do not hold them either, and it leaves them too.
    expect([
      [2, 2],
      [3, 3],
    ]).toContainEqual(attempts);
    if (attempts[0] === 3) {
      while (app.logs.filter(left).length < 2) await sleep(5);
      expect(app.logs.filter(left)[1]?.fields).toMatchObject({ messageIds: [a, b] });
    }
    const ran = app.logs.filter((l) => l.message === "ran").map((l) => l.fields.messageId);
    expect(ran.sort()).toEqual([a, b].sort());
    expect(app.seen("batch:start")).toHaveLength(2);
  });
});

describe("stopping", () => {
  it("waits for a running batch up to its timeout, then stops it and keeps its message for a retry", async () => {
    app = await startTestApp({
      stuck: job(`timeout: "5s", handler: async () => { await new Promise(() => {}); }`),
    });
    await app.send("stuck", {});
    await app.until("batch:start");
    let stopped = false;
    const stopping = app.runtime.stop().then(() => {
      stopped = true;
    });
    await app.te.advance(4_999);
    expect(stopped).toBe(false);
    await app.te.advance(1);
    await stopping;
    expect(app.seen("job:failed")[0]).toMatchObject({ error: { code: "Timeout" } });
    expect(await app.transport.stats("stuck")).toMatchObject({ inFlight: 1, dlq: { visible: 0 } });
  });
});

describe("isolation in worker threads", () => {
  it("kills a handler in an infinite loop at its timeout and retries it", async () => {
    app = await startTestApp({
      spin: job(`timeout: "3s", retryDelay: "18s",
        handler: async (_p, ctx) => { if (ctx.attempt === 1) { for (;;) {} } }`),
    });
    await app.send("spin", {});
    await app.until("batch:start");
    await app.te.advance(3000);
    const [failed] = await app.until("job:failed");
    expect(failed).toMatchObject({ attempt: 1, error: { code: "Timeout" } });
    await app.te.advance(18_000);
    expect((await app.until("job:done"))[0]?.attempt).toBe(2);
  });

  it("says when a batch that timed out held jobs on their last attempt", async () => {
    app = await startTestApp({
      spin: job(`timeout: "1s", maxAttempts: 1, handler: async () => { for (;;) {} }`),
    });
    await app.send("spin", {});
    await app.until("batch:start");
    await app.te.advance(1000);
    const [failed] = await app.until("job:failed");
    expect(failed).toMatchObject({ attempt: 1, final: true, error: { code: "Timeout" } });
    // The line names the batch's jobs, so a payload that crashes or hangs its worker is found.
    expect(app.logs.filter((l) => String(l.message).startsWith("the batch failed"))).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ messageIds: [failed!.messageId], attempts: [1] }),
        message:
          "the batch failed as a whole; 1 of its jobs had their last attempt of 1: they move to the dead-letter queue once their retry delay has passed",
      }),
    ]);
  });

  it("gives each job worker the heap limit it is told, as Lambda's memorySize bounds a function", async () => {
    app = await startTestApp(
      {
        sized: `import { resourceLimits } from "node:worker_threads";
          ${job(`handler: async (_p, ctx) => { ctx.logger.info({ heapLimitMb: resourceLimits.maxOldGenerationSizeMb }, "sized"); }`)}`,
      },
      { workerMemoryMb: 256 },
    );
    await app.send("sized", {});
    await app.until("job:done");
    expect(app.logs.find((l) => l.message === "sized")?.fields.heapLimitMb).toBe(256);
  });

  it("keeps running other jobs when a handler calls process.exit or throws in a timer", async () => {
    app = await startTestApp({
      exits: job(
        `timeout: "2s", handler: async (_p, ctx) => { if (ctx.attempt === 1) process.exit(3); }`,
      ),
      throws: job(`timeout: "2s", handler: async (_p, ctx) => {
        if (ctx.attempt === 1) { setTimeout(() => { throw new Error("from a timer"); }, 0); await new Promise(() => {}); } }`),
      fine: job(`handler: async () => {}`),
    });
    await app.send("exits", {});
    await app.send("throws", {});
    const crashes = await app.until("job:failed", 2);
    expect(crashes.map((c) => [c.jobName, c.error.code]).sort()).toEqual([
      ["exits", "WorkerCrashed"],
      ["throws", "WorkerCrashed"],
    ]);
    expect(crashes.find((c) => c.jobName === "exits")?.error.message).toMatch(/exited with code 3/);
    expect(crashes.find((c) => c.jobName === "throws")?.error.message).toMatch(/from a timer/);
    await app.send("fine", {});
    await app.until("job:done", 1, (d) => d.jobName === "fine");
    await app.te.advance(12_000);
    await app.until("job:done", 3);
  });
});
