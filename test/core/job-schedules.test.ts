import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob } from "../../src/core/define-job.js";
import { OffloadError } from "../../src/core/errors.js";
import { JOB_ID_PATTERN } from "../../src/core/job-id.js";
import { InvalidJobOptionsError, resolveJobOptions } from "../../src/core/job-options.js";
import { checkSchedulePayloads, scheduledJobId } from "../../src/core/job-schedules.js";
import type { StandardSchemaV1 } from "../../src/core/standard-schema.js";

const handler = async () => {};

function problemsOf(options: Record<string, unknown>): ReadonlyArray<string> {
  try {
    resolveJobOptions({ handler, ...options });
  } catch (e) {
    if (e instanceof InvalidJobOptionsError) return e.problems;
    throw e;
  }
  throw new Error("expected InvalidJobOptionsError");
}

describe("schedule options", () => {
  it("resolves a lone string as the schedule named default, in UTC, with {} as payload", () => {
    const { resolved } = resolveJobOptions({ handler, schedule: "rate(5 minutes)" });
    expect(resolved.schedules).toEqual([
      {
        name: "default",
        expression: "rate(5 minutes)",
        schedule: expect.objectContaining({ kind: "rate", intervalMs: 300_000 }),
        timezone: "UTC",
        payload: {},
        start: undefined,
        end: undefined,
        catchUp: "once",
      },
    ]);
    expect(Object.isFrozen(resolved.schedules[0])).toBe(true);
  });

  it("resolves several named schedules with the job's time zone, payloads, start and end", () => {
    const job = defineJob({
      schema: z.object({ kind: z.enum(["hourly", "daily"]) }),
      timezone: "Europe/Paris",
      schedule: [
        { name: "hourly", expression: "cron(0 * * * ? *)", payload: { kind: "hourly" } },
        {
          name: "daily",
          expression: "cron(30 2 * * ? *)",
          timezone: "America/New_York",
          payload: { kind: "daily" },
          start: "2026-03-01",
          end: new Date("2026-12-31T00:00:00Z"),
          catchUp: "skip",
        },
      ],
      handler,
    });
    const [hourly, daily] = job.options.schedules;
    expect(hourly).toMatchObject({
      name: "hourly",
      timezone: "Europe/Paris",
      payload: { kind: "hourly" },
    });
    expect(daily).toMatchObject({
      name: "daily",
      timezone: "America/New_York",
      payload: { kind: "daily" },
      start: Date.UTC(2026, 2, 1),
      end: Date.UTC(2026, 11, 31),
      catchUp: "skip",
    });
  });

  it("keeps a time zone by its canonical name, as Scheduler wants it", () => {
    const { resolved } = resolveJobOptions({
      handler,
      schedule: [
        { name: "a", expression: "cron(0 9 * * ? *)", timezone: "europe/paris" },
        { name: "b", expression: "cron(0 9 * * ? *)" },
      ],
      timezone: "utc",
    });
    expect(resolved.schedules.map((s) => s.timezone)).toEqual(["Europe/Paris", "UTC"]);
  });

  it("refuses a time zone that is not IANA, naming the option", () => {
    expect(problemsOf({ schedule: "rate(1 hour)", timezone: "Paris" })).toEqual([
      'timezone "Paris" is not an IANA time zone: write e.g. "UTC", "Europe/Paris" or "America/New_York"',
    ]);
    expect(
      problemsOf({ schedule: { expression: "cron(0 9 * * ? *)", timezone: "CEST+2" } }),
    ).toEqual([
      'schedule.timezone "CEST+2" is not an IANA time zone: write e.g. "UTC", "Europe/Paris" or "America/New_York"',
    ]);
  });

  it("refuses a payload that does not match the job's schema, naming the schedule and field", () => {
    const problems = (() => {
      try {
        defineJob({
          schema: z.object({ email: z.string() }),
          schedule: [
            { name: "ok", expression: "rate(1 day)", payload: { email: "a@b.c" } },
            // @ts-expect-error the payload's type comes from the schema
            { name: "nightly", expression: "cron(0 3 * * ? *)", payload: { mail: "a@b.c" } },
          ],
          handler,
        });
      } catch (e) {
        if (e instanceof InvalidJobOptionsError) return e.problems;
      }
      return [];
    })();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^schedule\[1\] "nightly": its payload \{"mail":"a@b.c"\} does not match the job's schema: email: /,
    );
  });

  it("checks the default {} payload too: a job whose schema needs fields must give a payload", () => {
    const [problem] = problemsOf({
      schema: z.object({ email: z.string() }),
      schedule: "rate(1 day)",
    });
    expect(problem).toMatch(
      /^schedule "default": its payload \{\} does not match the job's schema: email: /,
    );
  });

  it("refuses duplicate, missing and malformed names", () => {
    expect(
      problemsOf({
        schedule: [
          { name: "a", expression: "rate(1 day)" },
          { name: "a", expression: "rate(2 days)" },
        ],
      }),
    ).toEqual([
      'schedule[1] has the name "a" of an earlier schedule: each schedule of a job needs its own name',
    ]);
    expect(problemsOf({ schedule: ["rate(1 day)", "rate(2 days)"] })).toEqual([
      'schedule[0] "rate(1 day)" has no name: when a job has several schedules each needs one, e.g. { expression: "rate(1 day)", name: "hourly" }',
      'schedule[1] "rate(2 days)" has no name: when a job has several schedules each needs one, e.g. { expression: "rate(2 days)", name: "hourly" }',
    ]);
    expect(problemsOf({ schedule: { expression: "rate(1 day)", name: "a b" } })).toEqual([
      'schedule.name "a b" is not 1 to 32 of letters, digits, "_", "." and "-"',
    ]);
  });

  it("refuses bad dates, end before start, unknown catchUp and unknown keys", () => {
    expect(
      problemsOf({
        schedule: {
          expression: "rate(1 day)",
          start: "2026-03-01T00:00:00Z",
          end: "2026-02-01",
          catchUp: "all",
          every: 3,
        },
      }),
    ).toEqual([
      "unknown option schedule.every: a schedule's options are expression, name, timezone, payload, start, end, catchUp",
      "schedule.end 2026-02-01T00:00:00.000Z is not after schedule.start 2026-03-01T00:00:00.000Z",
      'schedule.catchUp "all" is not "once" or "skip": what a run missed while the app was down does',
    ]);
    expect(
      problemsOf({ schedule: { expression: "rate(1 day)", start: "2026-03-01T09:00" } }),
    ).toEqual([
      'schedule.start "2026-03-01T09:00" is not a Date or an ISO 8601 date with its offset: write e.g. "2026-03-01T00:00:00Z" or "2026-03-01"',
    ]);
  });

  it("refuses a payload that JSON would not keep as it is, naming where", () => {
    const rule = "give numbers, strings, booleans, null, arrays and plain objects";
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [payload, problem] of [
      [10n, "schedule.payload bigint is no JSON value: JSON would leave it out or fail on it"],
      [{ n: Number.NaN }, "schedule.payload.n NaN is no JSON value: JSON would turn it into null"],
      [
        [1, Infinity],
        "schedule.payload[1] Infinity is no JSON value: JSON would turn it into null",
      ],
      [
        { m: new Map([[1, 2]]) },
        "schedule.payload.m a Map is no JSON value: JSON would not keep what it holds",
      ],
      [
        { when: new Date(0) },
        "schedule.payload.when a Date is no JSON value: JSON would not keep what it holds",
      ],
      [
        { u: undefined },
        "schedule.payload.u undefined is no JSON value: JSON would leave it out or fail on it",
      ],
      [cyclic, "schedule.payload.self (a cycle) is no JSON value: JSON would fail on it"],
    ] as const) {
      expect(problemsOf({ schedule: { expression: "rate(1 day)", payload } })).toEqual([
        `${problem}; ${rule}`,
      ]);
    }
    const payload = { a: [1, "b", null, { c: true }] };
    const { resolved } = resolveJobOptions({
      handler,
      schedule: { expression: "rate(1 day)", payload },
    });
    expect(resolved.schedules[0]?.payload).toEqual(payload);
  });

  it("leaves an async schema's check to checkSchedulePayloads, which names the job", async () => {
    const asyncSchema: StandardSchemaV1 = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: async (value) =>
          typeof value === "object" && value !== null && "n" in value
            ? { value }
            : { issues: [{ message: "n is required", path: ["n"] }] },
      },
    };
    const { resolved } = resolveJobOptions({
      handler,
      schema: asyncSchema,
      schedule: "rate(1 hour)",
    });
    const error = await checkSchedulePayloads("tick", resolved.schedules, asyncSchema).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OffloadError);
    expect((error as OffloadError).code).toBe("InvalidJobOptions");
    expect((error as OffloadError).message).toBe(
      'Job tick: schedule "default": its payload {} does not match the job\'s schema: n: n is required',
    );
  });
});

describe("scheduledJobId", () => {
  it("is deterministic from job, schedule and due time, and a valid job id", () => {
    const id = scheduledJobId("report", "default", Date.UTC(2026, 2, 29, 0, 30));
    expect(id).toBe("report:default:2026-03-29T00:30:00Z");
    expect(scheduledJobId("report", "default", Date.UTC(2026, 2, 29, 0, 30))).toBe(id);
    expect(scheduledJobId("report", "default", Date.UTC(2026, 2, 29, 0, 35))).not.toBe(id);
    const longest = scheduledJobId("a".repeat(63), "b".repeat(32), Date.UTC(2199, 11, 31, 23, 59));
    expect(longest).toMatch(JOB_ID_PATTERN);
  });
});
