import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWireStack, type WireStack } from "./support.js";

let stack: WireStack;
beforeAll(async () => {
  stack = await startWireStack();
});
afterAll(async () => {
  await stack?.close();
});

let counter = 0;
async function createQueue(hint: string, Attributes?: Record<string, string>) {
  const { QueueUrl } = await stack.sqs.send(
    new CreateQueueCommand({ QueueName: `${hint}-${counter++}`, Attributes }),
  );
  const { Attributes: attrs } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return { url: QueueUrl!, arn: attrs!.QueueArn! };
}

/** The SDK error of a call that must fail. */
async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { Code?: string; $metadata: { httpStatusCode?: number } },
  );
  if (error === undefined) throw new Error("expected the call to fail");
  return error;
}

describe("SQS JSON protocol through the AWS SDK", () => {
  it("creates queues with URLs on the server itself", async () => {
    const q = await createQueue("json-url");
    expect(q.url).toBe(`${stack.url}/000000000000/json-url-${counter - 1}`);
    const { QueueUrl } = await stack.sqs.send(
      new GetQueueUrlCommand({ QueueName: `json-url-${counter - 1}` }),
    );
    expect(QueueUrl).toBe(q.url);
  });

  it("sends, receives and deletes with string and binary attributes (the SDK checks every MD5)", async () => {
    const q = await createQueue("json-roundtrip");
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const sent = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: "héllo <&> \r\n",
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "greeting" },
          blob: { DataType: "Binary", BinaryValue: bytes },
          n: { DataType: "Number", StringValue: "42" },
        },
      }),
    );
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const { Messages } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.url,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    expect(Messages).toHaveLength(1);
    const m = Messages![0]!;
    expect(m.Body).toBe("héllo <&> \r\n");
    expect(m.MessageId).toBe(sent.MessageId);
    expect(m.MessageAttributes?.blob?.BinaryValue).toEqual(bytes);
    expect(m.MessageAttributes?.kind?.StringValue).toBe("greeting");
    expect(m.Attributes?.ApproximateReceiveCount).toBe("1");
    await stack.sqs.send(
      new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: m.ReceiptHandle }),
    );
    expect((await stack.engine.queueStats(q.url)).inFlight).toBe(0);
  });

  it("answers a batch with a failed entry next to the successful ones", async () => {
    const q = await createQueue("json-batch");
    const out = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: "ok", MessageBody: "one" },
          { Id: "late", MessageBody: "two", DelaySeconds: 901 },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(["ok"]);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: "late", SenderFault: true })]);
    const { Messages } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url }));
    const deleted = await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: "a", ReceiptHandle: Messages![0]!.ReceiptHandle },
          { Id: "b", ReceiptHandle: "garbage" },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: "a" }]);
    expect(deleted.Failed).toEqual([
      expect.objectContaining({ Id: "b", Code: "ReceiptHandleIsInvalid" }),
    ]);
  });

  it("gets and sets attributes, changes visibility and purges", async () => {
    const q = await createQueue("json-attrs");
    await stack.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { VisibilityTimeout: "45" } }),
    );
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ["VisibilityTimeout"] }),
    );
    expect(Attributes).toEqual({ VisibilityTimeout: "45" });
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "v" }));
    const { Messages } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url }));
    await stack.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: q.url,
        ReceiptHandle: Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect((await stack.engine.queueStats(q.url)).visible).toBe(1);
    await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: q.url }));
    expect((await stack.engine.queueStats(q.url)).visible).toBe(0);
  });

  it("moves a message to the DLQ after maxReceiveCount, and back with a move task", async () => {
    const dlq = await createQueue("json-dlq");
    const q = await createQueue("json-src", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "poison" }));
    for (let i = 0; i < 2; i++) {
      const { Messages } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: q.url, VisibilityTimeout: 0 }),
      );
      expect(Messages).toHaveLength(1);
    }
    const third = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url }));
    expect(third.Messages).toBeUndefined();
    expect((await stack.engine.queueStats(dlq.url)).visible).toBe(1);

    const { TaskHandle } = await stack.sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }),
    );
    expect(TaskHandle).toBeTruthy();
    await stack.engine.whenIdle();
    const { Results } = await stack.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }),
    );
    expect(Results?.[0]).toMatchObject({
      Status: "COMPLETED",
      ApproximateNumberOfMessagesMoved: 1,
    });
    expect((await stack.engine.queueStats(q.url)).visible).toBe(1);
  });

  it("tags and untags a queue", async () => {
    const q = await createQueue("json-tags");
    await stack.sqs.send(new TagQueueCommand({ QueueUrl: q.url, Tags: { team: "a", env: "dev" } }));
    await stack.sqs.send(new UntagQueueCommand({ QueueUrl: q.url, TagKeys: ["env"] }));
    const { Tags } = await stack.sqs.send(new ListQueueTagsCommand({ QueueUrl: q.url }));
    expect(Tags).toEqual({ team: "a" });
  });

  it("answers a queue that does not exist with QueueDoesNotExist, 400 and the query code", async () => {
    const error = await failure(
      stack.sqs.send(
        new SendMessageCommand({ QueueUrl: `${stack.url}/000000000000/nope`, MessageBody: "x" }),
      ),
    );
    expect(error.name).toBe("QueueDoesNotExist");
    expect(error.Code).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it("answers a garbage receipt handle with ReceiptHandleIsInvalid, 404", async () => {
    const q = await createQueue("json-handle");
    const error = await failure(
      stack.sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: "garbage" })),
    );
    expect(error.name).toBe("ReceiptHandleIsInvalid");
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it("answers an out-of-range parameter with InvalidParameterValue", async () => {
    const q = await createQueue("json-invalid");
    const error = await failure(
      stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 11 })),
    );
    expect(error.Code).toBe("InvalidParameterValue");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain("MaxNumberOfMessages");
  });
});

describe("SQS JSON protocol, raw", () => {
  const post = (target: string, body: string) =>
    fetch(`${stack.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": target },
      body,
    });

  it("answers an unknown action with InvalidAction", async () => {
    const response = await post("AmazonSQS.LaunchRocket", "{}");
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-query-error")).toBe("InvalidAction;Sender");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { __type: string };
    expect(body.__type).toBe("com.amazon.coral.service#UnknownOperationException");
  });

  it("answers a malformed body with a 400 SerializationException", async () => {
    const response = await post("AmazonSQS.ListQueues", "{not json");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string };
    expect(body.__type).toBe("com.amazon.coral.service#SerializationException");
  });

  it("answers a modelled error with the SQS shape and the query code header", async () => {
    const response = await post(
      "AmazonSQS.GetQueueUrl",
      JSON.stringify({ QueueName: "does-not-exist" }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-query-error")).toBe(
      "AWS.SimpleQueueService.NonExistentQueue;Sender",
    );
    expect(await response.json()).toEqual({
      __type: "com.amazonaws.sqs#QueueDoesNotExist",
      message: "The specified queue does not exist.",
    });
  });

  it("leaves other POSTs to / to the HTTP API", async () => {
    const response = await fetch(`${stack.url}/`, { method: "POST", body: "x" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NotFound");
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
  });
});
