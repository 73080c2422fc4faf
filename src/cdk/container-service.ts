import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { ApplicationScalingAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { ResolvedContainerOptions } from "../core/container-options.js";
import type { ContainerCluster } from "./container-cluster.js";
import { JOB_TABLE_ENV_NAME, type JobTable } from "./job-table.js";

/** What one container job's service is made from. */
export interface ContainerServiceProps {
  /** The job's name. */
  readonly name: string;
  /** The job's container options: task size, counts, scaling target, stop timeout. */
  readonly container: ResolvedContainerOptions;
  readonly queue: sqs.IQueue;
  readonly dlq: sqs.IQueue;
  /** The jobs topic: the worker's transport names it (env OFFLOAD_TOPIC_ARN). */
  readonly topicArn: string;
  readonly cluster: ContainerCluster;
  /** The job's image (`ContainerImage.fromAsset` over its build context). */
  readonly image: ecs.ContainerImage;
  readonly logRetention: logs.RetentionDays;
  readonly jobTable?: JobTable | undefined;
}

/** CloudWatch metrics are per minute: the scaling reads 1-minute periods. */
const PERIOD = Duration.minutes(1);
/** Scale out after a minute, in after five: a new task costs a start, a removed one a backlog. */
const SCALE_OUT_COOLDOWN = Duration.minutes(1);
const SCALE_IN_COOLDOWN = Duration.minutes(5);
const CONTAINER_INSIGHTS = "ECS/ContainerInsights";

/**
 * One container job on ECS Fargate: a service running `offload worker` for the job (its
 * image's `worker.mjs`), scaled on the backlog per task of its queue.
 *
 * - Task definition: the job's CPU and memory on ARM64 (Graviton, about 20 % below x86),
 *   `stopTimeout` between SIGTERM and SIGKILL, logs to a log group with retention.
 * - Task role: receive, delete and change visibility on its queue; send to (and read the
 *   depth of) its DLQ; record attempts in the job table if the stack has one; get and update
 *   its own task's scale-in protection (the agent endpoint calls ECS with the task role).
 * - Scaling from `minTasks` to `maxTasks`: target tracking on visible messages ÷ running tasks
 *   (metric math over SQS and Container Insights, as Application Auto Scaling's guide for SQS
 *   backlog per task shows) at `targetBacklogPerTask`; target tracking cannot leave zero (it
 *   multiplies the running count), so a step policy adds the first task when messages wait
 *   and no task is wanted.
 *
 * @example
 * new ContainerService(this, "Service", { name: "render", container: job.options.container!, queue, dlq, topicArn, cluster, image, logRetention });
 */
export class ContainerService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ContainerServiceProps) {
    super(scope, id);
    const { name, container, queue, dlq } = props;
    const stack = Stack.of(this);
    const clusterName = props.cluster.cluster.clusterName;

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskRole = new iam.Role(this, "TaskRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: `offload container job ${name}: consume its queue, dead-letter to its DLQ, protect its task`,
    });
    queue.grantConsumeMessages(this.taskRole);
    // Unrecoverable jobs go to the DLQ; the grant also reads its depth (the worker's alarm).
    dlq.grantSendMessages(this.taskRole);
    props.jobTable?.grantRecordAttempts(this.taskRole);
    // The task scale-in protection endpoint ($ECS_AGENT_URI/task-protection/v1/state) calls
    // these with the task role. A task's ARN is not known before it runs: the cluster's tasks.
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"],
        resources: [
          stack.formatArn({ service: "ecs", resource: "task", resourceName: `${clusterName}/*` }),
        ],
      }),
    );

    this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: container.cpu,
      memoryLimitMiB: container.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    });
    this.taskDefinition.addContainer("Worker", {
      image: props.image,
      essential: true,
      stopTimeout: Duration.millis(container.stopTimeoutMs),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: name, logGroup: this.logGroup }),
      environment: {
        OFFLOAD_JOB_NAME: name,
        OFFLOAD_QUEUE_URL: queue.queueUrl,
        OFFLOAD_DLQ_URL: dlq.queueUrl,
        OFFLOAD_TOPIC_ARN: props.topicArn,
        ...(props.jobTable ? { [JOB_TABLE_ENV_NAME]: props.jobTable.tableName } : {}),
      },
    });

    this.service = new ecs.FargateService(this, "Service", {
      cluster: props.cluster.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: props.cluster.subnets,
      ...(props.cluster.securityGroups.length > 0
        ? { securityGroups: [...props.cluster.securityGroups] }
        : {}),
      assignPublicIp: props.cluster.assignPublicIp,
      // New tasks start before old ones stop; a deploy whose tasks cannot start rolls back.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });

    this.addScaling(props, clusterName);
  }

  private addScaling(props: ContainerServiceProps, clusterName: string): void {
    const { container, queue } = props;
    const serviceName = this.service.serviceName;
    const target = new appscaling.ScalableTarget(this, "Scaling", {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      resourceId: `service/${clusterName}/${serviceName}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: container.minTasks,
      maxCapacity: container.maxTasks,
    });
    const serviceDimensions = [
      { name: "ClusterName", value: clusterName },
      { name: "ServiceName", value: serviceName },
    ];
    new appscaling.CfnScalingPolicy(this, "BacklogPerTask", {
      policyName: `${Stack.of(this).stackName}-${props.name}-backlog-per-task`,
      policyType: "TargetTrackingScaling",
      scalingTargetId: target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: container.targetBacklogPerTask,
        scaleOutCooldown: SCALE_OUT_COOLDOWN.toSeconds(),
        scaleInCooldown: SCALE_IN_COOLDOWN.toSeconds(),
        customizedMetricSpecification: {
          metrics: [
            {
              id: "visible",
              label: "Messages waiting",
              metricStat: {
                metric: {
                  namespace: "AWS/SQS",
                  metricName: "ApproximateNumberOfMessagesVisible",
                  dimensions: [{ name: "QueueName", value: queue.queueName }],
                },
                stat: "Sum",
              },
              returnData: false,
            },
            {
              id: "running",
              label: "Running tasks",
              metricStat: {
                metric: {
                  namespace: CONTAINER_INSIGHTS,
                  metricName: "RunningTaskCount",
                  dimensions: serviceDimensions,
                },
                stat: "Average",
              },
              returnData: false,
            },
            {
              id: "backlog",
              label: "Backlog per task",
              expression: "visible / running",
              returnData: true,
            },
          ],
        },
      },
    });

    // From zero: messages wait and no task is wanted. DesiredTaskCount may publish nothing
    // while the service has none: FILL counts a missing point as 0.
    const start = new appscaling.StepScalingAction(this, "StartFromZero", {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: SCALE_OUT_COOLDOWN,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    start.addAdjustment({ lowerBound: 0, adjustment: 1 });
    const waitingWithoutTask = new cloudwatch.MathExpression({
      label: "Messages wait and no task is wanted",
      expression: "IF(visible > 0 AND FILL(desired, 0) == 0, 1, 0)",
      period: PERIOD,
      usingMetrics: {
        visible: queue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        desired: new cloudwatch.Metric({
          namespace: CONTAINER_INSIGHTS,
          metricName: "DesiredTaskCount",
          dimensionsMap: { ClusterName: clusterName, ServiceName: serviceName },
          period: PERIOD,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
      },
    });
    const alarm = new cloudwatch.Alarm(this, "StartFromZeroAlarm", {
      alarmDescription: `offload container job ${props.name}: messages wait and the service has no task`,
      metric: waitingWithoutTask,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new ApplicationScalingAction(start));
  }
}
