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

    // AWS answers a TopicArn that is not an ARN with 400 InvalidParameter, "Invalid parameter:
    // TopicArn Reason: An ARN must have at least 6 elements, not 1", whatever the action
    // (LocalStack's recordings of AWS, tests/aws/services/sns/test_sns.snapshot.json:
    // test_publish_wrong_arn_format, test_create_topic_with_attributes,
    // test_subscribe_with_invalid_topic), not 404 NotFound.
    it("refuses a malformed topic ARN with InvalidParameter on every action", async () => {
      const q = await c.queue("malformed-arn");
      const TopicArn = "randomstring";
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["Publish", () => c.t.sns.publish({ TopicArn, Message: "x" })],
        ["Publish to TargetArn", () => c.t.sns.publish({ TargetArn: TopicArn, Message: "x" })],
        [
          "PublishBatch",
          () =>
            c.t.sns.publishBatch({
              TopicArn,
              PublishBatchRequestEntries: [{ Id: "one", Message: "x" }],
            }),
        ],
        ["GetTopicAttributes", () => c.t.sns.getTopicAttributes({ TopicArn })],
        [
          "SetTopicAttributes",
          () =>
            c.t.sns.setTopicAttributes({
              TopicArn,
              AttributeName: "DisplayName",
              AttributeValue: "x",
            }),
        ],
        ["DeleteTopic", () => c.t.sns.deleteTopic({ TopicArn })],
        ["Subscribe", () => c.t.sns.subscribe({ TopicArn, Protocol: "sqs", Endpoint: q.arn })],
        ["ListSubscriptionsByTopic", () => c.t.sns.listSubscriptionsByTopic({ TopicArn })],
        ["Unsubscribe", () => c.t.sns.unsubscribe({ SubscriptionArn: TopicArn })],
        [
          "GetSubscriptionAttributes",
          () => c.t.sns.getSubscriptionAttributes({ SubscriptionArn: TopicArn }),
        ],
      ];
      const answers: Record<string, string | undefined> = {};
      for (const [action, call] of calls) {
        answers[action] =
          awsErrorCode(
            await call().then(
              () => undefined,
              (error: unknown) => error,
            ),
          ) ?? "succeeded";
      }
      expect(answers).toEqual(
        Object.fromEntries(
          calls.map(([action]) => [
            action,
            c.quirks.malformedArnAnswers?.[action] ?? "InvalidParameter",
          ]),
        ),
      );
    });

    // A standard topic's GetTopicAttributes has no FifoTopic, even when CreateTopic said
    // FifoTopic=false; CreateTopic takes FifoTopic=false again for the same topic; and
    // SetTopicAttributes refuses FifoTopic ("Invalid parameter: AttributeName"). LocalStack's
    // recordings of AWS: test_topic_get_attributes_with_fifo_false (2025-09-29),
    // test_create_topic_different_attrs (2026-02-06).
    it("does not list FifoTopic=false among a standard topic's attributes", async () => {
      const Name = c.name("fifo-false");
      const { TopicArn } = await c.t.sns.createTopic({
        Name,
        Attributes: { FifoTopic: "false" },
      });
      const { Attributes } = await c.t.sns.getTopicAttributes({ TopicArn });
      expect(Attributes.TopicArn).toBe(TopicArn);
      expect(Attributes.FifoTopic).toBeUndefined();
      const plain = await c.t.sns.createTopic({ Name: c.name("plain") });
      const again = await c.t.sns.createTopic({
        Name: plain.TopicArn.split(":").at(-1)!,
        Attributes: { FifoTopic: "false" },
      });
      expect(again.TopicArn).toBe(plain.TopicArn);
      const setting = c.t.sns.setTopicAttributes({
        TopicArn,
        AttributeName: "FifoTopic",
        AttributeValue: "false",
      });
      if (c.quirks.acceptsUnknownTopicAttribute) await setting;
      else await expectAwsError(setting, "InvalidParameter");
    });
  });
}
