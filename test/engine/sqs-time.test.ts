import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/index.js";
import { expectAwsError } from "../support/aws-error.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

/** Behaviour that depends on time, driven by the TestClock: nothing here sleeps. */
let te: TestEngine;
let sqs: Engine["sqs"];

beforeEach(() => {
  te = openTestEngine();
  sqs = te.engine.sqs;
});
afterEach(() => te.close());

async function receive(QueueUrl: string, VisibilityTimeout?: number) {
  const { Messages } = await sqs.receiveMessage({
    QueueUrl,
    MessageSystemAttributeNames: ["All"],
    ...(VisibilityTimeout === undefined ? {} : { VisibilityTimeout }),
  });
  return Messages?.[0];
}

describe("retention", () => {
  it("drops a message once its retention period has passed, and the sweeper deletes it", async () => {
    const q = await te.createQueue("short", { MessageRetentionPeriod: "60" });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "old" });
    await te.advance(59_999);
    expect((await te.engine.queueStats(q)).visible).toBe(1);
    await te.advance(1);
    expect(await receive(q)).toBeUndefined();
    await te.advance(60_000);
    expect((await te.engine.queueStats(q)).visible).toBe(0);
  });

  it("counts a DLQ message's retention from its original send", async () => {
    const dlq = await te.createQueue("dlq", { MessageRetentionPeriod: "120" });
    const src = await te.createQueue("src", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf("dlq"), maxReceiveCount: 1 }),
    });
    await sqs.sendMessage({ QueueUrl: src, MessageBody: "poison" });
    await receive(src, 0);
    await te.advance(100_000);
    expect(await receive(src)).toBeUndefined(); // moves it to the DLQ at t = 100 s
    expect((await te.engine.queueStats(dlq)).visible).toBe(1);
    await te.advance(20_000); // 120 s after the send, 20 s after the move
    expect(await receive(dlq)).toBeUndefined();
    expect(await te.engine.sweep()).toBe(0); // receive already dropped it
    expect((await te.engine.queueStats(dlq)).visible).toBe(0);
  });
});

describe("age of the oldest message", () => {
  it("counts a DLQ's from when its message moved there, as SQS does, and a redriven one's from the redrive", async () => {
    const dlq = await te.createQueue("age-dlq");
    const src = await te.createQueue("age-src", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqsArnOf("age-dlq"),
        maxReceiveCount: 1,
      }),
    });
    await sqs.sendMessage({ QueueUrl: src, MessageBody: "slow" });
    await receive(src, 0);
    await te.advance(600_000); // ten minutes in its queue
    expect((await te.engine.queueStats(src)).oldestMessageAgeSeconds).toBe(600);
    expect(await receive(src)).toBeUndefined(); // moves it
    await te.advance(30_000);
    expect((await te.engine.queueStats(dlq)).oldestMessageAgeSeconds).toBe(30);
    // A message sent to the DLQ itself, earlier than the move, is the older one.
    await sqs.sendMessage({ QueueUrl: dlq, MessageBody: "direct" });
    await te.advance(40_000);
    expect((await te.engine.queueStats(dlq)).oldestMessageAgeSeconds).toBe(70);
    await te.engine.moveMessages({ SourceUrl: dlq });
    await te.advance(5_000);
    expect((await te.engine.queueStats(src)).oldestMessageAgeSeconds).toBe(5);
  });
});

