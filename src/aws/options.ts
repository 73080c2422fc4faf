import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Clock } from "../core/clock.js";
import { OffloadError } from "../core/errors.js";
import type { JobAcceptance } from "../core/job-status.js";
import type { Logger } from "../core/logger.js";
import type { AwsScheduling } from "./scheduled-sends.js";

/** A job accepted on AWS: its record, and the payload it is sent with. */
export interface AwsJobAcceptance extends JobAcceptance {
  /**
   * The payload's JSON (the message body). The record keeps it while the job is unfinished
   * when it is at most 16 KiB, for `GET /jobs/:id`'s `payload`. @defaultValue none: not kept
   */
  body?: string;
}

/**
 * What the AWS transport writes to the stack's job table (`createDynamoJobRecords` gives it):
 * a job accepted before it is sent, withdrawn if the send fails, and jobs redriven by id.
 */
export interface AwsTransportRecords {
  /**
   * Records a job before it is sent; `duplicate` (an idempotency key still held) answers the
   * first job's id, and nothing is sent.
   * @throws OffloadError JobIdInUse when the job id is already recorded.
   */
  accept(acceptance: AwsJobAcceptance): Promise<{ jobId: string; duplicate: boolean }>;
  /** Undoes an accept whose send failed. */
  withdraw(acceptance: Pick<JobAcceptance, "jobId" | "jobName" | "idempotencyKey">): Promise<void>;
  /** Records jobs moved from their DLQ back to their queue. */
  redriven(jobIds: readonly string[]): Promise<void>;
}

/** A job's queues on AWS, by URL. */
export interface AwsJobQueues {
  /** The job's SQS queue (stack output `Job<Name>QueueUrl`). */
  queueUrl: string;
  /**
   * The job's dead-letter queue (stack output `Job<Name>DlqUrl`). Needed by
   * `stats`, `deadLetter` and the `dlq` operations, which fail with
   * `NoDeadLetterQueue` without it; sending and receiving work without it.
   * @defaultValue none
   */
  dlqUrl?: string;
}

/** What {@link createAwsTransport} takes: where the stack's topic and queues are, and the clients. */
export interface AwsTransportOptions {
  /**
   * The SNS topic that routes each job to its queue by the `jobName`
   * attribute (stack output `TopicArn`). Required.
   */
  topicArn: string;
  /** Each job's queue and DLQ, by job name; a job missing here is an `UnknownJob`. Required. */
  queues: Readonly<Record<string, AwsJobQueues>>;
  /** @defaultValue `new SQSClient({ region, endpoint })` (credentials from the default provider chain) */
  sqs?: SQSClient;
  /** @defaultValue `new SNSClient({ region, endpoint })` */
  sns?: SNSClient;
  /**
   * The stack's schedule group, each job's scheduler role and the scheduler DLQ (stack outputs
   * `ScheduleGroupName`, `Job<Name>SchedulerRoleArn`, `SchedulerDlqArn`): a send delayed more
   * than 900 s becomes a one-time schedule there, sent with its job's role.
   * @defaultValue none: a delay over 900 s is refused (DelayTooLong)
   */
  scheduling?: AwsScheduling;
  /** @defaultValue `new SchedulerClient({ region, endpoint })`, created at the first long delay (needs @aws-sdk/client-scheduler) */
  scheduler?: SchedulerClient;
  /**
   * The region of the default clients and of `transport.region`; a queue
   * whose URL names its region (`sqs.<region>.amazonaws.com`) keeps that one
   * in its ARN.
   * @defaultValue the region in `topicArn`
   */
  region?: string;
  /** Endpoint of the default clients (moto, LocalStack, an offload server). @defaultValue AWS's */
  endpoint?: string;
  /** @defaultValue silent */
  logger?: Logger;
  /** Used for the age of a DLQ's oldest message, and a job's acceptance time. @defaultValue the system clock */
  clock?: Clock;
  /**
   * The stack's job table: each send is recorded (`accept`) before it is published, so
   * `GET /jobs/:id` knows it, a caller's `jobId` already taken is refused (JobIdInUse) and an
   * `idempotencyKey` still held answers the first job's id without sending; a redrive of chosen
   * ids records them `redriven`.
   * @defaultValue none: jobs are sent unrecorded, and an idempotencyKey is only carried as an attribute
   */
  records?: AwsTransportRecords;
}

/** A job's queues with their ARNs. */
export interface ResolvedJobQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string | undefined;
  readonly dlqArn: string | undefined;
}

/** AwsTransportOptions checked, with ARNs derived; frozen. Clients are created by the transport. */
export interface ResolvedAwsTransportOptions {
  readonly topicArn: string;
  readonly region: string;
  readonly partition: string;
  readonly queues: ReadonlyMap<string, ResolvedJobQueues>;
  readonly endpoint: string | undefined;
  readonly scheduling: Readonly<AwsScheduling> | undefined;
}

/** `arn:<partition>:sns:<region>:<account>:<name>` (topic names: 1–256 of A-Z a-z 0-9 - _, `.fifo` allowed). */
const TOPIC_ARN = /^arn:(aws[a-z-]*):sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** Queue names: 1–80 of A-Z a-z 0-9 - _, `.fifo` allowed (SQS CreateQueue). */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** Schedule group names: 1–64 of [0-9a-zA-Z-_.] (API reference, CreateScheduleGroup). */
const GROUP_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
/** The pattern of Scheduler's Target.RoleArn (API reference, Target). */
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** `sqs.<region>.amazonaws.com[.cn]` and the legacy `<region>.queue.amazonaws.com[.cn]`. */
const QUEUE_HOST = /^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$/;

