import { CreateTopicCommand, PublishCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postForm, startWireStack, type WireStack, xmlText } from "./support.js";

/**
 * SQS behaviour through the AWS SDK where outside emulators and suites disagree. Each case
 * names its evidence: a recording of AWS's own answer (LocalStack's AWS-validated snapshots,
 * tests/aws/services/sqs/test_sqs.snapshot.json) or the API reference.
 */

let stack: WireStack;
beforeAll(async () => {
  stack = await startWireStack();
});
afterAll(async () => {
  await stack?.close();
});

let counter = 0;
async function createQueue(hint: string): Promise<{ url: string; name: string }> {
  const name = `${hint}-${counter++}`;
  const { QueueUrl } = await stack.sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl!, name };
}

/** The SDK error of a call that must fail. */
async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
  );
  if (error === undefined) throw new Error("expected the call to fail");
  return error;
}

describe("ReceiveMessage MessageAttributeNames (verified against AWS)", () => {
  // Recorded from AWS: test_receive_message_message_attribute_names_filters, recorded
  // 06-07-2023. The MD5s below are AWS's, over the attributes each answer returned.
  it("takes All, .*, * and prefix.* as AWS does, with the MD5 of what is returned", async () => {
    const q = await createQueue("names");
    const sent = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: "msg",
        MessageAttributes: {
          "Help.Me": { DataType: "String", StringValue: "Me" },
          Hello: { DataType: "String", StringValue: "There" },
          General: { DataType: "String", StringValue: "Kenobi" },
        },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toBe("4c360f3fdafd970e05fae2f149d997f5");
    const receive = async (MessageAttributeNames: string[]) => {
      const { Messages } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: q.url, MessageAttributeNames, VisibilityTimeout: 0 }),
      );
      const [message] = Messages ?? [];
      return {
        names: Object.keys(message?.MessageAttributes ?? {}).sort(),
        md5: message?.MD5OfMessageAttributes,
      };
    };
    const all = { names: ["General", "Hello", "Help.Me"], md5: "4c360f3fdafd970e05fae2f149d997f5" };
    expect(await receive(["All"])).toEqual(all);
    expect(await receive(["*"])).toEqual(all);
    expect(await receive([".*"])).toEqual(all);
    expect(await receive(["Hel.*"])).toEqual({
      names: ["Hello", "Help.Me"],
      md5: "83fee93c1bcd8b9a5a923ffacdc636c7",
    });
    expect(await receive(["Hello", "General"])).toEqual({
      names: ["General", "Hello"],
      md5: "fca026605781cb4126a1e9044df24232",
    });
    expect(await receive(["Foo", "Hello"])).toEqual({
      names: ["Hello"],
      md5: "a311262e065454b75da111d535b8dacd",
    });
    expect(await receive(["Foo", "Help"])).toEqual({ names: [], md5: undefined });
  });
});

