import { createHash } from "node:crypto";
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postForm, startWireStack, type WireStack, xmlText } from "./support.js";

let stack: WireStack;
beforeAll(async () => {
  stack = await startWireStack();
});
afterAll(async () => {
  await stack?.close();
});

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
const SQS_NS = 'xmlns="http://queue.amazonaws.com/doc/2012-11-05/"';

describe("SQS query protocol, raw form posts", () => {
  it("creates a queue, sends with an attribute, receives with All, deletes", async () => {
    const created = await postForm(`${stack.url}/`, {
      Action: "CreateQueue",
      QueueName: "query-q",
      "Attribute.1.Name": "VisibilityTimeout",
      "Attribute.1.Value": "40",
      Version: "2012-11-05",
    });
    const createdXml = await created.text();
    expect(created.status).toBe(200);
    expect(createdXml).toContain(`<CreateQueueResponse ${SQS_NS}><CreateQueueResult>`);
    const queueUrl = xmlText(createdXml, "QueueUrl");
    expect(queueUrl).toBe(`${stack.url}/000000000000/query-q`);
    expect(xmlText(createdXml, "RequestId")).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      await stack.engine.sqs.getQueueAttributes({
        QueueUrl: queueUrl!,
        AttributeNames: ["VisibilityTimeout"],
      }),
    ).toEqual({ Attributes: { VisibilityTimeout: "40" } });

    // Posted to the queue's path, with no QueueUrl: the path names the queue.
    const sent = await postForm(`${stack.url}/000000000000/query-q`, {
      Action: "SendMessage",
      MessageBody: "a & b < c",
      "MessageAttribute.1.Name": "color",
      "MessageAttribute.1.Value.DataType": "String",
      "MessageAttribute.1.Value.StringValue": "blue",
      "MessageAttribute.2.Name": "raw",
      "MessageAttribute.2.Value.DataType": "Binary",
      "MessageAttribute.2.Value.BinaryValue": Buffer.from([1, 2, 3]).toString("base64"),
    });
    const sentXml = await sent.text();
    expect(sent.status).toBe(200);
    expect(xmlText(sentXml, "MD5OfMessageBody")).toBe(md5("a & b < c"));
    expect(xmlText(sentXml, "MD5OfMessageAttributes")).toMatch(/^[0-9a-f]{32}$/);

    const received = await postForm(`${stack.url}/`, {
      Action: "ReceiveMessage",
      QueueUrl: queueUrl!,
      "AttributeName.1": "All",
      "MessageAttributeName.1": "All",
    });
    const xml = await received.text();
    expect(received.status).toBe(200);
    expect(xml).toContain("<ReceiveMessageResult><Message><MessageId>");
    expect(xmlText(xml, "Body")).toBe("a & b < c");
    expect(xml).toContain("<Body>a &amp; b &lt; c</Body>");
    expect(xml).toContain(
      "<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>",
    );
    expect(xml).toContain(
      "<MessageAttribute><Name>color</Name><Value><DataType>String</DataType><StringValue>blue</StringValue></Value></MessageAttribute>",
    );
    expect(xml).toContain("<BinaryValue>AQID</BinaryValue>");
    expect(xmlText(xml, "MD5OfMessageAttributes")).toBe(xmlText(sentXml, "MD5OfMessageAttributes"));

    const deleted = await postForm(`${stack.url}/`, {
      Action: "DeleteMessage",
      QueueUrl: queueUrl!,
      ReceiptHandle: xmlText(xml, "ReceiptHandle")!,
    });
    const deletedXml = await deleted.text();
    expect(deleted.status).toBe(200);
    expect(deletedXml).toMatch(
      /^<\?xml[^>]*\?><DeleteMessageResponse xmlns="[^"]+"><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DeleteMessageResponse>$/,
    );
    expect((await stack.engine.queueStats(queueUrl!)).inFlight).toBe(0);
  });

  it("decodes batch entries and answers each in a flattened result entry", async () => {
    const url = (await stack.engine.sqs.createQueue({ QueueName: "query-batch" })).QueueUrl;
    const response = await postForm(`${stack.url}/`, {
      Action: "SendMessageBatch",
      QueueUrl: url,
      "SendMessageBatchRequestEntry.1.Id": "one",
      "SendMessageBatchRequestEntry.1.MessageBody": "1",
      "SendMessageBatchRequestEntry.2.Id": "two",
      "SendMessageBatchRequestEntry.2.MessageBody": "2",
      "SendMessageBatchRequestEntry.2.DelaySeconds": "901",
    });
    const xml = await response.text();
    expect(response.status).toBe(200);
    expect(xml).toContain("<SendMessageBatchResultEntry><Id>one</Id>");
    expect(xml).toContain("<BatchResultErrorEntry><Id>two</Id>");
    expect((await stack.engine.queueStats(url)).visible).toBe(1);
  });

  it("answers errors in SQS's XML shape with the query code", async () => {
    const response = await postForm(`${stack.url}/`, {
      Action: "GetQueueUrl",
      QueueName: "no-such-queue",
    });
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(xml).toContain(`<ErrorResponse ${SQS_NS}><Error><Type>Sender</Type>`);
    expect(xmlText(xml, "Code")).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(xml).toContain("<Detail/>");
    expect(xmlText(xml, "RequestId")).toBe(response.headers.get("x-amzn-requestid"));
  });

  it("answers an unknown action with InvalidAction, and a non-integer with InvalidParameterValue", async () => {
    const unknown = await postForm(`${stack.url}/`, { Action: "LaunchRocket" });
    expect(unknown.status).toBe(400);
    expect(xmlText(await unknown.text(), "Code")).toBe("InvalidAction");
    const bad = await postForm(`${stack.url}/`, {
      Action: "ListQueues",
      MaxResults: "many",
    });
    expect(bad.status).toBe(400);
    expect(xmlText(await bad.text(), "Code")).toBe("InvalidParameterValue");
  });
});

