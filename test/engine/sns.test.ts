import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/index.js";
import { expectAwsError } from "../support/aws-error.js";
import { openTestEngine, type TestEngine } from "../support/engine.js";

let te: TestEngine;
let sns: Engine["sns"];
let sqs: Engine["sqs"];
let topicArn: string;
let queueUrl: string;
const queueArn = "arn:aws:sqs:us-east-1:000000000000:inbox";

beforeEach(async () => {
  te = openTestEngine();
  ({ sns, sqs } = te.engine);
  topicArn = (await sns.createTopic({ Name: "jobs" })).TopicArn;
  queueUrl = (await sqs.createQueue({ QueueName: "inbox" })).QueueUrl;
});
afterEach(() => te.close());

async function bodies(): Promise<string[]> {
  const { Messages = [] } = await sqs.receiveMessage({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
  });
  return Messages.map((m) => m.Body);
}

describe("SNS envelope", () => {
  it("is byte for byte the layout SNS writes", async () => {
    const sub = await sns.subscribe({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn });
    const { MessageId } = await sns.publish({
      TopicArn: topicArn,
      Message: 'say "hi"',
      Subject: "Greeting",
      MessageAttributes: {
        kind: { DataType: "String", StringValue: "demo" },
        blob: { DataType: "Binary", BinaryValue: new Uint8Array([2, 3, 4]) },
      },
    });
    const [body] = await bodies();
    const timestamp = new Date(te.clock.now()).toISOString();
    expect(body).toBe(
      [
        "{",
        '  "Type" : "Notification",',
        `  "MessageId" : "${MessageId}",`,
        `  "TopicArn" : "${topicArn}",`,
        '  "Subject" : "Greeting",',
        '  "Message" : "say \\"hi\\"",',
        `  "Timestamp" : "${timestamp}",`,
        '  "SignatureVersion" : "1",',
        '  "Signature" : "",',
        '  "SigningCertURL" : "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-offload-local.pem",',
        `  "UnsubscribeURL" : "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${sub.SubscriptionArn}",`,
        '  "MessageAttributes" : {',
        '    "kind" : {"Type":"String","Value":"demo"},',
        '    "blob" : {"Type":"Binary","Value":"AgME"}',
        "  }",
        "}",
      ].join("\n"),
    );
  });

  it("delivers the sqs key of a JSON message structure, else default", async () => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true" },
    });
    await sns.publish({
      TopicArn: topicArn,
      MessageStructure: "json",
      Message: JSON.stringify({ default: "for everyone", sqs: "for queues" }),
    });
    await sns.publish({
      TopicArn: topicArn,
      MessageStructure: "json",
      Message: JSON.stringify({ default: "only default" }),
    });
    expect((await bodies()).sort()).toEqual(["for queues", "only default"]);
  });

  it("delivers String.Array attributes raw with their data type", async () => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify({ tags: ["b"] }) },
    });
    await sns.publish({
      TopicArn: topicArn,
      Message: "tagged",
      MessageAttributes: { tags: { DataType: "String.Array", StringValue: '["a","b"]' } },
    });
    const { Messages = [] } = await sqs.receiveMessage({
      QueueUrl: queueUrl,
      MessageAttributeNames: ["All"],
    });
    expect(Messages[0]?.MessageAttributes?.tags).toEqual({
      DataType: "String.Array",
      StringValue: '["a","b"]',
    });
  });

  it("filters a custom-labelled attribute as its base type", async () => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: {
        RawMessageDelivery: "true",
        FilterPolicy: JSON.stringify({ size: [{ numeric: [">", 10] }], kind: ["big"] }),
      },
    });
    for (const [size, kind] of [
      ["5", "big"],
      ["50", "big"],
      ["50", "small"],
    ] as const) {
      await sns.publish({
        TopicArn: topicArn,
        Message: `${size} ${kind}`,
        MessageAttributes: {
          size: { DataType: "Number.java.lang.Long", StringValue: size },
          kind: { DataType: "String.label", StringValue: kind },
        },
      });
    }
    expect(await bodies()).toEqual(["50 big"]);
  });

  it("commits a publish and its deliveries together, to every matching queue", async () => {
    await sqs.createQueue({ QueueName: "second" });
    for (const endpoint of [queueArn, "arn:aws:sqs:us-east-1:000000000000:second"]) {
      await sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: endpoint,
        Attributes: { RawMessageDelivery: "true" },
      });
    }
    const before = te.engine.commitStats().groups;
    await sns.publish({ TopicArn: topicArn, Message: "fan-out" });
    expect(te.engine.commitStats().groups - before).toBe(1);
    expect(await bodies()).toEqual(["fan-out"]);
    expect(
      (await te.engine.queueStats("https://sqs.us-east-1.amazonaws.com/000000000000/second"))
        .visible,
    ).toBe(1);
  });

  it("skips a subscription whose queue does not exist", async () => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: "arn:aws:sqs:us-east-1:000000000000:nowhere",
    });
    await expect(sns.publish({ TopicArn: topicArn, Message: "lost" })).resolves.toHaveProperty(
      "MessageId",
    );
  });
});

