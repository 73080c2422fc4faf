import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OffloadStack, type OffloadStackProps } from "../../src/cdk/index.js";
import { codeFolder, jobOptions, logicalId, tempFolder } from "./support.js";

const folder = tempFolder();
let code: string;
beforeAll(() => {
  code = codeFolder(folder.dir);
});
afterAll(() => folder.cleanup());

/** A registry image: the template needs no build context (asset staging is tested in synth). */
const image = ecs.ContainerImage.fromRegistry("public.ecr.aws/docker/library/node:22-alpine");

const RENDER = {
  runtime: "container",
  concurrency: 4,
  timeout: "10m",
  retryDelay: "15m",
  container: {
    cpu: 1024,
    memory: 4096,
    minTasks: 0,
    maxTasks: 8,
    expectedDuration: "30s",
    acceptableLatency: "2m",
    stopTimeout: "90s",
  },
} as const;

function containerStack(overrides: Partial<OffloadStackProps> = {}) {
  const app = new App();
  const stack = new OffloadStack(app, "demo-dev", {
    jobs: [
      { name: "render", options: jobOptions(RENDER), image },
      { name: "mail", options: jobOptions(), code },
    ],
    apiCode: code,
    ...overrides,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

describe("a container job's Fargate service", () => {
  let t: Template;
  let queue: string;
  let dlq: string;
  let cluster: string;
  let service: string;
  beforeAll(() => {
    ({ template: t } = containerStack());
    queue = logicalId(t, "AWS::SQS::Queue", "RenderJobQueue");
    dlq = logicalId(t, "AWS::SQS::Queue", "RenderJobDlq");
    cluster = logicalId(t, "AWS::ECS::Cluster", "Containers");
    service = logicalId(t, "AWS::ECS::Service", "RenderWorker");
  });

  it("runs the job's size on ARM64 with its stopTimeout, logs kept a month, the queue in its environment", () => {
    const logs = logicalId(t, "AWS::Logs::LogGroup", "RenderWorkerLogs");
    expect(t.toJSON().Resources[logs].Properties.RetentionInDays).toBe(30);
    t.hasResourceProperties("AWS::ECS::TaskDefinition", {
      Cpu: "1024",
      Memory: "4096",
      RequiresCompatibilities: ["FARGATE"],
      NetworkMode: "awsvpc",
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
      ContainerDefinitions: [
        Match.objectLike({
          Essential: true,
          StopTimeout: 90,
          LogConfiguration: {
            LogDriver: "awslogs",
            Options: Match.objectLike({ "awslogs-group": { Ref: logs } }),
          },
          Environment: Match.arrayWith([
            { Name: "OFFLOAD_JOB_NAME", Value: "render" },
            { Name: "OFFLOAD_QUEUE_URL", Value: { Ref: queue } },
            { Name: "OFFLOAD_DLQ_URL", Value: { Ref: dlq } },
            { Name: "OFFLOAD_TOPIC_ARN", Value: { Ref: Match.stringLikeRegexp("^Topic") } },
            { Name: "OFFLOAD_JOB_TABLE", Value: { Ref: Match.stringLikeRegexp("^JobTable") } },
          ]),
        }),
      ],
    });
  });

  it("runs in the stack's cluster, with Container Insights, in public subnets of a VPC without NAT", () => {
    t.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }],
    });
    t.resourceCountIs("AWS::EC2::NatGateway", 0);
    t.hasResourceProperties("AWS::EC2::FlowLog", { TrafficType: "REJECT" });
    t.hasResourceProperties("AWS::ECS::Service", {
      Cluster: { Ref: cluster },
      LaunchType: "FARGATE",
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: "ENABLED" }),
      },
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
    // The service's own security group admits nothing in.
    const groups = t.findResources("AWS::EC2::SecurityGroup");
    for (const group of Object.values(groups)) {
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    }
    // One service: the Lambda job has none.
    t.resourceCountIs("AWS::ECS::Service", 1);
  });

  it("scales from minTasks to maxTasks on visible messages ÷ running tasks, out fast and in slow", () => {
    t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 0,
      MaxCapacity: 8,
      ScalableDimension: "ecs:service:DesiredCount",
      ServiceNamespace: "ecs",
    });
    const dimensions = [
      { Name: "ClusterName", Value: { Ref: cluster } },
      { Name: "ServiceName", Value: { "Fn::GetAtt": [service, "Name"] } },
    ];
    t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        // 2m ÷ 30s × 4 jobs at once
        TargetValue: 16,
        ScaleOutCooldown: 60,
        ScaleInCooldown: 300,
        CustomizedMetricSpecification: {
          Metrics: [
            {
              Id: "visible",
              Label: "Messages waiting",
              MetricStat: {
                Metric: {
                  Namespace: "AWS/SQS",
                  MetricName: "ApproximateNumberOfMessagesVisible",
                  Dimensions: [
                    { Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } },
                  ],
                },
                Stat: "Sum",
              },
              ReturnData: false,
            },
            {
              Id: "running",
              Label: "Running tasks",
              MetricStat: {
                Metric: {
                  Namespace: "ECS/ContainerInsights",
                  MetricName: "RunningTaskCount",
                  Dimensions: dimensions,
                },
                Stat: "Average",
              },
              ReturnData: false,
            },
            {
              Id: "backlog",
              Label: "Backlog per task",
              Expression: "visible / running",
              ReturnData: true,
            },
          ],
        },
      },
    });
  });

  it("starts the first task when messages wait and no task is wanted", () => {
    const policy = logicalId(
      t,
      "AWS::ApplicationAutoScaling::ScalingPolicy",
      "RenderWorkerStartFromZero",
    );
    t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: {
        AdjustmentType: "ChangeInCapacity",
        Cooldown: 60,
        MetricAggregationType: "Maximum",
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
    t.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmActions: [{ Ref: policy }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: "IF(visible > 0 AND FILL(desired, 0) == 0, 1, 0)" }),
        Match.objectLike({
          Id: "visible",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: "AWS/SQS",
              MetricName: "ApproximateNumberOfMessagesVisible",
            }),
          }),
        }),
        Match.objectLike({
          Id: "desired",
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: "ECS/ContainerInsights",
              MetricName: "DesiredTaskCount",
            }),
          }),
        }),
      ]),
    });
  });

  it("gives the task role its queue, its DLQ, the job table and task protection, nothing more", () => {
    const role = logicalId(t, "AWS::IAM::Role", "RenderWorkerTaskRole");
    t.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "ecs-tasks.amazonaws.com" } })],
      },
    });
    const policies = Object.values(t.findResources("AWS::IAM::Policy")).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(role),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Array<{
      Action: string | string[];
      Resource: unknown;
    }>;
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [
        [
          "sqs:ReceiveMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueUrl",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
        ],
        { "Fn::GetAtt": [queue, "Arn"] },
      ],
      [
        ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        { "Fn::GetAtt": [dlq, "Arn"] },
      ],
      [
        ["dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
        { "Fn::GetAtt": [expect.stringMatching(/^JobTable/), "Arn"] },
      ],
      [
        ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"],
        {
          "Fn::Join": [
            "",
            [
              "arn:",
              { Ref: "AWS::Partition" },
              ":ecs:",
              { Ref: "AWS::Region" },
              ":",
              { Ref: "AWS::AccountId" },
              ":task/",
              { Ref: cluster },
              "/*",
            ],
          ],
        },
      ],
    ]);
  });

  it("outputs the service's and the cluster's names", () => {
    t.hasOutput("JobRenderServiceName", { Value: { "Fn::GetAtt": [service, "Name"] } });
    t.hasOutput("ContainerClusterName", { Value: { Ref: cluster } });
    expect(Object.keys(t.findOutputs("JobMailServiceName"))).toEqual([]);
  });
});

