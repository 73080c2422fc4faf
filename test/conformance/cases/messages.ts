import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";

export const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

/** SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility and PurgeQueue. */
export function messageCases(c: SuiteContext): void {
  describe("messages", () => {
    it("delivers body, MD5s, attributes and system attributes", async () => {
      const q = await c.queue("send");
      const sent = await c.t.sqs.sendMessage({
        QueueUrl: q.url,
        MessageBody: "hello ☃",
        MessageAttributes: { Foo: { DataType: "String", StringValue: "Bar" } },
      });
      expect(sent.MD5OfMessageBody).toBe(md5("hello ☃"));
      // The value AWS returns for this attribute (Amazon SQS message metadata docs).
      expect(sent.MD5OfMessageAttributes).toBe("ae7155c6026991b6d54b11589678bf9c");
      const m = await c.receiveOne(q.url);
      expect(m?.MessageId).toBe(sent.MessageId);
      expect(m?.Body).toBe("hello ☃");
      expect(m?.MD5OfBody).toBe(md5("hello ☃"));
      expect(m?.MessageAttributes).toEqual({ Foo: { DataType: "String", StringValue: "Bar" } });
      expect(m?.MD5OfMessageAttributes).toBe("ae7155c6026991b6d54b11589678bf9c");
      expect(m?.Attributes?.ApproximateReceiveCount).toBe("1");
      expect(Number(m?.Attributes?.SentTimestamp)).toBeGreaterThan(1_500_000_000_000);
      expect(Number(m?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
        Number(m?.Attributes?.SentTimestamp),
      );
    });

    it("keeps Number and Binary attributes", async () => {
      const q = await c.queue("types");
      await c.t.sqs.sendMessage({
        QueueUrl: q.url,
        MessageBody: "x",
        MessageAttributes: {
          n: { DataType: "Number", StringValue: "99.12" },
          b: { DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) },
        },
      });
      const m = await c.receiveOne(q.url);
      expect(m?.MessageAttributes?.n).toEqual({ DataType: "Number", StringValue: "99.12" });
      expect(Array.from(m?.MessageAttributes?.b?.BinaryValue ?? [])).toEqual([2, 3, 4]);
    });

    it("hides a received message for its visibility timeout and releases it on change to 0", async () => {
      const q = await c.queue("vis");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "v" });
      const first = await c.receiveOne(q.url, 300);
      expect(first).toBeDefined();
      expect(await c.receiveOne(q.url)).toBeUndefined();
      expect(await c.count(q.url, "ApproximateNumberOfMessagesNotVisible")).toBe(1);
      await c.t.sqs.changeMessageVisibility({
        QueueUrl: q.url,
        ReceiptHandle: first!.ReceiptHandle,
        VisibilityTimeout: 0,
      });
      const second = await c.receiveOne(q.url);
      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
    });

    it("counts every receive", async () => {
      const q = await c.queue("count");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "c" });
      for (let i = 1; i <= 3; i++) {
        expect((await c.receiveOne(q.url, 0))?.Attributes?.ApproximateReceiveCount).toBe(String(i));
      }
    });

    it("deletes with the receipt handle, and deleting again succeeds", async () => {
      const q = await c.queue("del");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "d" });
      const m = await c.receiveOne(q.url, 0);
      await c.t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: m!.ReceiptHandle });
      await c.t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: m!.ReceiptHandle });
      expect(await c.receiveOne(q.url)).toBeUndefined();
      expect(await c.count(q.url)).toBe(0);
    });

    it("refuses a garbage receipt handle", async () => {
      const q = await c.queue("garbage");
      await expectAwsError(
        c.t.sqs.deleteMessage({ QueueUrl: q.url, ReceiptHandle: "garbage" }),
        "ReceiptHandleIsInvalid",
      );
    });

    it("receives up to MaxNumberOfMessages and refuses 11", async () => {
      const q = await c.queue("max");
      await c.t.sqs.sendMessageBatch({
        QueueUrl: q.url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `b${i}` })),
      });
      const got = new Set<string>();
      for (let i = 0; i < 10 && got.size < 10; i++) {
        const { Messages = [] } = await c.t.sqs.receiveMessage({
          QueueUrl: q.url,
          MaxNumberOfMessages: 10,
        });
        expect(Messages.length).toBeLessThanOrEqual(10);
        for (const m of Messages) got.add(m.Body);
      }
      expect(got.size).toBe(10);
      await expectAwsError(
        c.t.sqs.receiveMessage({ QueueUrl: q.url, MaxNumberOfMessages: 11 }),
        "InvalidParameterValue",
      );
    });

    it("holds back a delayed message and counts it as delayed", async ({ skip }) => {
      const q = await c.queue("delay");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "later", DelaySeconds: 600 });
      expect(await c.receiveOne(q.url)).toBeUndefined();
      expect(await c.count(q.url, "ApproximateNumberOfMessagesDelayed")).toBe(1);
      const advance = c.clock(skip);
      await advance(600_000);
      expect((await c.receiveOne(q.url))?.Body).toBe("later");
    });

    it("refuses a delay over 900 seconds", async () => {
      const q = await c.queue("delay-max");
      await expectAwsError(
        c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x", DelaySeconds: 901 }),
        "InvalidParameterValue",
      );
    });

    it("refuses a message larger than MaximumMessageSize", async () => {
      const q = await c.queue("size", { MaximumMessageSize: "1024" });
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x".repeat(1024) });
      await expectAwsError(
        c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "x".repeat(1025) }),
        "InvalidParameterValue",
      );
    });

    it("returns a message to the queue when its visibility timeout expires", async ({ skip }) => {
      const advance = c.clock(skip);
      const q = await c.queue("expire");
      await c.t.sqs.sendMessage({ QueueUrl: q.url, MessageBody: "e" });
      await c.receiveOne(q.url, 30);
      await advance(29_999);
      expect(await c.receiveOne(q.url)).toBeUndefined();
      await advance(1);
      expect((await c.receiveOne(q.url))?.Attributes?.ApproximateReceiveCount).toBe("2");
    });

    it("purges a queue", async () => {
      const q = await c.queue("purge");
      await c.t.sqs.sendMessageBatch({
        QueueUrl: q.url,
        Entries: [1, 2, 3].map((i) => ({ Id: `p${i}`, MessageBody: `p${i}` })),
      });
      await c.t.sqs.purgeQueue({ QueueUrl: q.url });
      expect(await c.receiveOne(q.url)).toBeUndefined();
      expect(await c.count(q.url)).toBe(0);
    });
  });
}
