import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine, Message, ReceivedMessage } from "../../src/engine/index.js";
import { expectAwsError } from "../support/aws-error.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

/**
 * `engine.receiveMessages` and `engine.deleteMessages`, the local runtime's path: the same SQS
 * semantics as ReceiveMessage (every attribute asked) and DeleteMessage, without the SQS shape.
 */
let te: TestEngine;
let sqs: Engine["sqs"];

beforeEach(() => {
  te = openTestEngine();
  sqs = te.engine.sqs;
});
afterEach(() => te.close());

function receive(QueueUrl: string, VisibilityTimeout?: number) {
  return te.engine.receiveMessages({
    QueueUrl,
    MaxNumberOfMessages: 10,
    ...(VisibilityTimeout === undefined ? {} : { VisibilityTimeout }),
  });
}

/** What ReceiveMessage answers, in the shape receiveMessages answers. */
function asReceived(m: Message): Omit<ReceivedMessage, "messageId" | "receiptHandle"> {
  return {
    body: m.Body,
    md5OfBody: m.MD5OfBody,
    attributes: m.Attributes ?? {},
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        v.BinaryValue === undefined
          ? { dataType: v.DataType, stringValue: v.StringValue }
          : { dataType: v.DataType, binaryValue: v.BinaryValue },
      ]),
    ),
  };
}

const send = (QueueUrl: string, body: string) =>
  sqs.sendMessage({
    QueueUrl,
    MessageBody: body,
    MessageAttributes: {
      jobName: { DataType: "String", StringValue: "greeting" },
      photo: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) },
    },
    MessageSystemAttributes: {
      AWSTraceHeader: {
        DataType: "String",
        StringValue: "Root=1-5759e988-bd862e3fe1be46a994272793",
      },
    },
  });

describe("receiveMessages", () => {
  it("answers what ReceiveMessage asking for every attribute answers", async () => {
    const a = await te.createQueue("a");
    const b = await te.createQueue("b");
    await send(a, '{"friendName":"Hank"}');
    await send(b, '{"friendName":"Hank"}');
    await te.advance(1500);
    const [received] = await receive(a);
    const { Messages } = await sqs.receiveMessage({
      QueueUrl: b,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    });
    expect(received).toBeDefined();
    const { messageId, receiptHandle, ...rest } = received!;
    expect(rest).toEqual(asReceived(Messages![0]!));
    expect(rest.attributes).toEqual({
      SenderId: "000000000000",
      SentTimestamp: String(te.clock.now() - 1500),
      ApproximateReceiveCount: "1",
      ApproximateFirstReceiveTimestamp: String(te.clock.now()),
      AWSTraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793",
    });
    // The handle is a real one: DeleteMessage takes it.
    await sqs.deleteMessage({ QueueUrl: a, ReceiptHandle: receiptHandle });
    expect((await te.engine.queueStats(a)).inFlight).toBe(0);
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gives each message its own message attributes", async () => {
    const q = await te.createQueue("mixed");
    for (const [body, jobName] of [
      ["1", "a"],
      ["2", "b"],
      ["3", "a"],
    ] as const) {
      await sqs.sendMessage({
        QueueUrl: q,
        MessageBody: body,
        MessageAttributes: { jobName: { DataType: "String", StringValue: jobName } },
      });
    }
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "4" });
    const received = await receive(q);
    expect(received.map((m) => [m.body, m.messageAttributes.jobName?.stringValue])).toEqual([
      ["1", "a"],
      ["2", "b"],
      ["3", "a"],
      ["4", undefined],
    ]);
  });

  it("counts receives, and moves a message to the DLQ on the receive after maxReceiveCount", async () => {
    const dlq = await te.createQueue("dlq");
    const src = await te.createQueue("src", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf("dlq"), maxReceiveCount: 2 }),
    });
    const { MessageId } = await sqs.sendMessage({ QueueUrl: src, MessageBody: "poison" });
    for (const count of ["1", "2"]) {
      const [m] = await receive(src, 0);
      expect(m?.attributes.ApproximateReceiveCount).toBe(count);
    }
    expect(await receive(src, 0)).toEqual([]);
    const [dead] = await receive(dlq);
    expect(dead?.messageId).toBe(MessageId);
    expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(sqsArnOf("src"));
    expect(dead?.attributes.ApproximateReceiveCount).toBe("3");
  });

  it("keeps a received message invisible for the visibility timeout", async () => {
    const q = await te.createQueue("vis", { VisibilityTimeout: "30" });
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "x" });
    expect(await receive(q)).toHaveLength(1);
    await te.advance(29_999);
    expect(await receive(q)).toEqual([]);
    await te.advance(1);
    expect((await receive(q))[0]?.attributes.ApproximateReceiveCount).toBe("2");
  });

  it("long-polls: a waiting receive wakes when a message arrives", async () => {
    const q = await te.createQueue("poll");
    const waiting = te.engine.receiveMessages({ QueueUrl: q, WaitTimeSeconds: 20 });
    await te.advance(5000);
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "late" });
    expect((await waiting).map((m) => m.body)).toEqual(["late"]);
  });
});

describe("deleteMessages", () => {
  it("deletes every message of the handles, in one commit", async () => {
    const q = await te.createQueue("del");
    for (let i = 0; i < 12; i++) await sqs.sendMessage({ QueueUrl: q, MessageBody: String(i) });
    const first = await receive(q);
    const second = await receive(q);
    const before = te.engine.commitStats().groups;
    await te.engine.deleteMessages({
      QueueUrl: q,
      ReceiptHandles: [...first, ...second].map((m) => m.receiptHandle),
    });
    expect(te.engine.commitStats().groups).toBe(before + 1);
    expect(await te.engine.queueStats(q)).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it("leaves a message received again since: its earlier handle no longer deletes it", async () => {
    const q = await te.createQueue("stale");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "x" });
    const [early] = await receive(q, 0);
    const [late] = await receive(q, 30);
    await te.engine.deleteMessages({ QueueUrl: q, ReceiptHandles: [early!.receiptHandle] });
    expect((await te.engine.queueStats(q)).inFlight).toBe(1);
    await te.engine.deleteMessages({ QueueUrl: q, ReceiptHandles: [late!.receiptHandle] });
    expect((await te.engine.queueStats(q)).inFlight).toBe(0);
  });

  it("rejects a handle the queue did not issue, deleting nothing", async () => {
    const q = await te.createQueue("mine");
    const other = await te.createQueue("other");
    await sqs.sendMessage({ QueueUrl: q, MessageBody: "x" });
    await sqs.sendMessage({ QueueUrl: other, MessageBody: "y" });
    const [mine] = await receive(q);
    const [theirs] = await receive(other);
    await expectAwsError(
      te.engine.deleteMessages({
        QueueUrl: q,
        ReceiptHandles: [mine!.receiptHandle, theirs!.receiptHandle],
      }),
      "ReceiptHandleIsInvalid",
    );
    expect((await te.engine.queueStats(q)).inFlight).toBe(1);
  });
});
