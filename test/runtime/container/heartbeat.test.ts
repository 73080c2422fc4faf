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
});
