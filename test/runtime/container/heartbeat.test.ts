/**
 * The visibility heartbeat in a local run (`offload start`): the engine and the runtime share a
 * TestClock, so the queue's visibility timeout passes as the test moves the clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app.js";
import { startJobGate } from "../../support/job-gate.js";

let gate: Awaited<ReturnType<typeof startJobGate>>;
beforeAll(async () => {
  gate = await startJobGate();
});
afterAll(async () => {
  await gate?.close();
});
/** Waits for what a job logs (the test's own timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("the visibility heartbeat", () => {
  it("keeps a running job's message hidden past its visibility timeout, and stops when it ends", async () => {
    app = await startTestApp({
      long: `export default defineJob({ runtime: "container", timeout: "2h", retryDelay: "30s", concurrency: 2,
        handler: async ({ gate }: { gate: string }) => { await fetch(gate); } });`,
    });
    await app.send("long", { gate: gate.url("h1") });
    await gate.arrived("h1");
    // Ten visibility timeouts pass while the job runs: each beat hides it 30 s more.
    await app.te.advance(300_000, 5_000);
    expect(await app.transport.stats("long")).toMatchObject({ visible: 0, inFlight: 1 });
    expect(app.seen("batch:start")).toHaveLength(1);
    gate.open("h1");
    await app.until("job:done");
    const logged = app.logs.length;
    // Ended: no beat comes after (one would find its message deleted, and log it lost).
    await app.te.advance(300_000, 5_000);
    expect(app.logs.slice(logged).filter((l) => l.level !== "debug" && l.level !== "info")).toEqual(
      [],
    );
    expect(app.seen("job:done")).toHaveLength(1);
    expect(app.seen("batch:start")).toHaveLength(1);
  });

  it("aborts the signal of a job whose message was lost, and leaves its end alone", async () => {
    app = await startTestApp({
      lost: `export default defineJob({ runtime: "container", timeout: "2h", retryDelay: "30s",
        handler: async (_p: unknown, ctx) => {
          ctx.logger.info("waiting");
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          ctx.logger.info({ reason: (ctx.signal.reason as { code?: string }).code }, "aborted");
        } });`,
    });
    const jobId = await app.send("lost", {});
    await app.until("batch:start");
    await until(() => app!.logs.some((l) => l.message === "waiting"));
    // An operator purges the queue while the job runs: its receipt no longer holds a message.
    const { QueueUrl } = await app.te.engine.sqs.getQueueUrl({ QueueName: "lost" });
    await app.te.engine.sqs.purgeQueue({ QueueUrl: QueueUrl! });
    expect(app.logs.some((l) => l.message === "aborted")).toBe(false);
    // The next beat (half the 30 s visibility timeout) finds the message gone.
    await app.te.advance(15_000, 5_000);
    await until(() => app!.logs.some((l) => l.message === "aborted"));
    const lost = app.logs.find((l) =>
      String(l.message).startsWith("a running job's message was lost"),
    );
    expect(lost).toMatchObject({ level: "error", fields: { jobName: "lost", jobId } });
    expect(app.logs.find((l) => l.message === "aborted")?.fields.reason).toBe("MessageLost");
    // Its end is not this worker's: it records no success and deletes nothing.
    expect(app.seen("job:done")).toHaveLength(0);
  });
});
