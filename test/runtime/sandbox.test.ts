import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { type Logger, silentLogger } from "../../src/core/logger.js";
import type { QueueMessage } from "../../src/core/transport.js";
import { loadJobs } from "../../src/runtime/load-jobs.js";
import { JobSandbox } from "../../src/runtime/sandbox/job-sandbox.js";
import {
  SHARE_BELOW_BUSY_MS,
  STOP_SHARING_ABOVE_BUSY_MS,
} from "../../src/runtime/sandbox/sharing.js";
import { bundleWorkers, type WorkerBundles } from "../../src/runtime/sandbox/worker-bundle.js";
import { jobsFolder } from "../support/app.js";

// One job whose payload says what its handler does, so each test drives the same worker code:
// every run logs its thread; "barrier" waits (without blocking its thread) until `count` runs
// have started in the same worker; "spin" keeps the thread busy for `ms`; "retry" asks for a
// retry after `delay` seconds; "hang" never ends; "exit" ends the worker; "wait" ends once the
// file `path` exists.
const kit = `
import { resourceLimits, threadId } from "node:worker_threads";
import { existsSync } from "node:fs";
const tick = () => new Promise((r) => setTimeout(r, 1));
let started = 0;
export default defineJob({
  timeout: "5s",
  handler: async (p, ctx) => {
    started++;
    ctx.logger.info({ threadId, op: p.op, heapLimitMb: resourceLimits.maxOldGenerationSizeMb }, "ran");
    if (p.op === "barrier") {
      for (let i = 0; i < 2000 && started < p.count; i++) await tick();
      if (started < p.count) throw new Error("the batches did not run together");
    } else if (p.op === "spin") {
      const end = Date.now() + p.ms;
      while (Date.now() < end) {}
    } else if (p.op === "retry") {
      for (let i = 0; i < 2000 && started < p.count; i++) await tick();
      throw new RetryLater("later", { delay: p.delay + "s" });
    } else if (p.op === "hang") {
      await new Promise(() => {});
    } else if (p.op === "exit") {
      process.exit(7);
    } else if (p.op === "wait") {
      while (!existsSync(p.path)) await tick();
    } else if (p.op === "hog") {
      const kept = [];
      for (;;) kept.push(new Array(1_000_000).fill(kept.length));
    }
  },
});`;

interface Setup {
  sandbox: JobSandbox;
  /** The heap limit each run's worker had, MB. */
  heapLimits: () => number[];
  clock: TestClock;
  threads: () => number[];
  dir: string;
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/**
 * What a batch of the kit job counts as having kept its worker busy: its spins' time, nothing
 * for the rest. The worker's own measure is real time, which a loaded machine stretches.
 */
function declaredBusy(batch: readonly QueueMessage[]): number {
  let ms = 0;
  for (const m of batch) {
    const p = JSON.parse(m.body) as { op: string; ms?: number };
    if (p.op === "spin") ms += p.ms ?? 0;
  }
  return ms;
}

async function setup(options: { memoryMb?: number; measuredBusy?: boolean } = {}): Promise<Setup> {
  const folder = jobsFolder({ kit });
  cleanups.push(folder.cleanup);
  const [job] = await loadJobs(folder.dir);
  const logs: Array<Record<string, unknown>> = [];
  const record = (a: Record<string, unknown> | string) => {
    if (typeof a !== "string") logs.push(a);
  };
  const logger = { debug: record, info: record, warn: record, error: record } as Logger;
  const bundles: WorkerBundles = await bundleWorkers([job!], logger);
  cleanups.push(() => bundles.dispose());
  const clock = new TestClock();
  const sandbox = new JobSandbox({
    job: job!,
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:kit",
    awsRegion: "us-east-1",
    clock,
    logger,
    workerFile: bundles.file("kit"),
    ...(options.memoryMb === undefined ? {} : { memoryMb: options.memoryMb }),
    ...(options.measuredBusy ? {} : { busyOf: declaredBusy }),
  });
  cleanups.push(() => sandbox.close());
  await sandbox.warm();
  return {
    sandbox,
    clock,
    dir: folder.dir,
    threads: () => logs.filter((l) => l.threadId !== undefined).map((l) => Number(l.threadId)),
    heapLimits: () =>
      logs.filter((l) => l.heapLimitMb !== undefined).map((l) => Number(l.heapLimitMb)),
  };
}

let seq = 0;
function message(payload: unknown): QueueMessage {
  seq++;
  return {
    messageId: `m-${seq}`,
    receiptHandle: `r-${seq}`,
    body: JSON.stringify(payload),
    md5OfBody: "",
    attributes: { ApproximateReceiveCount: "1" },
    messageAttributes: {},
  };
}

/** Runs one batch to its end, so the sandbox learns how heavy the job's batches are. */
async function learn(s: Setup, payload: unknown) {
  expect(await s.sandbox.run([message(payload)], 5000)).toEqual({ kind: "succeeded" });
}

describe("job workers", () => {
  it("run light batches together in one worker", async () => {
    const s = await setup();
    expect(s.sandbox.sharing).toBe(false);
    await learn(s, { op: "none" });
    expect(s.sandbox.sharing).toBe(true);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => s.sandbox.run([message({ op: "barrier", count: 5 })], 5000)),
    );
    // Each batch waited until the four had started beside it (5 runs counting the first).
    expect(results).toEqual(Array(4).fill({ kind: "succeeded" }));
    expect(new Set(s.threads()).size).toBe(1);
    expect(s.sandbox.workers).toBe(1);
  });

