import { App } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OffloadStack } from "../../src/cdk/index.js";
import { OffloadError } from "../../src/core/errors.js";
import { codeFolder, jobOptions, logicalId, tempFolder, twoJobStack } from "./support.js";

const folder = tempFolder();
let code: string;
let template: Template;

beforeAll(() => {
  code = codeFolder(folder.dir);
  ({ template } = twoJobStack(code));
});
afterAll(() => folder.cleanup());

const getAtt = (id: string, attribute: string) => ({ "Fn::GetAtt": [id, attribute] });
const sslOnly = (action: string, resource: unknown) => ({
  Action: action,
  Condition: { Bool: { "aws:SecureTransport": "false" } },
  Effect: "Deny",
  Principal: Match.anyValue(),
  Resource: resource,
});

describe("topics", () => {
  it("has the jobs topic, SSL-only, exported as TopicArn", () => {
    const topic = logicalId(template, "AWS::SNS::Topic", "Topic");
    template.hasResourceProperties("AWS::SNS::Topic", { TopicName: "demo-dev-jobs" });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: [sslOnly("sns:Publish", { Ref: topic })] },
    });
    template.hasOutput("TopicArn", {
      Value: { Ref: topic },
      Export: { Name: "demo-dev-TopicArn" },
    });
  });

  it("has the alert topic, SSL-only, open to this account's alarms, mailing alertEmail", () => {
    const alerts = logicalId(template, "AWS::SNS::Topic", "AlertTopic");
    template.hasResourceProperties("AWS::SNS::Topic", { TopicName: "demo-dev-alerts" });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: alerts }],
      PolicyDocument: {
        Statement: [
          sslOnly("sns:Publish", { Ref: alerts }),
          Match.objectLike({
            Effect: "Allow",
            Action: "sns:Publish",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Condition: {
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
              ArnLike: { "aws:SourceArn": Match.anyValue() },
            },
          }),
        ],
      },
    });
    template.hasResourceProperties("AWS::SNS::Subscription", {
      TopicArn: { Ref: alerts },
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    template.hasOutput("AlertTopicArn", { Value: { Ref: alerts } });
  });

  it("subscribes no email without alertEmail", () => {
    const { template: quiet } = twoJobStack(code, { alertEmail: undefined });
    expect(
      quiet.findResources("AWS::SNS::Subscription", { Properties: { Protocol: "email" } }),
    ).toEqual({});
  });
});

