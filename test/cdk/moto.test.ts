import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SynthResult, synthesize } from "../../src/cdk/index.js";
import { jobOutputKey } from "../../src/core/stack-layout.js";
import { loadJobs } from "../../src/runtime/load-jobs.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { applyTemplateToMoto } from "../support/apply-template.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";
import { tempFolder, twoJobSources, writeJobs } from "./support.js";

const folder = tempFolder();
let moto: MotoServer;
let clients: SdkClients;
let sqs: SQSClient;
let sns: SNSClient;
let synth: SynthResult;
let outputs: Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: the template is JSON read back from disk
let resources: Record<string, { Type: string; Properties: any }>;

beforeAll(async () => {
  const dir = join(folder.dir, "jobs");
  writeJobs(dir, twoJobSources());
  const jobs = (await loadJobs(dir)).map((j) => ({
    name: j.name,
    file: j.file,
    options: j.definition.options,
  }));
  [synth, moto] = await Promise.all([
    synthesize({
      jobs,
      app: "demo",
      aws: { alertEmail: "ops@example.com" },
      outdir: join(folder.dir, "cdk.out"),
    }),
    startMoto(),
  ]);
  clients = sdkClients(moto.endpoint);
  ({ sqs, sns } = clients);
  resources = JSON.parse(readFileSync(synth.templateFile, "utf8")).Resources;
  outputs = await applyTemplateToMoto(synth.templateFile, { sqs, sns, stackName: synth.stackName });
});
afterAll(async () => {
  clients?.destroy();
  await moto?.stop();
  folder.cleanup();
});

/** The template's properties of the queue named `name`. */
function queueProperties(name: string) {
  const found = Object.values(resources).filter(
    (r) => r.Type === "AWS::SQS::Queue" && r.Properties.QueueName === name,
  );
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

async function queueAttributes(url: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All" as QueueAttributeName] }),
  );
  return Attributes!;
}

describe("the template applied to moto", () => {
  it("returns the stack's outputs, keyed as the stack's", () => {
    const keys = ["a", "b"].flatMap((job) =>
      (["QueueUrl", "QueueName", "DlqUrl", "DlqName"] as const).map((o) => jobOutputKey(job, o)),
    );
    // Scheduling's outputs that moto resolves: the group's name and the scheduler DLQ's.
    const scheduling = ["ScheduleGroupName", "SchedulerDlqArn", "SchedulerDlqUrl"];
    expect(Object.keys(outputs).sort()).toEqual(
      ["AlertTopicArn", "TopicArn", ...scheduling, ...keys].sort(),
    );
    expect(outputs.TopicArn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:demo-dev-jobs$/);
    expect(outputs.JobAQueueName).toBe("demo-dev-a");
    expect(outputs.JobADlqName).toBe("demo-dev-a-dlq");
    expect(outputs.JobAQueueUrl).toMatch(/\/demo-dev-a$/);
  });

  it.each(["a", "b"])(
    "creates job %s's queue and DLQ with the template's properties",
    async (job) => {
      const queue = await queueAttributes(outputs[jobOutputKey(job, "QueueUrl")]!);
      const dlq = await queueAttributes(outputs[jobOutputKey(job, "DlqUrl")]!);
      const fromTemplate = queueProperties(`demo-dev-${job}`);
      const dlqFromTemplate = queueProperties(`demo-dev-${job}-dlq`);
      expect(queue).toMatchObject({
        VisibilityTimeout: String(fromTemplate.VisibilityTimeout),
        MessageRetentionPeriod: String(fromTemplate.MessageRetentionPeriod),
        DelaySeconds: String(fromTemplate.DelaySeconds),
        SqsManagedSseEnabled: "true",
      });
      expect(JSON.parse(queue.RedrivePolicy!)).toEqual({
        deadLetterTargetArn: dlq.QueueArn,
        maxReceiveCount: fromTemplate.RedrivePolicy.maxReceiveCount,
      });
      expect(dlq).toMatchObject({
        MessageRetentionPeriod: String(dlqFromTemplate.MessageRetentionPeriod),
        SqsManagedSseEnabled: "true",
      });
      expect(dlq.RedrivePolicy).toBeUndefined();
      // The non-default options of job a reached moto.
      if (job === "a") expect(queue).toMatchObject({ VisibilityTimeout: "300" });
      expect(JSON.parse(queue.Policy!).Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: "Deny", Action: "sqs:*" })]),
      );
    },
  );

  it("subscribes each job's queue to the topic with raw delivery and its jobName filter", async () => {
    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: outputs.TopicArn }),
    );
    expect(Subscriptions).toHaveLength(2);
    const byEndpoint: Record<string, Record<string, string>> = {};
    for (const s of Subscriptions!) {
      const { Attributes } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
      );
      byEndpoint[s.Endpoint!] = Attributes!;
    }
    for (const job of ["a", "b"]) {
      const arn = (await queueAttributes(outputs[jobOutputKey(job, "QueueUrl")]!)).QueueArn!;
      expect(byEndpoint[arn]).toMatchObject({ Protocol: "sqs", RawMessageDelivery: "true" });
      expect(JSON.parse(byEndpoint[arn]!.FilterPolicy!)).toEqual({ jobName: [job] });
    }
    const { Attributes } = await sns.send(
      new GetTopicAttributesCommand({ TopicArn: outputs.AlertTopicArn }),
    );
    expect(JSON.parse(Attributes!.Policy!).Statement).toHaveLength(2);
  });

  it.each([
    ["a", "b"],
    ["b", "a"],
  ])(
    "delivers a message published with jobName=%s to that job's queue only",
    async (job, other) => {
      const payload = JSON.stringify({ for: job, n: Math.random() });
      await sns.send(
        new PublishCommand({
          TopicArn: outputs.TopicArn,
          Message: payload,
          MessageAttributes: { jobName: { DataType: "String", StringValue: job } },
        }),
      );
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: outputs[jobOutputKey(job, "QueueUrl")],
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 5,
          MessageAttributeNames: ["All"],
        }),
      );
      // Raw delivery: the body is the payload, not SNS's envelope.
      expect(Messages?.map((m) => m.Body)).toEqual([payload]);
      expect(Messages![0]!.MessageAttributes?.jobName?.StringValue).toBe(job);
      // Done with it: the next case counts this queue as the other one.
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: outputs[jobOutputKey(job, "QueueUrl")],
          ReceiptHandle: Messages![0]!.ReceiptHandle,
        }),
      );
      // moto delivers within Publish: the other queue would hold it by now.
      const otherQueue = await queueAttributes(outputs[jobOutputKey(other, "QueueUrl")]!);
      expect(otherQueue.ApproximateNumberOfMessages).toBe("0");
      expect(otherQueue.ApproximateNumberOfMessagesNotVisible).toBe("0");
    },
  );
});
