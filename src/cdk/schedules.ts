import { createHash } from "node:crypto";
import { Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { OffloadError } from "../core/errors.js";
import { JOB_ID_ATTRIBUTE } from "../core/job-id.js";
import type { JobSchedule } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import {
  MAX_SCHEDULED_INPUT_BYTES,
  SCHEDULE_RETRY_POLICY,
  sendMessageInput,
  sqsSendMessageTargetArn,
} from "../core/scheduled-send.js";
import { QUEUE_RETENTION_DAYS } from "./validate.js";

/** One job's recurring schedules and the queue they send to. */
export interface ScheduledJob {
  readonly name: string;
  readonly queue: sqs.IQueue;
  readonly schedules: ReadonlyArray<JobSchedule>;
}

/** What {@link StackScheduling} is made from. */
export interface StackSchedulingProps {
  /** Every job of the stack: each gets a scheduler role sending to its queue (long delays). */
  readonly jobs: ReadonlyArray<ScheduledJob>;
  /** Where the scheduler DLQ's alarm goes. */
  readonly alertTopic: sns.ITopic;
}

const MAX_NAME = AWS_LIMITS.scheduler.maxNameChars;

/**
 * The longest URL a job queue can have (`https://sqs.<region>.amazonaws.com.cn/<account>/<name>`,
 * a region of 16 characters, a queue name of 80): the queue URL is a deploy-time value, so a
 * recurring schedule's input is sized with this in its place, at most ~100 bytes over.
 */
const LONGEST_QUEUE_URL = `https://sqs.${"r".repeat(16)}.amazonaws.com.cn/${"0".repeat(12)}/${"q".repeat(AWS_LIMITS.sqs.maxQueueNameChars)}`;

/**
 * The API function's environment for scheduling (offload/aws reads the same names; the construct
 * imports no runtime code).
 */
export const SCHEDULING_ENV = Object.freeze({
  groupName: "OFFLOAD_SCHEDULE_GROUP",
  /** JSON `{ "<job>": "<role ARN>" }`. */
  roleArns: "OFFLOAD_SCHEDULER_ROLE_ARNS",
  dlqArn: "OFFLOAD_SCHEDULER_DLQ_ARN",
});

/**
 * The stack's schedule group: its name, cut to Scheduler's 64 characters with a hash of the
 * whole name when longer.
 */
export function scheduleGroupName(stackName: string): string {
  return withinNameLimit(stackName);
}

/** A recurring schedule's name in the stack's group: `<job>.<schedule>` (64 characters at most). */
export function recurringScheduleName(jobName: string, scheduleName: string): string {
  return withinNameLimit(`${jobName}.${scheduleName}`);
}

/**
 * The job id of a recurring run on AWS: `<job>:<schedule>:<scheduled time>`, the time as
 * Scheduler substitutes it (`2026-03-29T00:30:00Z`), so a run retried by Scheduler keeps its id.
 */
export function recurringJobIdTemplate(jobName: string, scheduleName: string): string {
  return `${jobName}:${scheduleName}:<aws.scheduler.scheduled-time>`;
}

/**
 * EventBridge Scheduler for the stack: a schedule group named for the stack; per job, a role
 * Scheduler assumes, trusted by `scheduler.amazonaws.com` for this account's group only, that may
 * send to that job's queue and the scheduler DLQ and nothing else; that DLQ (sends that failed
 * all their retries, with an alarm); and one schedule per job schedule, each sending the job to
 * its queue with the job's role, through the universal SQS SendMessage target with the `jobName`
 * and `jobId` attributes.
 *
 * One role per job, not one for the stack: a schedule, whoever created it, can only send to the
 * queue of the job it was created for. It costs two IAM resources per job (a role and its
 * policy); IAM's default quota is 1,000 roles per account, and CloudFormation's 500 resources per
 * stack are reached by the jobs' other resources long before.
 *
 * Failed sends go to a DLQ of their own, not the job's: what Scheduler dead-letters is the
 * SendMessage request (queue URL, body, attributes), not a job message, and a redrive of the
 * job's DLQ would send it to the job as its payload.
 *
 * The queues are encrypted with SQS-managed keys, so the role needs no KMS grant.
 *
 * @example
 * const scheduling = new StackScheduling(this, "Scheduling", { jobs, alertTopic });
 * scheduling.grantSchedule(api.function.role!);
 */
export class StackScheduling extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly groupName: string;
  /** Each job's scheduler role, by job name: it sends to that job's queue and the scheduler DLQ only. */
  readonly roles: ReadonlyMap<string, iam.Role>;
  readonly dlq: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  /** Each recurring schedule, by `<job>.<schedule>`. */
  readonly schedules: ReadonlyMap<string, scheduler.CfnSchedule>;

  /**
   * @throws OffloadError InvalidStack naming each job and schedule whose input (the SendMessage
   *   request with its payload) is over Scheduler's 256 KiB.
   */
  constructor(scope: Construct, id: string, props: StackSchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    checkRecurringInputs(stack.stackName, props.jobs);
    this.groupName = scheduleGroupName(stack.stackName);
    this.group = new scheduler.CfnScheduleGroup(this, "Group", { name: this.groupName });

    this.dlq = new sqs.Queue(this, "Dlq", {
      // `_` is in no stack or job name: this never equals a job's queue name (`<stack>-<job>`).
      queueName: `${stack.stackName}_scheduler-dlq`.slice(0, AWS_LIMITS.sqs.maxQueueNameChars),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
    });
    this.alarm = new cloudwatch.Alarm(this, "DlqAlarm", {
      alarmDescription:
        "offload scheduling: EventBridge Scheduler could not send a scheduled job to its queue",
      metric: this.dlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.alertTopic));

    const roles = new Map<string, iam.Role>();
    for (const job of props.jobs) {
      // Confused deputy: only this account's schedules in this group may assume it.
      const role = new iam.Role(this, `Role-${job.name}`, {
        assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
          conditions: {
            StringEquals: { "aws:SourceAccount": stack.account },
            ArnEquals: { "aws:SourceArn": this.groupArn },
          },
        }),
        description: `offload scheduling: send job ${job.name} to its queue`.slice(0, 1000),
      });
      job.queue.grantSendMessages(role);
      this.dlq.grantSendMessages(role);
      roles.set(job.name, role);
    }
    this.roles = roles;

    const schedules = new Map<string, scheduler.CfnSchedule>();
    for (const job of props.jobs) {
      for (const schedule of job.schedules) {
        const key = `${job.name}.${schedule.name}`;
        schedules.set(key, this.recurring(job, schedule, roles.get(job.name)!, stack));
      }
    }
    this.schedules = schedules;
  }

  /** `arn:<partition>:scheduler:<region>:<account>:schedule-group/<group>`. */
  get groupArn(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule-group/${this.groupName}`;
  }

  /**
   * Lets a sender (the API function, a client's role) create and delete schedules in the
   * stack's group only, and pass the jobs' scheduler roles, to Scheduler only.
   */
  grantSchedule(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
      resourceArns: [
        `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${this.groupName}/*`,
      ],
    });
    if (this.roles.size === 0) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [...this.roles.values()].map((role) => role.roleArn),
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );
  }

  private recurring(
    job: ScheduledJob,
    schedule: JobSchedule,
    role: iam.IRole,
    stack: Stack,
  ): scheduler.CfnSchedule {
    const input = recurringInput(job.name, job.queue.queueUrl, schedule);
    const resource = new scheduler.CfnSchedule(this, `Schedule-${job.name}-${schedule.name}`, {
      name: recurringScheduleName(job.name, schedule.name),
      groupName: this.groupName,
      description: `offload job ${job.name}, schedule ${schedule.name}: ${schedule.expression}`,
      scheduleExpression: schedule.expression,
      scheduleExpressionTimezone: schedule.timezone,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      // Scheduler refuses a StartDate more than 5 minutes past; a start already past is no start.
      ...(schedule.start !== undefined && schedule.start > Date.now()
        ? { startDate: new Date(schedule.start).toISOString() }
        : {}),
      ...(schedule.end === undefined ? {} : { endDate: new Date(schedule.end).toISOString() }),
      target: {
        arn: sqsSendMessageTargetArn(stack.partition),
        roleArn: role.roleArn,
        input,
        retryPolicy: {
          maximumRetryAttempts: SCHEDULE_RETRY_POLICY.MaximumRetryAttempts,
          maximumEventAgeInSeconds: SCHEDULE_RETRY_POLICY.MaximumEventAgeInSeconds,
        },
        deadLetterConfig: { arn: this.dlq.queueArn },
      },
    });
    resource.addResourceDependency(this.group);
    return resource;
  }
}

/** A recurring schedule's target input: the SendMessage request of each run. */
function recurringInput(jobName: string, queueUrl: string, schedule: JobSchedule): string {
  return sendMessageInput(
    {
      queueUrl,
      body: JSON.stringify(schedule.payload),
      attributes: { jobName: { DataType: "String", StringValue: jobName } },
    },
    { [JOB_ID_ATTRIBUTE]: recurringJobIdTemplate(jobName, schedule.name) },
  );
}

/**
 * Refuses the stack when a recurring schedule's input is over Scheduler's 256 KiB (CreateSchedule
 * would fail at deploy time, with the stack half made): the payload was checked at 256 KiB as
 * JSON, but the SendMessage request around it adds the queue URL and attributes, and escapes it.
 */
function checkRecurringInputs(stackName: string, jobs: ReadonlyArray<ScheduledJob>): void {
  const problems: string[] = [];
  for (const job of jobs) {
    for (const schedule of job.schedules) {
      const bytes = Buffer.byteLength(recurringInput(job.name, LONGEST_QUEUE_URL, schedule));
      if (bytes > MAX_SCHEDULED_INPUT_BYTES) {
        problems.push(
          `job ${job.name}, schedule ${schedule.name}: EventBridge Scheduler's input (the SQS SendMessage request with the schedule's payload, its attributes and the queue URL) would be up to ${bytes} bytes; the limit is ${MAX_SCHEDULED_INPUT_BYTES} (256 KiB): make the payload smaller, or keep it elsewhere and send its key`,
        );
      }
    }
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new OffloadError(
      "InvalidStack",
      `Cannot build the stack ${stackName} (${count}):\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
  }
}

function withinNameLimit(name: string): string {
  const cleaned = name.replace(/[^0-9A-Za-z_.-]/g, "_");
  if (cleaned === name && name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${cleaned.slice(0, MAX_NAME - hash.length - 1)}-${hash}`;
}
