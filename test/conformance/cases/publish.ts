import { describe, expect, it } from "vitest";
import type { SuiteContext } from "../context.js";

/** Publish and PublishBatch to SQS subscriptions: envelopes, raw delivery, filter policies. */
export function publishCases(c: SuiteContext): void {
  describe("sns publish", () => {
    it("delivers raw messages with attributes to matching subscriptions only", async () => {
      const { TopicArn, q } = await c.topicWithQueue({
        RawMessageDelivery: "true",
        FilterPolicy: JSON.stringify({ jobName: ["greeting"] }),
      });
      await c.t.sns.publish({
        TopicArn,
        Message: '{"friendName":"Hank"}',
        MessageAttributes: { jobName: { DataType: "String", StringValue: "greeting" } },
      });
      await c.t.sns.publish({
        TopicArn,
        Message: "other",
        MessageAttributes: { jobName: { DataType: "String", StringValue: "resize-image" } },
      });
      const m = await c.receiveOne(q.url);
      expect(m?.Body).toBe('{"friendName":"Hank"}');
      expect(m?.MessageAttributes?.jobName).toEqual({
        DataType: "String",
        StringValue: "greeting",
      });
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });

    it("wraps messages in SNS's envelope without raw delivery", async () => {
      const { TopicArn, q } = await c.topicWithQueue({});
      const { MessageId } = await c.t.sns.publish({
        TopicArn,
        Message: "wrapped",
        Subject: "greetings",
        MessageAttributes: { kind: { DataType: "String", StringValue: "demo" } },
      });
      const m = await c.receiveOne(q.url);
      const body = JSON.parse(m!.Body) as Record<string, unknown>;
      expect(body).toMatchObject({
        Type: "Notification",
        MessageId,
        TopicArn,
        Subject: "greetings",
        Message: "wrapped",
        MessageAttributes: { kind: { Type: "String", Value: "demo" } },
      });
      expect(Number.isNaN(Date.parse(String(body.Timestamp)))).toBe(false);
    });

    it("filters on the message body with FilterPolicyScope MessageBody", async () => {
      const { TopicArn, q } = await c.topicWithQueue({
        RawMessageDelivery: "true",
        FilterPolicyScope: "MessageBody",
        FilterPolicy: JSON.stringify({ order: { quantity: [{ numeric: [">", 10] }] } }),
      });
      await c.t.sns.publish({ TopicArn, Message: JSON.stringify({ order: { quantity: 5 } }) });
      await c.t.sns.publish({ TopicArn, Message: JSON.stringify({ order: { quantity: 50 } }) });
      expect(JSON.parse((await c.receiveOne(q.url))!.Body)).toEqual({ order: { quantity: 50 } });
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });

    it("publishes a batch", async () => {
      const { TopicArn, q } = await c.topicWithQueue({ RawMessageDelivery: "true" });
      const out = await c.t.sns.publishBatch({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "one", Message: "1" },
          { Id: "two", Message: "2" },
        ],
      });
      expect(out.Successful?.map((s) => s.Id).sort()).toEqual(["one", "two"]);
      const { Messages = [] } = await c.t.sqs.receiveMessage({
        QueueUrl: q.url,
        MaxNumberOfMessages: 10,
      });
      expect(Messages.map((m) => m.Body).sort()).toEqual(["1", "2"]);
    });
  });
}
