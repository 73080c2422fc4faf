/**
 * What moto cannot show: message move tasks (moto 5 has no StartMessageMoveTask)
 * and that refused sends make no call at all. The clients are mocked here only.
 */
import { SNSClient } from "@aws-sdk/client-sns";
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiptHandleIsInvalid,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { createAwsTransport } from "../../src/aws/index.js";
import { MAX_PAYLOAD_BYTES } from "../../src/core/client.js";
import { newJobId } from "../../src/core/job-id.js";

const topicArn = "arn:aws:sns:eu-west-1:123456789012:shop-prod-jobs";
const queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-prod-greeting";
const dlqUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-prod-greeting-dlq";

function mocked() {
  const sqs = new SQSClient({ region: "eu-west-1" });
  const sns = new SNSClient({ region: "eu-west-1" });
  const sqsMock = mockClient(sqs);
  const snsMock = mockClient(sns);
  const transport = createAwsTransport({
    topicArn,
    queues: { greeting: { queueUrl, dlqUrl } },
    sqs,
    sns,
  });
  return {
    transport,
    sqsMock,
    snsMock,
    calls: () => sqsMock.calls().length + snsMock.calls().length,
  };
}

describe("DLQ redrive of everything", () => {
  it("starts a message move task from the DLQ's ARN to the queue's, moving the DLQ's approximate count", async () => {
    const { transport, sqsMock } = mocked();
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: "7",
        ApproximateNumberOfMessagesNotVisible: "0",
        ApproximateNumberOfMessagesDelayed: "0",
      },
    });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: "task-1" });
    expect(await transport.dlq.redrive("greeting", {})).toEqual({ moved: 7 });
    const starts = sqsMock.commandCalls(StartMessageMoveTaskCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.args[0].input).toEqual({
      SourceArn: "arn:aws:sqs:eu-west-1:123456789012:shop-prod-greeting-dlq",
      DestinationArn: "arn:aws:sqs:eu-west-1:123456789012:shop-prod-greeting",
    });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input.QueueUrl).toBe(dlqUrl);
  });

  it("starts no task for an empty DLQ", async () => {
    const { transport, sqsMock } = mocked();
    sqsMock.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
        ApproximateNumberOfMessagesDelayed: "0",
      },
    });
    expect(await transport.dlq.redrive("greeting", {})).toEqual({ moved: 0 });
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });
});

