import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordUntil, startTestApp, type TestApp } from "../support/app.js";
import { tempDir } from "../support/temp.js";

let app: TestApp | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A folder for a test's files: the handler appends a line to `runs` each time it runs. */
function files() {
  const folder = tempDir("offload-idem-");
  cleanups.push(folder.cleanup);
  const runs = join(folder.dir, "runs");
  writeFileSync(runs, "");
  return {
    runs,
    release: join(folder.dir, "release"),
    ran: () => readFileSync(runs, "utf8").split("\n").filter(Boolean),
  };
}

/** A job that appends `p.order` to `p.runs` each run, and returns `{ charged: p.order }`. */
const CHARGE = (options: string) => `import { appendFileSync, existsSync } from "node:fs";
  export default defineJob({ ${options},
    handler: async (p, ctx) => {
      appendFileSync(p.runs, p.order + "\\n");
      if (p.exitOnFirst && ctx.attempt === 1) process.exit(1);
      while (p.hold && !existsSync(p.hold)) await new Promise((r) => setTimeout(r, 2));
      return { charged: p.order, attempt: ctx.attempt };
    } });`;

/**
 * What the engine's store says of a key, asked as another job would: its claim's answer
 * (a probe that takes a free key gives it back at once).
 */
async function probe(running: TestApp, jobName: string, key: string) {
  const store = running.te.engine.idempotency;
  const ref = { jobName, key, jobId: "probe" };
  const claim = await store.claim(ref, 1000);
  if (claim.status === "claimed") await store.release(ref);
  return claim.status === "in-progress" ? { status: claim.status, jobId: claim.jobId } : claim;
}