describe("container jobs in an existing cluster", () => {
  it("creates no cluster or VPC and runs in the given subnets and security groups", () => {
    const { template: t } = containerStack({
      container: {
        clusterName: "shared",
        vpcId: "vpc-0abc",
        subnetIds: ["subnet-1", "subnet-2"],
        securityGroupIds: ["sg-9"],
      },
    });
    t.resourceCountIs("AWS::ECS::Cluster", 0);
    t.resourceCountIs("AWS::EC2::VPC", 0);
    t.hasResourceProperties("AWS::ECS::Service", {
      Cluster: "shared",
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: "DISABLED",
          Subnets: ["subnet-1", "subnet-2"],
          SecurityGroups: ["sg-9"],
        },
      },
    });
    t.hasOutput("ContainerClusterName", { Value: "shared" });
  });
});

describe("a stack without container jobs", () => {
  it("has no cluster, VPC or service", () => {
    const app = new App();
    const t = Template.fromStack(
      new OffloadStack(app, "demo-dev", {
        jobs: [{ name: "mail", options: jobOptions(), code }],
        apiCode: code,
      }),
    );
    t.resourceCountIs("AWS::ECS::Cluster", 0);
    t.resourceCountIs("AWS::EC2::VPC", 0);
    expect(Object.keys(t.findOutputs("ContainerClusterName"))).toEqual([]);
  });
});

describe("cdk-nag AwsSolutions with container jobs", () => {
  it.each([
    { name: "the stack's cluster", container: undefined },
    {
      name: "an existing cluster",
      container: { clusterName: "shared", vpcId: "vpc-0abc", subnetIds: ["subnet-1"] },
    },
  ])("finds nothing left unacknowledged in $name", ({ container }) => {
    const { app } = containerStack(container ? { container } : {});
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });
});
