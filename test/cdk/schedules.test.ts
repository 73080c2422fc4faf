import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  SCHEDULE_GROUP_ENV,
  SCHEDULER_DLQ_ARN_ENV,
  SCHEDULER_ROLE_ARNS_ENV,
} from "../../src/aws/env.js";
import {
  recurringJobIdTemplate,
  recurringScheduleName,
  SCHEDULING_ENV,
  scheduleGroupName,
} from "../../src/cdk/schedules.js";
import { resolveJobOptions } from "../../src/core/job-options.js";
import { scheduledJobId } from "../../src/core/job-schedules.js";
import { codeFolder, JOB_A_OPTIONS, jobOptions, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let template: Template;
let nagViolations: unknown[];

beforeAll(() => {
  const code = codeFolder(folder.dir);
  const report = resolveJobOptions({
    schema: z.object({ kind: z.string() }),
    handler: async () => {},
    schedule: {
      expression: "cron(0/5 * * * ? *)",
      timezone: "Europe/Paris",
      payload: { kind: "<daily>" },
    },
  }).resolved;
  let app: Parameters<AwsSolutionsChecks["validateScope"]>[0];
  ({ app, template } = twoJobStack(code, {
    jobs: [
      { name: "a", options: jobOptions(JOB_A_OPTIONS), code },
      { name: "report", options: report, code },
    ],
  }));
  nagViolations = new AwsSolutionsChecks().validateScope(app).violations;
}, 120_000);
afterAll(() => folder.cleanup());

/** The resolved `Fn::Join` of a template value, tokens written as `{Ref}` / `{Logical.Attr}`. */
function joined(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  if (v["Fn::Join"]) {
    const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map(joined).join(sep);
  }
  if (v.Ref) return `{${v.Ref}}`;
  if (v["Fn::GetAtt"]) return `{${(v["Fn::GetAtt"] as string[]).join(".")}}`;
  return JSON.stringify(value);
}

function logicalIdOf(type: string, match: (props: Record<string, unknown>) => boolean): string {
  const found = Object.entries(template.findResources(type)).filter(([, r]) =>
    match(r.Properties ?? {}),
  );
  expect(found).toHaveLength(1);
  return found[0]![0];
}

describe("the stack's scheduling", () => {
  it("has a schedule group named for the stack, and a DLQ with an alarm", () => {
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "demo-dev" });
    template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "demo-dev_scheduler-dlq",
      SqsManagedSseEnabled: true,
    });
    const dlq = logicalIdOf("AWS::SQS::Queue", (p) => p.QueueName === "demo-dev_scheduler-dlq");
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
      Threshold: 1,
    });
    expect(nagViolations).toEqual([]);
  });

  it("has a role per job, only Scheduler assumes it, for this account's group, sending to that job's queue only", () => {
    const roles = Object.entries(template.findResources("AWS::IAM::Role")).filter(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes("scheduler.amazonaws.com"),
    );
    expect(roles.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^SchedulingRolea/),
      expect.stringMatching(/^SchedulingRolereport/),
    ]);
    const queueIds = Object.keys(template.findResources("AWS::SQS::Queue"));
    const named = (prefix: string) => queueIds.filter((id) => id.startsWith(prefix));
    for (const [role, { Properties }] of roles) {
      const [trust] = Properties.AssumeRolePolicyDocument.Statement;
      expect(trust.Principal).toEqual({ Service: "scheduler.amazonaws.com" });
      expect(Object.keys(trust.Condition).sort()).toEqual(["ArnEquals", "StringEquals"]);
      expect(joined(trust.Condition.ArnEquals["aws:SourceArn"])).toBe(
        "arn:{AWS::Partition}:scheduler:{AWS::Region}:{AWS::AccountId}:schedule-group/demo-dev",
      );

      const policies = Object.values(template.findResources("AWS::IAM::Policy")).filter((p) =>
        (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === role),
      );
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
      const actions = new Set(statements.flatMap((s) => [s.Action].flat()));
      expect([...actions].sort()).toEqual([
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:SendMessage",
      ]);
      const queues = statements.flatMap((s) => [s.Resource].flat()).map((r) => r["Fn::GetAtt"][0]);
      // Its own job's queue and Scheduler's DLQ; never another job's queue, never a job's DLQ.
      const job = role.startsWith("SchedulingRolereport") ? "ReportJobQueue" : "AJobQueue";
      expect(queues.sort()).toEqual([...named(job), ...named("SchedulingDlq")].sort());
    }
  });

  it("lets the API function schedule in the stack's group only, and pass only the scheduler role", () => {
    const statements = Object.values(template.findResources("AWS::IAM::Policy"))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes("ApiRole"))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const scheduling = statements.find((s) => JSON.stringify(s.Action).includes("scheduler:"));
    expect(scheduling.Action).toEqual(["scheduler:CreateSchedule", "scheduler:DeleteSchedule"]);
    expect(joined(scheduling.Resource)).toBe(
      "arn:{AWS::Partition}:scheduler:{AWS::Region}:{AWS::AccountId}:schedule/demo-dev/*",
    );
    const passes = statements.filter((s) => s.Action === "iam:PassRole");
    expect(passes).toHaveLength(1);
    expect(passes[0].Condition).toEqual({
      StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" },
    });
    // The jobs' scheduler roles, and no other role.
    expect(passes[0].Resource.map((r: { "Fn::GetAtt": string[] }) => r["Fn::GetAtt"])).toEqual([
      [expect.stringMatching(/^SchedulingRolea/), "Arn"],
      [expect.stringMatching(/^SchedulingRolereport/), "Arn"],
    ]);

    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "offload HTTP API: POST /jobs",
      Environment: {
        Variables: Match.objectLike({
          [SCHEDULE_GROUP_ENV]: "demo-dev",
          [SCHEDULER_ROLE_ARNS_ENV]: Match.anyValue(),
          [SCHEDULER_DLQ_ARN_ENV]: {
            "Fn::GetAtt": [Match.stringLikeRegexp("^SchedulingDlq"), "Arn"],
          },
        }),
      },
    });
    const api = Object.values(template.findResources("AWS::Lambda::Function")).find(
      (f) => f.Properties.Description === "offload HTTP API: POST /jobs",
    );
    const roleArns = JSON.parse(
      joined(api!.Properties.Environment.Variables[SCHEDULER_ROLE_ARNS_ENV]),
    );
    expect(roleArns).toEqual({
      a: expect.stringMatching(/^\{SchedulingRolea.*\.Arn\}$/),
      report: expect.stringMatching(/^\{SchedulingRolereport.*\.Arn\}$/),
    });
    expect(SCHEDULING_ENV).toEqual({
      groupName: SCHEDULE_GROUP_ENV,
      roleArns: SCHEDULER_ROLE_ARNS_ENV,
      dlqArn: SCHEDULER_DLQ_ARN_ENV,
    });
  });

  it("outputs the group, each job's role and the DLQ for the transport", () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.ScheduleGroupName.Value).toBe("demo-dev");
    expect(outputs.SchedulerRoleArn).toBeUndefined();
    expect(outputs.JobASchedulerRoleArn.Value["Fn::GetAtt"][0]).toMatch(/^SchedulingRolea/);
    expect(outputs.JobReportSchedulerRoleArn.Value["Fn::GetAtt"][0]).toMatch(
      /^SchedulingRolereport/,
    );
    expect(outputs.SchedulerDlqArn.Value["Fn::GetAtt"][0]).toMatch(/^SchedulingDlq/);
    expect(outputs.SchedulerDlqUrl.Value.Ref).toMatch(/^SchedulingDlq/);
  });
});