describe("SNS query protocol through the AWS SDK", () => {
  it("creates a topic, fans out through a filter policy with raw delivery, publishes in batches", async () => {
    const { TopicArn } = await stack.sns.send(
      new CreateTopicCommand({ Name: "orders", Tags: [{ Key: "team", Value: "a" }] }),
    );
    expect(TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:orders");
    const { Topics } = await stack.sns.send(new ListTopicsCommand({}));
    expect(Topics).toContainEqual({ TopicArn });
    const { Attributes: topicAttributes } = await stack.sns.send(
      new GetTopicAttributesCommand({ TopicArn }),
    );
    expect(topicAttributes?.TopicArn).toBe(TopicArn);

    const { QueueUrl } = await stack.sqs.send(new CreateQueueCommand({ QueueName: "orders-eu" }));
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    const { SubscriptionArn } = await stack.sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: Attributes!.QueueArn,
        Attributes: {
          FilterPolicy: JSON.stringify({ region: ["eu"] }),
          RawMessageDelivery: "true",
        },
        ReturnSubscriptionArn: true,
      }),
    );
    expect(SubscriptionArn).toMatch(/^arn:aws:sns:us-east-1:000000000000:orders:/);
    const sub = await stack.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
    expect(sub.Attributes?.RawMessageDelivery).toBe("true");
    const { Subscriptions } = await stack.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn }),
    );
    expect(Subscriptions?.map((s) => s.SubscriptionArn)).toEqual([SubscriptionArn]);

    const region = (value: string) => ({ region: { DataType: "String", StringValue: value } });
    const matching = await stack.sns.send(
      new PublishCommand({ TopicArn, Message: "for eu", MessageAttributes: region("eu") }),
    );
    expect(matching.MessageId).toBeTruthy();
    await stack.sns.send(
      new PublishCommand({ TopicArn, Message: "for us", MessageAttributes: region("us") }),
    );
    const batch = await stack.sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "batch eu", MessageAttributes: region("eu") },
          { Id: "b", Message: "batch us", MessageAttributes: region("us") },
        ],
      }),
    );
    expect(batch.Successful?.map((e) => e.Id)).toEqual(["a", "b"]);

    const peeked = await stack.engine.peekMessages({ QueueUrl: QueueUrl! });
    // Raw delivery: the bodies are the messages themselves, not SNS envelopes.
    expect(peeked.map((m) => m.Body).sort()).toEqual(["batch eu", "for eu"]);
  });

  it("answers a missing topic with NotFound in SNS's XML shape", async () => {
    const error = await stack.sns
      .send(new GetTopicAttributesCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:nope" }))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { Code?: string; $metadata: { httpStatusCode?: number } },
      );
    expect(error?.name).toBe("NotFoundException");
    expect(error?.Code).toBe("NotFound");
    expect(error?.$metadata.httpStatusCode).toBe(404);

    const raw = await postForm(`${stack.url}/`, {
      Action: "GetTopicAttributes",
      TopicArn: "arn:aws:sns:us-east-1:000000000000:nope",
      Version: "2010-03-31",
    });
    expect(raw.status).toBe(404);
    const xml = await raw.text();
    expect(xml).toContain("<Error><Type>Sender</Type><Code>NotFound</Code>");
    expect(xml).toContain('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    const unknown = await postForm(`${stack.url}/`, { Action: "Explode", Version: "2010-03-31" });
    expect(xmlText(await unknown.text(), "Code")).toBe("InvalidAction");
  });

  // AWS answers 400 InvalidParameter, not 404 (LocalStack's recording of AWS,
  // tests/aws/services/sns/test_sns.snapshot.json, test_create_topic_with_attributes).
  it("answers a malformed TopicArn with 400 InvalidParameter in SNS's XML shape", async () => {
    const raw = await postForm(`${stack.url}/`, {
      Action: "GetTopicAttributes",
      TopicArn: "test-topic",
      Version: "2010-03-31",
    });
    expect(raw.status).toBe(400);
    const xml = await raw.text();
    expect(xmlText(xml, "Code")).toBe("InvalidParameter");
    expect(xmlText(xml, "Message")).toBe(
      "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
    );
  });

  // The endpoint serves one region (us-east-1). A client configured for another region
  // gets that region's ARNs, which work; an ARN naming another region is refused with the
  // region it names and the one served, where it used to be a 404 (a topic) or a
  // subscription that silently received nothing (a queue).
  it("serves one region, and refuses ARNs of another with a clear error", async () => {
    const eu = new SNSClient({
      endpoint: stack.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    try {
      const { TopicArn } = await eu.send(new CreateTopicCommand({ Name: "regional" }));
      expect(TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:regional");
      await eu.send(new PublishCommand({ TopicArn, Message: "served" }));
      const euTopic = "arn:aws:sns:eu-west-1:000000000000:regional";
      const refused = await eu.send(new PublishCommand({ TopicArn: euTopic, Message: "x" })).then(
        () => undefined,
        (e: unknown) => e as Error & { Code?: string; $metadata: { httpStatusCode?: number } },
      );
      expect(refused?.Code).toBe("InvalidParameter");
      expect(refused?.$metadata.httpStatusCode).toBe(400);
      expect(refused?.message).toBe(
        `Invalid parameter: TopicArn Reason: ${euTopic} is in region "eu-west-1"; this endpoint serves us-east-1 only, so nothing there can be reached`,
      );
      const euQueue = "arn:aws:sqs:eu-west-1:000000000000:regional";
      const subscribing = await eu
        .send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: euQueue }))
        .then(
          () => undefined,
          (e: unknown) => e as Error & { Code?: string },
        );
      expect(subscribing?.Code).toBe("InvalidParameter");
      expect(subscribing?.message).toMatch(/^Invalid parameter: Endpoint Reason: .*eu-west-1/);
      const { Subscriptions } = await eu.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
      expect(Subscriptions ?? []).toEqual([]);
    } finally {
      eu.destroy();
    }
  });
});