describe("what SQS refuses (verified against the API reference and AWS's answers)", () => {
  // API Reference, SendMessage, MessageGroupId: "The length of MessageGroupId is 128
  // characters. Valid values: alphanumeric characters and punctuation
  // (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)."
  it("refuses a MessageGroupId that is empty, too long or not alphanumeric and punctuation", async () => {
    const q = await createQueue("group-ids");
    for (const id of ["", "g".repeat(129), "two words", "é"]) {
      const error = await failure(
        stack.sqs.send(
          new SendMessageCommand({ QueueUrl: q.url, MessageBody: "x", MessageGroupId: id }),
        ),
      );
      expect(error.name).toBe("InvalidParameterValue");
      expect(error.message).toBe(
        `Value ${id} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    for (const id of ["g".repeat(128), `a1${punctuation}`]) {
      await stack.sqs.send(
        new SendMessageCommand({ QueueUrl: q.url, MessageBody: "x", MessageGroupId: id }),
      );
    }
  });

  // AWS answers "Unknown Attribute FifoQueue." (InvalidAttributeName) to FifoQueue on a
  // standard queue, false included: the text AWS-recorded clients assert (ballerina's
  // module-aws.sqs tests against eu-north-1; fauxqs' AWS-compatibility tests).
  it("refuses FifoQueue=false on a standard queue's CreateQueue and SetQueueAttributes", async () => {
    const created = await failure(
      stack.sqs.send(
        new CreateQueueCommand({
          QueueName: `fifo-false-${counter++}`,
          Attributes: { FifoQueue: "false" },
        }),
      ),
    );
    expect(created.name).toBe("InvalidAttributeName");
    expect(created.message).toBe("Unknown Attribute FifoQueue.");
    const q = await createQueue("fifo-set");
    const set = await failure(
      stack.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { FifoQueue: "false" } }),
      ),
    );
    expect(set.message).toBe("Unknown Attribute FifoQueue.");
  });

  // "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes."
  // (AWS, recorded: test_send_message_batch_with_oversized_contents, where the bytes are the
  // bodies plus each attribute's name, type and value). The limit is 1 MiB since 2025-08.
  it("fails a whole batch over 1,048,576 bytes with BatchRequestTooLong, even one entry", async () => {
    const q = await createQueue("batch-long");
    const attributes = { k: { DataType: "String", StringValue: "x" } }; // 1 + 6 + 1 bytes
    const one = await failure(
      stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: q.url,
          Entries: [
            { Id: "1", MessageBody: "a".repeat(1_048_576 - 8 + 1), MessageAttributes: attributes },
          ],
        }),
      ),
    );
    expect(one.name).toBe("BatchRequestTooLong");
    expect(one.message).toBe(
      "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    );
    const two = await failure(
      stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: q.url,
          Entries: [
            { Id: "1", MessageBody: "a".repeat(1_048_576 - 8), MessageAttributes: attributes },
            { Id: "2", MessageBody: "a" },
          ],
        }),
      ),
    );
    expect(two.message).toBe(
      "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.",
    );
    const { Messages } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url }));
    expect(Messages).toBeUndefined();
  });
});

describe("what SQS refuses on a standard queue (AWS's answers as quoted from real accounts)", () => {
  // MessageDeduplicationId "applies only to FIFO (first-in-first-out) queues" (API Reference,
  // SendMessage). AWS's answers: SendMessage, "Value <id> for parameter MessageDeduplicationId
  // is invalid. Reason: The request include parameter that is not valid for this queue type."
  // (cdklabs/construct-hub#905, a Lambda's log); a SendMessageBatch entry, "The request include
  // parameter that is not valid for this queue type" (aws/aws-sdk-js#4216, AWS's XML answer).
  it("refuses MessageDeduplicationId in SendMessage and in each batch entry", async () => {
    const q = await createQueue("dedup");
    const error = await failure(
      stack.sqs.send(
        new SendMessageCommand({ QueueUrl: q.url, MessageBody: "x", MessageDeduplicationId: "d1" }),
      ),
    );
    expect(error.name).toBe("InvalidParameterValue");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "Value d1 for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.",
    );
    const batch = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: "a", MessageBody: "x", MessageDeduplicationId: "d1" },
          { Id: "b", MessageBody: "y" },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(["b"]);
    expect(batch.Failed).toEqual([
      {
        Id: "a",
        SenderFault: true,
        Code: "InvalidParameterValue",
        Message: "The request include parameter that is not valid for this queue type",
      },
    ]);
    // The query protocol (the AWS CLI v1, older SDKs) answers the same.
    const form = await postForm(`${stack.url}/`, {
      Action: "SendMessage",
      QueueUrl: q.url,
      MessageBody: "z",
      MessageDeduplicationId: "d2",
    });
    const xml = await form.text();
    expect(form.status).toBe(400);
    expect(xmlText(xml, "Code")).toBe("InvalidParameterValue");
    expect(xmlText(xml, "Message")).toMatch(/^Value d2 for parameter MessageDeduplicationId/);
    const { Messages } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages?.map((m) => m.Body)).toEqual(["y"]);
  });

  // A batch entry with an empty body: code EmptyValue (ballerina-platform's
  // module-ballerinax-aws.sqs, testSendMessageBatchPartialFailure, against AWS), text "No Value
  // Found for SendMessageBatchRequestEntry.1.MessageBody." (AWS's answer quoted in
  // redpanda-data/connect#1070). A SendMessage with an empty body stays MissingParameter
  // (recorded: LocalStack's test_send_empty_message snapshot).
  it("fails a batch entry with an empty body as EmptyValue, naming its place", async () => {
    const q = await createQueue("empty-body");
    const batch = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: "1", MessageBody: "v" },
          { Id: "2", MessageBody: "" },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(["1"]);
    expect(batch.Failed).toEqual([
      {
        Id: "2",
        SenderFault: true,
        Code: "EmptyValue",
        Message: "No Value Found for SendMessageBatchRequestEntry.2.MessageBody.",
      },
    ]);
    const single = await failure(
      stack.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "" })),
    );
    expect(single.name).toBe("MissingParameter");
    expect(single.message).toBe("The request must contain the parameter MessageBody.");
  });

  // "Invalid value for the parameter DelaySeconds." and nothing more: asserted against AWS by
  // ballerina-platform's module-ballerinax-aws.sqs (testCreateQueueWithInvalidAttributes,
  // testSetQueueAttribuesWithInvalidDelay).
  it("refuses a queue attribute out of range in AWS's words", async () => {
    const created = await failure(
      stack.sqs.send(
        new CreateQueueCommand({
          QueueName: `delay-901-${counter++}`,
          Attributes: { DelaySeconds: "901" },
        }),
      ),
    );
    expect(created.name).toBe("InvalidAttributeValue");
    expect(created.message).toBe("Invalid value for the parameter DelaySeconds.");
    const q = await createQueue("delay-set");
    const set = await failure(
      stack.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { DelaySeconds: "901" } }),
      ),
    );
    expect(set.name).toBe("InvalidAttributeValue");
    expect(set.message).toBe("Invalid value for the parameter DelaySeconds.");
  });
});

describe("a bare queue name as QueueUrl", () => {
  // AWS resolves a QueueUrl that is only a queue name against the caller's own account.
  it("works as the queue's URL does", async () => {
    const q = await createQueue("bare");
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: q.name, MessageBody: "by name" }));
    const { Messages } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.name }));
    expect(Messages?.map((m) => m.Body)).toEqual(["by name"]);
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.name, AttributeNames: ["QueueArn"] }),
    );
    expect(Attributes?.QueueArn).toMatch(new RegExp(`:${q.name}$`));
  });
});

describe("fair queues: MessageGroupId on a standard queue", () => {
  // Developer Guide, "Amazon SQS fair queues": a standard queue's messages may carry a
  // MessageGroupId, which identifies their tenant; ReceiveMessage returns it as the
  // MessageGroupId system attribute (API Reference, ReceiveMessage, MessageSystemAttributeNames).
  it("keeps the group and returns it as a system attribute", async () => {
    const q = await createQueue("fair-attr");
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: q.url, MessageBody: "x", MessageGroupId: "tenant-1" }),
    );
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "none" }));
    const { Messages } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["MessageGroupId"],
      }),
    );
    expect(Messages?.map((m) => [m.Body, m.Attributes])).toEqual([
      ["x", { MessageGroupId: "tenant-1" }],
      ["none", undefined],
    ]);
  });

  // "When one tenant creates a backlog ... fair queues minimizes the impact on dwell time for
  // other tenants" (Developer Guide, "Amazon SQS fair queues").
  it("does not let one group's backlog hold back the others", async () => {
    const q = await createQueue("fair-order");
    const send = (group: string, count: number) =>
      stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: q.url,
          Entries: Array.from({ length: count }, (_, i) => ({
            Id: `m${i}`,
            MessageBody: `${group}-${i}`,
            MessageGroupId: group,
          })),
        }),
      );
    await send("noisy", 10);
    await send("noisy", 10);
    await send("quiet-a", 2);
    await send("quiet-b", 1);
    const { Messages } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10 }),
    );
    const bodies = Messages?.map((m) => m.Body) ?? [];
    expect(bodies).toHaveLength(10);
    expect(bodies).toEqual(expect.arrayContaining(["quiet-a-0", "quiet-a-1", "quiet-b-0"]));
    // Within a group, oldest first.
    const noisy = bodies.filter((b) => b?.startsWith("noisy"));
    expect(noisy).toEqual(noisy.map((_, i) => `noisy-${i}`));
  });

  // With fair queues (July 2025) SNS standard topics take a MessageGroupId and deliver it to
  // subscribed SQS queues (Developer Guide, "Amazon SQS fair queues"): the group travels with
  // the delivery, raw or not.
  it("passes a publish's MessageGroupId from a standard topic on to its SQS queues", async () => {
    const q = await createQueue("fair-sns");
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ["QueueArn"] }),
    );
    const { TopicArn } = await stack.sns.send(
      new CreateTopicCommand({ Name: `fair-${counter++}` }),
    );
    await stack.sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes?.QueueArn }),
    );
    await stack.sns.send(
      new PublishCommand({ TopicArn, Message: "hi", MessageGroupId: "tenant-9" }),
    );
    const { Messages } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.url, MessageSystemAttributeNames: ["All"] }),
    );
    expect(Messages?.[0]?.Attributes?.MessageGroupId).toBe("tenant-9");
  });
});