describe("sends refused before any call", () => {
  it("refuses a delay over 900 seconds without scheduling, pointing at it", async () => {
    const { transport, calls } = mocked();
    await expect(
      transport.send({
        jobId: newJobId(Date.now()),
        jobName: "greeting",
        body: "{}",
        delaySeconds: 901,
      }),
    ).rejects.toMatchObject({
      code: "DelayTooLong",
      jobName: "greeting",
      message: expect.stringMatching(
        /^delaySeconds 901 is longer than 900 \(15 minutes\).*EventBridge Scheduler.*no `scheduling` option/,
      ),
    });
    expect(calls()).toBe(0);
  });

  it.each([-1, 1.5])("refuses delaySeconds %s", async (delaySeconds) => {
    const { transport, calls } = mocked();
    await expect(
      transport.send({
        jobId: newJobId(Date.now()),
        jobName: "greeting",
        body: "{}",
        delaySeconds,
      }),
    ).rejects.toMatchObject({
      code: "InvalidDelay",
      message: `delaySeconds must be a whole number of seconds from 0 to 31536000; got ${delaySeconds}`,
    });
    expect(calls()).toBe(0);
  });

  it("counts the message attributes towards 256 KiB, as SNS does, before any call", async () => {
    const { transport, snsMock, calls } = mocked();
    // jobName and jobId attributes: "jobName" + "String" + "greeting" = 21 bytes, and
    // "jobId" + "String" + the 36-character id = 47.
    const jobId = newJobId(Date.now());
    const attributeBytes =
      "jobName".length +
      "String".length +
      "greeting".length +
      "jobId".length +
      "String".length +
      36;
    const room = MAX_PAYLOAD_BYTES - attributeBytes;
    const over = JSON.stringify("x".repeat(room - 1)); // 2 quotes: one byte over
    await expect(transport.send({ jobId, jobName: "greeting", body: over })).rejects.toMatchObject({
      code: "PayloadTooLarge",
      message: `The payload of greeting is ${room + 1} bytes as JSON, and ${MAX_PAYLOAD_BYTES + 1} with its message attributes; the limit is ${MAX_PAYLOAD_BYTES} (256 KiB, SNS's message size, attributes included)`,
    });
    const withKey = JSON.stringify("x".repeat(room - 2 - "idempotencyKeyStringk".length));
    await expect(
      transport.send({ jobId, jobName: "greeting", body: withKey, idempotencyKey: "kk" }),
    ).rejects.toMatchObject({ code: "PayloadTooLarge" });
    expect(calls()).toBe(0);
    snsMock.resolves({ MessageId: "sns-1" });
    const fits = JSON.stringify("x".repeat(room - 2));
    // Sent, it resolves with the job's id (not SNS's message id).
    expect(await transport.send({ jobId, jobName: "greeting", body: fits })).toBe(jobId);
    expect(
      await transport.send({ jobId, jobName: "greeting", body: withKey, idempotencyKey: "k" }),
    ).toBe(jobId);
  });

  it("refuses an unknown job", async () => {
    const { transport, calls } = mocked();
    await expect(
      transport.send({ jobId: newJobId(Date.now()), jobName: "nope", body: "{}" }),
    ).rejects.toMatchObject({
      code: "UnknownJob",
      jobName: "nope",
    });
    expect(calls()).toBe(0);
  });
});

describe("a visibility change SQS refuses", () => {
  // SQS answers a stale receipt (the message received again since) with InvalidParameterValue;
  // moto accepts any receipt of the message, so only a mock shows it.
  const staleAnswer = () =>
    Object.assign(
      new SQSServiceException({
        name: "InvalidParameterValueException",
        $fault: "client",
        $metadata: {},
        message:
          "Value abc for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.",
      }),
      { Code: "InvalidParameterValue" },
    );

  it("is a StaleReceipt when SQS says the receipt no longer holds the message", async () => {
    const { transport, sqsMock } = mocked();
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(staleAnswer());
    await expect(transport.changeVisibility("greeting", "abc", 30)).rejects.toMatchObject({
      code: "StaleReceipt",
      jobName: "greeting",
    });
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(
      new ReceiptHandleIsInvalid({
        $metadata: {},
        message: "The input receipt handle is invalid.",
      }),
    );
    await expect(transport.changeVisibility("greeting", "abc", 30)).rejects.toMatchObject({
      code: "StaleReceipt",
    });
  });

  it("is SQS's own error for a timeout out of range, which InvalidParameterValue also answers", async () => {
    const { transport, sqsMock } = mocked();
    const answer = staleAnswer();
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(answer);
    await expect(transport.changeVisibility("greeting", "abc", 43_201)).rejects.toBe(answer);
  });
});

describe("the region", () => {
  it("is the topic's unless given, and a queue URL's own region wins in its ARN", () => {
    const { transport } = mocked();
    expect(transport.region).toBe("eu-west-1");
    const other = createAwsTransport({
      topicArn,
      region: "us-west-2",
      queues: {
        local: { queueUrl: "http://127.0.0.1:4566/000000000000/local" },
        remote: { queueUrl },
      },
      sqs: new SQSClient({ region: "us-west-2" }),
      sns: new SNSClient({ region: "us-west-2" }),
    });
    expect(other.region).toBe("us-west-2");
    expect(other.queueArn("local")).toBe("arn:aws:sqs:us-west-2:000000000000:local");
    expect(other.queueArn("remote")).toBe("arn:aws:sqs:eu-west-1:123456789012:shop-prod-greeting");
  });
});
