// Sends beyond SQS's 15 minutes of delay, as EventBridge Scheduler one-time schedules in the
// stack's schedule group. @aws-sdk/client-scheduler is loaded only when such a send is made.
import { createHash } from "node:crypto";
import type {
  CreateScheduleCommandInput,
  SchedulerClient,
  SchedulerClientConfig,
} from "@aws-sdk/client-scheduler";
import { OffloadError, toError } from "../core/errors.js";
import type { StringMessageAttribute } from "../core/job-attributes.js";
import type { CancelResult } from "../core/job-status.js";
import { AWS_LIMITS } from "../core/limits.js";
import type { Logger } from "../core/logger.js";
import {
  checkScheduledInputSize,
  SCHEDULE_RETRY_POLICY,
  sendMessageInput,
  sqsSendMessageTargetArn,
} from "../core/scheduled-send.js";
import { jobOutputKey } from "../core/stack-layout.js";

/** Where a stack's schedules go: its group, the roles Scheduler sends with, and its DLQ. */
export interface AwsScheduling {
  /** The stack's schedule group (stack output `ScheduleGroupName`). */
  groupName: string;
  /**
   * By job name, the role Scheduler assumes to send that job to its queue (stack outputs
   * `Job<Name>SchedulerRoleArn`): each may send to its own job's queue only.
   */
  roleArns: Readonly<Record<string, string>>;
  /**
   * Where Scheduler puts a send that failed all its retries (stack output `SchedulerDlqArn`).
   * @defaultValue none: such a send is dropped after its retries
   */
  dlqArn?: string;
}

/** One job to send later through a one-time schedule. */
export interface OneTimeSend {
  jobName: string;
  jobId: string;
  queueUrl: string;
  body: string;
  attributes: Readonly<Record<string, StringMessageAttribute>>;
  /** When the job is due, epoch ms. */
  dueMs: number;
}

const NAME_CHARS = /^[0-9A-Za-z_.-]+$/;
const MAX_NAME = AWS_LIMITS.scheduler.maxNameChars;
const MINUTE_MS = AWS_LIMITS.scheduler.precisionSeconds * 1000;

/**
 * A job's one-time schedule name: its id when that fits Scheduler's names (1–64 of
 * `[0-9a-zA-Z-_.]`, which a UUID does), else its id's allowed characters cut short plus a hash
 * of the whole id, so two ids never share a name.
 *
 * @example
 * scheduleNameOf("019a0c3e-8f21-7c4d-9b1a-3f2e6d5c4b3a"); // the id itself
 * scheduleNameOf("order:42"); // "order_42-<16 hex>"
 */
export function scheduleNameOf(jobId: string): string {
  if (jobId.length <= MAX_NAME && NAME_CHARS.test(jobId)) return jobId;
  const hash = createHash("sha256").update(jobId).digest("hex").slice(0, 16);
  return `${jobId.replace(/[^0-9A-Za-z_.-]/g, "_").slice(0, MAX_NAME - hash.length - 1)}-${hash}`;
}

/**
 * The CreateSchedule request of a job due at `dueMs`. Scheduler fires a schedule within the
 * minute it names (User Guide, "Schedule types": set for 1:00, it invokes between 1:00:00 and
 * 1:00:59), so the schedule names the due time's minute and the message carries the seconds
 * left as its DelaySeconds: the job becomes visible at the due time at the earliest, and at most
 * 59 s after it.
 *
 * @throws OffloadError PayloadTooLarge when the SendMessage request is over Scheduler's 256 KiB;
 *   DelayTooLong when `scheduling` has no role for the job.
 */
export function oneTimeSchedule(
  send: OneTimeSend,
  scheduling: AwsScheduling,
  partition: string,
): CreateScheduleCommandInput {
  const minuteMs = Math.floor(send.dueMs / MINUTE_MS) * MINUTE_MS;
  const input = sendMessageInput({
    queueUrl: send.queueUrl,
    body: send.body,
    attributes: send.attributes,
    delaySeconds: Math.round((send.dueMs - minuteMs) / 1000),
  });
  checkScheduledInputSize(send.jobName, input);
  const roleArn = Object.hasOwn(scheduling.roleArns, send.jobName)
    ? scheduling.roleArns[send.jobName]
    : undefined;
  if (roleArn === undefined) {
    throw new OffloadError(
      "DelayTooLong",
      `Job ${send.jobName} has no scheduler role (scheduling.roleArns, stack output ${jobOutputKey(send.jobName, "SchedulerRoleArn")}): it cannot be delayed beyond ${AWS_LIMITS.sqs.maxDelaySeconds} s; deploy the app again to get it`,
      { jobName: send.jobName },
    );
  }
  return {
    Name: scheduleNameOf(send.jobId),
    GroupName: scheduling.groupName,
    Description: `offload job ${send.jobName} ${send.jobId}`.slice(0, 512),
    // at() takes no zone suffix: ScheduleExpressionTimezone says it is UTC.
    ScheduleExpression: `at(${new Date(minuteMs).toISOString().slice(0, 19)})`,
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    ActionAfterCompletion: "DELETE",
    Target: {
      Arn: sqsSendMessageTargetArn(partition),
      RoleArn: roleArn,
      Input: input,
      RetryPolicy: { ...SCHEDULE_RETRY_POLICY },
      ...(scheduling.dlqArn === undefined ? {} : { DeadLetterConfig: { Arn: scheduling.dlqArn } }),
    },
  };
}

