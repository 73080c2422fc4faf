import { createHash } from "node:crypto";
import { join } from "node:path";
import { BroadcastChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import type { Logger } from "../../src/core/logger.js";
import { AwsApiError } from "../../src/engine/errors.js";
import { type EngineThread, startEngineThread } from "../../src/server/engine-thread/client.js";
import {
  decodeError,
  type EngineThreadOptions,
  encodeError,
} from "../../src/server/engine-thread/protocol.js";
import { appFolder } from "../e2e/server.js";
import { recordingLogger } from "../support/recording-logger.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const noop = `export default defineJob({ handler: async () => {} });`;
/** When loaded in the engine thread, breaks it (an uncaught error) on a message to "crash-engine-thread". */
const crasher = `import { BroadcastChannel, workerData } from "node:worker_threads";
if ((workerData as { options?: unknown } | undefined)?.options) {
  const channel = new BroadcastChannel("crash-engine-thread");
  channel.unref();
  channel.onmessage = () => {
    throw new Error("the engine thread broke");
  };
}
export default defineJob({ handler: async () => {} });`;

async function start(
  jobs: Record<string, string>,
  logger: Logger = recordingLogger().logger,
): Promise<EngineThread> {
  const app = appFolder(jobs);
  cleanups.push(app.cleanup);
  const options: EngineThreadOptions = {
    jobsDir: join(app.dir, "jobs"),
    database: join(app.dir, "data", "app.db"),
    durability: "full",
    jobHistory: true,
    queueUrlBase: "http://127.0.0.1:3000",
    alertWebhook: undefined,
    watch: false,
    workerMemoryMb: 1024,
  };
  const thread = await startEngineThread(options, logger);
  cleanups.push(() => thread.stop());
  return thread;
}

describe("the engine thread", () => {
  it("takes sends, runs the jobs and answers queue state from its own thread", async () => {
    const log = recordingLogger();
    const thread = await start({ greeting: noop, other: noop }, log.logger);
    expect(thread.backend.jobNames()).toEqual(["greeting", "other"]);
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => thread.backend.send("greeting", { i })),
    );
    expect(new Set(ids).size).toBe(20);
    // The runtime's log records cross to this thread's logger.
    await log.waitFor((r) => r.message === "runtime started");
    let summary = await thread.backend.queue("greeting");
    while (summary.processed! < 20) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      summary = await thread.backend.queue("greeting");
    }
    expect(summary).toMatchObject({ jobName: "greeting", visible: 0, processed: 20, failed: 0 });
  });

  it("rejects with the backend's errors, of their class, with their code and details", async () => {
    const thread = await start({ greeting: noop });
    const unknown = await thread.backend.send("nope", {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OffloadError);
    expect(unknown).toMatchObject({ code: "UnknownJob", jobName: "nope" });
    expect((unknown as Error).message).toMatch(/There is no job "nope"; the jobs are: greeting/);
    const wire = await thread.sqs.getQueueUrl({ QueueName: "missing" }).catch((e: unknown) => e);
    expect(wire).toBeInstanceOf(AwsApiError);
    expect(wire).toMatchObject({
      code: "AWS.SimpleQueueService.NonExistentQueue",
      type: "QueueDoesNotExist",
      status: 400,
    });
  });

  it("ends a long poll early when its signal aborts", async () => {
    const thread = await start({ greeting: noop });
    const { QueueUrl } = await thread.sqs.createQueue({ QueueName: "idle" });
    const controller = new AbortController();
    let answer: { Messages?: unknown[] } | undefined;
    const polling = thread.sqs
      .receiveMessage({ QueueUrl, WaitTimeSeconds: 20 }, { signal: controller.signal })
      .then((value) => {
        answer = value;
      });
    // A round trip after the receive: the poll is waiting in the engine thread now.
    await thread.backend.queues();
    expect(answer).toBeUndefined();
    controller.abort();
    // The abort crosses before these calls, and the poll's last attempt commits within a few
    // engine turns: it answers within some round trips (a millisecond or so), not after its
    // 20 s wait time. Reads answer within the turn, so it may take tens of trips.
    for (let trip = 0; trip < 1000 && answer === undefined; trip++) await thread.backend.queues();
    expect(answer).toEqual({});
    await polling;
  });

  it("answers the wire's message actions from their body text, errors of their class", async () => {
    const thread = await start({ greeting: noop });
    const { QueueUrl } = await thread.sqs.createQueue({ QueueName: "texts" });
    const bytes = Buffer.from([0, 1, 2, 255]);
    const sent = JSON.parse(
      await thread.sqsJson(
        "SendMessageBatch",
        JSON.stringify({
          QueueUrl,
          Entries: [
            {
              Id: "a",
              MessageBody: "hello",
              MessageAttributes: {
                blob: { DataType: "Binary", BinaryValue: bytes.toString("base64") },
              },
            },
            { Id: "b", MessageBody: "" },
          ],
        }),
        undefined,
      ),
    ) as { Successful: Array<Record<string, string>>; Failed: Array<Record<string, unknown>> };
    expect(sent.Successful).toEqual([
      {
        Id: "a",
        MessageId: expect.any(String),
        MD5OfMessageBody: createHash("md5").update("hello").digest("hex"),
        MD5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    ]);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: "b", SenderFault: true })]);
    // The queue comes from the request's path when the body names none.
    const received = JSON.parse(
      await thread.sqsJson(
        "ReceiveMessage",
        JSON.stringify({ MessageAttributeNames: ["All"] }),
        QueueUrl,
      ),
    ) as { Messages: Array<{ Body: string; MessageAttributes: Record<string, unknown> }> };
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages[0]).toMatchObject({
      Body: "hello",
      MessageAttributes: { blob: { DataType: "Binary", BinaryValue: bytes.toString("base64") } },
    });
    await expect(
      thread.sqsJson(
        "SendMessage",
        JSON.stringify({ QueueUrl: `${QueueUrl}-gone`, MessageBody: "x" }),
        undefined,
      ),
    ).rejects.toSatisfy(
      (e) => e instanceof AwsApiError && e.code === "AWS.SimpleQueueService.NonExistentQueue",
    );
    await expect(thread.sqsJson("SendMessage", "{not json", undefined)).rejects.toMatchObject({
      type: "SerializationException",
      status: 400,
    });
    // Only the message actions are answered this way.
    await expect(
      thread.sqsJson("DeleteQueue" as never, JSON.stringify({ QueueUrl }), undefined),
    ).rejects.toMatchObject({ code: "InvalidAction" });
    expect((await thread.sqs.listQueues({})).QueueUrls).toContain(QueueUrl);
  });

  it("ends a wire long poll early when its signal aborts", async () => {
    const thread = await start({ greeting: noop });
    const { QueueUrl } = await thread.sqs.createQueue({ QueueName: "idle-wire" });
    const controller = new AbortController();
    let answer: string | undefined;
    const polling = thread
      .sqsJson(
        "ReceiveMessage",
        JSON.stringify({ QueueUrl, WaitTimeSeconds: 20 }),
        undefined,
        controller.signal,
      )
      .then((value) => {
        answer = value;
      });
    await thread.backend.queues();
    expect(answer).toBeUndefined();
    controller.abort();
    // As above: the poll answers within some round trips, not after its 20 s wait time.
    for (let trip = 0; trip < 1000 && answer === undefined; trip++) await thread.backend.queues();
    expect(answer).toBe("{}");
    await polling;
  });

  it("rejects the start with why the jobs cannot load", async () => {
    await expect(start({ broken: "export default 42;" })).rejects.toMatchObject({
      message: expect.stringMatching(/broken/),
    });
  });

  it("fails alone a call that cannot be copied to the thread; its batch is answered", async () => {
    const thread = await start({ greeting: noop });
    let deep: unknown = "bottom";
    for (let i = 0; i < 20_000; i++) deep = [deep];
    // Eight calls in one turn cross as one batch; the deep one makes postMessage overflow.
    const calls = Array.from({ length: 8 }, (_, i) =>
      thread.sqs.listQueues(i === 3 ? ({ QueueNamePrefix: deep } as never) : {}),
    );
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual([
      ...Array(3).fill("fulfilled"),
      "rejected",
      ...Array(4).fill("fulfilled"),
    ]);
    const failed = settled[3] as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(OffloadError);
    expect((failed.reason as OffloadError).code).toBe("ThreadPostFailed");
    // The same in a batch flushed at the end of the turn, not at eight.
    const later = await Promise.allSettled([
      thread.sqs.listQueues({}),
      thread.sqs.listQueues({ QueueNamePrefix: deep } as never),
    ]);
    expect(later.map((s) => s.status)).toEqual(["fulfilled", "rejected"]);
    // And the thread goes on answering.
    expect((await thread.sqs.listQueues({})).QueueUrls).toHaveLength(2);
  });

  it("reports a thread that dies, and fails the calls it still owed", async () => {
    const thread = await start({ crasher });
    const channel = new BroadcastChannel("crash-engine-thread");
    channel.postMessage("now");
    const error = await thread.failed;
    channel.close();
    expect(error).toMatchObject({
      code: "EngineStopped",
      message: "The engine thread stopped: the engine thread broke",
    });
    await expect(thread.backend.queues()).rejects.toMatchObject({ code: "EngineStopped" });
  });
});

describe("crossing the thread boundary", () => {
  it("keeps an error's class, code and fields", () => {
    const invalid = Object.assign(new OffloadError("InvalidPayload", "bad order"), {
      issues: [{ path: "quantity", message: "must be positive" }],
    });
    const back = decodeError(structuredClone(encodeError(invalid)));
    expect(back).toBeInstanceOf(OffloadError);
    expect(back).toMatchObject({
      code: "InvalidPayload",
      message: "bad order",
      issues: [{ path: "quantity", message: "must be positive" }],
    });
    const aws = decodeError(
      structuredClone(encodeError(new AwsApiError("Throttled", "slow down", { status: 403 }))),
    );
    expect(aws).toBeInstanceOf(AwsApiError);
    expect(aws).toMatchObject({ code: "Throttled", status: 403, type: "Throttled", sender: true });
    const plain = decodeError(structuredClone(encodeError(new TypeError("x is not a function"))));
    expect(plain).toBeInstanceOf(Error);
    expect(plain).toMatchObject({ name: "TypeError", message: "x is not a function" });
    expect(decodeError(encodeError("a string"))).toMatchObject({ message: "a string" });
  });
});