describe("idempotent handlers", () => {
  it("keeps a handler's result with its job's record", async () => {
    const f = files();
    app = await startTestApp({ plain: CHARGE(`timeout: "5s"`) });
    const jobId = await app.send("plain", { runs: f.runs, order: "o-1" });
    await app.until("job:done");
    const job = await recordUntil(app, jobId, (j) => j.state === "succeeded");
    expect(job.result).toEqual({ charged: "o-1", attempt: 1 });
  });

  it("keeps no result over 16 KiB as JSON, and says so", async () => {
    app = await startTestApp({
      big: `export default defineJob({ handler: async () => "x".repeat(20_000) });`,
    });
    const jobId = await app.send("big", {});
    await app.until("job:done");
    const job = await recordUntil(app, jobId, (j) => j.state === "succeeded");
    expect(job.result).toBeNull();
    expect(app.logs.find((l) => l.message?.includes("over 16 KiB"))?.fields).toMatchObject({
      jobId,
      chars: 20_002,
    });
  });

  it("answers a duplicate delivery of a job that succeeded with its result, unrun", async () => {
    const f = files();
    app = await startTestApp({ charge: CHARGE(`timeout: "5s", idempotency: { ttl: "1h" }`) });
    const body = JSON.stringify({ runs: f.runs, order: "o-1" });
    const jobId = await app.send("charge", JSON.parse(body));
    await app.until("job:done");
    // SQS delivers a message at least once: the same job (its id) comes again.
    const { QueueUrl } = await app.te.engine.sqs.getQueueUrl({ QueueName: "charge" });
    await app.te.engine.sqs.sendMessage({
      QueueUrl,
      MessageBody: body,
      MessageAttributes: { jobId: { DataType: "String", StringValue: jobId } },
    });
    const [, second] = await app.until("job:done", 2);
    expect(second?.jobId).toBe(jobId);
    expect(f.ran()).toEqual(["o-1"]);
    const unrun = app.logs.find((l) => l.message?.includes("already succeeded"));
    expect(unrun?.fields).toMatchObject({ jobName: "charge", jobId, idempotencyKey: jobId });
    const job = await recordUntil(app, jobId, (j) => j.state === "succeeded");
    expect(job.result).toEqual({ charged: "o-1", attempt: 1 });
  });

  it("runs jobs with the same key once within the ttl, and again after it", async () => {
    const f = files();
    app = await startTestApp({
      charge: CHARGE(`timeout: "5s", idempotency: { key: (p) => "order-" + p.order, ttl: "1m" }`),
    });
    const first = await app.send("charge", { runs: f.runs, order: "o-7" });
    await app.until("job:done");
    const second = await app.send("charge", { runs: f.runs, order: "o-7" });
    await app.until("job:done", 2);
    expect(f.ran()).toEqual(["o-7"]);
    const duplicate = await recordUntil(app, second, (j) => j.state === "succeeded");
    expect(duplicate.result).toEqual({ charged: "o-7", attempt: 1 });
    expect(app.logs.find((l) => l.message?.includes("already succeeded"))?.fields).toMatchObject({
      jobId: second,
      firstJobId: first,
      idempotencyKey: "order-o-7",
    });

    await app.te.advance(60_000);
    await app.send("charge", { runs: f.runs, order: "o-7" });
    await app.until("job:done", 3);
    expect(f.ran()).toEqual(["o-7", "o-7"]);
  });

  it("runs concurrent duplicates once: the second is retried when the first has ended", async () => {
    const f = files();
    app = await startTestApp({
      charge: CHARGE(
        `timeout: "10s", concurrency: 2, idempotency: { key: (p) => p.order, ttl: "1h" }`,
      ),
    });
    const first = await app.send("charge", { runs: f.runs, order: "o-3", hold: f.release });
    await app.until("batch:start");
    while (f.ran().length === 0) await new Promise((r) => setTimeout(r, 2));
    const second = await app.send("charge", { runs: f.runs, order: "o-3" });
    const [failed] = await app.until("job:failed");
    expect(failed).toMatchObject({ jobId: second, attempt: 1, final: false });
    expect(failed?.error).toMatchObject({ code: "IdempotencyInProgress" });
    expect(failed?.error.message).toContain(`held by a running attempt of job ${first}`);
    // Retried once the hold can have ended: at the first attempt's deadline at the latest.
    expect(failed?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(failed?.retryAfterSeconds).toBeLessThanOrEqual(10);

    writeFileSync(f.release, "");
    await app.until("job:done", 1, (d) => d.jobId === first);
    await app.te.advance(failed!.retryAfterSeconds! * 1000);
    await app.until("job:done", 1, (d) => d.jobId === second);
    expect(f.ran()).toEqual(["o-3"]);
    const duplicate = await recordUntil(app, second, (j) => j.state === "succeeded");
    expect(duplicate.result).toEqual({ charged: "o-3", attempt: 1 });
  });

  it("lets the retry of an attempt whose worker died run once the hold has expired", async () => {
    const f = files();
    app = await startTestApp({
      charge: CHARGE(`timeout: "5s", retryDelay: "5s", idempotency: { ttl: "1h" }`),
    });
    const jobId = await app.send("charge", { runs: f.runs, order: "o-9", exitOnFirst: true });
    const [failed] = await app.until("job:failed");
    expect(failed?.error.code).toBe("WorkerCrashed");
    // The crashed attempt could not free its key: it is held until that attempt's deadline.
    expect(await probe(app, "charge", jobId)).toEqual({ status: "in-progress", jobId });
    await app.te.advance(5_000);
    const [done] = await app.until("job:done");
    expect(done).toMatchObject({ jobId, attempt: 2 });
    expect(f.ran()).toEqual(["o-9", "o-9"]);
    expect(await probe(app, "charge", jobId)).toEqual({
      status: "done",
      jobId,
      result: { charged: "o-9", attempt: 2 },
    });
    const job = await recordUntil(app, jobId, (j) => j.state === "succeeded");
    expect(job.result).toEqual({ charged: "o-9", attempt: 2 });
  });

  it("lets the retry of an attempt stopped at its timeout run once the hold has expired", async () => {
    const f = files();
    app = await startTestApp({
      slow: `import { appendFileSync } from "node:fs";
        export default defineJob({ timeout: "2s", retryDelay: "2s", idempotency: { ttl: "1h" },
          handler: async (p, ctx) => {
            appendFileSync(p.runs, "run\\n");
            if (ctx.attempt === 1) await new Promise(() => {});
          } });`,
    });
    const jobId = await app.send("slow", { runs: f.runs });
    while (f.ran().length === 0) await new Promise((r) => setTimeout(r, 2));
    expect(await probe(app, "slow", jobId)).toEqual({ status: "in-progress", jobId });
    await app.te.advance(2_000);
    const [failed] = await app.until("job:failed");
    expect(failed?.error.code).toBe("Timeout");
    const [done] = await app.until("job:done");
    expect(done).toMatchObject({ jobId, attempt: 2 });
    expect(f.ran()).toEqual(["run", "run"]);
  });

  it("frees the key of a failed attempt, so its retry runs", async () => {
    const f = files();
    app = await startTestApp({
      flaky: `import { appendFileSync } from "node:fs";
        export default defineJob({ timeout: "5s", retryDelay: "5s", idempotency: { ttl: "1h" },
          handler: async (p, ctx) => {
            appendFileSync(p.runs, "run\\n");
            if (ctx.attempt === 1) throw new Error("flaky");
            return "ok";
          } });`,
    });
    const jobId = await app.send("flaky", { runs: f.runs });
    await app.until("job:failed");
    expect(await probe(app, "flaky", jobId)).toEqual({ status: "claimed" });
    await app.te.advance(5_000);
    await app.until("job:done");
    expect(f.ran()).toEqual(["run", "run"]);
    expect((await recordUntil(app, jobId, (j) => j.state === "succeeded")).result).toBe("ok");
  });

  it("sends a job whose key function throws to its DLQ, saying why", async () => {
    app = await startTestApp({
      keyed: `export default defineJob({ idempotency: { key: (p) => p.order.id, ttl: "1h" },
        handler: async () => {} });`,
    });
    await app.send("keyed", {});
    const [dlq] = await app.until("job:dlq");
    expect(dlq?.reason).toMatch(/^idempotency\.key threw TypeError: /);
  });
});
