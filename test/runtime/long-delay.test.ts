import { once } from "node:events";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/core/client.js";
import { TestClock } from "../../src/core/clock.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import {
  createEngineTransport,
  type LoadedJob,
  loadJobs,
  type Runtime,
  type RuntimeEvents,
  startRuntime,
} from "../../src/runtime/index.js";
import { jobsFolder } from "../support/app.js";
import { flushEvents } from "../support/engine.js";
import { tempDir } from "../support/temp.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An engine on `path`; the file is checked hourly, as the test moves the clock by days. */
function openEngine(path: string, clock: TestClock): Engine {
  const engine = createEngine({ path, clock, fileCheckIntervalMs: HOUR });
  cleanups.push(() => engine.close());
  return engine;
}

/** Moves the clock in steps, letting each step's commits and wake-ups run. */
async function advance(clock: TestClock, ms: number, stepMs: number): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await flushEvents();
  }
}

async function runtimeOf(engine: Engine, jobs: LoadedJob[], clock: TestClock): Promise<Runtime> {
  const transport = await createEngineTransport(engine, jobs);
  const runtime = await startRuntime({
    jobs,
    transport,
    clock,
    records: engine.jobs,
    idempotency: engine.idempotency,
  });
  cleanups.push(() => runtime.stop());
  return runtime;
}

describe("a job delayed beyond its queue's retention", () => {
  it("runs 30 days later, across a restart, unexpired by the sweeper on the way", async () => {
    const folder = jobsFolder({
      remind: "export default defineJob({ handler: async () => {} });",
    });
    cleanups.push(folder.cleanup);
    const { dir, cleanup } = tempDir("offload-long-delay-");
    cleanups.push(cleanup);
    const path = join(dir, "offload.db");
    const clock = new TestClock(Date.parse("2026-03-01T09:00:00Z"));
    const jobs = await loadJobs(folder.dir);

    const first = openEngine(path, clock);
    const transport = await createEngineTransport(first, jobs);
    const client = createClient({ transport, records: first.jobs, clock });
    const sentAt = clock.now();
    const byDelay = await client.send("remind", { n: 1 }, { delay: "30d" });
    const byAt = await client.send("remind", { n: 2 }, { at: "2026-03-31T09:00:00.500Z" });
    const dueAt = sentAt + 30 * DAY;
    expect(await client.getJob(byDelay)).toMatchObject({
      state: "delayed",
      runAt: new Date(dueAt).toISOString(),
    });
    // An at is counted in whole seconds, rounded up: never due before it.
    expect(await client.getJob(byAt)).toMatchObject({
      state: "delayed",
      runAt: new Date(dueAt + 1000).toISOString(),
    });

    // 29 days, swept each day: the queue's retention (14 days) passes twice over.
    for (let day = 1; day <= 29; day++) {
      await advance(clock, DAY, DAY);
      expect(await first.sweep()).toBe(0);
    }
    const stats = await transport.stats("remind");
    expect(stats).toMatchObject({ visible: 0, delayed: 2, nextDueAt: dueAt });
    expect((await client.getJob(byDelay)).state).toBe("delayed");
    await first.close();

    // A restart: a new engine on the same file, and a runtime.
    const second = openEngine(path, clock);
    const runtime = await runtimeOf(second, jobs, clock);
    const done: Array<RuntimeEvents["job:done"][0]> = [];
    runtime.on("job:done", (e) => done.push(e));
    await advance(clock, DAY - 1, 60_000);
    await second.sweep();
    expect(done).toEqual([]);
    // Due to the millisecond of the engine's clock: the delay's job now, the at's job a second on.
    const ranByDelay = once(runtime, "job:done");
    clock.advance(1);
    await ranByDelay;
    await advance(clock, 999, 1);
    expect(done.map((e) => e.jobId)).toEqual([byDelay]);
    const ranByAt = once(runtime, "job:done");
    clock.advance(1);
    await ranByAt;
    expect(done.map((e) => e.jobId)).toEqual([byDelay, byAt]);
    const records = createClient({ transport, records: second.jobs });
    for (const jobId of [byDelay, byAt]) {
      expect(await records.getJob(jobId)).toMatchObject({ state: "succeeded" });
    }
  }, 60_000);
});
