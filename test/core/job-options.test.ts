import { describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import { InvalidJobOptionsError, resolveJobOptions } from "../../src/core/job-options.js";

const handler = async () => {};

function problemsOf(options: Record<string, unknown>, base = true): ReadonlyArray<string> {
  try {
    resolveJobOptions(base ? { handler, ...options } : options);
  } catch (e) {
    if (e instanceof InvalidJobOptionsError) return e.problems;
    throw e;
  }
  throw new Error("expected InvalidJobOptionsError");
}

/** The single problem of these options. */
function problemOf(options: Record<string, unknown>): string {
  const problems = problemsOf(options);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

function resolve(options: Record<string, unknown>) {
  return resolveJobOptions({ handler, ...options });
}

describe("resolveJobOptions defaults", () => {
  it("applies every default", () => {
    const { resolved, warnings } = resolve({});
    expect(resolved).toEqual({
      timeoutMs: 15_000,
      maxAttempts: 5,
      retryDelayMs: 90_000,
      backoff: undefined,
      batchSize: 5,
      maxBatchingWindowMs: 0,
      concurrency: 5,
      delayMs: 0,
      alarm: { kind: "oldestMessageAge", seconds: 900 },
      schedules: [],
      runtime: "lambda",
      idempotencyWindowMs: 86_400_000,
      idempotency: undefined,
      container: undefined,
    });
    expect(warnings).toEqual([]);
  });

  it("defaults retryDelay to 6 × timeout", () => {
    expect(resolve({ timeout: "2m" }).resolved.retryDelayMs).toBe(720_000);
    expect(resolve({ timeout: "15m" }).resolved.retryDelayMs).toBe(5_400_000);
  });

  it("counts the batching window in retryDelay: a message can wait the window, then run the timeout", () => {
    // Default: 6 × timeout + window, as AWS advises for an SQS event source.
    const { resolved, warnings } = resolve({
      timeout: "1s",
      batchSize: 100,
      maxBatchingWindow: "10s",
    });
    expect(resolved.retryDelayMs).toBe(16_000);
    expect(warnings).toEqual([]);
    expect(
      problemOf({ timeout: "1s", retryDelay: "6s", batchSize: 50, maxBatchingWindow: "6s" }),
    ).toBe(
      "retryDelay 6s is shorter than timeout 1s + maxBatchingWindow 6s (7s): a message held for the batching window would become visible while its batch still runs",
    );
    expect(
      resolve({ timeout: "1s", retryDelay: "7s", batchSize: 50, maxBatchingWindow: "6s" }).warnings,
    ).toEqual([
      "retryDelay 7s is below 6 × timeout 1s + maxBatchingWindow 6s (12s): AWS advises a visibility timeout of at least six times the function timeout plus the batching window, so Lambda can retry a throttled batch before its messages become visible again",
    ]);
  });

  it("treats an option set to undefined as not given", () => {
    expect(resolve({ timeout: undefined, batchSize: undefined }).resolved.timeoutMs).toBe(15_000);
  });

  it("returns a deeply frozen object", () => {
    const { resolved } = resolve({ backoff: { initialDelay: "1s" } });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.alarm)).toBe(true);
    expect(Object.isFrozen(resolved.backoff)).toBe(true);
  });

  it("defaults backoff's maxDelay to 12h and jitter to full", () => {
    expect(resolve({ backoff: { initialDelay: "2s" } }).resolved.backoff).toEqual({
      initialDelayMs: 2_000,
      maxDelayMs: 43_200_000,
      jitter: "full",
    });
  });

  it("resolves every option given", () => {
    const { resolved, warnings } = resolve({
      timeout: "1m",
      maxAttempts: 1000,
      retryDelay: "12h",
      backoff: { initialDelay: "5s", maxDelay: "10m", jitter: "none" },
      batchSize: 10_000,
      maxBatchingWindow: "5m",
      concurrency: 1000,
      delay: "15m",
      alarm: { messages: 3 },
      schedule: "rate(5 minutes)",
      runtime: "container",
      idempotencyWindow: "2h",
    });
    expect(resolved).toEqual({
      timeoutMs: 60_000,
      maxAttempts: 1000,
      retryDelayMs: 43_200_000,
      backoff: { initialDelayMs: 5_000, maxDelayMs: 600_000, jitter: "none" },
      batchSize: 10_000,
      maxBatchingWindowMs: 300_000,
      concurrency: 1000,
      delayMs: 900_000,
      alarm: { kind: "messages", count: 3 },
      schedules: [
        expect.objectContaining({
          name: "default",
          expression: "rate(5 minutes)",
          timezone: "UTC",
          payload: {},
          catchUp: "once",
        }),
      ],
      runtime: "container",
      idempotencyWindowMs: 7_200_000,
      // A container job gets the container defaults without a `container` option.
      container: {
        cpu: 512,
        memoryMiB: 1024,
        minTasks: 0,
        maxTasks: 10,
        expectedDurationMs: 60_000,
        acceptableLatencyMs: 60_000,
        targetBacklogPerTask: 1000,
        stopTimeoutMs: 120_000,
        heartbeat: true,
      },
    });
    // The runtime sends scheduled jobs: no warning that the schedule will not run.
    expect(warnings).toEqual([]);
  });

  it("accepts the lower limits", () => {
    const { resolved } = resolve({
      timeout: "1s",
      maxAttempts: 1,
      retryDelay: "6s",
      batchSize: 1,
      concurrency: 2,
      alarm: { oldestMessageAge: "60s" },
      backoff: { initialDelay: "1s", maxDelay: "1s" },
    });
    expect(resolved).toMatchObject({
      timeoutMs: 1_000,
      maxAttempts: 1,
      retryDelayMs: 6_000,
      batchSize: 1,
      concurrency: 2,
      alarm: { kind: "oldestMessageAge", seconds: 60 },
      backoff: { initialDelayMs: 1_000, maxDelayMs: 1_000 },
    });
  });

  it("accepts a handler or a batchHandler", () => {
    expect(resolveJobOptions({ handler }).resolved.batchSize).toBe(5);
    expect(resolveJobOptions({ batchHandler: async () => [] }).resolved.batchSize).toBe(5);
  });

  it("accepts a Standard Schema, object or function", () => {
    const validate = (value: unknown) => ({ value });
    expect(() =>
      resolve({ schema: { "~standard": { version: 1, vendor: "x", validate } } }),
    ).not.toThrow();
    const fnSchema = Object.assign(() => {}, {
      "~standard": { version: 1, vendor: "x", validate },
    });
    expect(() => resolve({ schema: fnSchema })).not.toThrow();
  });
});

