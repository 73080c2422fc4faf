import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import { silentLogger } from "../../src/core/logger.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { type Scheduler, startScheduler } from "../../src/runtime/schedules/index.js";
import { tempDir } from "../support/temp.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const utc = (text: string) => Date.parse(text);
const handler = async () => {};

type Jobs = Array<{ name: string; definition: ReturnType<typeof defineJob> }>;

interface App {
  engine: Engine;
  scheduler: Scheduler;
  close(): Promise<void>;
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function database(): string {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  return join(tmp.dir, "app.db");
}

/** Opens the app's engine on `path`, provisions the jobs' queues and starts their schedules. */
async function open(path: string, clock: TestClock, jobs: Jobs): Promise<App> {
  // The clock moves by days here: the file check and the sweeper need not run every second.
  const engine = createEngine({
    path,
    clock,
    durability: "relaxed",
    fileCheckIntervalMs: HOUR,
    sweepIntervalMs: HOUR,
  });
  await createEngineTransport(engine, jobs);
  const scheduler = await startScheduler({
    jobs,
    store: engine.schedules,
    clock,
    logger: silentLogger,
  });
  await scheduler.settled();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scheduler.stop();
    await engine.close();
  };
  cleanups.push(close);
  return { engine, scheduler, close };
}

/** Moves the clock to `until` a step at a time, letting each run the step brings be stored. */
async function runUntil(app: App, clock: TestClock, until: number, stepMs = MINUTE) {
  while (clock.now() < until) {
    clock.advance(Math.min(stepMs, until - clock.now()));
    await app.scheduler.settled();
  }
}

/** The job ids and payloads of the messages in the job's queue, in the order sent. */
async function sent(engine: Engine, jobName: string) {
  const { QueueUrl } = await engine.sqs.getQueueUrl({ QueueName: jobName });
  const messages = await engine.peekMessages({ QueueUrl, Limit: 1000 });
  return messages.map((m) => ({
    jobId: m.MessageAttributes.jobId?.StringValue,
    payload: JSON.parse(m.Body) as unknown,
  }));
}

const ids = (list: Array<{ jobId: string | undefined }>) => list.map((m) => m.jobId);

