import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineJob, isJobDefinition } from "../../src/core/define-job.js";
import { OffloadError } from "../../src/core/errors.js";
import { InvalidJobOptionsError } from "../../src/core/job-options.js";
import {
  type BatchItem,
  JOB_BRAND,
  type JobContext,
  type JobDefinition,
  type JobInput,
  type JobPayload,
} from "../../src/core/job-types.js";
import type { StandardSchemaV1 } from "../../src/core/standard-schema.js";
import { formatPath, validatePayload } from "../../src/core/validate-payload.js";

describe("defineJob", () => {
  it("returns a frozen, branded definition with resolved options", () => {
    const handler = async () => {};
    const job = defineJob({ handler, timeout: "30s" });
    expect(job[JOB_BRAND]).toBe(true);
    expect(Object.isFrozen(job)).toBe(true);
    expect(Object.isFrozen(job.options)).toBe(true);
    expect(Object.isFrozen(job.warnings)).toBe(true);
    expect(job.handler).toBe(handler);
    expect(job.batchHandler).toBeUndefined();
    expect(job.schema).toBeUndefined();
    expect(job.options.timeoutMs).toBe(30_000);
    expect(job.options.retryDelayMs).toBe(180_000);
    expect(job.warnings).toEqual([]);
    expect(() => {
      (job as { handler: unknown }).handler = undefined;
    }).toThrow(TypeError);
  });

  it("keeps a batch handler", () => {
    const batchHandler = async () => ["1"];
    const job = defineJob({ batchHandler });
    expect(job.batchHandler).toBe(batchHandler);
    expect(job.handler).toBeUndefined();
  });

  it("carries warnings", () => {
    const job = defineJob({ handler: () => {}, retryDelay: "20s" });
    expect(job.warnings).toHaveLength(1);
    expect(job.warnings[0]).toMatch(/^retryDelay 20s is below 6 × timeout 15s \(90s\)/);
  });

  it("throws InvalidJobOptions with every problem, one per line", () => {
    let error: unknown;
    try {
      defineJob({ handler: () => {}, timeout: "20m", batchSize: 20 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OffloadError);
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect((error as OffloadError).code).toBe("InvalidJobOptions");
    expect((error as OffloadError).message.split("\n")).toEqual([
      "Invalid job options (2 problems):",
      `- timeout 20m is above 15m: Lambda's maximum timeout is 900 seconds (runtime: "container" runs jobs up to 12h)`,
      "- batchSize 20 is above 10: without maxBatchingWindow a batch holds 1 to 10 messages",
    ]);
  });

  it("rejects a typo'd option even when the types are bypassed", () => {
    const options = { handler: () => {}, maxAttempt: 3 } as unknown as Parameters<
      typeof defineJob
    >[0];
    expect(() => defineJob(options)).toThrow(
      /unknown option maxAttempt \(did you mean maxAttempts\?\)/,
    );
  });
});

describe("isJobDefinition", () => {
  it("recognizes definitions by their registered brand", () => {
    expect(isJobDefinition(defineJob({ handler: () => {} }))).toBe(true);
    // A definition from another copy of the package carries the same Symbol.for brand.
    expect(isJobDefinition({ [Symbol.for("offload.job")]: true })).toBe(true);
  });

  it("rejects everything else", () => {
    for (const value of [
      null,
      undefined,
      {},
      { handler: () => {} },
      { [Symbol("offload.job")]: true },
      { [Symbol.for("offload.job")]: "yes" },
      () => {},
      "job",
    ]) {
      expect(isJobDefinition(value)).toBe(false);
    }
  });
});

describe("defineJob typing", () => {
  it("infers the payload from a zod 4 schema", () => {
    const job = defineJob({
      schema: z.object({ friendName: z.string(), times: z.coerce.number().default(1) }),
      handler: async (payload, ctx) => {
        expectTypeOf(payload.friendName).toEqualTypeOf<string>();
        expectTypeOf(payload.times).toEqualTypeOf<number>();
        expectTypeOf(ctx).toEqualTypeOf<JobContext>();
      },
    });
    expectTypeOf(job).toEqualTypeOf<
      JobDefinition<{ friendName: string; times: number }, { friendName: string; times?: unknown }>
    >();
    expectTypeOf<JobPayload<typeof job>>().toEqualTypeOf<{ friendName: string; times: number }>();
    expectTypeOf<JobInput<typeof job>>().toEqualTypeOf<{ friendName: string; times?: unknown }>();
  });

  it("infers the batch item payload from the schema", () => {
    defineJob({
      schema: z.object({ id: z.number() }),
      batchHandler: (jobs) => {
        expectTypeOf(jobs).toEqualTypeOf<ReadonlyArray<BatchItem<{ id: number }>>>();
        return jobs.filter((j) => j.payload.id < 0).map((j) => j.messageId);
      },
    });
  });

  it("gives unknown without a schema", () => {
    const job = defineJob({
      handler: (payload) => {
        expectTypeOf(payload).toEqualTypeOf<unknown>();
      },
    });
    expectTypeOf(job).toEqualTypeOf<JobDefinition<unknown, unknown>>();
  });

  it("rejects misuse at compile time", () => {
    // These are type errors; the runtime rejects them too.
    expect(() =>
      // @ts-expect-error: handler and batchHandler together
      defineJob({ handler: () => {}, batchHandler: () => {} }),
    ).toThrow(InvalidJobOptionsError);
    // @ts-expect-error: a duration must have a unit
    expect(() => defineJob({ handler: () => {}, timeout: 15 })).toThrow(/timeout 15 is a number/);
    expect(() =>
      defineJob({
        schema: z.object({ a: z.string() }),
        handler: (payload) => {
          // @ts-expect-error: not in the schema
          payload.b;
        },
        // @ts-expect-error: not an option
        retries: 3,
      }),
    ).toThrow(/unknown option retries/);
    expect(() =>
      defineJob({
        schema: z.object({ a: z.string() }),
        // @ts-expect-error: the key is computed from the schema's payload
        idempotency: { key: (payload) => payload.b, ttl: "1h" },
        handler: () => {},
      }),
    ).not.toThrow();
    expect(() =>
      // @ts-expect-error: idempotency is for handler jobs
      defineJob({ batchHandler: () => {}, idempotency: { ttl: "1h" } }),
    ).toThrow(/idempotency is given with batchHandler/);
    // @ts-expect-error: ttl is required
    expect(() => defineJob({ handler: () => {}, idempotency: {} })).toThrow(/ttl is missing/);
  });
});

describe("validatePayload", () => {
  const schema = z.object({
    friendName: z.string().min(1),
    address: z.object({ lines: z.array(z.string()) }),
  });

  it("returns the parsed value of a valid payload, typed by the schema", async () => {
    const result = await validatePayload(schema, {
      friendName: "Hank",
      address: { lines: ["1 Main St"] },
      extra: true,
    });
    expect(result).toEqual({
      ok: true,
      value: { friendName: "Hank", address: { lines: ["1 Main St"] } },
    });
    if (result.ok) expectTypeOf(result.value.friendName).toEqualTypeOf<string>();
  });

  it("returns the issues with their paths", async () => {
    const result = await validatePayload(schema, { friendName: "", address: { lines: ["ok", 7] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual(["friendName", "address.lines[1]"]);
    expect(result.issues[0]?.message).toMatch(/>=1 characters/);
    expect(result.issues[1]?.message).toMatch(/expected string, received number/);
  });

  it("reports a root issue with an empty path", async () => {
    expect(await validatePayload(schema, "nope")).toEqual({
      ok: false,
      issues: [{ path: "", message: "Invalid input: expected object, received string" }],
    });
  });

  it("handles async schemas", async () => {
    const slow = z.string().refine(async (s) => s.startsWith("ok"), "must start with ok");
    expect(await validatePayload(slow, "ok then")).toEqual({ ok: true, value: "ok then" });
    expect(await validatePayload(slow, "no")).toEqual({
      ok: false,
      issues: [{ path: "", message: "must start with ok" }],
    });
  });

  it("handles sync Standard Schemas with path segments", async () => {
    const custom: StandardSchemaV1<unknown, number> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value) =>
          typeof value === "number"
            ? { value }
            : { issues: [{ message: "bad", path: [{ key: "a" }, 0, { key: 2 }, "b"] }] },
      },
    };
    expect(await validatePayload(custom, 3)).toEqual({ ok: true, value: 3 });
    expect(await validatePayload(custom, "3")).toEqual({
      ok: false,
      issues: [{ path: "a[0][2].b", message: "bad" }],
    });
  });

  it("passes any payload without a schema", async () => {
    const payload = { any: "thing" };
    const result = await validatePayload(undefined, payload);
    expect(result).toEqual({ ok: true, value: payload });
  });

  it("validates end to end with a defined job's schema", async () => {
    const job = defineJob({ schema: z.object({ n: z.number().int() }), handler: () => {} });
    expect(await validatePayload(job.schema, { n: 2 })).toEqual({ ok: true, value: { n: 2 } });
    const bad = await validatePayload(job.schema, { n: 2.5 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues[0]?.path).toBe("n");
  });
});

describe("formatPath", () => {
  it.each([
    [undefined, ""],
    [[], ""],
    [["a"], "a"],
    [["a", "b", 0, "c"], "a.b[0].c"],
    [[0, "a"], "[0].a"],
    [["x-y", "$ok", "_1"], '["x-y"].$ok._1'],
    [["a", "1"], 'a["1"]'],
    [[Symbol("s")], "[Symbol(s)]"],
  ])("%j → %s", (path, expected) => {
    expect(formatPath(path as ReadonlyArray<PropertyKey> | undefined)).toBe(expected);
  });
});