/** Creates and deletes a stack's one-time schedules. */
export interface ScheduledSends {
  /**
   * The job's CreateSchedule request, made (and its size checked) before any call.
   * @throws OffloadError PayloadTooLarge when it is over Scheduler's 256 KiB.
   */
  prepare(send: OneTimeSend): CreateScheduleCommandInput;
  /** Creates a prepared schedule. @throws OffloadError JobIdInUse when its name is taken. */
  create(
    request: CreateScheduleCommandInput,
    send: Pick<OneTimeSend, "jobName" | "jobId">,
  ): Promise<void>;
  /** Deletes the job's schedule; true when there was one (not yet fired). */
  cancel(jobId: string): Promise<boolean>;
}

/** What {@link createScheduledSends} takes. */
export interface ScheduledSendsOptions {
  scheduling: AwsScheduling;
  /** The partition of the target ARN (`aws`, `aws-cn`, …). */
  partition: string;
  /** @defaultValue `new SchedulerClient(clientConfig)`, created at the first call */
  scheduler?: SchedulerClient;
  /** The default client's region and endpoint. */
  clientConfig?: SchedulerClientConfig;
}

/**
 * The stack's one-time schedules over EventBridge Scheduler.
 *
 * @example
 * const sends = createScheduledSends({ scheduling: { groupName, roleArns: { greeting: roleArn }, dlqArn }, partition: "aws" });
 * const send = { jobName, jobId, queueUrl, body, attributes, dueMs: Date.now() + 7_200_000 };
 * await sends.create(sends.prepare(send), send);
 * await sends.cancel(jobId);
 */
export function createScheduledSends(options: ScheduledSendsOptions): ScheduledSends {
  const { scheduling, partition } = options;
  let sdk: Promise<typeof import("@aws-sdk/client-scheduler")> | undefined;
  let client: SchedulerClient | undefined = options.scheduler;
  const load = () => {
    sdk ??= import("@aws-sdk/client-scheduler").catch((e: unknown) => {
      sdk = undefined;
      throw new OffloadError(
        "DelayTooLong",
        "Delays longer than 900 s go through EventBridge Scheduler: install @aws-sdk/client-scheduler (npm install @aws-sdk/client-scheduler)",
        { cause: e },
      );
    });
    return sdk;
  };
  const schedulerClient = async (module: typeof import("@aws-sdk/client-scheduler")) => {
    client ??= new module.SchedulerClient(options.clientConfig ?? {});
    return client;
  };
  return {
    prepare: (send) => oneTimeSchedule(send, scheduling, partition),
    async create(request, send) {
      const module = await load();
      try {
        await (await schedulerClient(module)).send(new module.CreateScheduleCommand(request));
      } catch (e) {
        if (e instanceof module.ConflictException) {
          throw new OffloadError(
            "JobIdInUse",
            `job id ${send.jobId} already has a schedule (${request.Name} in group ${scheduling.groupName}): give another jobId`,
            { jobName: send.jobName, cause: e },
          );
        }
        throw e;
      }
    },
    async cancel(jobId) {
      const module = await load();
      try {
        await (await schedulerClient(module)).send(
          new module.DeleteScheduleCommand({
            Name: scheduleNameOf(jobId),
            GroupName: scheduling.groupName,
          }),
        );
        return true;
      } catch (e) {
        // Fired already (ActionAfterCompletion DELETE), or never scheduled: nothing to stop.
        if (e instanceof module.ResourceNotFoundException) return false;
        throw e;
      }
    },
  };
}

/**
 * The job records with a cancel that also deletes the job's one-time schedule, once the job is
 * marked cancelled: a delayed job then never reaches its queue, and no invocation is paid for.
 * A schedule that cannot be deleted is logged, not thrown: the job is cancelled already, and its
 * function drops it unrun when the schedule fires.
 *
 * @example
 * const records = cancellingSchedules(createDynamoJobRecords({ tableName }), sends, logger);
 */
export function cancellingSchedules<T extends { cancel(jobId: string): Promise<CancelResult> }>(
  records: T,
  sends: Pick<ScheduledSends, "cancel">,
  logger: Logger,
): T {
  return {
    ...records,
    async cancel(jobId: string): Promise<CancelResult> {
      const result = await records.cancel(jobId);
      if (result.cancelled === "marked") {
        await sends.cancel(jobId).catch((e: unknown) => {
          logger.warn(
            { jobId, error: toError(e).message },
            "could not delete the schedule of a cancelled job; its function drops it when it fires",
          );
        });
      }
      return result;
    },
  };
}
