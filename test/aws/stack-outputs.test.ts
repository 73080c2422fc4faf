import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { awsTransportTargetFromOutputs, readStackOutputs } from "../../src/aws/index.js";
import {
  jobOutputKey,
  SCHEDULE_GROUP_NAME_OUTPUT,
  SCHEDULER_DLQ_ARN_OUTPUT,
  TOPIC_ARN_OUTPUT,
} from "../../src/core/stack-layout.js";
import { tempDir } from "../support/temp.js";

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function outputsFile(content: unknown): string {
  const temp = tempDir("offload-outputs-");
  cleanup = temp.cleanup;
  const file = join(temp.dir, "cdk-outputs.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const topicArn = "arn:aws:sns:us-east-1:123456789012:shop-dev-jobs";
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
const shop = {
  [TOPIC_ARN_OUTPUT]: topicArn,
  [jobOutputKey("send-welcome-email", "QueueUrl")]: url("send-welcome-email"),
  [jobOutputKey("send-welcome-email", "DlqUrl")]: url("send-welcome-email-dlq"),
  ApiUrl: "https://abc123.execute-api.us-east-1.amazonaws.com/",
};

describe("readStackOutputs", () => {
  it("reads the one stack of a `cdk deploy --outputs-file` file", () => {
    const file = outputsFile({ "shop-dev": shop });
    expect(readStackOutputs(file)).toEqual({ stackName: "shop-dev", outputs: shop });
  });

  it("takes the named stack of several, and lists them when none is named", () => {
    const file = outputsFile({ "shop-dev": shop, "Stack-PR12": { TopicArn: "x" } });
    expect(readStackOutputs(file, "Stack-PR12")).toEqual({
      stackName: "Stack-PR12",
      outputs: { TopicArn: "x" },
    });
    expect(() => readStackOutputs(file)).toThrow(
      `${file} holds the outputs of several stacks (Stack-PR12, shop-dev): name one (--stack <name>)`,
    );
    expect(() => readStackOutputs(file, "shop-prod")).toThrow(
      `${file} has no outputs of stack shop-prod; it holds Stack-PR12, shop-dev`,
    );
  });

  it("says to deploy or pass --outputs when the file is missing", () => {
    const file = join(outputsFile("{}"), "..", "missing.json");
    expect(() => readStackOutputs(file)).toThrow(
      expect.objectContaining({
        code: "StackOutputsNotFound",
        message: expect.stringMatching(
          /^There are no stack outputs at .*missing\.json: run `offload deploy` \(it writes them there\), or pass --outputs <file>/,
        ),
      }),
    );
  });

  it.each([
    ["not JSON", "{", /: it is not JSON$/],
    ["an array", "[]", /: its top level is an array, not an object$/],
    ["empty", "{}", /: it holds no stack$/],
    ["outputs not strings", { s: { TopicArn: 1 } }, /: output s\.TopicArn is number 1$/],
  ])("refuses a file that is %s", (_name, content, message) => {
    const file = outputsFile(content);
    expect(() => readStackOutputs(file)).toThrow(
      expect.objectContaining({
        code: "InvalidStackOutputs",
        message: expect.stringMatching(message),
      }),
    );
  });
});

describe("awsTransportTargetFromOutputs", () => {
  it("maps the stack-layout keys to the transport's topic and queues", () => {
    expect(awsTransportTargetFromOutputs(shop, ["send-welcome-email"])).toEqual({
      topicArn,
      queues: {
        "send-welcome-email": {
          queueUrl: url("send-welcome-email"),
          dlqUrl: url("send-welcome-email-dlq"),
        },
      },
    });
  });

  it("names every missing key and its job", () => {
    const { [TOPIC_ARN_OUTPUT]: _topic, ...rest } = shop;
    expect(() =>
      awsTransportTargetFromOutputs(rest, ["send-welcome-email", "place-order"]),
    ).toThrow(
      expect.objectContaining({
        code: "MissingStackOutput",
        message:
          "The stack outputs lack TopicArn (the jobs topic's ARN), JobPlaceOrderQueueUrl (the queue URL of job place-order), JobPlaceOrderDlqUrl (the DLQ URL of job place-order): deploy the app again (`offload deploy`) so the stack has every job of the jobs folder",
      }),
    );
  });

  it("gives each job the scheduler role of its own output", () => {
    const role = (name: string) => `arn:aws:iam::123456789012:role/shop-dev-${name}`;
    const scheduled = {
      ...shop,
      [jobOutputKey("place-order", "QueueUrl")]: url("place-order"),
      [jobOutputKey("place-order", "DlqUrl")]: url("place-order-dlq"),
      [SCHEDULE_GROUP_NAME_OUTPUT]: "shop-dev",
      [SCHEDULER_DLQ_ARN_OUTPUT]: "arn:aws:sqs:us-east-1:123456789012:shop-dev_scheduler-dlq",
      [jobOutputKey("send-welcome-email", "SchedulerRoleArn")]: role("welcome"),
      [jobOutputKey("place-order", "SchedulerRoleArn")]: role("order"),
    };
    const jobs = ["send-welcome-email", "place-order"];
    expect(awsTransportTargetFromOutputs(scheduled, jobs).scheduling).toEqual({
      groupName: "shop-dev",
      roleArns: { "send-welcome-email": role("welcome"), "place-order": role("order") },
      dlqArn: "arn:aws:sqs:us-east-1:123456789012:shop-dev_scheduler-dlq",
    });
    // A stack deployed before the jobs had their own roles schedules nothing.
    const { [jobOutputKey("place-order", "SchedulerRoleArn")]: _order, ...older } = scheduled;
    expect(awsTransportTargetFromOutputs(older, jobs).scheduling).toBeUndefined();
  });
});