describe("recurring schedules, locally", () => {
  it("sends a five-minute Paris cron every five minutes across a restart, once each", async () => {
    const path = database();
    const clock = new TestClock(utc("2026-01-10T10:02:00Z"));
    const jobs: Jobs = [
      {
        name: "report",
        definition: defineJob({
          schedule: "cron(0/5 * * * ? *)",
          timezone: "Europe/Paris",
          handler,
        }),
      },
    ];
    let app = await open(path, clock, jobs);
    await runUntil(app, clock, utc("2026-01-10T10:32:00Z"));
    await app.close();
    // Down for two minutes (no due time missed), then up again on the same file.
    clock.advance(2 * MINUTE);
    app = await open(path, clock, jobs);
    await runUntil(app, clock, utc("2026-01-10T11:01:00Z"));
    const expected = [];
    for (let t = utc("2026-01-10T10:05:00Z"); t <= utc("2026-01-10T11:00:00Z"); t += 5 * MINUTE) {
      expected.push(`report:default:${new Date(t).toISOString().replace(".000", "")}`);
    }
    expect(expected).toHaveLength(12);
    expect(ids(await sent(app.engine, "report"))).toEqual(expected);
    const [row] = await app.engine.schedules.list();
    expect(row).toMatchObject({
      JobName: "report",
      ScheduleName: "default",
      NextDueAt: utc("2026-01-10T11:05:00Z"),
      LastDueAt: utc("2026-01-10T11:00:00Z"),
      LastJobId: "report:default:2026-01-10T11:00:00Z",
      LastJobState: "queued",
    });
  });

  it("follows Paris's clock changes: a daily 02:30 skips spring-forward, runs once at fall-back", async () => {
    const path = database();
    const jobs: Jobs = [
      {
        name: "nightly",
        definition: defineJob({
          schedule: { expression: "cron(30 2 * * ? *)", timezone: "Europe/Paris" },
          handler,
        }),
      },
    ];
    const clock = new TestClock(utc("2026-03-27T12:00:00Z"));
    let app = await open(path, clock, jobs);
    await runUntil(app, clock, utc("2026-03-31T00:00:00Z"), HOUR);
    expect(ids(await sent(app.engine, "nightly"))).toEqual([
      "nightly:default:2026-03-28T01:30:00Z", // 02:30 CET
      // 29 March: 02:30 does not exist in Paris, no run (EventBridge Scheduler skips it too).
      "nightly:default:2026-03-30T00:30:00Z", // 02:30 CEST
    ]);
    await app.close();
    // Restarted just before the autumn change, with catchUp skipping the months between.
    const autumn = new TestClock(utc("2026-10-23T12:00:00Z"));
    app = await open(path, autumn, [
      {
        name: "nightly",
        definition: defineJob({
          schedule: { expression: "cron(30 2 * * ? *)", timezone: "Europe/Paris", catchUp: "skip" },
          handler,
        }),
      },
    ]);
    await runUntil(app, autumn, utc("2026-10-27T00:00:00Z"), HOUR);
    // (The March runs' messages have expired from the queue meanwhile: 4 days' retention.)
    expect(ids(await sent(app.engine, "nightly"))).toEqual([
      "nightly:default:2026-10-24T00:30:00Z", // 02:30 CEST
      "nightly:default:2026-10-25T00:30:00Z", // the first 02:30 of the 25th; not again an hour later
      "nightly:default:2026-10-26T01:30:00Z", // 02:30 CET
    ]);
  });

  it("sends every five minutes across fall-back in Paris, each wall-clock time once", async () => {
    const clock = new TestClock(utc("2026-10-25T00:41:00Z"));
    const app = await open(database(), clock, [
      {
        name: "tick",
        definition: defineJob({
          schedule: "cron(0/5 * * * ? *)",
          timezone: "Europe/Paris",
          handler,
        }),
      },
    ]);
    await runUntil(app, clock, utc("2026-10-25T02:11:00Z"));
    // 02:45–02:55 CEST, then 03:00 CET: the repeated 02:00–02:55 (01:00–01:55Z) runs no more.
    expect(ids(await sent(app.engine, "tick"))).toEqual([
      "tick:default:2026-10-25T00:45:00Z",
      "tick:default:2026-10-25T00:50:00Z",
      "tick:default:2026-10-25T00:55:00Z",
      "tick:default:2026-10-25T02:00:00Z",
      "tick:default:2026-10-25T02:05:00Z",
      "tick:default:2026-10-25T02:10:00Z",
    ]);
  });

  it("sends a run and advances its schedule in one commit: a failed advance sends nothing", async () => {
    const path = database();
    const clock = new TestClock(utc("2026-01-10T10:02:00Z"));
    const jobs: Jobs = [
      { name: "report", definition: defineJob({ schedule: "cron(0/5 * * * ? *)", handler }) },
    ];
    let app = await open(path, clock, jobs);
    await app.close();
    // Another connection makes the schedule's advance fail, as a process killed between the
    // send and the advance would leave it: the send must be undone with it.
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER no_advance BEFORE UPDATE ON schedules BEGIN SELECT RAISE(ABORT, 'killed'); END;",
    );
    other.close();
    app = await open(path, clock, jobs);
    await runUntil(app, clock, utc("2026-01-10T10:07:30Z"));
    expect(await sent(app.engine, "report")).toEqual([]);
    expect((await app.engine.schedules.list())[0]?.NextDueAt).toBe(utc("2026-01-10T10:05:00Z"));
    await app.close();
    // Restarted with the advance possible again: the run missed is sent at start, once.
    const fixed = new Database(path);
    fixed.exec("DROP TRIGGER no_advance");
    fixed.close();
    app = await open(path, clock, jobs);
    expect(ids(await sent(app.engine, "report"))).toEqual(["report:default:2026-01-10T10:05:00Z"]);
    // A second fire of the same due time (a process that did not see the first commit) sends
    // nothing: the row has moved on.
    const again = await app.engine.schedules.fire({
      JobName: "report",
      ScheduleName: "default",
      DueAt: utc("2026-01-10T10:05:00Z"),
      NextDueAt: utc("2026-01-10T10:10:00Z"),
      Send: { JobId: "report:default:2026-01-10T10:05:00Z", MessageBody: "{}" },
    });
    expect(again).toEqual({ Advanced: false });
    await runUntil(app, clock, utc("2026-01-10T10:10:30Z"));
    expect(ids(await sent(app.engine, "report"))).toEqual([
      "report:default:2026-01-10T10:05:00Z",
      "report:default:2026-01-10T10:10:00Z",
    ]);
  });

  it("catches up a run missed while down once, or skips it, per schedule, with its payload", async () => {
    const path = database();
    const clock = new TestClock(utc("2026-01-10T05:30:00Z"));
    const jobs: Jobs = [
      {
        name: "digest",
        definition: defineJob({
          schedule: [
            {
              name: "hourly",
              expression: "rate(1 hour)",
              start: "2026-01-10T00:00:00Z",
              payload: { kind: "hourly" },
            },
            {
              name: "daily",
              expression: "cron(0 6 * * ? *)",
              payload: { kind: "daily" },
              catchUp: "skip",
            },
          ],
          handler,
        }),
      },
    ];
    let app = await open(path, clock, jobs);
    await runUntil(app, clock, utc("2026-01-10T05:40:00Z"));
    expect(await sent(app.engine, "digest")).toEqual([]);
    await app.close();
    // Down from 05:40 to 09:10: hourly missed 06:00–09:00, daily missed 06:00.
    clock.set(utc("2026-01-10T09:10:00Z"));
    app = await open(path, clock, jobs);
    expect(await sent(app.engine, "digest")).toEqual([
      { jobId: "digest:hourly:2026-01-10T06:00:00Z", payload: { kind: "hourly" } },
    ]);
    const rows = await app.engine.schedules.list();
    expect(rows.map((r) => [r.ScheduleName, r.NextDueAt, r.LastSkippedAt])).toEqual([
      ["daily", utc("2026-01-11T06:00:00Z"), utc("2026-01-10T09:10:00Z")],
      ["hourly", utc("2026-01-10T10:00:00Z"), null],
    ]);
    await runUntil(app, clock, utc("2026-01-11T06:00:00Z"), 10 * MINUTE);
    const all = await sent(app.engine, "digest");
    expect(all.filter((m) => (m.payload as { kind: string }).kind === "daily")).toEqual([
      { jobId: "digest:daily:2026-01-11T06:00:00Z", payload: { kind: "daily" } },
    ]);
    // Hourly: the caught-up run, then 10:00 to 06:00 the next day on its grid.
    expect(all.filter((m) => (m.payload as { kind: string }).kind === "hourly")).toHaveLength(
      1 + 21,
    );
  });

  it("runs only between start and end", async () => {
    const clock = new TestClock(utc("2026-01-10T10:00:00Z"));
    const app = await open(database(), clock, [
      {
        name: "bounded",
        definition: defineJob({
          schedule: {
            expression: "rate(10 minutes)",
            start: "2026-01-10T10:20:00Z",
            end: "2026-01-10T10:45:00Z",
          },
          handler,
        }),
      },
    ]);
    await runUntil(app, clock, utc("2026-01-10T12:00:00Z"));
    expect(ids(await sent(app.engine, "bounded"))).toEqual([
      "bounded:default:2026-01-10T10:20:00Z",
      "bounded:default:2026-01-10T10:30:00Z",
      "bounded:default:2026-01-10T10:40:00Z",
    ]);
    expect((await app.engine.schedules.list())[0]?.NextDueAt).toBeNull();
  });

  it("recomputes a changed schedule's next due time and drops a removed one's row", async () => {
    const path = database();
    const clock = new TestClock(utc("2026-01-10T10:10:00Z"));
    const two = defineJob({
      schedule: [
        { name: "a", expression: "cron(0 * * * ? *)" },
        { name: "b", expression: "cron(15 * * * ? *)" },
      ],
      handler,
    });
    let app = await open(path, clock, [{ name: "sync", definition: two }]);
    expect((await app.engine.schedules.list()).map((r) => [r.ScheduleName, r.NextDueAt])).toEqual([
      ["a", utc("2026-01-10T11:00:00Z")],
      ["b", utc("2026-01-10T10:15:00Z")],
    ]);
    await app.close();
    const changed = defineJob({
      schedule: [{ name: "a", expression: "cron(30 * * * ? *)" }],
      handler,
    });
    app = await open(path, clock, [{ name: "sync", definition: changed }]);
    expect((await app.engine.schedules.list()).map((r) => [r.ScheduleName, r.NextDueAt])).toEqual([
      ["a", utc("2026-01-10T10:30:00Z")],
    ]);
  });
});
