import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/index.js";
import { expectAwsError } from "../support/aws-error.js";
import { openTestEngine, type TestEngine } from "../support/engine.js";

/**
 * Every limit and error of the SQS API, with AWS's code and wording. Each
 * case also checks that the failed call stored nothing.
 */
let te: TestEngine;
let sqs: Engine["sqs"];
let url: string;
let dlqArn: string;

beforeAll(async () => {
  te = openTestEngine();
  sqs = te.engine.sqs;
  url = (await sqs.createQueue({ QueueName: "errors" })).QueueUrl;
  await sqs.createQueue({ QueueName: "errors-dlq" });
  dlqArn = "arn:aws:sqs:us-east-1:000000000000:errors-dlq";
});
afterAll(() => te.close());

const big = (n: number) => "x".repeat(n);
const attrs = (n: number) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: "String", StringValue: "v" }]),
  );

type Case = [label: string, call: () => Promise<unknown>, code: string, message: string | RegExp];

const cases: Case[] = [
  // Queue names and attributes
  [
    "queue name with a space",
    () => sqs.createQueue({ QueueName: "bad name" }),
    "InvalidParameterValue",
    "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
  ],
  [
    "queue name of 81 characters",
    () => sqs.createQueue({ QueueName: big(81) }),
    "InvalidParameterValue",
    /1 to 80 in length/,
  ],
  [
    "empty queue name",
    () => sqs.createQueue({ QueueName: "" }),
    "MissingParameter",
    "The request must contain the parameter QueueName.",
  ],
  [
    "FIFO queue",
    () => sqs.createQueue({ QueueName: "jobs.fifo" }),
    "AWS.SimpleQueueService.UnsupportedOperation",
    /FIFO queues are not supported.*jobs\.fifo/,
  ],
  [
    "unknown attribute",
    () => sqs.createQueue({ QueueName: "q1", Attributes: { Foobar: "1" } }),
    "InvalidAttributeName",
    "Unknown Attribute Foobar.",
  ],
  [
    "FifoQueue true on a standard queue",
    () => sqs.createQueue({ QueueName: "q2", Attributes: { FifoQueue: "true" } }),
    "InvalidAttributeName",
    "Unknown Attribute FifoQueue.",
  ],
  [
    "VisibilityTimeout 43201",
    () => sqs.createQueue({ QueueName: "q3", Attributes: { VisibilityTimeout: "43201" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter VisibilityTimeout.",
  ],
  [
    // AWS's text, asserted against AWS by ballerina-platform's module-ballerinax-aws.sqs
    // (testCreateQueueWithInvalidAttributes, testSetQueueAttribuesWithInvalidDelay).
    "DelaySeconds 901",
    () => sqs.createQueue({ QueueName: "q4", Attributes: { DelaySeconds: "901" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter DelaySeconds.",
  ],
  [
    "SetQueueAttributes DelaySeconds 901",
    () => sqs.setQueueAttributes({ QueueUrl: url, Attributes: { DelaySeconds: "901" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter DelaySeconds.",
  ],
  [
    "MessageRetentionPeriod 59",
    () => sqs.createQueue({ QueueName: "q5", Attributes: { MessageRetentionPeriod: "59" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter MessageRetentionPeriod.",
  ],
  [
    "MessageRetentionPeriod over 14 days",
    () => sqs.createQueue({ QueueName: "q5b", Attributes: { MessageRetentionPeriod: "1209601" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter MessageRetentionPeriod.",
  ],
  [
    "MaximumMessageSize 1023",
    () => sqs.createQueue({ QueueName: "q6", Attributes: { MaximumMessageSize: "1023" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter MaximumMessageSize.",
  ],
  [
    "MaximumMessageSize over 1 MiB",
    () => sqs.createQueue({ QueueName: "q6b", Attributes: { MaximumMessageSize: "1048577" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter MaximumMessageSize.",
  ],
  [
    "ReceiveMessageWaitTimeSeconds 21",
    () => sqs.createQueue({ QueueName: "q7", Attributes: { ReceiveMessageWaitTimeSeconds: "21" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter ReceiveMessageWaitTimeSeconds.",
  ],
  [
    "VisibilityTimeout not a number",
    () => sqs.setQueueAttributes({ QueueUrl: url, Attributes: { VisibilityTimeout: "soon" } }),
    "InvalidAttributeValue",
    "Invalid value for the parameter VisibilityTimeout.",
  ],
  [
    "RedrivePolicy not JSON",
    () => sqs.createQueue({ QueueName: "q8", Attributes: { RedrivePolicy: "{" } }),
    "InvalidParameterValue",
    "Value { for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.",
  ],
  [
    "RedrivePolicy without maxReceiveCount",
    () =>
      sqs.createQueue({
        QueueName: "q9",
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn }) },
      }),
    "InvalidParameterValue",
    /Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount\.$/,
  ],
  [
    "RedrivePolicy without deadLetterTargetArn",
    () =>
      sqs.createQueue({
        QueueName: "q10",
        Attributes: { RedrivePolicy: JSON.stringify({ maxReceiveCount: 3 }) },
      }),
    "InvalidParameterValue",
    /mandatory attribute: deadLetterTargetArn/,
  ],
  [
    "RedrivePolicy maxReceiveCount 1001",
    () =>
      sqs.createQueue({
        QueueName: "q11",
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1001 }),
        },
      }),
    "InvalidParameterValue",
    /Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive\./,
  ],
  [
    "RedrivePolicy to a missing DLQ",
    () =>
      sqs.createQueue({
        QueueName: "q12",
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `${dlqArn}-nope`,
            maxReceiveCount: 3,
          }),
        },
      }),
    "InvalidParameterValue",
    /Reason: Invalid value for deadLetterTargetArn\.$/,
  ],
  [
    "RedriveAllowPolicy with a bad permission",
    () =>
      sqs.createQueue({
        QueueName: "q13",
        Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: "some" }) },
      }),
    "InvalidParameterValue",
    /redrivePermission must be one of allowAll, denyAll, byQueue/,
  ],
  [
    "RedriveAllowPolicy byQueue without sources",
    () =>
      sqs.createQueue({
        QueueName: "q14",
        Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue" }) },
      }),
    "InvalidParameterValue",
    /sourceQueueArns must list 1 to 10/,
  ],
  [
    "GetQueueAttributes of an unknown name",
    () => sqs.getQueueAttributes({ QueueUrl: url, AttributeNames: ["Colour"] }),
    "InvalidAttributeName",
    "Unknown Attribute Colour.",
  ],
  [
    "a queue URL that names no queue",
    () => sqs.getQueueAttributes({ QueueUrl: `${url}-missing`, AttributeNames: ["All"] }),
    "AWS.SimpleQueueService.NonExistentQueue",
    "The specified queue does not exist.",
  ],
  [
    "a malformed queue URL",
    () => sqs.sendMessage({ QueueUrl: "not a url", MessageBody: "x" }),
    "AWS.SimpleQueueService.NonExistentQueue",
    "The specified queue does not exist.",
  ],
  [
    "ListQueues MaxResults 0",
    () => sqs.listQueues({ MaxResults: 0 }),
    "InvalidParameterValue",
    /parameter MaxResults is invalid/,
  ],
  // Messages
  [
    "an empty body",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "" }),
    "MissingParameter",
    "The request must contain the parameter MessageBody.",
  ],
  [
    "a body with a NUL character",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "a\u0000b" }),
    "InvalidMessageContents",
    /^Invalid characters found\. Valid unicode characters are #x9 \| #xA \| #xD/,
  ],
  [
    "a body with a lone surrogate",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "a\uD800b" }),
    "InvalidMessageContents",
    /Invalid characters found/,
  ],
  [
    "a body over 1 MiB",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: big(1_048_577) }),
    "InvalidParameterValue",
    "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
  ],
  [
    "body plus attributes over 1 MiB",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: big(1_048_570),
        MessageAttributes: { abc: { DataType: "String", StringValue: "1" } },
      }),
    "InvalidParameterValue",
    /Message must be shorter than 1048576 bytes/,
  ],
  [
    "DelaySeconds 901",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "x", DelaySeconds: 901 }),
    "InvalidParameterValue",
    "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
  ],
  [
    "DelaySeconds -1",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "x", DelaySeconds: -1 }),
    "InvalidParameterValue",
    /Value -1 for parameter DelaySeconds/,
  ],
  [
    "11 message attributes",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "x", MessageAttributes: attrs(11) }),
    "InvalidParameterValue",
    "Number of message attributes [11] exceeds the allowed maximum [10].",
  ],
  [
    "an attribute type that is not String, Number or Binary",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { a: { DataType: "Date", StringValue: "1" } },
      }),
    "InvalidParameterValue",
    "The type of message (user) attribute 'a' is invalid. You must use only the following supported type prefixes: Binary, Number, String.",
  ],
  [
    "an empty String attribute",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { ErrorDetails: { DataType: "String", StringValue: "" } },
      }),
    "InvalidParameterValue",
    "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
  ],
  [
    "a Number attribute that is not a number",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { n: { DataType: "Number", StringValue: "ten" } },
      }),
    "InvalidParameterValue",
    /attribute 'n' to a number/,
  ],
  [
    "a Binary attribute without bytes",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { b: { DataType: "Binary", StringValue: "x" } },
      }),
    "InvalidParameterValue",
    /'b' with type 'Binary' must use field 'Binary'/,
  ],
  [
    "an attribute name starting with AWS.",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { "AWS.x": { DataType: "String", StringValue: "1" } },
      }),
    "InvalidParameterValue",
    /'AWS\.x' has an invalid name/,
  ],
  [
    "an attribute name with two dots",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageAttributes: { "a..b": { DataType: "String", StringValue: "1" } },
      }),
    "InvalidParameterValue",
    /'a\.\.b' has an invalid name/,
  ],
  [
    "a system attribute other than AWSTraceHeader",
    () =>
      sqs.sendMessage({
        QueueUrl: url,
        MessageBody: "x",
        MessageSystemAttributes: { Other: { DataType: "String", StringValue: "1" } },
      }),
    "InvalidParameterValue",
    /only supported message system attribute is AWSTraceHeader/,
  ],
  // Receive
  [
    "MaxNumberOfMessages 11",
    () => sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 11 }),
    "InvalidParameterValue",
    "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
  ],
  [
    "MaxNumberOfMessages 0",
    () => sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 0 }),
    "InvalidParameterValue",
    /Value 0 for parameter MaxNumberOfMessages/,
  ],
  [
    "WaitTimeSeconds 21",
    () => sqs.receiveMessage({ QueueUrl: url, WaitTimeSeconds: 21 }),
    "InvalidParameterValue",
    "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.",
  ],
  [
    "receive VisibilityTimeout 43201",
    () => sqs.receiveMessage({ QueueUrl: url, VisibilityTimeout: 43_201 }),
    "InvalidParameterValue",
    /Value 43201 for parameter VisibilityTimeout/,
  ],
  // Receipt handles
  [
    "delete with a garbage handle",
    () => sqs.deleteMessage({ QueueUrl: url, ReceiptHandle: "garbage" }),
    "ReceiptHandleIsInvalid",
    'The input receipt handle "garbage" is not a valid receipt handle.',
  ],
  [
    "delete with an empty handle",
    () => sqs.deleteMessage({ QueueUrl: url, ReceiptHandle: "" }),
    "MissingParameter",
    "The request must contain the parameter ReceiptHandle.",
  ],
  [
    "change visibility with a garbage handle",
    () =>
      sqs.changeMessageVisibility({ QueueUrl: url, ReceiptHandle: "AAAA", VisibilityTimeout: 5 }),
    "ReceiptHandleIsInvalid",
    /"AAAA" is not a valid receipt handle/,
  ],
  [
    "change visibility to 43201",
    () =>
      sqs.changeMessageVisibility({
        QueueUrl: url,
        ReceiptHandle: "AAAA",
        VisibilityTimeout: 43_201,
      }),
    "InvalidParameterValue",
    /Value 43201 for parameter VisibilityTimeout/,
  ],
  // Batches
  [
    "a send batch of 11",
    () =>
      sqs.sendMessageBatch({
        QueueUrl: url,
        Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" })),
      }),
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "Maximum number of entries per request are 10. You have sent 11.",
  ],
  [
    "an empty send batch",
    () => sqs.sendMessageBatch({ QueueUrl: url, Entries: [] }),
    "AWS.SimpleQueueService.EmptyBatchRequest",
    "There should be at least one SendMessageBatchRequestEntry in the request.",
  ],
  [
    "an empty delete batch",
    () => sqs.deleteMessageBatch({ QueueUrl: url, Entries: [] }),
    "AWS.SimpleQueueService.EmptyBatchRequest",
    "There should be at least one DeleteMessageBatchRequestEntry in the request.",
  ],
  [
    "repeated batch ids",
    () =>
      sqs.sendMessageBatch({
        QueueUrl: url,
        Entries: [
          { Id: "dup", MessageBody: "1" },
          { Id: "dup", MessageBody: "2" },
        ],
      }),
    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "Id dup repeated.",
  ],
  [
    "a batch id with a dot",
    () => sqs.sendMessageBatch({ QueueUrl: url, Entries: [{ Id: "a.b", MessageBody: "1" }] }),
    "AWS.SimpleQueueService.InvalidBatchEntryId",
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
  ],
  [
    "a batch over 1 MiB in total",
    () =>
      sqs.sendMessageBatch({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: big(600_000) },
          { Id: "b", MessageBody: big(600_000) },
        ],
      }),
    "AWS.SimpleQueueService.BatchRequestTooLong",
    "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.",
  ],
  // Move tasks
  [
    "a move task from a queue that does not exist",
    () => sqs.startMessageMoveTask({ SourceArn: `${dlqArn}-nope` }),
    "ResourceNotFoundException",
    "The resource that you specified for the SourceArn parameter doesn't exist.",
  ],
  [
    "a move task from a queue that is not a DLQ",
    () => sqs.startMessageMoveTask({ SourceArn: dlqArn }),
    "InvalidParameterValue",
    "Source queue must be configured as a Dead Letter Queue.",
  ],
  [
    "cancelling a malformed task handle",
    () => sqs.cancelMessageMoveTask({ TaskHandle: "nope" }),
    "InvalidParameterValue",
    "Value for parameter TaskHandle is invalid.",
  ],
  [
    "cancelling an unknown task",
    () =>
      sqs.cancelMessageMoveTask({
        TaskHandle: Buffer.from(JSON.stringify({ taskId: "x", sourceArn: dlqArn })).toString(
          "base64",
        ),
      }),
    "ResourceNotFoundException",
    "Task does not exist.",
  ],
  [
    "listing move tasks with MaxResults 11",
    () => sqs.listMessageMoveTasks({ SourceArn: dlqArn, MaxResults: 11 }),
    "InvalidParameterValue",
    /parameter MaxResults is invalid/,
  ],
  // Tags
  [
    "51 tags",
    () =>
      sqs.tagQueue({
        QueueUrl: url,
        Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])),
      }),
    "InvalidParameterValue",
    /at most 50 tags/,
  ],
  // AWS's text, recorded against AWS by the Ballerina SQS connector's tests.
  [
    "an empty tag key",
    () => sqs.tagQueue({ QueueUrl: url, Tags: { "": "production" } }),
    "InvalidParameterValue",
    "Tag keys must be between 1 and 128 characters in length.",
  ],
  [
    // MessageDeduplicationId is FIFO-only (API Reference, SendMessage); AWS's answer to it on a
    // standard queue, as quoted in cdklabs/construct-hub#905.
    "MessageDeduplicationId on a standard queue",
    () => sqs.sendMessage({ QueueUrl: url, MessageBody: "x", MessageDeduplicationId: "d1" }),
    "InvalidParameterValue",
    "Value d1 for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.",
  ],
  [
    "a tag key of 129 characters",
    () => sqs.tagQueue({ QueueUrl: url, Tags: { [big(129)]: "v" } }),
    "InvalidParameterValue",
    "Tag keys must be between 1 and 128 characters in length.",
  ],
];

