import { describe, expect, it } from "vitest";
import { resolveAwsTransportOptions } from "../../src/aws/index.js";

const topicArn = "arn:aws:sns:us-east-1:123456789012:app-dev-jobs";
const queueUrl = "https://sqs.us-east-1.amazonaws.com/123456789012/app-dev-greeting";

describe("resolveAwsTransportOptions", () => {
  it("derives the region, partition and ARNs", () => {
    const resolved = resolveAwsTransportOptions({
      topicArn: "arn:aws-cn:sns:cn-north-1:123456789012:app-dev-jobs",
      queues: {
        greeting: {
          queueUrl: "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/app-dev-greeting",
          dlqUrl: "https://cn-north-1.queue.amazonaws.com.cn/123456789012/app-dev-greeting-dlq",
        },
      },
    });
    expect(resolved.region).toBe("cn-north-1");
    expect(resolved.partition).toBe("aws-cn");
    expect(resolved.queues.get("greeting")).toEqual({
      queueUrl: "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/app-dev-greeting",
      queueArn: "arn:aws-cn:sqs:cn-north-1:123456789012:app-dev-greeting",
      dlqUrl: "https://cn-north-1.queue.amazonaws.com.cn/123456789012/app-dev-greeting-dlq",
      dlqArn: "arn:aws-cn:sqs:cn-north-1:123456789012:app-dev-greeting-dlq",
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it("lists every problem, each naming the option, what it takes and what came", () => {
    let thrown: unknown;
    try {
      resolveAwsTransportOptions({
        topicArn: "app-dev-jobs",
        region: "Europe",
        queues: {
          greeting: { queueUrl: "sqs/app-dev-greeting" },
          order: { queueUrl, dlqUrl: "https://sqs.us-east-1.amazonaws.com/app-dev-order-dlq" },
        },
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: "InvalidAwsTransportOptions" });
    expect((thrown as Error).message.split("\n")).toEqual([
      "Invalid AWS transport options:",
      'topicArn must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:my-app-jobs; got "app-dev-jobs"',
      'region must be an AWS region like us-east-1; got "Europe"',
      'queues["greeting"].queueUrl must be an SQS queue URL like https://sqs.us-east-1.amazonaws.com/123456789012/my-queue; got "sqs/app-dev-greeting"',
      'queues["order"].dlqUrl must be an SQS queue URL like https://sqs.us-east-1.amazonaws.com/123456789012/my-queue; got "https://sqs.us-east-1.amazonaws.com/app-dev-order-dlq"',
    ]);
  });

  it("refuses queues that are not an object", () => {
    expect(() => resolveAwsTransportOptions({ topicArn, queues: [] as never })).toThrow(
      /queues must be an object of \{ queueUrl, dlqUrl\? \} by job name; got \[\]/,
    );
  });

  it("wants a valid scheduler role for every job", () => {
    const role = "arn:aws:iam::123456789012:role/app-dev-greeting-scheduler";
    const scheduled = (roleArns: Record<string, string>) => () =>
      resolveAwsTransportOptions({
        topicArn,
        queues: { greeting: { queueUrl }, order: { queueUrl } },
        scheduling: { groupName: "app-dev", roleArns },
      });
    expect(scheduled({ greeting: role, order: "order-role" })).toThrow(
      'scheduling.roleArns["order"] must be an IAM role ARN like arn:aws:iam::123456789012:role/my-app-greeting-scheduler; got "order-role"',
    );
    expect(scheduled({ greeting: role })).toThrow(
      "scheduling.roleArns has no role for order: each job needs the role its schedules send with (stack output Job<Name>SchedulerRoleArn)",
    );
    expect(scheduled({ greeting: role, order: role })().scheduling?.roleArns).toEqual({
      greeting: role,
      order: role,
    });
  });
});