describe("redrive", () => {
  it.each([1, 2, 5])("moves a message to the DLQ after exactly %i receives", async (max) => {
    const dlq = await te.createQueue(`dlq-${max}`);
    const src = await te.createQueue(`src-${max}`, {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqsArnOf(`dlq-${max}`),
        maxReceiveCount: max,
      }),
    });
    const sent = await sqs.sendMessage({
      QueueUrl: src,
      MessageBody: "poison",
      MessageAttributes: { jobName: { DataType: "String", StringValue: "greeting" } },
    });
    for (let i = 1; i <= max; i++) {
      expect((await receive(src, 0))?.Attributes?.ApproximateReceiveCount).toBe(String(i));
    }
    expect(await receive(src, 0)).toBeUndefined();
    const { Messages } = await sqs.receiveMessage({
      QueueUrl: dlq,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    });
    const dead = Messages?.[0];
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(sqsArnOf(`src-${max}`));
    // The count goes on across queues: max receives in the source, this one in the DLQ.
    expect(dead?.Attributes?.ApproximateReceiveCount).toBe(String(max + 1));
  });

  it("fills a receive past the messages it moves to the DLQ without delivering any message twice", async () => {
    await te.createQueue("dlq-fill");
    const src = await te.createQueue("src-fill", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqsArnOf("dlq-fill"),
        maxReceiveCount: 1,
      }),
    });
    // Oldest first: 3 messages received once and visible again (they move), then 6 fresh ones.
    for (let i = 0; i < 3; i++) await sqs.sendMessage({ QueueUrl: src, MessageBody: `old-${i}` });
    await sqs.receiveMessage({ QueueUrl: src, MaxNumberOfMessages: 3, VisibilityTimeout: 1 });
    await te.advance(1_000);
    for (let i = 0; i < 6; i++) await sqs.sendMessage({ QueueUrl: src, MessageBody: `new-${i}` });
    const { Messages = [] } = await sqs.receiveMessage({
      QueueUrl: src,
      MaxNumberOfMessages: 5,
      MessageSystemAttributeNames: ["All"],
    });
    expect(Messages.map((m) => m.Body)).toEqual(["new-0", "new-1", "new-2", "new-3", "new-4"]);
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual([
      "1",
      "1",
      "1",
      "1",
      "1",
    ]);
    expect((await te.engine.queueStats(src)).visible).toBe(1);
  });

  it("moves a held message to the DLQ on request, keeping id and count", async () => {
    const dlq = await te.createQueue("dlq-now");
    const src = await te.createQueue("src-now", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqsArnOf("dlq-now"),
        maxReceiveCount: 5,
      }),
    });
    const sent = await sqs.sendMessage({ QueueUrl: src, MessageBody: "hopeless" });
    const m = await receive(src, 30);
    await te.engine.moveToDeadLetterQueue({ QueueUrl: src, ReceiptHandle: m!.ReceiptHandle });
    expect((await te.engine.queueStats(src)).inFlight).toBe(0);
    const dead = await receive(dlq);
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(sqsArnOf("src-now"));
    expect(dead?.Attributes?.ApproximateReceiveCount).toBe("2");
    await expectAwsError(
      te.engine.moveToDeadLetterQueue({ QueueUrl: src, ReceiptHandle: m!.ReceiptHandle }),
      "InvalidParameterValue",
    );
  });

  it("refuses to dead-letter a message of a queue without a DLQ", async () => {
    const q = await te.createQueue("no-dlq");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "x" });
    const m = await receive(q);
    await expect(
      te.engine.moveToDeadLetterQueue({ QueueUrl: q, ReceiptHandle: m!.ReceiptHandle }),
    ).rejects.toMatchObject({
      code: "NoDeadLetterQueue",
      message: "Queue no-dlq has no dead-letter queue (RedrivePolicy) to move the message to",
    });
  });

  it("wakes a long poll on the DLQ when a message moves there", async () => {
    const dlq = await te.createQueue("dlq-wake");
    const src = await te.createQueue("src-wake", {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqsArnOf("dlq-wake"),
        maxReceiveCount: 1,
      }),
    });
    await sqs.sendMessage({ QueueUrl: src, MessageBody: "poison" });
    await receive(src, 0);
    const waiting = sqs.receiveMessage({ QueueUrl: dlq, WaitTimeSeconds: 20 });
    await receive(src);
    expect((await waiting).Messages?.[0]?.Body).toBe("poison");
  });
});