describe.each([
  {
    job: "a",
    prefix: "AJob",
    timeout: 30,
    visibility: 300,
    attempts: 3,
    batch: 10,
    window: 5,
    concurrency: 7,
    alarm: { MetricName: "ApproximateNumberOfMessagesVisible", Threshold: 3 },
  },
  {
    job: "b",
    prefix: "BJob",
    timeout: 15,
    visibility: 90,
    attempts: 5,
    batch: 5,
    window: undefined,
    concurrency: 5,
    alarm: { MetricName: "ApproximateAgeOfOldestMessage", Threshold: 900 },
  },
])("job $job", (c) => {
  const ids = () => ({
    queue: logicalId(template, "AWS::SQS::Queue", `${c.prefix}Queue`),
    dlq: logicalId(template, "AWS::SQS::Queue", `${c.prefix}Dlq`),
    fn: logicalId(template, "AWS::Lambda::Function", `${c.prefix}Function`),
    role: logicalId(template, "AWS::IAM::Role", `${c.prefix}Role`),
    logs: logicalId(template, "AWS::Logs::LogGroup", `${c.prefix}Logs`),
    topic: logicalId(template, "AWS::SNS::Topic", "Topic"),
    alerts: logicalId(template, "AWS::SNS::Topic", "AlertTopic"),
  });

  it("has a queue: SQS-managed SSE, SSL-only, visibility = retryDelay, redrive after maxAttempts", () => {
    const { queue, dlq } = ids();
    expect(template.toJSON().Resources[queue].Properties).toEqual({
      QueueName: `demo-dev-${c.job}`,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: c.visibility,
      DelaySeconds: 0,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: { deadLetterTargetArn: getAtt(dlq, "Arn"), maxReceiveCount: c.attempts },
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([sslOnly("sqs:*", getAtt(queue, "Arn"))]),
      },
    });
  });

  it("has a DLQ: SQS-managed SSE, SSL-only, 14 days", () => {
    const { dlq } = ids();
    expect(template.toJSON().Resources[dlq].Properties).toEqual({
      QueueName: `demo-dev-${c.job}-dlq`,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: dlq }],
      PolicyDocument: { Statement: [sslOnly("sqs:*", getAtt(dlq, "Arn"))] },
    });
  });

  it("subscribes the queue to the topic: raw delivery, filtered on jobName", () => {
    const { queue, topic } = ids();
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "sqs",
      TopicArn: { Ref: topic },
      Endpoint: getAtt(queue, "Arn"),
      RawMessageDelivery: true,
      FilterPolicy: { jobName: [c.job] },
    });
    // SNS may send to the queue, from this topic only.
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "sqs:SendMessage",
            Effect: "Allow",
            Principal: { Service: "sns.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": { Ref: topic } } },
          }),
        ]),
      },
    });
  });

  it("has a Lambda: Node 24, arm64, the job's timeout, memory, environment and log group", () => {
    const { queue, dlq, fn, role, logs } = ids();
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: c.timeout,
      MemorySize: 1024,
      Role: getAtt(role, "Arn"),
      LoggingConfig: { LogGroup: { Ref: logs } },
      Environment: {
        Variables: {
          OFFLOAD_JOB_NAME: c.job,
          OFFLOAD_QUEUE_URL: { Ref: queue },
          OFFLOAD_DLQ_URL: { Ref: dlq },
        },
      },
    });
    expect(template.toJSON().Resources[fn].Properties.Role).toEqual(getAtt(role, "Arn"));
    expect(template.toJSON().Resources[logs]).toMatchObject({
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: "Delete",
    });
  });

  it("grants the function its queue (with ChangeMessageVisibility), SendMessage to its DLQ and its logs; no managed policy", () => {
    const { queue, dlq, role, logs } = ids();
    const grants = [
      { Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: getAtt(logs, "Arn") },
      { Action: Match.arrayWith(["sqs:SendMessage"]), Resource: getAtt(dlq, "Arn") },
      {
        Action: Match.arrayWith([
          "sqs:ReceiveMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:DeleteMessage",
        ]),
        Resource: getAtt(queue, "Arn"),
      },
    ];
    for (const grant of grants) {
      template.hasResourceProperties("AWS::IAM::Policy", {
        Roles: [{ Ref: role }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(grant)]) },
      });
    }
    expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("has an SQS event source with the job's batch, window, maximum concurrency and partial failures", () => {
    const { queue, fn } = ids();
    const mappings = template.findResources("AWS::Lambda::EventSourceMapping", {
      Properties: { FunctionName: { Ref: fn } },
    });
    expect(Object.values(mappings).map((m) => m.Properties)).toEqual([
      {
        FunctionName: { Ref: fn },
        EventSourceArn: getAtt(queue, "Arn"),
        BatchSize: c.batch,
        ...(c.window === undefined ? {} : { MaximumBatchingWindowInSeconds: c.window }),
        ScalingConfig: { MaximumConcurrency: c.concurrency },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      },
    ]);
  });

  it("has an alarm on the DLQ, notifying the alert topic", () => {
    const { dlq, alerts } = ids();
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      Dimensions: [{ Name: "QueueName", Value: getAtt(dlq, "QueueName") }],
      ...c.alarm,
      Statistic: "Maximum",
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: alerts }],
    });
  });

  it("has the outputs the AWS transport and the CLI read", () => {
    const { queue, dlq } = ids();
    const key = `Job${c.job.toUpperCase()}`;
    template.hasOutput(`${key}QueueUrl`, { Value: { Ref: queue } });
    template.hasOutput(`${key}QueueName`, { Value: getAtt(queue, "QueueName") });
    template.hasOutput(`${key}DlqUrl`, { Value: { Ref: dlq } });
    template.hasOutput(`${key}DlqName`, { Value: getAtt(dlq, "QueueName") });
  });
});

