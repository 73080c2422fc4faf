import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Subscription } from "../../../src/engine/sns/types.js";
import { expectAwsError } from "../../support/aws-error.js";
import type { SuiteContext } from "../context.js";

/** Subscribe (sqs), Unsubscribe, ListSubscriptions(ByTopic), Get/SetSubscriptionAttributes. */
export function subscriptionCases(c: SuiteContext): void {
  describe("sns subscriptions", () => {
    it("lists a topic's subscriptions and unsubscribes", async () => {
      const { TopicArn, SubscriptionArn, q } = await c.topicWithQueue({
        RawMessageDelivery: "true",
      });
      const { Subscriptions = [] } = await c.t.sns.listSubscriptionsByTopic({ TopicArn });
      expect(Subscriptions).toHaveLength(1);
      expect(Subscriptions[0]).toMatchObject({
        SubscriptionArn,
        Protocol: "sqs",
        Endpoint: q.arn,
        TopicArn,
      });
      await c.t.sns.unsubscribe({ SubscriptionArn });
      expect((await c.t.sns.listSubscriptionsByTopic({ TopicArn })).Subscriptions).toEqual([]);
      await c.t.sns.publish({ TopicArn, Message: "nobody" });
      expect(await c.receiveOne(q.url)).toBeUndefined();
      await expectAwsError(c.t.sns.getSubscriptionAttributes({ SubscriptionArn }), "NotFound");
    });

    // Unsubscribe is idempotent: a second call for the same subscription answers 200
    // (LocalStack's recording of AWS, tests/aws/services/sns/test_sns.snapshot.json:
    // test_unsubscribe_idempotency, 2025-10-06). A subscription ARN without its id is
    // refused ("Invalid parameter: SubscriptionId", test_unsubscribe_wrong_arn_format).
    it("unsubscribes idempotently", async () => {
      const { TopicArn, SubscriptionArn } = await c.topicWithQueue({});
      await c.t.sns.unsubscribe({ SubscriptionArn });
      await c.t.sns.unsubscribe({ SubscriptionArn });
      await c.t.sns.unsubscribe({ SubscriptionArn: `${TopicArn}:${randomUUID()}` });
      const withoutId = c.t.sns.unsubscribe({ SubscriptionArn: TopicArn });
      if (c.quirks.acceptsSubscriptionArnWithoutId) await withoutId;
      else await expectAwsError(withoutId, "InvalidParameter");
    });

    // "Returns a list of the requester's subscriptions." (API Reference, ListSubscriptions)
    it("lists every subscription of the account with ListSubscriptions", async () => {
      const one = await c.topicWithQueue({});
      const two = await c.topicWithQueue({});
      const found: Subscription[] = [];
      let NextToken: string | undefined;
      do {
        const page = await c.t.sns.listSubscriptions(NextToken ? { NextToken } : {});
        found.push(...page.Subscriptions);
        NextToken = page.NextToken;
      } while (NextToken);
      for (const { TopicArn, SubscriptionArn, q } of [one, two]) {
        expect(found.filter((s) => s.SubscriptionArn === SubscriptionArn)).toEqual([
          {
            SubscriptionArn,
            TopicArn,
            Protocol: "sqs",
            Endpoint: q.arn,
            Owner: expect.stringMatching(/^\d{12}$/),
          },
        ]);
      }
    });

    // "If the endpoint type is HTTP/S or email, or if the endpoint and the topic are not in
    // the same Amazon Web Services account, the endpoint owner must run the
    // ConfirmSubscription action" (API Reference, Subscribe): an SQS queue of the same
    // account is confirmed at once. "PendingConfirmation – true if the subscription hasn't
    // been confirmed." (API Reference, GetSubscriptionAttributes)
    it("gets a subscription's attributes", async () => {
      const { TopicArn, SubscriptionArn, q } = await c.topicWithQueue({});
      const { Attributes } = await c.t.sns.getSubscriptionAttributes({ SubscriptionArn });
      expect(Attributes).toMatchObject({
        SubscriptionArn,
        TopicArn,
        Protocol: "sqs",
        Endpoint: q.arn,
        Owner: expect.stringMatching(/^\d{12}$/),
        PendingConfirmation: "false",
        RawMessageDelivery: "false",
      });
      expect(Attributes.FilterPolicy).toBeUndefined();
    });

    it("sets subscription attributes, and delivery follows them", async () => {
      const { TopicArn, SubscriptionArn, q } = await c.topicWithQueue({});
      await c.t.sns.setSubscriptionAttributes({
        SubscriptionArn,
        AttributeName: "RawMessageDelivery",
        AttributeValue: "true",
      });
      const policy = JSON.stringify({ kind: ["keep"] });
      await c.t.sns.setSubscriptionAttributes({
        SubscriptionArn,
        AttributeName: "FilterPolicy",
        AttributeValue: policy,
      });
      const { Attributes } = await c.t.sns.getSubscriptionAttributes({ SubscriptionArn });
      expect(Attributes).toMatchObject({ RawMessageDelivery: "true", FilterPolicy: policy });
      for (const kind of ["drop", "keep"]) {
        await c.t.sns.publish({
          TopicArn,
          Message: `raw ${kind}`,
          MessageAttributes: { kind: { DataType: "String", StringValue: kind } },
        });
      }
      expect((await c.receiveOne(q.url))?.Body).toBe("raw keep");
      expect(await c.receiveOne(q.url)).toBeUndefined();
    });

    // AttributeName: "A map of attributes with their corresponding values. The following
    // lists the names, descriptions, and values of the special request parameters that this
    // action uses" (API Reference, SetSubscriptionAttributes)
    it("refuses a subscription attribute SNS does not have", async () => {
      const { SubscriptionArn } = await c.topicWithQueue({});
      await expectAwsError(
        c.t.sns.setSubscriptionAttributes({
          SubscriptionArn,
          AttributeName: "Colour",
          AttributeValue: "blue",
        }),
        "InvalidParameter",
      );
    });
  });
}
