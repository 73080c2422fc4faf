import { describe, expect, it } from "vitest";
import { expectAwsError } from "../../support/aws-error.js";
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

    // SNS takes a custom label after the type, as SQS does ("String.prefixed" succeeds), and
    // refuses "String." and "Stringprefixed" with ParameterValueInvalid: "the set of
    // supported type prefixes is Binary, Number, and String" (LocalStack's recording of AWS,
    // tests/aws/services/sns/test_sns.snapshot.json: test_message_attributes_prefixes). SQS
    // takes custom labels too ("You can also append custom labels": API Reference,
    // MessageAttributeValue), so the attribute reaches the queue as it was published.
    it("keeps custom attribute type labels from publish to queue", async () => {
      const attributes = {
        plain: { DataType: "String.x", StringValue: "hello" },
        count: { DataType: "Number.java.lang.Long", StringValue: "1602845432024" },
        blob: { DataType: "Binary.y", BinaryValue: new Uint8Array([1, 2, 3]) },
      };
      const raw = await c.topicWithQueue({ RawMessageDelivery: "true" });
      await c.t.sns.publish({
        TopicArn: raw.TopicArn,
        Message: "raw",
        MessageAttributes: attributes,
      });
      if (c.quirks.rawLabelledBinaryBreaksReceive) {
        await expect(c.receiveOne(raw.q.url)).rejects.toThrow();
      } else {
        const m = await c.receiveOne(raw.q.url);
        expect(m?.Body).toBe("raw");
        expect(m?.MessageAttributes).toEqual(attributes);
      }

      const wrapped = await c.topicWithQueue({});
      await c.t.sns.publish({
        TopicArn: wrapped.TopicArn,
        Message: "wrapped",
        MessageAttributes: attributes,
      });
      const envelope = JSON.parse((await c.receiveOne(wrapped.q.url))!.Body) as {
        MessageAttributes: Record<string, unknown>;
      };
      expect(envelope.MessageAttributes).toEqual({
        plain: { Type: "String.x", Value: "hello" },
        count: { Type: "Number.java.lang.Long", Value: "1602845432024" },
        blob: { Type: "Binary.y", Value: "AQID" },
      });
    });

    it("refuses the attribute types String. and Stringprefixed", async () => {
      const { TopicArn, q } = await c.topicWithQueue({ RawMessageDelivery: "true" });
      const publish = (DataType: string) =>
        c.t.sns.publish({
          TopicArn,
          Message: DataType,
          MessageAttributes: { attr1: { DataType, StringValue: "prefixed-1" } },
        });
      if (c.quirks.acceptsEmptyTypeLabel) await publish("String.");
      else await expectAwsError(publish("String."), "ParameterValueInvalid");
      await expectAwsError(
        publish("Stringprefixed"),
        c.quirks.invalidParameterForAttributeType ? "InvalidParameter" : "ParameterValueInvalid",
      );
      await publish("String.prefixed");
      const { Messages = [] } = await c.t.sqs.receiveMessage({
        QueueUrl: q.url,
        MaxNumberOfMessages: 10,
      });
      expect(Messages.map((m) => m.Body).sort()).toEqual(
        c.quirks.acceptsEmptyTypeLabel ? ["String.", "String.prefixed"] : ["String.prefixed"],
      );
    });

    // "Invalid parameter: MessageDeduplicationId Reason: The request includes
    // MessageDeduplicationId parameter that is not valid for this topic type" (LocalStack's
    // recording of AWS, test_validations_for_fifo, 2025-08-18).
    it("refuses MessageDeduplicationId on a standard topic", async () => {
      const { TopicArn, q } = await c.topicWithQueue({ RawMessageDelivery: "true" });
      await expectAwsError(
        c.t.sns.publish({ TopicArn, Message: "x", MessageDeduplicationId: "dedup-1" }),
        "InvalidParameter",
      );
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });

    // MessageGroupId "can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and
    // punctuation ... For standard topics: The MessageGroupId is optional and is forwarded
    // only to Amazon SQS standard subscriptions to activate fair queues ... When provided,
    // the same validation rules apply as for FIFO topics." (API Reference, Publish). The
    // error is InvalidParameterValue, whose query code is ParameterValueInvalid (API
    // Reference, Publish, Errors).
    it("takes a valid MessageGroupId on a standard topic and refuses an invalid one", async () => {
      const { TopicArn, q } = await c.topicWithQueue({ RawMessageDelivery: "true" });
      await c.t.sns.publish({ TopicArn, Message: "grouped", MessageGroupId: "tenant-1!~" });
      expect((await c.receiveOne(q.url))?.Body).toBe("grouped");
      if (c.quirks.acceptsAnyMessageGroupId) return;
      for (const MessageGroupId of ["", "g".repeat(129), "with space", "é"]) {
        await expectAwsError(
          c.t.sns.publish({ TopicArn, Message: "refused", MessageGroupId }),
          "ParameterValueInvalid",
        );
      }
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