describe("resolveJobOptions warnings", () => {
  it("warns when retryDelay is below 6 × timeout", () => {
    const { resolved, warnings } = resolve({ retryDelay: "30s" });
    expect(resolved.retryDelayMs).toBe(30_000);
    expect(warnings).toEqual([
      "retryDelay 30s is below 6 × timeout 15s (90s): AWS advises a visibility timeout of at least six times the function timeout, so Lambda can retry a throttled batch before its messages become visible again",
    ]);
  });

  it("warns at retryDelay equal to timeout, not at 6 × timeout", () => {
    expect(resolve({ timeout: "10s", retryDelay: "10s" }).warnings).toHaveLength(1);
    expect(resolve({ timeout: "10s", retryDelay: "60s" }).warnings).toEqual([]);
    expect(resolve({ timeout: "10s", retryDelay: "59s" }).warnings[0]).toMatch(
      /^retryDelay 59s is below 6 × timeout 10s \(1m\): AWS advises/,
    );
  });
});

describe("resolveJobOptions errors", () => {
  it("throws an OffloadError with code InvalidJobOptions listing every problem, one per line", () => {
    let error: unknown;
    try {
      resolveJobOptions({ handler, batchSize: 20, maxAttempts: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OffloadError);
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    const e = error as InvalidJobOptionsError;
    expect(e.code).toBe("InvalidJobOptions");
    expect(e.name).toBe("InvalidJobOptionsError");
    expect(e.message).toBe(
      [
        "Invalid job options (2 problems):",
        "- maxAttempts 0 is not an integer from 1 to 1000 (SQS's maxReceiveCount)",
        "- batchSize 20 is above 10: without maxBatchingWindow a batch holds 1 to 10 messages",
      ].join("\n"),
    );
    expect(() => resolveJobOptions({ handler, maxAttempts: 0 })).toThrow(
      /^Invalid job options \(1 problem\):\n- maxAttempts 0/,
    );
  });

  it("rejects options that are not an object", () => {
    for (const value of [null, "x", [], 5]) {
      expect(() => resolveJobOptions(value)).toThrow(
        /^Invalid job options \(1 problem\):\n- job options .* are not an object: write defineJob\(\{ handler: async \(payload, ctx\) => \{\} \}\)$/,
      );
    }
  });

  describe("handler", () => {
    it("requires one of handler and batchHandler", () => {
      expect(problemsOf({}, false)).toEqual([
        "handler is missing: give handler(payload, ctx) or batchHandler(jobs, ctx)",
      ]);
    });
    it("rejects both", () => {
      expect(problemOf({ batchHandler: handler })).toBe(
        "handler and batchHandler are both given: give exactly one",
      );
    });
    it("must be a function", () => {
      expect(problemsOf({ handler: "run" }, false)).toEqual(['handler "run" is not a function']);
      expect(problemsOf({ batchHandler: 5 }, false)).toEqual(["batchHandler 5 is not a function"]);
    });
  });

  it("rejects a schema that is not a Standard Schema", () => {
    const message = (v: string) =>
      `schema ${v} is not a Standard Schema v1 (standardschema.dev; zod 4, valibot and arktype schemas are)`;
    expect(problemOf({ schema: { parse: 1 } })).toBe(message('{"parse":1}'));
    expect(problemOf({ schema: { "~standard": { version: 2, validate: () => ({}) } } })).toBe(
      message('{"~standard":{"version":2}}'),
    );
    expect(problemOf({ schema: null })).toBe(message("null"));
  });

  describe("unknown keys", () => {
    const known =
      "the options are schema, handler, batchHandler, timeout, maxAttempts, retryDelay, backoff, batchSize, maxBatchingWindow, concurrency, delay, alarm, schedule, timezone, runtime, idempotencyWindow, idempotency, container";
    it("names the key, suggests the nearest and lists the known ones", () => {
      expect(problemOf({ maxAttempt: 3 })).toBe(
        `unknown option maxAttempt (did you mean maxAttempts?): ${known}`,
      );
      expect(problemOf({ Timeout: "5s" })).toBe(
        `unknown option Timeout (did you mean timeout?): ${known}`,
      );
      expect(problemOf({ queueName: "x" })).toBe(`unknown option queueName: ${known}`);
    });
    it("in backoff and alarm", () => {
      expect(problemOf({ backoff: { initialDelay: "1s", jiter: "none" } })).toBe(
        "unknown option backoff.jiter (did you mean jitter?): backoff's options are initialDelay, maxDelay, jitter",
      );
      expect(problemOf({ alarm: { messages: 1, period: "1m" } })).toBe(
        "unknown option alarm.period: alarm's options are oldestMessageAge, messages",
      );
    });
  });

  describe("timeout", () => {
    const why = "Lambda timeouts are whole seconds from 1 to 900";
    it.each([
      ["0s", `timeout 0s is below 1s: ${why}`],
      ["500ms", `timeout 500ms is below 1s: ${why}`],
      ["1500ms", `timeout 1500ms is not a whole number of seconds: ${why}`],
      [
        "16m",
        `timeout 16m is above 15m: Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to 12h)`,
      ],
      [
        "901s",
        `timeout 901s is above 15m: Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to 12h)`,
      ],
    ])("%s", (timeout, message) => {
      expect(problemOf({ timeout })).toBe(message);
    });
    it("lets a container job run up to 12h, its retryDelay defaulting within SQS's 12 hours", () => {
      const { resolved, warnings } = resolve({ runtime: "container", timeout: "2h" });
      expect(resolved.timeoutMs).toBe(7_200_000);
      expect(resolved.retryDelayMs).toBe(43_200_000);
      expect(warnings).toEqual([]);
      expect(resolve({ runtime: "container", timeout: "12h" }).resolved.timeoutMs).toBe(43_200_000);
      expect(resolve({ runtime: "container", timeout: "1m" }).resolved.retryDelayMs).toBe(360_000);
    });
    it("refuses a container job's timeout above 12h", () => {
      expect(problemOf({ runtime: "container", timeout: "13h" })).toBe(
        "timeout 13h is above 12h: a container job runs at most 12 hours: SQS hides a received message at most 12 hours from its receive",
      );
      expect(problemOf({ runtime: "container", timeout: "1500ms" })).toBe(
        "timeout 1500ms is not a whole number of seconds: timeouts are whole seconds",
      );
    });
    it("lets a container job's retryDelay be shorter than its timeout (the worker's heartbeat covers it)", () => {
      const { resolved, warnings } = resolve({
        runtime: "container",
        timeout: "2h",
        retryDelay: "5m",
      });
      expect(resolved.retryDelayMs).toBe(300_000);
      expect(warnings).toEqual([]);
    });
    it("refuses a container job's retryDelay below 10s, which a late heartbeat could outrun", () => {
      expect(problemOf({ runtime: "container", timeout: "2h", retryDelay: "0s" })).toBe(
        "retryDelay 0s is below 10s: a container job's retryDelay is its queue's visibility timeout, which its worker renews each time half of it has passed while the job runs; shorter, one late renewal lets the message be received again while the job still runs",
      );
      expect(resolve({ runtime: "container", timeout: "1s" }).resolved.retryDelayMs).toBe(10_000);
    });
    it("holds a container job without the heartbeat to retryDelay ≥ timeout", () => {
      expect(
        problemOf({
          runtime: "container",
          timeout: "2h",
          retryDelay: "5m",
          container: { heartbeat: false },
        }),
      ).toBe(
        "retryDelay 5m is shorter than timeout 2h: a message would become visible while still running",
      );
    });
    it("reports a number with the hint to write a unit", () => {
      expect(problemOf({ timeout: 15 })).toBe(
        'timeout 15 is a number, not a duration: write a number and a unit, e.g. "15s" (units: ms, s, m, h, d)',
      );
    });
    it("accepts 15m", () => {
      expect(resolve({ timeout: "900s" }).resolved.timeoutMs).toBe(900_000);
    });
  });

  describe("retryDelay", () => {
    it("must be at least timeout", () => {
      expect(problemOf({ retryDelay: "10s" })).toBe(
        "retryDelay 10s is shorter than timeout 15s: a message would become visible while still running",
      );
      expect(problemOf({ timeout: "1m", retryDelay: "59s" })).toBe(
        "retryDelay 59s is shorter than timeout 1m: a message would become visible while still running",
      );
    });
    it("is at most 12h", () => {
      expect(problemOf({ retryDelay: "43201s" })).toBe(
        "retryDelay 43201s is above 12h: SQS's maximum visibility timeout is 12 hours",
      );
    });
    it("is whole seconds", () => {
      expect(problemOf({ retryDelay: "90.5s" })).toBe(
        "retryDelay 90.5s is not a whole number of seconds: SQS visibility timeouts are whole seconds",
      );
    });
    it("is a duration", () => {
      expect(problemOf({ retryDelay: "soon" })).toMatch(/^retryDelay "soon" is not a duration: /);
    });
    it("is checked alone when timeout is invalid", () => {
      expect(problemsOf({ timeout: "1h", retryDelay: "13h" })).toEqual([
        `timeout 1h is above 15m: Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to 12h)`,
        "retryDelay 13h is above 12h: SQS's maximum visibility timeout is 12 hours",
      ]);
      expect(problemsOf({ timeout: "x" })).toHaveLength(1);
    });
  });

  it.each([0, 1001, 2.5, "5", null])("maxAttempts %j", (maxAttempts) => {
    expect(problemOf({ maxAttempts })).toBe(
      `maxAttempts ${JSON.stringify(maxAttempts)} is not an integer from 1 to 1000 (SQS's maxReceiveCount)`,
    );
  });

  describe("batchSize", () => {
    it("is 1 to 10 without a batching window", () => {
      expect(problemOf({ batchSize: 20 })).toBe(
        "batchSize 20 is above 10: without maxBatchingWindow a batch holds 1 to 10 messages",
      );
      expect(problemOf({ batchSize: 11, maxBatchingWindow: "0s" })).toBe(
        "batchSize 11 is above 10: without maxBatchingWindow a batch holds 1 to 10 messages",
      );
      expect(resolve({ batchSize: 10 }).resolved.batchSize).toBe(10);
    });
    it("is up to 10,000 with a batching window", () => {
      expect(resolve({ batchSize: 20, maxBatchingWindow: "1s" }).resolved.batchSize).toBe(20);
      expect(problemOf({ batchSize: 10_001, maxBatchingWindow: "1s" })).toBe(
        "batchSize 10001 is above 10000: with maxBatchingWindow a batch holds 1 to 10,000 messages",
      );
    });
    it.each([0, -1, 1.5, "5"])("%j is not an integer of at least 1", (batchSize) => {
      expect(problemOf({ batchSize })).toBe(
        `batchSize ${JSON.stringify(batchSize)} is not an integer of at least 1`,
      );
    });
    it("does not pile on when the window is invalid", () => {
      expect(problemsOf({ batchSize: 20, maxBatchingWindow: "10m" })).toEqual([
        "maxBatchingWindow 10m is above 5m: Lambda's maximum batching window is 300 seconds",
      ]);
    });
  });

  it("maxBatchingWindow is whole seconds", () => {
    expect(problemOf({ maxBatchingWindow: "500ms" })).toBe(
      "maxBatchingWindow 500ms is not a whole number of seconds: Lambda's batching window is whole seconds from 0 to 300",
    );
    expect(problemOf({ maxBatchingWindow: "301s" })).toBe(
      "maxBatchingWindow 301s is above 5m: Lambda's maximum batching window is 300 seconds",
    );
  });

  it.each([1, 0, 1001, 2.5, "5"])("concurrency %j", (concurrency) => {
    expect(problemOf({ concurrency })).toBe(
      `concurrency ${JSON.stringify(concurrency)} is not an integer from 2 to 1000: the range of a Lambda SQS event source's maximum concurrency`,
    );
  });

  it("delay", () => {
    expect(problemOf({ delay: "901s" })).toBe(
      "delay 901s is above 15m: SQS delays a message at most 900 seconds (DelaySeconds); pass a longer delay to send() instead",
    );
    expect(problemOf({ delay: "1.5s" })).toBe(
      "delay 1.5s is not a whole number of seconds: SQS delays are whole seconds from 0 to 900",
    );
    expect(problemOf({ delay: "-1s" })).toBe('delay "-1s" is negative: a duration is 0 or more');
  });

  describe("backoff", () => {
    it("is an object", () => {
      expect(problemOf({ backoff: "1s" })).toBe(
        'backoff "1s" is not an object: write e.g. { initialDelay: "1s" }',
      );
    });
    it("requires initialDelay", () => {
      expect(problemOf({ backoff: {} })).toBe(
        'backoff.initialDelay is missing: the delay after the first failure, e.g. "1s"',
      );
    });
    it("initialDelay is whole seconds from 1s to 12h", () => {
      expect(problemOf({ backoff: { initialDelay: "500ms" } })).toBe(
        "backoff.initialDelay 500ms is below 1s: a backoff starts at 1 second or more (visibility timeouts are whole seconds)",
      );
      expect(problemOf({ backoff: { initialDelay: "1500ms" } })).toBe(
        "backoff.initialDelay 1500ms is not a whole number of seconds: SQS visibility timeouts are whole seconds",
      );
      expect(problemOf({ backoff: { initialDelay: "13h" } })).toBe(
        "backoff.initialDelay 13h is above 12h: SQS's maximum visibility timeout is 12 hours",
      );
      expect(problemOf({ backoff: { initialDelay: 1 } })).toMatch(
        /^backoff.initialDelay 1 is a number, not a duration/,
      );
    });
    it("maxDelay is whole seconds from initialDelay to 12h", () => {
      expect(problemOf({ backoff: { initialDelay: "10s", maxDelay: "5s" } })).toBe(
        "backoff.maxDelay 5s is shorter than backoff.initialDelay 10s: the longest delay cannot be shorter than the first",
      );
      expect(problemOf({ backoff: { initialDelay: "10s", maxDelay: "1d" } })).toBe(
        "backoff.maxDelay 1d is above 12h: SQS's maximum visibility timeout is 12 hours",
      );
      expect(problemOf({ backoff: { initialDelay: "10s", maxDelay: "10.5s" } })).toBe(
        "backoff.maxDelay 10.5s is not a whole number of seconds: SQS visibility timeouts are whole seconds",
      );
    });
    it("jitter is full or none", () => {
      expect(problemOf({ backoff: { initialDelay: "1s", jitter: "half" } })).toBe(
        'backoff.jitter "half" is not "full" or "none"',
      );
    });
  });

  describe("alarm", () => {
    it("is an object with exactly one of oldestMessageAge and messages", () => {
      expect(problemOf({ alarm: "15m" })).toBe(
        'alarm "15m" is not an object: write { oldestMessageAge: "15m" } or { messages: 1 }',
      );
      expect(problemOf({ alarm: null })).toBe(
        'alarm null is not an object: write { oldestMessageAge: "15m" } or { messages: 1 }',
      );
      expect(problemOf({ alarm: {} })).toBe(
        'alarm {} has neither oldestMessageAge nor messages: write { oldestMessageAge: "15m" } or { messages: 1 }',
      );
      expect(problemOf({ alarm: { oldestMessageAge: "1h", messages: 2 } })).toBe(
        'alarm {"oldestMessageAge":"1h","messages":2} has both oldestMessageAge and messages: give exactly one',
      );
    });
    it("oldestMessageAge is whole seconds from 1m to 14d", () => {
      expect(problemOf({ alarm: { oldestMessageAge: "59s" } })).toBe(
        "alarm.oldestMessageAge 59s is below 1m: CloudWatch evaluates the DLQ's metrics once a minute (a 60-second period)",
      );
      expect(problemOf({ alarm: { oldestMessageAge: "90500ms" } })).toBe(
        "alarm.oldestMessageAge 90500ms is not a whole number of seconds: CloudWatch measures a message's age in seconds",
      );
      expect(problemOf({ alarm: { oldestMessageAge: "15d" } })).toBe(
        "alarm.oldestMessageAge 15d is above 14d: the DLQ keeps a message at most 14 days, so the alarm could never fire",
      );
      expect(resolve({ alarm: { oldestMessageAge: "14d" } }).resolved.alarm).toEqual({
        kind: "oldestMessageAge",
        seconds: 1_209_600,
      });
    });
    it.each([0, 1.5, "1"])("messages %j is an integer of at least 1", (messages) => {
      expect(problemOf({ alarm: { messages } })).toBe(
        `alarm.messages ${JSON.stringify(messages)} is not an integer of at least 1`,
      );
    });
  });

  describe("schedule", () => {
    it("is validated as EventBridge syntax", () => {
      expect(problemOf({ schedule: "rate(5 minute)" })).toBe(
        'schedule "rate(5 minute)": the unit must be plural when the value is not 1: write "rate(5 minutes)"',
      );
      expect(resolve({ schedule: "cron(0 12 * * ? *)" }).resolved.schedules[0]?.expression).toBe(
        "cron(0 12 * * ? *)",
      );
    });
    it("is a string or an object", () => {
      expect(problemOf({ schedule: 5 })).toBe(
        'schedule 5 is not a string or an object: write e.g. "rate(5 minutes)" or { expression: "cron(0 9 * * ? *)", name: "morning" }',
      );
    });
  });

  it("idempotency: an object with a ttl from 1s to 14d, at least the timeout, and a key function", () => {
    const key = (p: { order: string }) => p.order;
    expect(resolve({ idempotency: { ttl: "1h" } }).resolved.idempotency).toEqual({
      key: undefined,
      ttlMs: 3_600_000,
    });
    expect(resolve({ idempotency: { key, ttl: "14d" } }).resolved.idempotency?.key).toBe(key);
    expect(problemOf({ idempotency: true })).toBe(
      'idempotency true is not an object: write e.g. { ttl: "1h" } or { key: (payload) => payload.orderId, ttl: "1h" }',
    );
    expect(problemOf({ idempotency: {} })).toBe(
      'idempotency.ttl is missing: how long a result answers for its key, from 1s to 14d, e.g. "1h"',
    );
    expect(problemOf({ idempotency: { ttl: "15d" } })).toBe(
      "idempotency.ttl 15d is not from 1s to 14d: how long a result answers for its key, at most as long as a duplicate can come (a DLQ keeps a message 14 days)",
    );
    expect(problemOf({ timeout: "30s", idempotency: { ttl: "10s" } })).toBe(
      "idempotency.ttl 10s is shorter than timeout 30s: a result must answer at least as long as an attempt may run, or a duplicate waiting on it would run again",
    );
    expect(problemOf({ idempotency: { ttl: "1h", key: "orderId" } })).toBe(
      'idempotency.key "orderId" is not a function: write e.g. key: (payload) => payload.orderId (or leave it out: the job\'s id is the key)',
    );
    expect(problemOf({ idempotency: { ttl: "1h", keys: key } })).toBe(
      "unknown option idempotency.keys (did you mean key?): idempotency's options are key, ttl",
    );
    expect(problemOf({ idempotency: { ttl: "soon" } })).toMatch(
      /^idempotency\.ttl "soon" is not a duration/,
    );
  });

  it("idempotency is for handler jobs, not batchHandler", () => {
    expect(problemsOf({ batchHandler: handler, idempotency: { ttl: "1h" } }, false)).toEqual([
      "idempotency is given with batchHandler: it applies to handler jobs only (a batch handler returns no result per job to keep); make the batch handler's work idempotent itself, or use handler",
    ]);
  });

  it("runtime is lambda or container", () => {
    expect(problemOf({ runtime: "fargate" })).toBe(
      'runtime "fargate" is not "lambda" or "container"',
    );
  });

  it("lists every problem at once, in option order", () => {
    expect(problemsOf({ timeout: "20m", concurrency: 1, runtime: "ec2", maxAttemps: 2 })).toEqual([
      expect.stringMatching(/^unknown option maxAttemps \(did you mean maxAttempts\?\)/),
      `timeout 20m is above 15m: Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to 12h)`,
      expect.stringMatching(/^concurrency 1 is not an integer from 2 to 1000/),
      'runtime "ec2" is not "lambda" or "container"',
    ]);
  });
});