  it(`give each batch a worker of its own once batches keep a thread busy over ${SHARE_BELOW_BUSY_MS} ms`, async () => {
    const s = await setup();
    await learn(s, { op: "spin", ms: SHARE_BELOW_BUSY_MS * 4 });
    expect(s.sandbox.sharing).toBe(false);
    const results = await Promise.all(
      [1, 2, 3].map(() => s.sandbox.run([message({ op: "spin", ms: 1 })], 5000)),
    );
    expect(results).toEqual(Array(3).fill({ kind: "succeeded" }));
    expect(new Set(s.threads().slice(1)).size).toBe(3);
    expect(s.sandbox.workers).toBe(3);
  });

  it("go back to a worker per batch when a sharing job's batches turn heavy", async () => {
    // Where the lines are crossed is SharingPolicy's (test/runtime/sharing.test.ts).
    const s = await setup();
    await learn(s, { op: "none" });
    expect(s.sandbox.sharing).toBe(true);
    await learn(s, { op: "spin", ms: STOP_SHARING_ABOVE_BUSY_MS * 8 });
    expect(s.sandbox.sharing).toBe(false);
  });

  it("learn how long a batch kept its worker busy from the worker's own measure", async () => {
    const s = await setup({ measuredBusy: true });
    expect(s.sandbox.averageBusyMs).toBeUndefined();
    await learn(s, { op: "spin", ms: STOP_SHARING_ABOVE_BUSY_MS * 4 });
    // A spin of 40 ms keeps the loop busy at least that long, however loaded the machine.
    expect(s.sandbox.averageBusyMs).toBeGreaterThanOrEqual(STOP_SHARING_ABOVE_BUSY_MS * 4);
    expect(s.sandbox.sharing).toBe(false);
  });

  it("keep each batch's retries apart when batches share a worker", async () => {
    const s = await setup();
    await learn(s, { op: "none" });
    const [a, b] = await Promise.all([
      s.sandbox.run([message({ op: "retry", count: 3, delay: 30 })], 5000),
      s.sandbox.run([message({ op: "retry", count: 3, delay: 60 })], 5000),
    ]);
    expect(new Set(s.threads()).size).toBe(1);
    expect(a).toMatchObject({ kind: "completed" });
    expect(b).toMatchObject({ kind: "completed" });
    if (a?.kind !== "completed" || b?.kind !== "completed") return;
    expect([...a.retries.values()]).toEqual([30]);
    expect([...b.retries.values()]).toEqual([60]);
    expect([...a.retries.keys()]).not.toEqual([...b.retries.keys()]);
  });

  it("stop a worker whose batch timed out only after its other batches have ended", async () => {
    const s = await setup();
    await learn(s, { op: "none" });
    const release = join(s.dir, "release");
    const hung = s.sandbox.run([message({ op: "hang" })], 1000);
    const waiting = s.sandbox.run([message({ op: "wait", path: release })], 3000);
    await until(() => s.threads().length === 3);
    s.clock.advance(1000);
    expect(await hung).toEqual({ kind: "timeout" });
    // After a timeout the job's batches get a worker each for a while.
    expect(s.sandbox.sharing).toBe(false);
    // The worker takes no new batch: this one starts a worker of its own.
    expect(await s.sandbox.run([message({ op: "none" })], 5000)).toEqual({ kind: "succeeded" });
    expect(s.sandbox.workers).toBe(2);
    writeFileSync(release, "");
    expect(await waiting).toEqual({ kind: "succeeded" });
    await until(() => s.sandbox.workers === 1);
  });