describe("receipt handles", () => {
  it("ignores a delete with a handle from an earlier receive (the message stays)", async () => {
    const q = await te.createQueue("stale");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "s" });
    const first = await receive(q, 0);
    const second = await receive(q, 0);
    await sqs.deleteMessage({ QueueUrl: q, ReceiptHandle: first!.ReceiptHandle });
    expect((await te.engine.queueStats(q)).visible).toBe(1);
    await sqs.deleteMessage({ QueueUrl: q, ReceiptHandle: second!.ReceiptHandle });
    expect((await te.engine.queueStats(q)).visible).toBe(0);
  });

  it("deletes with the latest handle even after its visibility timeout expired", async () => {
    const q = await te.createQueue("expired-delete");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "e" });
    const m = await receive(q, 10);
    await te.advance(20_000);
    await sqs.deleteMessage({ QueueUrl: q, ReceiptHandle: m!.ReceiptHandle });
    expect(await receive(q)).toBeUndefined();
  });

  it("refuses to change the visibility of a message with a stale handle or after deletion", async () => {
    const q = await te.createQueue("stale-cmv");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "s" });
    const first = await receive(q, 0);
    const second = await receive(q, 60);
    const error = await expectAwsError(
      sqs.changeMessageVisibility({
        QueueUrl: q,
        ReceiptHandle: first!.ReceiptHandle,
        VisibilityTimeout: 5,
      }),
      "InvalidParameterValue",
    );
    expect(error.message).toBe(
      `Value ${first!.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    );
    await sqs.deleteMessage({ QueueUrl: q, ReceiptHandle: second!.ReceiptHandle });
    await expectAwsError(
      sqs.changeMessageVisibility({
        QueueUrl: q,
        ReceiptHandle: second!.ReceiptHandle,
        VisibilityTimeout: 5,
      }),
      "InvalidParameterValue",
    );
  });

  it("accepts a visibility change after the timeout expired while the handle is the latest", async () => {
    const q = await te.createQueue("late-cmv");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "l" });
    const m = await receive(q, 10);
    await te.advance(15_000);
    await sqs.changeMessageVisibility({
      QueueUrl: q,
      ReceiptHandle: m!.ReceiptHandle,
      VisibilityTimeout: 60,
    });
    expect(await receive(q)).toBeUndefined();
  });

  it("refuses a handle issued for another queue", async () => {
    const a = await te.createQueue("a");
    const b = await te.createQueue("b");
    await sqs.sendMessage({ QueueUrl: a, MessageBody: "x" });
    const m = await receive(a);
    await expectAwsError(
      sqs.deleteMessage({ QueueUrl: b, ReceiptHandle: m!.ReceiptHandle }),
      "ReceiptHandleIsInvalid",
    );
  });

  it("caps a message's invisibility at 12 hours from its receive", async () => {
    const q = await te.createQueue("cap");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "c" });
    const m = await receive(q, 3600);
    await te.advance(3_600_000 - 1000);
    const error = await expectAwsError(
      sqs.changeMessageVisibility({
        QueueUrl: q,
        ReceiptHandle: m!.ReceiptHandle,
        VisibilityTimeout: 43_200,
      }),
      "InvalidParameterValue",
    );
    expect(error.message).toBe(
      "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds].",
    );
    await sqs.changeMessageVisibility({
      QueueUrl: q,
      ReceiptHandle: m!.ReceiptHandle,
      VisibilityTimeout: 39_601,
    });
  });

  it("keeps ApproximateFirstReceiveTimestamp at the first receive", async () => {
    const q = await te.createQueue("first");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "f" });
    const t0 = te.clock.now();
    await te.advance(5000);
    const first = await receive(q, 0);
    await te.advance(5000);
    const second = await receive(q, 0);
    expect(first?.Attributes?.SentTimestamp).toBe(String(t0));
    expect(first?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(String(t0 + 5000));
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(String(t0 + 5000));
  });
});

describe("long polling", () => {
  it("wakes when a delayed message becomes visible", async () => {
    const q = await te.createQueue("delayed");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "later", DelaySeconds: 10 });
    let settled = false;
    const waiting = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 }).finally(() => {
      settled = true;
    });
    await te.advance(9_999);
    expect(settled).toBe(false);
    await te.advance(1);
    expect((await waiting).Messages?.[0]?.Body).toBe("later");
  });

  it("wakes when an in-flight message's visibility timeout expires", async () => {
    const q = await te.createQueue("inflight");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "again" });
    await receive(q, 30);
    const waiting = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 });
    await te.advance(20_000);
    expect((await waiting).Messages).toBeUndefined();
    const next = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 });
    await te.advance(10_000);
    expect((await next).Messages?.[0]?.Body).toBe("again");
  });

  it("uses the queue's ReceiveMessageWaitTimeSeconds when the request has none", async () => {
    const q = await te.createQueue("default-wait", { ReceiveMessageWaitTimeSeconds: "5" });
    let settled = false;
    const waiting = sqs.receiveMessage({ QueueUrl: q }).finally(() => {
      settled = true;
    });
    await te.advance(4_999);
    expect(settled).toBe(false);
    await te.advance(1);
    expect((await waiting).Messages).toBeUndefined();
  });

  it("ends early when its signal aborts", async () => {
    const q = await te.createQueue("abort");
    const controller = new AbortController();
    const waiting = sqs.receiveMessage(
      { QueueUrl: q, WaitTimeSeconds: 20 },
      { signal: controller.signal },
    );
    controller.abort();
    expect((await waiting).Messages).toBeUndefined();
  });

  it("ends every wait when the engine closes", async () => {
    const q = await te.createQueue("closing");
    const waiting = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 });
    await te.engine.close();
    expect((await waiting).Messages).toBeUndefined();
  });

  it("wakes a later waiter for a delayed message even when the waiter that saw its send has ended", async () => {
    const q = await te.createQueue("relay");
    const short = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 2 });
    let settled = false;
    const long = sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 }).finally(() => {
      settled = true;
    });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "in five", DelaySeconds: 5 });
    await te.advance(2000);
    expect((await short).Messages).toBeUndefined();
    await te.advance(2999);
    expect(settled).toBe(false);
    await te.advance(1);
    expect((await long).Messages?.[0]?.Body).toBe("in five");
  });

  it("wakes one waiter per message, and passes on to another when more are waiting", async () => {
    const q = await te.createQueue("baton");
    const waits = [1, 2, 3].map(() => sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 }));
    await te.advance(0); // their first (empty) claims
    const before = te.engine.commitStats().ops;
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "one" });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "two" });
    const got: string[] = [];
    for (const w of waits) {
      void w.then((r) => got.push(...(r.Messages ?? []).map((m) => m.Body)));
    }
    await expect.poll(() => got.length).toBe(2);
    expect(got.sort()).toEqual(["one", "two"]);
    // 2 sends + 2 successful claims + at most 2 empty looks: not one claim per waiter per message.
    expect(te.engine.commitStats().ops - before).toBeLessThanOrEqual(6);
    await te.advance(20_000);
    await Promise.all(waits);
  });

  it("gives one message to one of several waiting receives", async () => {
    const q = await te.createQueue("herd");
    const waits = [1, 2, 3].map(() => sqs.receiveMessage({ QueueUrl: q, WaitTimeSeconds: 20 }));
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "only" });
    await te.advance(20_000);
    const results = await Promise.all(waits);
    expect(results.filter((r) => r.Messages?.length === 1)).toHaveLength(1);
  });
});

describe("queue delay and purge", () => {
  it("applies the queue's DelaySeconds to messages without their own", async () => {
    const q = await te.createQueue("slow", { DelaySeconds: "30" });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "q" });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "now", DelaySeconds: 0 });
    expect((await receive(q))?.Body).toBe("now");
    expect(await receive(q)).toBeUndefined();
    await te.advance(30_000);
    expect((await receive(q))?.Body).toBe("q");
  });

  it("allows one purge a minute", async () => {
    const q = await te.createQueue("purge");
    await sqs.purgeQueue({ QueueUrl: q });
    const error = await expectAwsError(
      sqs.purgeQueue({ QueueUrl: q }),
      "AWS.SimpleQueueService.PurgeQueueInProgress",
    );
    expect(error.message).toBe(
      "Only one PurgeQueue operation on purge is allowed every 60 seconds.",
    );
    await te.advance(60_000);
    await sqs.purgeQueue({ QueueUrl: q });
  });
});
