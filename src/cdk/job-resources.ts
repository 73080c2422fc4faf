import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { ResolvedJobOptions } from "../core/job-types.js";
import { JOB_TABLE_ENV_NAME, type JobTable } from "./job-table.js";
import { QUEUE_RETENTION_DAYS } from "./validate.js";

/** What one job's resources are made from (validated by the stack already). */
export interface JobResourcesProps {
  /** The job's name (its file name): the subscription's `jobName` filter. */
  readonly name: string;
  /** The job's resolved options: timeout, retry delay, attempts, batching, alarm. */
  readonly options: ResolvedJobOptions;
  /** The function's code; only read for `runtime: "lambda"` jobs. */
  readonly code: lambda.Code | undefined;
  /** The job queue's physical name. */
  readonly queueName: string;
  /** The DLQ's physical name. */
  readonly dlqName: string;
  /** The topic the job's queue subscribes to. */
  readonly topic: sns.ITopic;
  /** Where the DLQ alarm sends its state changes. */
  readonly alertTopic: sns.ITopic;
  /** The function's memory in MB. */
  readonly memorySize: number;
  /** How long the function's log group keeps logs. */
  readonly logRetention: logs.RetentionDays;
  /** Where the function records its attempts; none when the stack keeps no job history. */
  readonly jobTable?: JobTable | undefined;
}

/**
 * The Lambda runtime of every function: the newest Node.js runtime the
 * installed aws-cdk-lib knows (nodejs24.x in the version offload is tested
 * with). cdk-nag's AwsSolutions-L1 asks for the newest of `Runtime.ALL`, so
 * an app with a newer aws-cdk-lib than offload's gets that one; the bundles
 * target Node.js 22, which every newer runtime runs.
 */
export const FUNCTION_RUNTIME: lambda.Runtime = newestNodeRuntime();

function newestNodeRuntime(): lambda.Runtime {
  const version = (runtime: lambda.Runtime) =>
    Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0);
  return lambda.Runtime.ALL.reduce((newest, runtime) =>
    version(runtime) > version(newest) ? runtime : newest,
  );
}
/** The handler of every bundle: `index.mjs` exporting `handler`. */
export const FUNCTION_HANDLER = "index.handler";

/**
 * One job on AWS: its queue and DLQ, the topic's subscription that routes the
 * job's messages to the queue, the alarm on the DLQ and, for a Lambda job,
 * the function with its SQS event source.
 *
 * A `runtime: "container"` job gets the queue, DLQ, subscription and alarm
 * but no function: its Fargate worker is not built yet (a later issue).
 *
 * @example
 * // inside a stack; OffloadStack does this for every job
 * new JobResources(this, "GreetingJob", { name: "greeting", options: greeting.options, code, queueName: "shop-prod-greeting", dlqName: "shop-prod-greeting-dlq", topic, alertTopic, memorySize: 1024, logRetention: logs.RetentionDays.ONE_MONTH });
 */
export class JobResources extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  /** Absent for container jobs. */
  readonly function: lambda.Function | undefined;

  constructor(scope: Construct, id: string, props: JobResourcesProps) {
    super(scope, id);
    const { name, options } = props;

    this.dlq = new sqs.Queue(this, "Dlq", {
      queueName: props.dlqName,
      // SQS-managed keys, not KMS: SNS cannot encrypt with the AWS-managed aws/sqs key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
    });
    this.queue = new sqs.Queue(this, "Queue", {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A failed attempt comes back after the visibility timeout: that is retryDelay.
      visibilityTimeout: Duration.millis(options.retryDelayMs),
      deliveryDelay: Duration.millis(options.delayMs),
      // The longest SQS allows, so a message retried many times still reaches the DLQ.
      retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: options.maxAttempts },
    });

    props.topic.addSubscription(
      new SqsSubscription(this.queue, {
        // The SQS body is the payload itself, not SNS's JSON envelope.
        rawMessageDelivery: true,
        filterPolicy: { jobName: sns.SubscriptionFilter.stringFilter({ allowlist: [name] }) },
      }),
    );

    this.alarm = dlqAlarm(this, this.dlq, name, options.alarm);
    this.alarm.addAlarmAction(new SnsAction(props.alertTopic));

    this.function =
      options.runtime === "lambda" && props.code ? this.jobFunction(props, props.code) : undefined;
  }

  private jobFunction(props: JobResourcesProps, code: lambda.Code): lambda.Function {
    const { name, options } = props;
    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role with exactly these grants, instead of the AWS managed
    // AWSLambdaBasicExecutionRole (which may write to every log group).
    const role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `offload job ${name}: consume its queue, dead-letter to its DLQ, write its logs`,
    });
    logGroup.grantWrite(role);
    const fn = new lambda.Function(this, "Function", {
      description: `offload job ${name}`,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      handler: FUNCTION_HANDLER,
      code,
      role,
      logGroup,
      timeout: Duration.millis(options.timeoutMs),
      memorySize: props.memorySize,
      environment: {
        OFFLOAD_JOB_NAME: name,
        OFFLOAD_QUEUE_URL: this.queue.queueUrl,
        OFFLOAD_DLQ_URL: this.dlq.queueUrl,
        ...(props.jobTable ? { [JOB_TABLE_ENV_NAME]: props.jobTable.tableName } : {}),
      },
    });
    props.jobTable?.grantRecordAttempts(role);
    // The handler sends Unrecoverable messages to the DLQ itself. Changing a
    // failed message's visibility (RetryLater, backoff) is in the event
    // source's consume grant (receive, delete, change visibility).
    this.dlq.grantSendMessages(role);
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        ...(options.maxBatchingWindowMs > 0
          ? { maxBatchingWindow: Duration.millis(options.maxBatchingWindowMs) }
          : {}),
        maxConcurrency: options.concurrency,
        reportBatchItemFailures: true,
      }),
    );
    return fn;
  }
}

function dlqAlarm(
  scope: Construct,
  dlq: sqs.Queue,
  jobName: string,
  alarm: ResolvedJobOptions["alarm"],
): cloudwatch.Alarm {
  // SQS publishes its metrics once a minute; Maximum catches any breach in it.
  const metricOptions = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
  const [metric, threshold, what] =
    alarm.kind === "oldestMessageAge"
      ? [
          dlq.metricApproximateAgeOfOldestMessage(metricOptions),
          alarm.seconds,
          `a message older than ${alarm.seconds} seconds`,
        ]
      : [
          dlq.metricApproximateNumberOfMessagesVisible(metricOptions),
          alarm.count,
          `${alarm.count} or more messages`,
        ];
  return new cloudwatch.Alarm(scope, "DlqAlarm", {
    alarmDescription: `offload job ${jobName}: its dead-letter queue holds ${what}`,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // An empty DLQ publishes no datapoints: that is the healthy state.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
