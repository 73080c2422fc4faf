import { describe, expect, it } from "vitest";
import { awsErrorCode, expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";

/** CreateTopic, ListTopics, DeleteTopic and Get/SetTopicAttributes. */
export function topicCases(c: SuiteContext): void {
  describe("sns topics", () => {
    it("creates topics idempotently and lists them", async () => {
      const topicName = c.name("topic");
      const a = await c.t.sns.createTopic({ Name: topicName });
      const b = await c.t.sns.createTopic({ Name: topicName });
      expect(b.TopicArn).toBe(a.TopicArn);
      expect(a.TopicArn).toMatch(new RegExp(`^arn:aws:sns:[a-z0-9-]+:\\d{12}:${topicName}$`));
      const arns: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await c.t.sns.listTopics(NextToken ? { NextToken } : {});
        arns.push(...(page.Topics ?? []).map((x) => x.TopicArn!));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(arns).toContain(a.TopicArn);
    });

    it("gets a topic's attributes and sets its DisplayName", async () => {
      const { TopicArn } = await c.t.sns.createTopic({ Name: c.name("attrs") });
      const before = (await c.t.sns.getTopicAttributes({ TopicArn })).Attributes;
      // "TopicArn – The topic's ARN. Owner – The Amazon Web Services account ID of the
      // topic's owner. Policy – The JSON serialization of the topic's access control policy."
      // (API Reference, GetTopicAttributes)
      expect(before.TopicArn).toBe(TopicArn);
      expect(before.Owner).toMatch(/^\d{12}$/);
      expect(JSON.parse(before.Policy ?? "")).toMatchObject({ Statement: expect.any(Array) });
      await c.t.sns.setTopicAttributes({
        TopicArn,
        AttributeName: "DisplayName",
        AttributeValue: "Jobs",
      });
      const after = (await c.t.sns.getTopicAttributes({ TopicArn })).Attributes;
      expect(after.DisplayName).toBe("Jobs");
      expect(after.TopicArn).toBe(TopicArn);
    });

    // SetTopicAttributes lists `<Protocol>SuccessFeedbackRoleArn`,
    // `<Protocol>SuccessFeedbackSampleRate` and `<Protocol>FailureFeedbackRoleArn` for
    // HTTP, Amazon Data Firehose, Lambda, platform applications and Amazon SQS among the
    // attribute names it takes (API Reference, SetTopicAttributes).
    it("accepts the delivery-status logging attributes", async () => {
      const { TopicArn } = await c.t.sns.createTopic({ Name: c.name("feedback") });
      const role = "arn:aws:iam::123456789012:role/sns-delivery-status";
      for (const [AttributeName, AttributeValue] of [
        ["SQSSuccessFeedbackRoleArn", role],
        ["SQSSuccessFeedbackSampleRate", "100"],
        ["SQSFailureFeedbackRoleArn", role],
        ["LambdaFailureFeedbackRoleArn", role],
      ] as const) {
        await c.t.sns.setTopicAttributes({ TopicArn, AttributeName, AttributeValue });
      }
    });

    // AttributeName: "A map of attributes with their corresponding values. The following
    // lists the names, descriptions, and values of the special request parameters that the
    // SetTopicAttributes action uses"; InvalidParameter: "Indicates that a request parameter
    // does not comply with the associated constraints." (API Reference, SetTopicAttributes)
    it("refuses a topic attribute SNS does not have", async () => {
      const { TopicArn } = await c.t.sns.createTopic({ Name: c.name("bad-attr") });
      const setting = c.t.sns.setTopicAttributes({
        TopicArn,
        AttributeName: "Colour",
        AttributeValue: "blue",
      });
      if (c.quirks.acceptsUnknownTopicAttribute) {
        await setting;
        return;
      }
      await expectAwsError(setting, "InvalidParameter");
    });

    it("answers NotFound for a topic that does not exist", async () => {
      const { TopicArn } = await c.t.sns.createTopic({ Name: c.name("gone") });
      await c.t.sns.deleteTopic({ TopicArn });
      await expectAwsError(c.t.sns.publish({ TopicArn, Message: "x" }), "NotFound");
      await expectAwsError(c.t.sns.getTopicAttributes({ TopicArn }), "NotFound");
      await expectAwsError(
        c.t.sns.setTopicAttributes({ TopicArn, AttributeName: "DisplayName", AttributeValue: "x" }),
        "NotFound",
      );
    });

    // "This action is idempotent, so deleting a topic that does not exist does not result in
    // an error." TopicArn: "Required: Yes" (API Reference, DeleteTopic)
    it("deletes idempotently, and refuses a DeleteTopic without a TopicArn", async () => {
      const { TopicArn } = await c.t.sns.createTopic({ Name: c.name("delete") });
      await c.t.sns.deleteTopic({ TopicArn });
      await c.t.sns.deleteTopic({ TopicArn });
      const withoutArn = c.t.sns.deleteTopic({} as { TopicArn: string });
      if (c.quirks.serverErrorWithoutTopicArn) {
        const error = await withoutArn.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(awsErrorCode(error)).not.toBe("InvalidParameter");
        expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata).toMatchObject({
          httpStatusCode: 500,
        });
        return;
      }
      await expectAwsError(withoutArn, "InvalidParameter");
      await expectAwsError(c.t.sns.deleteTopic({ TopicArn: "" }), "InvalidParameter");
    });
  });
}
