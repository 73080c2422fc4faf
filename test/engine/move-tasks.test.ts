import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/index.js";
import { expectAwsError } from "../support/aws-error.js";
import { openTestEngine, sqsArnOf, type TestEngine } from "../support/engine.js";

let te: TestEngine;
let sqs: Engine["sqs"];
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;

/** A source queue whose maxReceiveCount is 1, and `n` messages already moved to its DLQ. */
async function deadLetters(n: number, source = "src", dlq = "dlq") {
  await sqs.createQueue({ QueueName: dlq });
  await sqs.createQueue({
    QueueName: source,
    Attributes: {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf(dlq), maxReceiveCount: 1 }),
    },
  });
  for (let i = 0; i < n; i++)
    await sqs.sendMessage({ QueueUrl: url(source), MessageBody: `m${i}` });
  for (let i = 0; i < n; i++)
    await sqs.receiveMessage({ QueueUrl: url(source), VisibilityTimeout: 0 });
  while ((await te.engine.queueStats(url(dlq))).visible < n) {
    await sqs.receiveMessage({ QueueUrl: url(source), MaxNumberOfMessages: 10 });
  }
}

async function latest(source = "dlq") {
  return (await sqs.listMessageMoveTasks({ SourceArn: sqsArnOf(source) })).Results[0];
}

beforeEach(() => {
  te = openTestEngine();
  sqs = te.engine.sqs;
});
afterEach(() => te.close());

describe("message move tasks", () => {
  it("moves at MaxNumberOfMessagesPerSecond, driven by the clock", async () => {
    await deadLetters(5);
    const { TaskHandle } = await sqs.startMessageMoveTask({
      SourceArn: sqsArnOf("dlq"),
      MaxNumberOfMessagesPerSecond: 2,
    });
    expect(await latest()).toMatchObject({
      TaskHandle,
      Status: "RUNNING",
      MaxNumberOfMessagesPerSecond: 2,
      ApproximateNumberOfMessagesMoved: 0,
      ApproximateNumberOfMessagesToMove: 5,
      StartedTimestamp: te.clock.now(),
    });
    await te.advance(1000);
    expect((await latest())?.ApproximateNumberOfMessagesMoved).toBe(2);
    expect((await te.engine.queueStats(url("src"))).visible).toBe(2);
    await te.advance(2000, 1000);
    const done = await latest();
    expect(done).toMatchObject({ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 5 });
    expect(done?.TaskHandle).toBeUndefined();
    expect((await te.engine.queueStats(url("src"))).visible).toBe(5);
  });

  it("sends redriven messages as new messages: new id, new send time, count from zero", async () => {
    await deadLetters(1);
    const { Messages: [dead] = [] } = await sqs.receiveMessage({
      QueueUrl: url("dlq"),
      VisibilityTimeout: 0,
      MessageSystemAttributeNames: ["All"],
    });
    await te.advance(5000);
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq") });
    await te.engine.whenIdle();
    const { Messages: [back] = [] } = await sqs.receiveMessage({
      QueueUrl: url("src"),
      MessageSystemAttributeNames: ["All"],
    });
    expect(back?.Body).toBe(dead?.Body);
    expect(back?.MessageId).not.toBe(dead?.MessageId);
    expect(back?.Attributes?.SentTimestamp).toBe(String(te.clock.now()));
    expect(back?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(back?.Attributes?.DeadLetterQueueSourceArn).toBeUndefined();
  });

  it("moves to a chosen destination", async () => {
    await deadLetters(3);
    await sqs.createQueue({ QueueName: "elsewhere" });
    await sqs.startMessageMoveTask({
      SourceArn: sqsArnOf("dlq"),
      DestinationArn: sqsArnOf("elsewhere"),
    });
    await te.engine.whenIdle();
    expect((await te.engine.queueStats(url("elsewhere"))).visible).toBe(3);
    expect((await te.engine.queueStats(url("src"))).visible).toBe(0);
    expect(await latest()).toMatchObject({
      Status: "COMPLETED",
      DestinationArn: sqsArnOf("elsewhere"),
    });
  });

  it("cancels a running task, which then moves nothing more", async () => {
    await deadLetters(4);
    const { TaskHandle } = await sqs.startMessageMoveTask({
      SourceArn: sqsArnOf("dlq"),
      MaxNumberOfMessagesPerSecond: 1,
    });
    await te.advance(1000);
    expect(await sqs.cancelMessageMoveTask({ TaskHandle })).toEqual({
      ApproximateNumberOfMessagesMoved: 1,
    });
    await te.advance(10_000, 1000);
    expect(await latest()).toMatchObject({
      Status: "CANCELLED",
      ApproximateNumberOfMessagesMoved: 1,
    });
    expect((await te.engine.queueStats(url("dlq"))).visible).toBe(3);
    await expectAwsError(sqs.cancelMessageMoveTask({ TaskHandle }), "InvalidParameterValue");
  });

  it("allows one running task per source", async () => {
    await deadLetters(2);
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq"), MaxNumberOfMessagesPerSecond: 1 });
    const error = await expectAwsError(
      sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq") }),
      "InvalidParameterValue",
    );
    expect(error.message).toBe(
      "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
    );
  });

  it("leaves messages that reach the DLQ after the start", async () => {
    await deadLetters(2);
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq"), MaxNumberOfMessagesPerSecond: 1 });
    await sqs.sendMessage({ QueueUrl: url("dlq"), MessageBody: "newcomer" });
    await te.advance(5000, 1000);
    expect(await latest()).toMatchObject({
      Status: "COMPLETED",
      ApproximateNumberOfMessagesMoved: 2,
    });
    const { Messages = [] } = await sqs.receiveMessage({ QueueUrl: url("dlq") });
    expect(Messages.map((m) => m.Body)).toEqual(["newcomer"]);
  });

  it("fails when the queue a message came from no longer exists", async () => {
    await deadLetters(2);
    await sqs.deleteQueue({ QueueUrl: url("src") });
    // The DLQ is a DLQ only while some queue points at it.
    await sqs.createQueue({
      QueueName: "other-src",
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsArnOf("dlq"), maxReceiveCount: 3 }),
      },
    });
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq") });
    await te.engine.whenIdle();
    expect(await latest()).toMatchObject({
      Status: "FAILED",
      FailureReason: "AWS.SimpleQueueService.NonExistentQueue",
    });
  });

  it("lists tasks newest first, MaxResults at a time", async () => {
    await deadLetters(1);
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq") });
    await te.engine.whenIdle();
    await te.advance(1000);
    await sqs.startMessageMoveTask({ SourceArn: sqsArnOf("dlq"), MaxNumberOfMessagesPerSecond: 5 });
    const { Results } = await sqs.listMessageMoveTasks({
      SourceArn: sqsArnOf("dlq"),
      MaxResults: 10,
    });
    expect(Results.map((r) => r.Status)).toEqual(["RUNNING", "COMPLETED"]);
    expect((await sqs.listMessageMoveTasks({ SourceArn: sqsArnOf("dlq") })).Results).toHaveLength(
      1,
    );
  });
});
