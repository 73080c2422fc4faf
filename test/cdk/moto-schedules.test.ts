import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveJobOptions } from "../../src/core/job-options.js";
import { jobOutputKey } from "../../src/core/stack-layout.js";
import { type MotoServer, startMoto } from "../conformance/moto.js";
import { applyTemplateToMoto } from "../support/apply-template.js";
import { type SdkClients, sdkClients } from "../support/sdk-clients.js";
import { codeFolder, JOB_A_OPTIONS, jobOptions, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let moto: MotoServer;
let clients: SdkClients;
let scheduler: SchedulerClient;
let outputs: Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: the template is JSON
let template: any;

beforeAll(async () => {
  const code = codeFolder(folder.dir);
  const report = resolveJobOptions({
    handler: async () => {},
    schedule: "cron(0/5 * * * ? *)",
    timezone: "Europe/Paris",
  }).resolved;
  template = twoJobStack(code, {
    jobs: [
      { name: "a", options: jobOptions(JOB_A_OPTIONS), code },
      { name: "report", options: report, code },
    ],
  }).template.toJSON();
  const file = join(folder.dir, "demo-dev.template.json");
  writeFileSync(file, JSON.stringify(template));
  moto = await startMoto();
  clients = sdkClients(moto.endpoint);
  scheduler = new SchedulerClient(clients.config);
  outputs = await applyTemplateToMoto(file, { ...clients, scheduler, stackName: "demo-dev" });
}, 120_000);
afterAll(async () => {
  scheduler?.destroy();
  clients?.destroy();
  await moto?.stop();
  folder.cleanup();
});

describe("the synthesized schedule applied to moto", () => {
  it("creates the stack's schedule group and the job's schedule with the template's properties", async () => {
    const group = await scheduler.send(new GetScheduleGroupCommand({ Name: "demo-dev" }));
    expect(group.State).toBe("ACTIVE");
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: "demo-dev" }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(["report.default"]);

    const found = await scheduler.send(
      new GetScheduleCommand({ GroupName: "demo-dev", Name: "report.default" }),
    );
    const [fromTemplate] = Object.values(template.Resources).filter(
      (r) => (r as { Type: string }).Type === "AWS::Scheduler::Schedule",
      // biome-ignore lint/suspicious/noExplicitAny: the template is JSON
    ) as any[];
    const props = fromTemplate.Properties;
    expect(found).toMatchObject({
      Name: "report.default",
      GroupName: "demo-dev",
      ScheduleExpression: "cron(0/5 * * * ? *)",
      ScheduleExpressionTimezone: "Europe/Paris",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Description: props.Description,
      Target: {
        Arn: "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
        RoleArn: outputs[jobOutputKey("report", "SchedulerRoleArn")],
        RetryPolicy: {
          MaximumRetryAttempts: props.Target.RetryPolicy.MaximumRetryAttempts,
          MaximumEventAgeInSeconds: props.Target.RetryPolicy.MaximumEventAgeInSeconds,
        },
        DeadLetterConfig: { Arn: outputs.SchedulerDlqArn },
      },
    });
    // The input is the SendMessage request to the job's queue, its URL resolved by moto.
    expect(JSON.parse(found.Target!.Input!)).toEqual({
      QueueUrl: outputs[jobOutputKey("report", "QueueUrl")],
      MessageBody: "{}",
      MessageAttributes: {
        jobId: {
          DataType: "String",
          StringValue: "report:default:<aws.scheduler.scheduled-time>",
        },
        jobName: { DataType: "String", StringValue: "report" },
      },
    });
    // Each job's schedules send with that job's role.
    expect(outputs[jobOutputKey("report", "SchedulerRoleArn")]).not.toBe(
      outputs[jobOutputKey("a", "SchedulerRoleArn")],
    );
  });
});
