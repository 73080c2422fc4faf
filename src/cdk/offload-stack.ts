import { Annotations, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { AwsApiConfig, AwsContainerConfig } from "../core/config.js";
import { JOB_TABLE_NAME_OUTPUT } from "../core/job-table.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import {
  ALERT_TOPIC_ARN_OUTPUT,
  API_URL_OUTPUT,
  CONTAINER_CLUSTER_NAME_OUTPUT,
  jobOutputKey,
  pascalCase,
  SCHEDULE_GROUP_NAME_OUTPUT,
  SCHEDULER_DLQ_ARN_OUTPUT,
  SCHEDULER_DLQ_URL_OUTPUT,
  TOPIC_ARN_OUTPUT,
} from "../core/stack-layout.js";
import { ApiResources } from "./api-resources.js";
import { ContainerCluster } from "./container-cluster.js";
import { ContainerService } from "./container-service.js";
import { JobResources } from "./job-resources.js";
import { JobTable } from "./job-table.js";
import { acknowledgeContainerNagFindings, acknowledgeNagFindings } from "./nag.js";
import { jobQueueNames, topicNames } from "./names.js";
import { SCHEDULING_ENV, StackScheduling } from "./schedules.js";
import { assertValidStack } from "./validate.js";

/** One job of the stack, as plain data. */
export interface OffloadStackJob {
  /** The job's name: its file name in the jobs folder. */
  readonly name: string;
  /** The job's options after defaults and validation (`defineJob(...).options`). */
  readonly options: ResolvedJobOptions;
  /**
   * The function's code: a `lambda.Code`, or a directory holding `index.mjs`
   * that exports `handler` (what `bundleFunctions` writes). Required for
   * `runtime: "lambda"` jobs; container jobs have no function yet.
   * @defaultValue none
   */
  readonly code?: lambda.Code | string;
  /**
   * A container job's image: an `ecs.ContainerImage`, or a Docker build context directory
   * (what `writeContainerContexts` writes), built for ARM64 at deploy. Required for
   * `runtime: "container"` jobs. @defaultValue none
   */
  readonly image?: ecs.ContainerImage | string;
}

/** What {@link OffloadStack} is built from: the app's jobs and its AWS settings. */
export interface OffloadStackProps extends StackProps {
  /** The app's jobs, each becoming a queue, a DLQ, a subscription, an alarm and (on Lambda) a function. */
  readonly jobs: ReadonlyArray<OffloadStackJob>;
  /** The API Lambda's code: a `lambda.Code` or a directory holding `index.mjs` exporting `handler`. */
  readonly apiCode: lambda.Code | string;
  /** Subscribed to the alert topic that every DLQ alarm notifies. @defaultValue none */
  readonly alertEmail?: string;
  /** Memory of each function, in MB (128–10240). @defaultValue 1024 */
  readonly memorySize?: number;
  /** Who may call the HTTP API, and CORS. @defaultValue `{ auth: "iam", corsOrigins: [] }` */
  readonly api?: AwsApiConfig;
  /** How long the functions' and the API's logs are kept. @defaultValue logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep each job's status and history in a DynamoDB table (`GET /jobs/:id` on AWS); false
   * leaves the table, its grants and the functions' OFFLOAD_JOB_TABLE out. @defaultValue true
   */
  readonly jobHistory?: boolean;
  /** An existing ECS cluster and VPC for the container jobs. @defaultValue a cluster and VPC of the stack, when it has container jobs */
  readonly container?: AwsContainerConfig;
}

const DEFAULT_MEMORY_MB = 1024;

/**
 * offload on AWS: an SNS topic routing jobs by their `jobName` attribute to one
 * SQS queue per job (with a DLQ and a CloudWatch alarm on it), one Lambda
 * function per job, an alert topic, and an HTTP API serving `POST /jobs`.
 * Outputs use the keys of `offload`'s stack layout, which the AWS transport
 * and the CLI read back.
 *
 * @throws OffloadError `InvalidStack` listing every problem (e.g. a retryDelay
 *   shorter than the job's timeout), each naming the job.
 * @example
 * const bundles = await bundleFunctions({ jobs: [{ name: "greeting", file: "jobs/greeting.ts" }], outdir: "cdk.out/bundles" });
 * const app = new App();
 * new OffloadStack(app, stackName({ app: "shop", stage: "prod" }), {
 *   jobs: [{ name: "greeting", options: greeting.options, code: bundles.jobs.get("greeting")!.directory }],
 *   apiCode: bundles.api.directory,
 *   alertEmail: "ops@example.com",
 * });
 */