  it("time out the batches held up by a batch that spins, and start afresh", async () => {
    const s = await setup();
    await learn(s, { op: "none" });
    const spinning = s.sandbox.run([message({ op: "spin", ms: 60_000 })], 1000);
    const behind = s.sandbox.run([message({ op: "none" })], 2000);
    await until(() => s.threads().length === 2);
    s.clock.advance(1000);
    expect(await spinning).toEqual({ kind: "timeout" });
    s.clock.advance(1000);
    expect(await behind).toEqual({ kind: "timeout" });
    await until(() => s.sandbox.workers === 0);
    expect(await s.sandbox.run([message({ op: "none" })], 5000)).toEqual({ kind: "succeeded" });
  });

  it("fail every batch of a worker that crashes", async () => {
    const s = await setup();
    await learn(s, { op: "none" });
    const release = join(s.dir, "never");
    const waiting = s.sandbox.run([message({ op: "wait", path: release })], 5000);
    await until(() => s.threads().length === 2);
    const exiting = s.sandbox.run([message({ op: "exit" })], 5000);
    const results = await Promise.all([waiting, exiting]);
    expect(results).toEqual([
      { kind: "crashed", message: "the worker exited with code 7" },
      { kind: "crashed", message: "the worker exited with code 7" },
    ]);
    expect(s.sandbox.sharing).toBe(false);
    // Light batches earn the shared worker back.
    for (let i = 0; i < 20 && !s.sandbox.sharing; i++) await learn(s, { op: "none" });
    expect(s.sandbox.sharing).toBe(true);
  });
});

describe("a worker's memory", () => {
  it("is bounded: a worker past its heap limit is stopped and its batch fails, the sandbox going on", async () => {
    const s = await setup({ memoryMb: 64 });
    const result = await s.sandbox.run([message({ op: "hog" })], 5000);
    expect(result).toEqual({
      kind: "crashed",
      message: expect.stringMatching(/memory limit/),
    });
    expect(await s.sandbox.run([message({ op: "none" })], 5000)).toEqual({ kind: "succeeded" });
    expect(s.heapLimits()).toEqual([64, 64]);
  });
});

describe("a worker that does not load", () => {
  /**
   * A sandbox whose job's module code hangs (a connection that never answers) once HANG exists,
   * with its warm worker busy on a batch that waits for `release`: the next batch needs a new
   * worker, which does not load.
   */
  async function stuckSandbox() {
    const folder = jobsFolder({
      stuck: `import { existsSync } from "node:fs";
if (existsSync(new URL("./HANG", "file://" + process.env.STUCK_DIR + "/"))) await new Promise(() => { setInterval(() => {}, 1000); });
export default defineJob({ timeout: "5s", handler: async (p) => {
  while (p.wait && !existsSync(p.wait)) await new Promise((r) => setTimeout(r, 1));
} });`,
    });
    cleanups.push(folder.cleanup);
    process.env.STUCK_DIR = folder.dir;
    cleanups.push(() => {
      delete process.env.STUCK_DIR;
    });
    const [job] = await loadJobs(folder.dir);
    const clock = new TestClock();
    const sandbox = new JobSandbox({
      job: job!,
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:stuck",
      awsRegion: "us-east-1",
      clock,
      logger: silentLogger,
      startTimeoutMs: 10_000,
    });
    cleanups.push(() => sandbox.close());
    await sandbox.warm();
    const release = join(folder.dir, "release");
    const busy = sandbox.run([message({ wait: release })], 60_000);
    writeFileSync(join(folder.dir, "HANG"), "");
    return { job: job!, clock, sandbox, busy, release };
  }

  it("is stopped at the start limit, and the batch waiting for it fails as a whole", async () => {
    const { job, clock, sandbox, busy, release } = await stuckSandbox();
    const waiting = sandbox.run([message({})], 60_000);
    await until(() => sandbox.workers === 2);
    clock.advance(9_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(sandbox.workers).toBe(2);
    clock.advance(1);
    expect(await waiting).toEqual({
      kind: "crashed",
      message: `${job.file}: the job worker failed to start: it did not load the job within 10 s and was stopped`,
    });
    expect(sandbox.workers).toBe(1);
    writeFileSync(release, "");
    expect(await busy).toEqual({ kind: "succeeded" });
  });

  it("fails the batches waiting for it, and those running, when the sandbox closes", async () => {
    const { job, sandbox, busy } = await stuckSandbox();
    const waiting = sandbox.acquire();
    await until(() => sandbox.workers === 2);
    const refused = expect(waiting).rejects.toThrow(
      `${job.file}: the job worker failed to start: the job sandbox was closed`,
    );
    await sandbox.close();
    await refused;
    expect(await busy).toEqual({
      kind: "crashed",
      message: "the job sandbox was closed",
    });
    expect(sandbox.workers).toBe(0);
  });
});

/** Waits for a condition that worker threads make true (their log lines, their exits). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