describe("a job's recurring schedule", () => {
  it("is one Scheduler schedule sending the job to its queue with its name and a run id", () => {
    const schedules = template.findResources("AWS::Scheduler::Schedule");
    expect(Object.keys(schedules)).toHaveLength(1);
    const [schedule] = Object.values(schedules);
    const props = schedule!.Properties;
    expect(props).toMatchObject({
      Name: "report.default",
      GroupName: "demo-dev",
      ScheduleExpression: "cron(0/5 * * * ? *)",
      ScheduleExpressionTimezone: "Europe/Paris",
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      },
    });
    expect(schedule!.DependsOn).toEqual([expect.stringMatching(/^SchedulingGroup/)]);
    expect(joined(props.Target.Arn)).toBe(
      "arn:{AWS::Partition}:scheduler:::aws-sdk:sqs:sendMessage",
    );
    expect(props.Target.RoleArn["Fn::GetAtt"][0]).toMatch(/^SchedulingRolereport/);
    expect(props.Target.DeadLetterConfig.Arn["Fn::GetAtt"][0]).toMatch(/^SchedulingDlq/);
    const input = JSON.parse(joined(props.Target.Input));
    expect(input).toEqual({
      QueueUrl: expect.stringMatching(/^\{ReportJobQueue/),
      MessageBody: '{"kind":"<daily>"}',
      MessageAttributes: {
        jobId: {
          DataType: "String",
          StringValue: "report:default:<aws.scheduler.scheduled-time>",
        },
        jobName: { DataType: "String", StringValue: "report" },
      },
    });
    // Only the run id's keyword is left for Scheduler to replace; the payload's `<` is escaped.
    expect(joined(props.Target.Input).match(/</g)).toHaveLength(1);
    // Scheduler writes the scheduled time as the local runtime does in a run's id.
    const due = Date.UTC(2026, 2, 29, 0, 30);
    expect(
      recurringJobIdTemplate("report", "default").replace(
        "<aws.scheduler.scheduled-time>",
        "2026-03-29T00:30:00Z",
      ),
    ).toBe(scheduledJobId("report", "default", due));
  });
});

describe("a recurring schedule's input", () => {
  it("is refused at synth when over Scheduler's 256 KiB, naming the job and schedule", () => {
    const code = codeFolder(folder.dir);
    // 100,011 bytes as JSON, under the payload limit; each `<` is 6 bytes (\u003c) in the input.
    const big = resolveJobOptions({
      handler: async () => {},
      schedule: [
        { name: "big", expression: "rate(1 day)", payload: { text: "<".repeat(100_000) } },
        { name: "small", expression: "rate(1 hour)" },
      ],
    }).resolved;
    expect(() => twoJobStack(code, { jobs: [{ name: "digest", options: big, code }] })).toThrow(
      expect.objectContaining({
        code: "InvalidStack",
        message: expect.stringMatching(
          /^Cannot build the stack demo-dev \(1 problem\):\n- job digest, schedule big: EventBridge Scheduler's input \(the SQS SendMessage request with the schedule's payload, its attributes and the queue URL\) would be up to 600\d{3} bytes; the limit is 262144 \(256 KiB\)/,
        ),
      }),
    );
  });
});

describe("names", () => {
  it("cut a long stack or schedule name to Scheduler's 64 characters, keeping them apart", () => {
    expect(scheduleGroupName("demo-dev")).toBe("demo-dev");
    const long = `app-${"x".repeat(80)}`;
    const [a, b] = [scheduleGroupName(`${long}-a`), scheduleGroupName(`${long}-b`)];
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^[0-9A-Za-z_.-]+$/);
    expect(a).not.toBe(b);
    expect(recurringScheduleName("report", "default")).toBe("report.default");
    expect(recurringScheduleName("r".repeat(63), "s".repeat(32))).toHaveLength(64);
  });
});
