/**
 * A running job cancelled on AWS whose handler never reports progress: the job function checks
 * the job table for its batch's cancels every CANCEL_CHECK_INTERVAL_MS (a TestClock moves
 * time), fires the job's signal, and the job ends cancelled. Against moto.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CANCEL_CHECK_INTERVAL_MS } from "../../src/aws/index.js";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import { OffloadError } from "../../src/core/errors.js";
import { jobStack } from "./job-stack.js";
import { type MotoClients, startMotoClients } from "./support.js";

let clients: MotoClients;
let dynamodb: DynamoDBClient;
beforeAll(async () => {
  clients = await startMotoClients();
  dynamodb = new DynamoDBClient({ ...clients.config, maxAttempts: 1 });
});
afterAll(async () => {
  dynamodb?.destroy();
  await clients?.close();
});

/** A DynamoDB client on moto that counts the BatchGetItem calls made through it. */
function countingClient() {
  const client = new DynamoDBClient({ ...clients.config, maxAttempts: 1 });
  const counts = { batchGets: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "BatchGetItemCommand") counts.batchGets += 1;
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, counts };
}

describe("a job cancelled while it runs on AWS, its handler reporting no progress", () => {
  it("has its signal fired at the batch's next cancel check, and ends cancelled, unretried", async () => {
    /** Each running job's signal, by the friend name of its payload. */
    const signals = new Map<string, AbortSignal>();
    let allStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      allStarted = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const jobs = {
      sleeper: defineJob({
        // Never calls ctx.progress: waits for its signal, or to be released.
        schema: z.object({ name: z.string() }),
        handler: async (payload, ctx) => {
          signals.set(payload.name, ctx.signal);
          if (signals.size === 2) allStarted();
          await new Promise<void>((resolve, reject) => {
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
            void released.then(resolve);
          });
        },
      }),
    };
    const clock = new TestClock(Date.now());
    const { client, counts } = countingClient();
    const s = await jobStack(clients, dynamodb, jobs, {
      clock,
      jobFunction: { dynamodb: client },
    });
    try {
      const a = (await s.post({ jobName: "sleeper", payload: { name: "a" } })).body.jobId as string;
      const b = (await s.post({ jobName: "sleeper", payload: { name: "b" } })).body.jobId as string;

      const delivered = s.deliver("sleeper");
      await started;
      expect(await s.cancel(a)).toEqual({
        status: 200,
        body: { jobId: a, cancelled: "signalled", state: "running" },
      });
      // Unfinished while it runs: its payload is there.
      expect((await s.get(a)).payload).toEqual({ name: "a" });
      const aborted = new Promise<unknown>((resolve) => {
        signals.get("a")!.addEventListener("abort", () => resolve(signals.get("a")!.reason));
      });

      clock.advance(CANCEL_CHECK_INTERVAL_MS - 1);
      expect(counts.batchGets).toBe(0);
      expect(signals.get("a")!.aborted).toBe(false);
      clock.advance(1);
      const reason = await aborted;
      expect(reason).toBeInstanceOf(OffloadError);
      expect(reason).toMatchObject({ code: "JobCancelled", jobName: "sleeper" });
      // One read for the batch's two running jobs; the other job runs on.
      expect(counts.batchGets).toBe(1);
      expect(signals.get("b")!.aborted).toBe(false);

      release();
      const { outcomes, batchItemFailures } = await delivered;
      expect(Object.fromEntries(outcomes.map((o) => [o.jobId, o.status]))).toEqual({
        [a]: "cancelled",
        [b]: "succeeded",
      });
      // Not a failure: its message is deleted, never retried.
      expect(batchItemFailures).toEqual([]);
      // The checks stopped with the batch (the timeout's timer is cleared too).
      expect(clock.pendingTimers).toBe(0);

      const status = await s.get(a);
      expect(status).toMatchObject({
        state: "cancelled",
        cancelRequested: true,
        attempts: [{ attempt: 1, outcome: "cancelled" }],
      });
      expect(status.events.at(-1)).toMatchObject({ type: "cancelled", while: "running" });
      expect(status).not.toHaveProperty("payload");
      expect((await s.get(b)).state).toBe("succeeded");
    } finally {
      release();
      client.destroy();
    }
  });
});
