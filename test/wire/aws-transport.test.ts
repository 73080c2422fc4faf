/**
 * The AWS transport, with the real SDK, against the local wire endpoint: for what moto does
 * not do as SQS does (moto allows any number of purges a minute).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsTransport } from "../../src/aws/index.js";
import { startWireStack, type WireStack } from "./support.js";

let stack: WireStack;
beforeAll(async () => {
  stack = await startWireStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("the AWS transport on the wire endpoint", () => {
  it("answers a second purge of a DLQ within a minute with PurgeInProgress, and purges a minute later", async () => {
    const url = (QueueName: string) =>
      stack.engine.sqs.getQueueUrl({ QueueName }).then((r) => r.QueueUrl);
    const transport = createAwsTransport({
      topicArn: "arn:aws:sns:us-east-1:000000000000:unused",
      queues: { greeting: { queueUrl: await url("greeting"), dlqUrl: await url("greeting-dlq") } },
      sqs: stack.sqs,
      sns: stack.sns,
    });
    expect(await transport.dlq.purge("greeting")).toEqual({ purged: 0 });
    await expect(transport.dlq.purge("greeting")).rejects.toMatchObject({
      code: "PurgeInProgress",
      message:
        "The DLQ of greeting was purged less than 60 seconds ago, and SQS allows one purge a minute: try again in a minute",
    });
    await stack.advance(60_000);
    expect(await transport.dlq.purge("greeting")).toEqual({ purged: 0 });
  });
});
