import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/core/clock.js";
import { defineJob } from "../../src/core/define-job.js";
import { newJobId } from "../../src/core/job-id.js";
import { createEngine, type Engine } from "../../src/engine/index.js";
import { createEngineTransport, orphanedJobQueues } from "../../src/runtime/index.js";
import { tempDir } from "../support/temp.js";

let engine: Engine | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await engine?.close();
  cleanup?.();
});

describe("the engine transport", () => {
  it("reports the engine's region in records, as its ARNs do", async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    engine = createEngine({
      path: join(tmp.dir, "r.db"),
      clock: new TestClock(),
      region: "eu-west-1",
    });
    const job = defineJob({ handler: async () => {} });
    const transport = await createEngineTransport(engine, [{ name: "greeting", definition: job }]);
    expect(transport.region).toBe("eu-west-1");
    expect(transport.queueArn("greeting")).toBe("arn:aws:sqs:eu-west-1:000000000000:greeting");
  });

  it("refuses a job that is not one of the app's, naming the jobs", async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    engine = createEngine({ path: join(tmp.dir, "u.db"), clock: new TestClock() });
    const job = defineJob({ handler: async () => {} });
    const transport = await createEngineTransport(engine, [{ name: "greeting", definition: job }]);
    await expect(
      transport.send({ jobId: newJobId(Date.now()), jobName: "nope", body: "{}" }),
    ).rejects.toMatchObject({
      code: "UnknownJob",
      jobName: "nope",
      message: 'There is no job "nope"; the jobs are: greeting',
    });
    expect(() => transport.queueArn("nope")).toThrow(
      'There is no job "nope"; the jobs are: greeting',
    );
  });

  it("refuses a visibility change with a receipt received again since as StaleReceipt", async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const clock = new TestClock();
    engine = createEngine({ path: join(tmp.dir, "s.db"), clock });
    const job = defineJob({ timeout: "5s", retryDelay: "10s", handler: async () => {} });
    const transport = await createEngineTransport(engine, [{ name: "greeting", definition: job }]);
    await transport.send({ jobId: newJobId(Date.now()), jobName: "greeting", body: "{}" });
    const receive = () => transport.receive("greeting", { maxMessages: 1, waitTimeSeconds: 0 });
    const [first] = await receive();
    clock.advance(10_000);
    const [again] = await receive();
    expect(again?.messageId).toBe(first?.messageId);
    await expect(
      transport.changeVisibility("greeting", first!.receiptHandle, 30),
    ).rejects.toMatchObject({ code: "StaleReceipt", jobName: "greeting" });
    await transport.changeVisibility("greeting", again!.receiptHandle, 30);
  });

  it("takes an explicit delay of 0 over the job's default delay", async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    const clock = new TestClock();
    engine = createEngine({ path: join(tmp.dir, "d.db"), clock });
    const job = defineJob({ delay: "3s", handler: async () => {} });
    const transport = await createEngineTransport(engine, [{ name: "later", definition: job }]);
    await transport.send({ jobId: newJobId(Date.now()), jobName: "later", body: "{}" });
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "later",
      body: "{}",
      delaySeconds: 0,
    });
    expect(await transport.stats("later")).toMatchObject({ visible: 1, delayed: 1 });
    clock.advance(3_000);
    expect(await transport.stats("later")).toMatchObject({ visible: 2, delayed: 0 });
  });

  it("finds the queues of jobs no longer in the jobs folder that still hold messages", async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    engine = createEngine({ path: join(tmp.dir, "o.db"), clock: new TestClock() });
    const job = defineJob({ handler: async () => {} });
    const spec = (name: string) => ({ name, definition: job });
    const transport = await createEngineTransport(engine, [
      spec("kept"),
      spec("gone"),
      spec("empty"),
    ]);
    await transport.send({ jobId: newJobId(Date.now()), jobName: "gone", body: "{}" });
    await transport.send({
      jobId: newJobId(Date.now()),
      jobName: "gone",
      body: "{}",
      delaySeconds: 60,
    });
    await transport.send({ jobId: newJobId(Date.now()), jobName: "kept", body: "{}" });
    // A queue a client made over the SQS API is no job's: not counted.
    await engine.sqs.createQueue({ QueueName: "mine" });
    expect(await orphanedJobQueues(engine, [spec("kept"), spec("gone"), spec("empty")])).toEqual(
      [],
    );
    expect(await orphanedJobQueues(engine, [spec("kept")])).toEqual([
      { jobName: "gone", messages: 2, dlqMessages: 0 },
    ]);
  });
});