export class OffloadStack extends Stack {
  /** The topic every job is published to. */
  readonly topic: sns.Topic;
  /** The topic every DLQ alarm notifies. */
  readonly alertTopic: sns.Topic;
  /** Each job's resources, by job name. */
  readonly jobs: ReadonlyMap<string, JobResources>;
  /** The HTTP API serving POST /jobs and its function. */
  readonly api: ApiResources;
  /** The schedule group, role and DLQ of long delays and recurring schedules, and those schedules. */
  readonly scheduling: StackScheduling;
  /** Each job's status and history; undefined when `jobHistory` is false. */
  readonly jobTable: JobTable | undefined;
  /** Each container job's Fargate service, by job name. */
  readonly containerServices: ReadonlyMap<string, ContainerService>;
  /** The container jobs' cluster; undefined when the stack has none. */
  readonly containerCluster: ContainerCluster | undefined;
  /** Advice that is not an error (also added as warning annotations). */
  readonly warnings: ReadonlyArray<string>;

  constructor(scope: Construct, id: string, props: OffloadStackProps) {
    super(scope, id, props);
    const memorySize = props.memorySize ?? DEFAULT_MEMORY_MB;
    const auth = props.api?.auth ?? "iam";
    const corsOrigins = props.api?.corsOrigins ?? [];
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const warnings = assertValidStack(this.stackName, {
      jobs: props.jobs.map((j) => ({
        name: j.name,
        options: j.options,
        hasCode: j.options.runtime === "container" ? !!j.image : !!j.code,
      })),
      memorySize,
      alertEmail: props.alertEmail,
      auth,
      corsOrigins,
      ...(props.jobHistory === false ? { jobHistory: false } : {}),
    });
    this.warnings = Object.freeze([...warnings]);
    warnings.forEach((warning, i) => {
      Annotations.of(this).addWarningV2(`offload:stack-warning-${i + 1}`, warning);
    });

    const names = topicNames(this.stackName);
    this.topic = new sns.Topic(this, "Topic", { topicName: names.jobs, enforceSSL: true });
    this.alertTopic = new sns.Topic(this, "AlertTopic", {
      topicName: names.alerts,
      enforceSSL: true,
    });
    // With a topic policy in place, CloudWatch may publish only when it says so
    // (re:Post "cloudwatch-receive-sns-for-alarm-trigger"); only this account's alarms.
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowThisAccountsAlarms",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.alertTopic.topicArn],
        conditions: {
          ArnLike: {
            "aws:SourceArn": `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
          StringEquals: { "aws:SourceAccount": this.account },
        },
      }),
    );
    if (props.alertEmail) this.alertTopic.addSubscription(new EmailSubscription(props.alertEmail));

    this.jobTable = props.jobHistory === false ? undefined : new JobTable(this, "JobTable");

    const jobs = new Map<string, JobResources>();
    for (const job of props.jobs) {
      const queueNames = jobQueueNames(this.stackName, job.name);
      jobs.set(
        job.name,
        // `<Name>Job`: an id ending in "Job" never equals an output key (`Job<Name>QueueUrl`...).
        new JobResources(this, `${pascalCase(job.name)}Job`, {
          name: job.name,
          options: job.options,
          code: job.options.runtime === "lambda" ? toCode(job.code) : undefined,
          queueName: queueNames.queue,
          dlqName: queueNames.dlq,
          topic: this.topic,
          alertTopic: this.alertTopic,
          memorySize,
          logRetention,
          jobTable: this.jobTable,
        }),
      );
    }
    this.jobs = jobs;

    const containerJobs = props.jobs.filter((j) => j.options.container !== undefined);
    this.containerCluster =
      containerJobs.length > 0
        ? new ContainerCluster(this, "Containers", { existing: props.container, logRetention })
        : undefined;
    const services = new Map<string, ContainerService>();
    for (const job of containerJobs) {
      const resources = jobs.get(job.name)!;
      services.set(
        job.name,
        new ContainerService(this, `${pascalCase(job.name)}Worker`, {
          name: job.name,
          container: job.options.container!,
          queue: resources.queue,
          dlq: resources.dlq,
          topicArn: this.topic.topicArn,
          cluster: this.containerCluster!,
          image: toImage(job.image!),
          logRetention,
          jobTable: this.jobTable,
        }),
      );
    }
    this.containerServices = services;

    const queues = new Map<string, sqs.IQueue>([...jobs].map(([name, r]) => [name, r.queue]));
    this.api = new ApiResources(this, "Api", {
      name: `${this.stackName}-api`,
      code: toCode(props.apiCode)!,
      topic: this.topic,
      queues,
      auth,
      corsOrigins,
      memorySize,
      logRetention,
      jobTable: this.jobTable,
    });

    this.scheduling = new StackScheduling(this, "Scheduling", {
      jobs: props.jobs.map((job) => ({
        name: job.name,
        queue: jobs.get(job.name)!.queue,
        schedules: job.options.schedules,
      })),
      alertTopic: this.alertTopic,
    });
    // The API function schedules sends delayed beyond 900 s, and deletes them on cancel.
    this.scheduling.grantSchedule(this.api.function);
    this.api.function.addEnvironment(SCHEDULING_ENV.groupName, this.scheduling.groupName);
    this.api.function.addEnvironment(
      SCHEDULING_ENV.roleArns,
      this.toJsonString(
        Object.fromEntries([...this.scheduling.roles].map(([name, role]) => [name, role.roleArn])),
      ),
    );
    this.api.function.addEnvironment(SCHEDULING_ENV.dlqArn, this.scheduling.dlq.queueArn);

    this.addOutputs();
    acknowledgeNagFindings(this.api, auth, this.scheduling);
    if (this.containerCluster) acknowledgeContainerNagFindings(this.containerCluster, services);
  }

  /** Outputs are direct children of the stack, so their logical ids are exactly the layout's keys. */
  private addOutputs(): void {
    new CfnOutput(this, TOPIC_ARN_OUTPUT, {
      description: "The topic every job is published to (attribute jobName routes it)",
      value: this.topic.topicArn,
      exportName: `${this.stackName}-${TOPIC_ARN_OUTPUT}`,
    });
    new CfnOutput(this, ALERT_TOPIC_ARN_OUTPUT, {
      description: "The topic every DLQ alarm notifies",
      value: this.alertTopic.topicArn,
    });
    new CfnOutput(this, API_URL_OUTPUT, {
      description: "The HTTP API serving POST /jobs",
      value: this.api.url,
    });
    if (this.jobTable) {
      new CfnOutput(this, JOB_TABLE_NAME_OUTPUT, {
        description: "The DynamoDB table holding each job's status and history",
        value: this.jobTable.tableName,
      });
    }
    const scheduling: Record<string, [value: string, description: string]> = {
      [SCHEDULE_GROUP_NAME_OUTPUT]: [
        this.scheduling.groupName,
        "The EventBridge Scheduler group of long delays and recurring schedules",
      ],
      [SCHEDULER_DLQ_ARN_OUTPUT]: [
        this.scheduling.dlq.queueArn,
        "Where EventBridge Scheduler puts a scheduled send that failed all its retries",
      ],
      [SCHEDULER_DLQ_URL_OUTPUT]: [this.scheduling.dlq.queueUrl, "The scheduler DLQ's URL"],
    };
    for (const [key, [value, description]] of Object.entries(scheduling)) {
      new CfnOutput(this, key, { description, value });
    }
    if (this.containerCluster) {
      new CfnOutput(this, CONTAINER_CLUSTER_NAME_OUTPUT, {
        description: "The ECS cluster of the container jobs' services",
        value: this.containerCluster.cluster.clusterName,
      });
    }
    for (const [name, service] of this.containerServices) {
      new CfnOutput(this, jobOutputKey(name, "ServiceName"), {
        description: `Job ${name}: its Fargate service`,
        value: service.service.serviceName,
      });
    }
    for (const [name, job] of this.jobs) {
      const outputs = {
        QueueUrl: job.queue.queueUrl,
        QueueName: job.queue.queueName,
        DlqUrl: job.dlq.queueUrl,
        DlqName: job.dlq.queueName,
        SchedulerRoleArn: this.scheduling.roles.get(name)!.roleArn,
      } as const;
      for (const [output, value] of Object.entries(outputs)) {
        new CfnOutput(this, jobOutputKey(name, output as keyof typeof outputs), {
          description: `Job ${name}: ${output}`,
          value,
        });
      }
    }
  }
}

function toCode(code: lambda.Code | string | undefined): lambda.Code | undefined {
  return typeof code === "string" ? lambda.Code.fromAsset(code) : code;
}

/** A build context directory becomes an image built for ARM64 (the tasks' architecture) at deploy. */
function toImage(image: ecs.ContainerImage | string): ecs.ContainerImage {
  return typeof image === "string"
    ? ecs.ContainerImage.fromAsset(image, { platform: Platform.LINUX_ARM64 })
    : image;
}