describe("the stack", () => {
  it("has exactly these resources for two jobs", () => {
    // Each job's queue and DLQ, and EventBridge Scheduler's DLQ.
    template.resourceCountIs("AWS::SQS::Queue", 5);
    template.resourceCountIs("AWS::SNS::Topic", 2);
    template.resourceCountIs("AWS::SNS::Subscription", 3);
    template.resourceCountIs("AWS::Lambda::Function", 3);
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
    template.resourceCountIs("AWS::CloudWatch::Alarm", 3);
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 1);
    template.resourceCountIs("AWS::Scheduler::Schedule", 0);
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        "AlertTopicArn",
        "ApiUrl",
        "JobTableName",
        "ScheduleGroupName",
        "SchedulerDlqArn",
        "SchedulerDlqUrl",
        "TopicArn",
        ...["A", "B"].flatMap((j) =>
          ["QueueUrl", "QueueName", "DlqUrl", "DlqName", "SchedulerRoleArn"].map(
            (o) => `Job${j}${o}`,
          ),
        ),
      ].sort(),
    );
  });

  it("gives a container job its queue, DLQ, subscription, alarm and service but no function", () => {
    const app = new App();
    const stack = new OffloadStack(app, "demo-dev", {
      jobs: [
        {
          name: "render",
          options: jobOptions({ runtime: "container" }),
          image: ecs.ContainerImage.fromRegistry("public.ecr.aws/docker/library/node:22-alpine"),
        },
      ],
      apiCode: code,
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs("AWS::SQS::Queue", 3);
    t.resourceCountIs("AWS::SNS::Subscription", 1);
    // The DLQ alarm, the API's, and the service's start-from-zero alarm.
    t.resourceCountIs("AWS::CloudWatch::Alarm", 3);
    t.resourceCountIs("AWS::ECS::Service", 1);
    t.resourceCountIs("AWS::Lambda::EventSourceMapping", 0);
    // Only the API's function.
    t.resourceCountIs("AWS::Lambda::Function", 1);
    t.hasOutput("JobRenderQueueUrl", Match.anyValue());
  });

  it("sets the queue's delivery delay from the job's delay, and memorySize on every function", () => {
    const { template: t } = twoJobStack(code, {
      jobs: [{ name: "later", options: jobOptions({ delay: "2m" }), code }],
      memorySize: 2048,
    });
    t.hasResourceProperties("AWS::SQS::Queue", { QueueName: "demo-dev-later", DelaySeconds: 120 });
    const memory = Object.values(t.findResources("AWS::Lambda::Function")).map(
      (f) => f.Properties.MemorySize,
    );
    expect(memory).toEqual([2048, 2048]);
  });

  it("refuses a retryDelay shorter than the timeout, naming the job", () => {
    const build = () =>
      twoJobStack(code, {
        jobs: [
          {
            name: "slow",
            options: { ...jobOptions(), timeoutMs: 60_000, retryDelayMs: 30_000 },
            code,
          },
        ],
      });
    expect(build).toThrow(OffloadError);
    expect(build).toThrow(/job "slow": retryDelay 30s is shorter than timeout 1m/);
  });

  it("holds a job whose name ends like another job's output key", () => {
    const { template: t } = twoJobStack(code, {
      jobs: [
        { name: "a", options: jobOptions(), code },
        { name: "a-queue-url", options: jobOptions(), code },
      ],
    });
    t.hasOutput("JobAQueueUrl", Match.anyValue());
    t.hasOutput("JobAQueueUrlQueueUrl", Match.anyValue());
    t.resourceCountIs("AWS::SQS::Queue", 5);
  });

  it("refuses jobs whose output keys clash", () => {
    expect(() =>
      twoJobStack(code, {
        jobs: [
          { name: "send-mail", options: jobOptions(), code },
          { name: "send_mail", options: jobOptions(), code },
        ],
      }),
    ).toThrow(/jobs "send-mail" and "send_mail" would share output keys/);
  });

  it("adds a warning annotation below 6 × timeout", () => {
    const { stack } = twoJobStack(code, {
      jobs: [{ name: "quick", options: jobOptions({ timeout: "30s", retryDelay: "1m" }), code }],
    });
    expect(stack.warnings).toEqual([
      expect.stringMatching(/^job "quick": retryDelay 1m is below 6 × timeout 30s/),
    ]);
    Annotations.fromStack(stack).hasWarning(
      "*",
      Match.stringLikeRegexp('job "quick": retryDelay 1m is below 6'),
    );
  });
});
