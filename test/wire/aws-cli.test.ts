import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWireStack, type WireStack } from "./support.js";

// A scripted session with the installed AWS CLI against the local wire
// endpoint: the same commands a user would type, with every output checked.
let stack: WireStack;
beforeAll(async () => {
  stack = await startWireStack();
});
afterAll(() => stack?.close());

/** A message as `aws sqs receive-message` prints it. */
interface CliMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  Attributes: Record<string, string>;
  MessageAttributes?: Record<string, unknown>;
}

function aws(...args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      "aws",
      ["--endpoint-url", stack.url, "--output", "json", ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_MAX_ATTEMPTS: "1",
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`aws ${args.join(" ")} failed: ${stderr || error.message}`));
        else resolve(stdout.trim() ? JSON.parse(stdout) : {});
      },
    );
  });
}

describe("the AWS CLI against the local endpoint", () => {
  it("creates a queue with a DLQ, routes SNS by filter, redrives, and moves a DLQ back", async () => {
    const { QueueUrl: dlqUrl } = (await aws(
      "sqs",
      "create-queue",
      "--queue-name",
      "cli-orders-dlq",
    )) as { QueueUrl: string };
    expect(dlqUrl).toBe(`${stack.url}/000000000000/cli-orders-dlq`);
    const dlqArn = "arn:aws:sqs:us-east-1:000000000000:cli-orders-dlq";
    const { QueueUrl: url } = (await aws(
      "sqs",
      "create-queue",
      "--queue-name",
      "cli-orders",
      "--attributes",
      JSON.stringify({
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        VisibilityTimeout: "0",
      }),
    )) as { QueueUrl: string };
    const { Attributes } = (await aws(
      "sqs",
      "get-queue-attributes",
      "--queue-url",
      url,
      "--attribute-names",
      "All",
    )) as {
      Attributes: Record<string, string>;
    };
    expect(JSON.parse(Attributes.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 2,
    });

    const { TopicArn } = (await aws("sns", "create-topic", "--name", "cli-jobs")) as {
      TopicArn: string;
    };
    expect(TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:cli-jobs");
    const { SubscriptionArn } = (await aws(
      "sns",
      "subscribe",
      "--topic-arn",
      TopicArn,
      "--protocol",
      "sqs",
      "--notification-endpoint",
      "arn:aws:sqs:us-east-1:000000000000:cli-orders",
      "--attributes",
      JSON.stringify({
        RawMessageDelivery: "true",
        FilterPolicy: JSON.stringify({ jobName: ["place-order"] }),
      }),
    )) as { SubscriptionArn: string };
    expect(SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));

    await aws(
      "sns",
      "publish",
      "--topic-arn",
      TopicArn,
      "--message",
      '{"order":1}',
      "--message-attributes",
      JSON.stringify({ jobName: { DataType: "String", StringValue: "place-order" } }),
    );
    await aws(
      "sns",
      "publish",
      "--topic-arn",
      TopicArn,
      "--message",
      '{"other":true}',
      "--message-attributes",
      JSON.stringify({ jobName: { DataType: "String", StringValue: "greeting" } }),
    );

    const first = (await aws(
      "sqs",
      "receive-message",
      "--queue-url",
      url,
      "--max-number-of-messages",
      "10",
      "--attribute-names",
      "All",
      "--message-attribute-names",
      "All",
    )) as { Messages: CliMessage[] };
    expect(first.Messages).toHaveLength(1);
    expect(first.Messages[0]).toMatchObject({
      Body: '{"order":1}',
      Attributes: { ApproximateReceiveCount: "1" },
      MessageAttributes: { jobName: { DataType: "String", StringValue: "place-order" } },
    });
    const second = (await aws(
      "sqs",
      "receive-message",
      "--queue-url",
      url,
      "--attribute-names",
      "All",
    )) as {
      Messages: CliMessage[];
    };
    expect(second.Messages[0]?.Attributes.ApproximateReceiveCount).toBe("2");
    // The third receive exceeds maxReceiveCount: the message moves to the DLQ instead.
    expect(await aws("sqs", "receive-message", "--queue-url", url)).toEqual({});
    const dead = (await aws(
      "sqs",
      "receive-message",
      "--queue-url",
      dlqUrl,
      "--visibility-timeout",
      "0",
      "--attribute-names",
      "All",
    )) as { Messages: CliMessage[] };
    expect(dead.Messages[0]).toMatchObject({
      MessageId: first.Messages[0]!.MessageId,
      Attributes: { DeadLetterQueueSourceArn: "arn:aws:sqs:us-east-1:000000000000:cli-orders" },
    });

    const { TaskHandle } = (await aws(
      "sqs",
      "start-message-move-task",
      "--source-arn",
      dlqArn,
    )) as { TaskHandle: string };
    expect(TaskHandle).toBeTruthy();
    await stack.engine.whenIdle();
    const { Results } = (await aws("sqs", "list-message-move-tasks", "--source-arn", dlqArn)) as {
      Results: Array<Record<string, unknown>>;
    };
    expect(Results[0]).toMatchObject({ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 1 });
    const back = (await aws("sqs", "receive-message", "--queue-url", url)) as {
      Messages: CliMessage[];
    };
    expect(back.Messages[0]?.Body).toBe('{"order":1}');
    await aws(
      "sqs",
      "delete-message",
      "--queue-url",
      url,
      "--receipt-handle",
      back.Messages[0]!.ReceiptHandle,
    );
    expect(await aws("sqs", "receive-message", "--queue-url", url)).toEqual({});
    // Sixteen runs of the AWS CLI, each a Python start of 1 to 4 s on a loaded machine.
  }, 180_000);

  it("reports AWS's error code for a queue that does not exist", async () => {
    await expect(aws("sqs", "get-queue-url", "--queue-name", "cli-nope")).rejects.toThrow(
      /\(AWS\.SimpleQueueService\.NonExistentQueue\) when calling the GetQueueUrl operation: The specified queue does not exist\./,
    );
  });
});
