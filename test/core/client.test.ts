import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { createClient } from "../../src/core/client.js";
import { defineJob } from "../../src/core/define-job.js";
import type { Transport } from "../../src/core/transport.js";
import { createEngineTransport } from "../../src/runtime/index.js";
import { openTestEngine, type TestEngine } from "../support/engine.js";

const greeting = defineJob({
  schema: z.object({ friendName: z.string().min(1) }),
  handler: async () => {},
});
const placeOrder = defineJob({
  schema: z.object({ productId: z.string(), quantity: z.number().int().positive() }),
  handler: async () => {},
});
const jobs = { greeting, "place-order": placeOrder };

let te: TestEngine;
let transport: Transport;
beforeEach(async () => {
  te = openTestEngine();
  transport = await createEngineTransport(te.engine, [
    { name: "greeting", definition: greeting },
    { name: "place-order", definition: placeOrder },
  ]);
});
afterEach(() => te.close());

const queue = (name: string) => `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;

describe("createClient", () => {
  it("types payloads from the job schemas", () => {
    const offload = createClient({ transport, jobs });
    expectTypeOf(offload.send).parameter(0).toEqualTypeOf<"greeting" | "place-order">();
    expectTypeOf(offload.send<"greeting">)
      .parameter(1)
      .toEqualTypeOf<{ friendName: string }>();
  });

  it("sends a valid payload through the topic to its job's queue only", async () => {
    const offload = createClient({ transport, jobs });
    const id = await offload.send("greeting", { friendName: "Hank" }, { idempotencyKey: "k-1" });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(1);
    expect((await te.engine.queueStats(queue("place-order"))).visible).toBe(0);
    const { Messages = [] } = await te.engine.sqs.receiveMessage({
      QueueUrl: queue("greeting"),
      MessageAttributeNames: ["All"],
    });
    expect(JSON.parse(Messages[0]!.Body)).toEqual({ friendName: "Hank" });
    expect(Messages[0]?.MessageAttributes).toEqual({
      jobName: { DataType: "String", StringValue: "greeting" },
      jobId: { DataType: "String", StringValue: id },
      idempotencyKey: { DataType: "String", StringValue: "k-1" },
    });
  });

  it("sends with the caller's own jobId, and refuses one that breaks the rule or a batch's", async () => {
    const offload = createClient({ transport, jobs });
    expect(await offload.send("greeting", { friendName: "Hank" }, { jobId: "order-7.mail" })).toBe(
      "order-7.mail",
    );
    await expect(
      offload.send("greeting", { friendName: "Hank" }, { jobId: "x".repeat(129) }),
    ).rejects.toMatchObject({
      code: "InvalidJobId",
      message: expect.stringMatching(/^jobId must be 1 to 128 characters .*\(129 characters\)$/),
    });
    // A scheduled run's id (<job>:<schedule>:<time>) is the scheduler's: taken early, it would
    // keep the run from being sent.
    await expect(
      offload.send(
        "greeting",
        { friendName: "Hank" },
        { jobId: "greeting:default:2026-12-08T02:45:01Z" },
      ),
    ).rejects.toMatchObject({
      code: "InvalidJobId",
      message: expect.stringMatching(
        /shape of a scheduled run's id .* reserved for the scheduler$/,
      ),
    });
    expect(
      await offload.send("greeting", { friendName: "Hank" }, { jobId: "greeting:2026-12-08" }),
    ).toBe("greeting:2026-12-08");
    await expect(
      offload.sendBatch("greeting", [{ friendName: "A" }], { jobId: "one" }),
    ).rejects.toMatchObject({ code: "InvalidSendOptions", message: /sendBatch takes no jobId/ });
    await expect(
      offload.send("greeting", { friendName: "Hank" }, { idempotencyKey: "" }),
    ).rejects.toMatchObject({
      code: "InvalidSendOptions",
      message: /idempotencyKey must be a string of 1 to 256/,
    });
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(2);
  });

  it("refuses a payload that fails the schema, naming the field, and stores nothing", async () => {
    const offload = createClient({ transport, jobs });
    await expect(
      offload.send("place-order", { productId: "p1", quantity: 0 } as never),
    ).rejects.toMatchObject({
      code: "InvalidPayload",
      issues: [{ path: "quantity", message: expect.any(String) }],
      message: expect.stringMatching(
        /^The payload of place-order does not match its schema: quantity: /,
      ),
    });
    expect((await te.engine.queueStats(queue("place-order"))).visible).toBe(0);
  });

  it("refuses an unknown job, listing the known ones", async () => {
    const offload = createClient({ transport, jobs });
    await expect(offload.send("nope" as never, {} as never)).rejects.toMatchObject({
      code: "UnknownJob",
      message: 'There is no job "nope"; the jobs are: greeting, place-order',
    });
  });

  it("refuses a payload over 256 KiB", async () => {
    const offload = createClient({ transport, jobs });
    await expect(
      offload.send("greeting", { friendName: "x".repeat(262_144) }),
    ).rejects.toMatchObject({
      code: "PayloadTooLarge",
      message: expect.stringMatching(
        /is 262161 bytes as JSON, and 262229 with its message attributes; the limit is 262144/,
      ),
    });
  });

  it("delays delivery, up to 365 days", async () => {
    const offload = createClient({ transport, jobs });
    await offload.send("greeting", { friendName: "Later" }, { delay: "2m" });
    expect((await te.engine.queueStats(queue("greeting"))).delayed).toBe(1);
    await te.advance(120_000);
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(1);
    await expect(
      offload.send("greeting", { friendName: "x" }, { delay: "366d" }),
    ).rejects.toMatchObject({ code: "DelayTooLong" });
  });

  it("holds a job sent with delay 2h, or at a time, until then by the engine's clock", async () => {
    const offload = createClient({ transport, jobs, clock: te.clock });
    const start = te.clock.now();
    await offload.send("greeting", { friendName: "Delay" }, { delay: "2h" });
    await offload.send("greeting", { friendName: "At" }, { at: new Date(start + 90 * 60_000) });
    await offload.send(
      "greeting",
      { friendName: "AtText" },
      { at: new Date(start + 3 * 3_600_000).toISOString().replace("Z", "+00:00") },
    );
    expect(await te.engine.queueStats(queue("greeting"))).toMatchObject({
      visible: 0,
      delayed: 3,
      nextDueAt: start + 90 * 60_000,
    });
    const received = async () =>
      (
        await te.engine.sqs.receiveMessage({
          QueueUrl: queue("greeting"),
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 43_200,
        })
      ).Messages?.map((m) => JSON.parse(m.Body).friendName) ?? [];
    for (const [minutes, expected] of [
      [90, ["At"]],
      [120, ["Delay"]],
      [180, ["AtText"]],
    ] as const) {
      te.clock.set(start + minutes * 60_000 - 1);
      expect(await received()).toEqual([]);
      te.clock.advance(1);
      expect(await received()).toEqual(expected);
    }
  });

  it("refuses both delay and at, an at that is no date, and one beyond a year, sending nothing", async () => {
    const offload = createClient({ transport, jobs, clock: te.clock });
    await expect(
      offload.send("greeting", { friendName: "x" }, { delay: "2h", at: new Date() }),
    ).rejects.toMatchObject({ code: "InvalidSendOptions", jobName: "greeting" });
    await expect(
      offload.send("greeting", { friendName: "x" }, { at: "next tuesday" }),
    ).rejects.toMatchObject({
      code: "InvalidSendOptions",
      message: expect.stringMatching(
        /^at must be a Date or an ISO 8601 date-time .*; got "next tuesday"$/,
      ),
    });
    await expect(
      offload.send("greeting", { friendName: "x" }, { at: "2027-01-01T00:00:01Z" }),
    ).rejects.toMatchObject({
      code: "DelayTooLong",
      message:
        "at 2027-01-01T00:00:01.000Z is 365.0 days away, beyond the longest a send waits: 365 days (31536000 seconds)",
    });
    const stats = await te.engine.queueStats(queue("greeting"));
    expect(stats.visible + stats.delayed).toBe(0);
  });

  it("validates a whole batch before sending any of it", async () => {
    const offload = createClient({ transport, jobs });
    await expect(
      offload.sendBatch("greeting", [{ friendName: "a" }, { friendName: "" }, { friendName: "c" }]),
    ).rejects.toMatchObject({ code: "InvalidPayload" });
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(0);
    const ids = await offload.sendBatch("greeting", [{ friendName: "a" }, { friendName: "b" }]);
    expect(ids).toHaveLength(2);
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(2);
  });

  it("sends untyped payloads when no jobs are given", async () => {
    const offload = createClient({ transport });
    await offload.send("greeting", { anything: true });
    expect((await te.engine.queueStats(queue("greeting"))).visible).toBe(1);
  });
});