describe("SNS topics and subscriptions", () => {
  it("returns AWS's default topic attributes", async () => {
    await sns.subscribe({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn });
    const { Attributes } = await sns.getTopicAttributes({ TopicArn: topicArn });
    expect(Attributes).toMatchObject({
      TopicArn: topicArn,
      Owner: "000000000000",
      DisplayName: "",
      SubscriptionsConfirmed: "1",
      SubscriptionsPending: "0",
      SubscriptionsDeleted: "0",
    });
    expect(JSON.parse(Attributes.Policy!).Statement[0].Resource).toBe(topicArn);
    await sns.setTopicAttributes({
      TopicArn: topicArn,
      AttributeName: "DisplayName",
      AttributeValue: "Jobs",
    });
    expect((await sns.getTopicAttributes({ TopicArn: topicArn })).Attributes.DisplayName).toBe(
      "Jobs",
    );
  });

  it("subscribes idempotently and refuses different attributes", async () => {
    const a = await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true" },
    });
    const b = await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true" },
    });
    expect(b.SubscriptionArn).toBe(a.SubscriptionArn);
    expect(a.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    const error = await expectAwsError(
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: "false" },
      }),
      "InvalidParameter",
    );
    expect(error.message).toBe(
      "Invalid parameter: Attributes Reason: Subscription already exists with different attributes",
    );
  });

  it("reads and changes subscription attributes", async () => {
    const { SubscriptionArn } = await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
    });
    await sns.setSubscriptionAttributes({
      SubscriptionArn,
      AttributeName: "FilterPolicy",
      AttributeValue: JSON.stringify({ jobName: ["greeting"] }),
    });
    const { Attributes } = await sns.getSubscriptionAttributes({ SubscriptionArn });
    expect(Attributes).toMatchObject({
      SubscriptionArn,
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      RawMessageDelivery: "false",
      PendingConfirmation: "false",
      FilterPolicy: '{"jobName":["greeting"]}',
      FilterPolicyScope: "MessageAttributes",
    });
    await sns.setSubscriptionAttributes({
      SubscriptionArn,
      AttributeName: "FilterPolicy",
      AttributeValue: "",
    });
    expect(
      (await sns.getSubscriptionAttributes({ SubscriptionArn })).Attributes.FilterPolicy,
    ).toBeUndefined();
  });

  it("deletes a topic with its subscriptions", async () => {
    const { SubscriptionArn } = await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
    });
    await sns.deleteTopic({ TopicArn: topicArn });
    await expectAwsError(sns.getSubscriptionAttributes({ SubscriptionArn }), "NotFound");
    expect((await sns.listTopics()).Topics).toEqual([]);
    await sns.deleteTopic({ TopicArn: topicArn });
  });

  it("pages topics and subscriptions 100 at a time", async () => {
    for (let i = 0; i < 120; i++) await sns.createTopic({ Name: `t${String(i).padStart(3, "0")}` });
    const first = await sns.listTopics();
    expect(first.Topics).toHaveLength(100);
    const second = await sns.listTopics({ NextToken: first.NextToken! });
    expect(second.Topics).toHaveLength(21);
    expect(second.NextToken).toBeUndefined();
    for (let i = 0; i < 105; i++) {
      await sns.subscribe({ TopicArn: topicArn, Protocol: "sqs", Endpoint: `${queueArn}-${i}` });
    }
    const subs = await sns.listSubscriptionsByTopic({ TopicArn: topicArn });
    expect(subs.Subscriptions).toHaveLength(100);
    const rest = await sns.listSubscriptions({ NextToken: subs.NextToken! });
    expect(rest.Subscriptions).toHaveLength(5);
  });
});