describe("SQS errors", () => {
  it.each(cases)("%s", async (_label, call, code, message) => {
    const before = await te.engine.queueStats(url);
    const error = await expectAwsError(call(), code);
    if (typeof message === "string") expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(await te.engine.queueStats(url)).toEqual(before);
  });

  it("fails only the bad entries of a send batch and stores the good ones", async () => {
    const q = (await sqs.createQueue({ QueueName: "partial" })).QueueUrl;
    const out = await sqs.sendMessageBatch({
      QueueUrl: q,
      Entries: [
        { Id: "ok", MessageBody: "fine" },
        { Id: "nul", MessageBody: "bad\u0000" },
        { Id: "late", MessageBody: "x", DelaySeconds: 901 },
      ],
    });
    expect(out.Successful.map((s) => s.Id)).toEqual(["ok"]);
    expect(out.Failed).toEqual([
      {
        Id: "nul",
        SenderFault: true,
        Code: "InvalidMessageContents",
        Message: expect.stringMatching(/Invalid characters/),
      },
      {
        Id: "late",
        SenderFault: true,
        Code: "InvalidParameterValue",
        Message: expect.stringMatching(/DelaySeconds must be >= 0 and <= 900/),
      },
    ]);
    expect((await te.engine.queueStats(q)).visible).toBe(1);
  });

  // AWS fails such entries alone: an empty body is EmptyValue "No Value Found for
  // SendMessageBatchRequestEntry.<n>.MessageBody." (redpanda-data/connect#1070 quotes AWS;
  // ballerina's testSendMessageBatchPartialFailure asserts the code against AWS), and a
  // MessageDeduplicationId on a standard queue "The request include parameter that is not
  // valid for this queue type" (aws/aws-sdk-js#4216 shows AWS's XML answer).
  it("fails batch entries with an empty body or a MessageDeduplicationId as AWS does", async () => {
    const q = (await sqs.createQueue({ QueueName: "batch-entries" })).QueueUrl;
    const out = await sqs.sendMessageBatch({
      QueueUrl: q,
      Entries: [
        { Id: "ok", MessageBody: "fine" },
        { Id: "empty", MessageBody: "" },
        { Id: "dedup", MessageBody: "x", MessageDeduplicationId: "d1" },
      ],
    });
    expect(out.Successful.map((s) => s.Id)).toEqual(["ok"]);
    expect(out.Failed).toEqual([
      {
        Id: "empty",
        SenderFault: true,
        Code: "EmptyValue",
        Message: "No Value Found for SendMessageBatchRequestEntry.2.MessageBody.",
      },
      {
        Id: "dedup",
        SenderFault: true,
        Code: "InvalidParameterValue",
        Message: "The request include parameter that is not valid for this queue type",
      },
    ]);
    expect((await te.engine.queueStats(q)).visible).toBe(1);
  });

  it("accepts a message of exactly MaximumMessageSize bytes", async () => {
    const q = (
      await sqs.createQueue({ QueueName: "exact", Attributes: { MaximumMessageSize: "1024" } })
    ).QueueUrl;
    await expect(sqs.sendMessage({ QueueUrl: q, MessageBody: big(1024) })).resolves.toHaveProperty(
      "MessageId",
    );
  });

  it("refuses a redrive policy the DLQ's RedriveAllowPolicy denies", async () => {
    await sqs.createQueue({
      QueueName: "closed-dlq",
      Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: "denyAll" }) },
    });
    const error = await expectAwsError(
      sqs.createQueue({
        QueueName: "wants-closed",
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:closed-dlq",
            maxReceiveCount: 3,
          }),
        },
      }),
      "InvalidParameterValue",
    );
    expect(error.message).toMatch(/does not allow .*wants-closed as a source queue/);
    await expectAwsError(
      sqs.getQueueUrl({ QueueName: "wants-closed" }),
      "AWS.SimpleQueueService.NonExistentQueue",
    );
  });

  it("accepts longer delays only when the caller asks the engine explicitly", async () => {
    const q = (await sqs.createQueue({ QueueName: "scheduled" })).QueueUrl;
    await expectAwsError(
      sqs.sendMessage({ QueueUrl: q, MessageBody: "x", DelaySeconds: 7200 }),
      "InvalidParameterValue",
    );
    await sqs.sendMessage(
      { QueueUrl: q, MessageBody: "x", DelaySeconds: 7200 },
      { allowLongDelay: true },
    );
    expect((await te.engine.queueStats(q)).delayed).toBe(1);
    const error = await expectAwsError(
      sqs.sendMessage(
        { QueueUrl: q, MessageBody: "x", DelaySeconds: 31_536_001 },
        { allowLongDelay: true },
      ),
      "InvalidParameterValue",
    );
    // Up to 365 days, past the queue's retention (4 days here): retention counts from the due time.
    expect(error.message).toMatch(/DelaySeconds must be >= 0 and <= 31536000/);
  });
});