/**
 * Applies defaults and checks the options, once.
 *
 * @throws OffloadError InvalidAwsTransportOptions listing every problem, each naming the option, what it takes and what came.
 * @example
 * const { region, queues } = resolveAwsTransportOptions({ topicArn, queues: { greeting: { queueUrl } } });
 * queues.get("greeting")?.queueArn; // arn:aws:sqs:us-east-1:123456789012:app-dev-greeting
 */
export function resolveAwsTransportOptions(
  options: AwsTransportOptions,
): ResolvedAwsTransportOptions {
  const problems: string[] = [];
  const topic = TOPIC_ARN.exec(typeof options.topicArn === "string" ? options.topicArn : "");
  if (!topic) {
    problems.push(
      `topicArn must be an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:my-app-jobs; got ${JSON.stringify(options.topicArn)}`,
    );
  }
  if (options.region !== undefined && !REGION.test(options.region)) {
    problems.push(
      `region must be an AWS region like us-east-1; got ${JSON.stringify(options.region)}`,
    );
  }
  const partition = topic?.[1] ?? "aws";
  const region = options.region ?? topic?.[2] ?? "us-east-1";
  const queues = new Map<string, ResolvedJobQueues>();
  const given = options.queues;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    problems.push(
      `queues must be an object of { queueUrl, dlqUrl? } by job name; got ${JSON.stringify(given)}`,
    );
  } else {
    for (const [jobName, job] of Object.entries(given)) {
      const at = `queues[${JSON.stringify(jobName)}]`;
      if (typeof job !== "object" || job === null) {
        problems.push(`${at} must be { queueUrl, dlqUrl? }; got ${JSON.stringify(job)}`);
        continue;
      }
      const queueArn = queueArnOf(job.queueUrl, partition, region);
      if (queueArn === undefined) problems.push(badUrl(`${at}.queueUrl`, job.queueUrl));
      const dlqArn =
        job.dlqUrl === undefined ? undefined : queueArnOf(job.dlqUrl, partition, region);
      if (job.dlqUrl !== undefined && dlqArn === undefined)
        problems.push(badUrl(`${at}.dlqUrl`, job.dlqUrl));
      if (queueArn !== undefined)
        queues.set(jobName, { queueUrl: job.queueUrl, queueArn, dlqUrl: job.dlqUrl, dlqArn });
    }
  }
  const scheduling = options.scheduling;
  if (scheduling !== undefined) {
    if (!GROUP_NAME.test(String(scheduling.groupName))) {
      problems.push(
        `scheduling.groupName must be a schedule group name (1 to 64 of letters, digits, '-', '_', '.'); got ${JSON.stringify(scheduling.groupName)}`,
      );
    }
    const roleArns: unknown = scheduling.roleArns;
    if (typeof roleArns !== "object" || roleArns === null || Array.isArray(roleArns)) {
      problems.push(
        `scheduling.roleArns must be an object of IAM role ARNs by job name; got ${JSON.stringify(roleArns)}`,
      );
    } else {
      for (const [jobName, roleArn] of Object.entries(roleArns)) {
        if (!ROLE_ARN.test(String(roleArn))) {
          problems.push(
            `scheduling.roleArns[${JSON.stringify(jobName)}] must be an IAM role ARN like arn:aws:iam::123456789012:role/my-app-greeting-scheduler; got ${JSON.stringify(roleArn)}`,
          );
        }
      }
      const missing = [...queues.keys()].filter((jobName) => !Object.hasOwn(roleArns, jobName));
      if (missing.length > 0) {
        problems.push(
          `scheduling.roleArns has no role for ${missing.join(", ")}: each job needs the role its schedules send with (stack output Job<Name>SchedulerRoleArn)`,
        );
      }
    }
    if (scheduling.dlqArn !== undefined && !QUEUE_ARN.test(String(scheduling.dlqArn))) {
      problems.push(
        `scheduling.dlqArn must be an SQS queue ARN like arn:aws:sqs:us-east-1:123456789012:my-app-scheduler-dlq; got ${JSON.stringify(scheduling.dlqArn)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new OffloadError(
      "InvalidAwsTransportOptions",
      `Invalid AWS transport options:\n${problems.join("\n")}`,
    );
  }
  return Object.freeze({
    topicArn: options.topicArn,
    region,
    partition,
    queues,
    endpoint: options.endpoint,
    scheduling:
      scheduling === undefined
        ? undefined
        : Object.freeze({ ...scheduling, roleArns: Object.freeze({ ...scheduling.roleArns }) }),
  });
}

/**
 * The ARN of a queue from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`
 * → `arn:<partition>:sqs:<region>:<account>:<name>`). The region is the URL's
 * when its host names one (AWS's hosts do; an emulator's does not), else
 * `region`. Undefined when the URL is not a queue URL.
 */
export function queueArnOf(url: unknown, partition: string, region: string): string | undefined {
  if (typeof url !== "string") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
  const [account = "", name = "", ...rest] = parsed.pathname.split("/").slice(1);
  if (rest.length > 0 || !/^\d{12}$/.test(account) || !QUEUE_NAME.test(name)) return undefined;
  const host = QUEUE_HOST.exec(parsed.hostname);
  return `arn:${partition}:sqs:${host?.[1] ?? host?.[2] ?? region}:${account}:${name}`;
}

function badUrl(option: string, got: unknown): string {
  return `${option} must be an SQS queue URL like https://sqs.us-east-1.amazonaws.com/123456789012/my-queue; got ${JSON.stringify(got)}`;
}