type Case = [label: string, call: () => Promise<unknown>, code: string, message: string | RegExp];
const attr = (DataType: string, StringValue?: string) => ({
  DataType,
  ...(StringValue === undefined ? {} : { StringValue }),
});

const cases: Case[] = [
  [
    "publish to a topic that does not exist",
    () => sns.publish({ TopicArn: `${topicArn}-none`, Message: "x" }),
    "NotFound",
    "Topic does not exist",
  ],
  [
    "an empty message",
    () => sns.publish({ TopicArn: topicArn, Message: "" }),
    "InvalidParameter",
    "Invalid parameter: Empty message",
  ],
  [
    "a message over 256 KiB",
    () => sns.publish({ TopicArn: topicArn, Message: "x".repeat(262_145) }),
    "InvalidParameter",
    "Invalid parameter: Message too long",
  ],
  [
    "message plus attributes over 256 KiB",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x".repeat(262_140),
        MessageAttributes: { abc: attr("String", "x") },
      }),
    "InvalidParameter",
    "Invalid parameter: Message too long",
  ],
  [
    "an empty subject",
    () => sns.publish({ TopicArn: topicArn, Message: "x", Subject: "" }),
    "InvalidParameter",
    "Invalid parameter: Subject",
  ],
  [
    "a subject with a line break",
    () => sns.publish({ TopicArn: topicArn, Message: "x", Subject: "a\nb" }),
    "InvalidParameter",
    "Invalid parameter: Subject",
  ],
  [
    "JSON structure without default",
    () => sns.publish({ TopicArn: topicArn, Message: '{"sqs":"x"}', MessageStructure: "json" }),
    "InvalidParameter",
    "Invalid parameter: Message Structure - No default entry in JSON message body",
  ],
  [
    "JSON structure that is not JSON",
    () => sns.publish({ TopicArn: topicArn, Message: "{", MessageStructure: "json" }),
    "InvalidParameter",
    "Invalid parameter: Message Structure - JSON message body failed to parse",
  ],
  [
    "an attribute of an unknown type",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("Date", "1") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
  ],
  [
    "an empty String attribute",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("String", "") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.",
  ],
  [
    "a Number attribute without a string value",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("Number") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' with type 'Number' must use field 'String'.",
  ],
  [
    "a Binary attribute without bytes",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("Binary", "x") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.",
  ],
  [
    "a String.Array that is not an array",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { a: attr("String.Array", "nope") },
      }),
    "ParameterValueInvalid",
    /must hold a JSON array/,
  ],
  [
    "an attribute name with ^",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { "a^b": attr("String", "1") },
      }),
    "ParameterValueInvalid",
    "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.",
  ],
  [
    "an attribute name starting with a dot",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { ".a": attr("String", "1") },
      }),
    "ParameterValueInvalid",
    "Invalid message attribute name starting with character '.' was found.",
  ],
  [
    "an attribute name ending with a dot",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { "a.": attr("String", "1") },
      }),
    "ParameterValueInvalid",
    "Invalid message attribute name ending with character '.' was found.",
  ],
  [
    "an attribute name with two dots",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { "a..b": attr("String", "1") },
      }),
    "ParameterValueInvalid",
    "Message attribute name can not have successive '.' character.",
  ],
  [
    "an invalid topic name",
    () => sns.createTopic({ Name: "bad name" }),
    "InvalidParameter",
    "Invalid parameter: Topic Name",
  ],
  [
    "a FIFO topic",
    () => sns.createTopic({ Name: "jobs.fifo" }),
    "InvalidParameter",
    /FIFO topics \(jobs\.fifo\) are not supported/,
  ],
  [
    "an unknown topic attribute",
    () => sns.createTopic({ Name: "other", Attributes: { Colour: "red" } }),
    "InvalidParameter",
    "Invalid parameter: AttributeName",
  ],
  [
    "a DeleteTopic without a TopicArn",
    () => sns.deleteTopic({} as { TopicArn: string }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: no value for required parameter",
  ],
  // LocalStack's recordings of AWS (tests/aws/services/sns/test_sns.snapshot.json) for the
  // texts below, unless a case says otherwise.
  [
    "a TopicArn that is not an ARN (test_publish_wrong_arn_format)",
    () => sns.publish({ TopicArn: "randomstring", Message: "x" }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
  ],
  [
    "a TopicArn of two elements (test_publish_wrong_arn_format)",
    () => sns.publish({ TopicArn: "randomstring:1", Message: "x" }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2",
  ],
  [
    "an empty TopicArn (test_publish_wrong_arn_format)",
    () => sns.publish({ TopicArn: "", Message: "x" }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
  ],
  [
    "a malformed TargetArn",
    () => sns.publish({ TargetArn: "randomstring", Message: "x" }),
    "InvalidParameter",
    "Invalid parameter: TargetArn Reason: An ARN must have at least 6 elements, not 1",
  ],
  [
    "GetTopicAttributes of a malformed ARN (test_create_topic_with_attributes)",
    () => sns.getTopicAttributes({ TopicArn: "test-topic" }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
  ],
  [
    "subscribe to a TopicArn of five elements (test_subscribe_with_invalid_topic)",
    () =>
      sns.subscribe({
        TopicArn: "arn:aws:sns:us-east-1:random",
        Protocol: "sqs",
        Endpoint: queueArn,
      }),
    "InvalidParameter",
    "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5",
  ],
  [
    "unsubscribe a malformed ARN (test_unsubscribe_wrong_arn_format)",
    () => sns.unsubscribe({ SubscriptionArn: "randomstring" }),
    "InvalidParameter",
    "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1",
  ],
  [
    "unsubscribe a topic ARN (test_unsubscribe_wrong_arn_format)",
    () => sns.unsubscribe({ SubscriptionArn: "arn:aws:sns:us-east-1:000000000000:random" }),
    "InvalidParameter",
    "Invalid parameter: SubscriptionId",
  ],
  [
    "unsubscribe without an ARN (test_unsubscribe_wrong_arn_format)",
    () => sns.unsubscribe({} as { SubscriptionArn: string }),
    "InvalidParameter",
    "Invalid parameter: SubscriptionArn Reason: no value for required parameter",
  ],
  [
    "a topic of another region (test_topic_publish_another_region: AWS's text, and the reason)",
    () => sns.publish({ TopicArn: topicArn.replace("us-east-1", "eu-west-1"), Message: "x" }),
    "InvalidParameter",
    'Invalid parameter: TopicArn Reason: arn:aws:sns:eu-west-1:000000000000:jobs is in region "eu-west-1"; this endpoint serves us-east-1 only, so nothing there can be reached',
  ],
  [
    "a batch to a topic of another region (test_topic_publish_another_region)",
    () =>
      sns.publishBatch({
        TopicArn: topicArn.replace("us-east-1", "eu-west-1"),
        PublishBatchRequestEntries: [{ Id: "a", Message: "x" }],
      }),
    "InvalidParameter",
    /^Invalid parameter: TopicArn Reason: .* is in region "eu-west-1"/,
  ],
  [
    "subscribe to a topic of another region (test_cross_region_access)",
    () =>
      sns.subscribe({
        TopicArn: topicArn.replace("us-east-1", "eu-west-1"),
        Protocol: "sqs",
        Endpoint: queueArn,
      }),
    "InvalidParameter",
    /^Invalid parameter: TopicArn Reason: .* is in region "eu-west-1"/,
  ],
  [
    "subscribe a queue of another region, where nothing could be delivered",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: "arn:aws:sqs:eu-west-1:000000000000:inbox",
      }),
    "InvalidParameter",
    'Invalid parameter: Endpoint Reason: arn:aws:sqs:eu-west-1:000000000000:inbox is in region "eu-west-1"; this endpoint serves us-east-1 only, so nothing there can be reached',
  ],
  [
    "subscribe a queue of another account, where nothing could be delivered",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: "arn:aws:sqs:us-east-1:111111111111:inbox",
      }),
    "InvalidParameter",
    'Invalid parameter: Endpoint Reason: arn:aws:sqs:us-east-1:111111111111:inbox belongs to account "111111111111"; this endpoint serves account 000000000000 only, so nothing there can be reached',
  ],
  [
    "MessageDeduplicationId on a standard topic (test_validations_for_fifo)",
    () => sns.publish({ TopicArn: topicArn, Message: "x", MessageDeduplicationId: "d-1" }),
    "InvalidParameter",
    "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
  ],
  [
    "an empty MessageGroupId (API reference, Publish: 1 to 128 characters)",
    () => sns.publish({ TopicArn: topicArn, Message: "x", MessageGroupId: "" }),
    "ParameterValueInvalid",
    /^Invalid parameter: MessageGroupId Reason: must be 1 to 128 characters .*; got an empty value$/,
  ],
  [
    "a MessageGroupId of 129 characters",
    () => sns.publish({ TopicArn: topicArn, Message: "x", MessageGroupId: "g".repeat(129) }),
    "ParameterValueInvalid",
    /^Invalid parameter: MessageGroupId Reason: .*; got 129 characters$/,
  ],
  [
    "a MessageGroupId with a space",
    () => sns.publish({ TopicArn: topicArn, Message: "x", MessageGroupId: "a b" }),
    "ParameterValueInvalid",
    /^Invalid parameter: MessageGroupId Reason: .*; got "a b", which has a character outside that set$/,
  ],
  [
    "the attribute type String. (test_message_attributes_prefixes)",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("String.", "prefixed-1") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
  ],
  [
    "the attribute type Stringprefixed (test_message_attributes_prefixes)",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: attr("Stringprefixed", "prefixed-1") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
  ],
  [
    "a Number.x that is not a number",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { n: attr("Number.java.lang.Long", "ten") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'n' has an invalid numeric value: 'ten'.",
  ],
  [
    "a Number over 38 digits, which SQS refuses: raw delivery would drop it after the publish",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { n: attr("Number", "1234567890123456789012345678901234567890") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'n' has an invalid numeric value: '1234567890123456789012345678901234567890'.",
  ],
  [
    "a Number in hexadecimal, which SQS refuses too",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { n: attr("Number", "0x10") },
      }),
    "ParameterValueInvalid",
    "The message attribute 'n' has an invalid numeric value: '0x10'.",
  ],
  [
    "an empty Binary (test_empty_or_wrong_message_attributes)",
    () =>
      sns.publish({
        TopicArn: topicArn,
        Message: "x",
        MessageAttributes: { attr1: { DataType: "Binary", BinaryValue: new Uint8Array() } },
      }),
    "ParameterValueInvalid",
    "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.",
  ],
  [
    "SetTopicAttributes FifoTopic (test_topic_get_attributes_with_fifo_false)",
    () =>
      sns.setTopicAttributes({
        TopicArn: topicArn,
        AttributeName: "FifoTopic",
        AttributeValue: "false",
      }),
    "InvalidParameter",
    "Invalid parameter: AttributeName",
  ],
  [
    "FifoTopic=true on a name without .fifo (test_create_topic_name_constraints: AWS's prefix)",
    () => sns.createTopic({ Name: "plain", Attributes: { FifoTopic: "true" } }),
    "InvalidParameter",
    /^Invalid parameter: Topic Name Reason: FifoTopic=true needs a name ending in \.fifo/,
  ],
  [
    "a topic again with different attributes",
    () => sns.createTopic({ Name: "jobs", Attributes: { DisplayName: "Other" } }),
    "InvalidParameter",
    "Invalid parameter: Attributes Reason: Topic already exists with different attributes",
  ],
  [
    "an unknown protocol",
    () => sns.subscribe({ TopicArn: topicArn, Protocol: "pigeon", Endpoint: queueArn }),
    "InvalidParameter",
    "Invalid parameter: Amazon SNS does not support this protocol string: pigeon",
  ],
  [
    "an AWS protocol the engine does not deliver to",
    () =>
      sns.subscribe({ TopicArn: topicArn, Protocol: "https", Endpoint: "https://example.test" }),
    "InvalidParameter",
    /delivers to SQS queues only.*"https" works on AWS but not locally/,
  ],
  [
    "a queue URL as SQS endpoint",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: "https://sqs.us-east-1.amazonaws.com/000000000000/inbox",
      }),
    "InvalidParameter",
    "Invalid parameter: SQS endpoint ARN",
  ],
  [
    "subscribe with RawMessageDelivery yes",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        Attributes: { RawMessageDelivery: "yes" },
      }),
    "InvalidParameter",
    "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [yes]. Must be true or false.",
  ],
  [
    "subscribe with an invalid filter policy",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        Attributes: { FilterPolicy: '{"a":"b"}' },
      }),
    "InvalidParameter",
    /^Invalid parameter: Attributes Reason: FilterPolicy: /,
  ],
  [
    "an unknown subscription attribute",
    () =>
      sns.subscribe({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        Attributes: { Colour: "red" },
      }),
    "InvalidParameter",
    "Invalid parameter: Attributes Reason: AttributeName",
  ],
  [
    "subscribe to a topic that does not exist",
    () => sns.subscribe({ TopicArn: `${topicArn}-none`, Protocol: "sqs", Endpoint: queueArn }),
    "NotFound",
    "Topic does not exist",
  ],
  [
    "subscription attributes of nothing",
    () =>
      sns.getSubscriptionAttributes({
        SubscriptionArn: `${topicArn}:00000000-0000-0000-0000-000000000000`,
      }),
    "NotFound",
    "Subscription does not exist",
  ],
  [
    "a publish batch of 11",
    () =>
      sns.publishBatch({
        TopicArn: topicArn,
        PublishBatchRequestEntries: Array.from({ length: 11 }, (_, i) => ({
          Id: `e${i}`,
          Message: "x",
        })),
      }),
    "TooManyEntriesInBatchRequest",
    "The batch request contains more entries than permissible.",
  ],
  [
    "an empty publish batch",
    () => sns.publishBatch({ TopicArn: topicArn, PublishBatchRequestEntries: [] }),
    "EmptyBatchRequest",
    /doesn't contain any entries/,
  ],
  [
    "repeated publish batch ids",
    () =>
      sns.publishBatch({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "1" },
          { Id: "a", Message: "2" },
        ],
      }),
    "BatchEntryIdsNotDistinct",
    "Two or more batch entries in the request have the same Id.",
  ],
  [
    "a publish batch id with a space",
    () =>
      sns.publishBatch({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [{ Id: "a b", Message: "1" }],
      }),
    "InvalidBatchEntryId",
    "The Id of a batch entry in the batch request contains an impermissible character: a b",
  ],
  [
    "a publish batch over 256 KiB",
    () =>
      sns.publishBatch({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "x".repeat(200_000) },
          { Id: "b", Message: "x".repeat(200_000) },
        ],
      }),
    "BatchRequestTooLong",
    /more than the limit/,
  ],
];

describe("SNS errors", () => {
  it.each(cases)("%s", async (_label, call, code, message) => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true" },
    });
    const error = await expectAwsError(call(), code);
    if (typeof message === "string") expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect((await te.engine.queueStats(queueUrl)).visible).toBe(0);
  });

  it("fails only the bad entries of a publish batch", async () => {
    await sns.subscribe({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: "true" },
    });
    const out = await sns.publishBatch({
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        { Id: "good", Message: "ok" },
        { Id: "bad", Message: "" },
      ],
    });
    expect(out.Successful.map((s) => s.Id)).toEqual(["good"]);
    expect(out.Failed).toEqual([
      {
        Id: "bad",
        Code: "InvalidParameter",
        Message: "Invalid parameter: Empty message",
        SenderFault: true,
      },
    ]);
    expect(await bodies()).toEqual(["ok"]);
  });
});
