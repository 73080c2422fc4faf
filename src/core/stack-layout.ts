/**
 * How an app is named on AWS: the stack's name and the keys of its outputs.
 * The CDK stack writes these outputs; the AWS transport and the CLI read them
 * back (from `cdk deploy --outputs-file`), so both sides use these functions.
 */

import { OffloadError } from "./errors.js";

/** Stack names: letters, digits and hyphens, starting with a letter, at most 128 characters. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export interface StackNameOptions {
  /** The app's name. */
  app: string;
  /** @defaultValue "dev" */
  stage?: string | undefined;
  /** A pull request number: the stack is then `Stack-PR<n>`. */
  pr?: number | string | undefined;
}

/** `<app>-<stage>`, or `Stack-PR<n>` for a pull request's preview stack. */
export function stackName(options: StackNameOptions): string {
  if (options.pr !== undefined && options.pr !== "") {
    const pr = String(options.pr);
    if (!/^[1-9][0-9]{0,9}$/.test(pr))
      throw new OffloadError(
        "InvalidStackName",
        `pr must be a pull request number (a positive integer); got ${JSON.stringify(pr)}`,
      );
    return `Stack-PR${pr}`;
  }
  const name = `${options.app}-${options.stage ?? "dev"}`;
  if (!STACK_NAME.test(name))
    throw new OffloadError(
      "InvalidStackName",
      `The stack name ${JSON.stringify(name)} (app-stage) must start with a letter and hold only letters, digits and hyphens, at most 128 characters`,
    );
  return name;
}

/** Stack-level outputs. */
export const TOPIC_ARN_OUTPUT = "TopicArn";
export const API_URL_OUTPUT = "ApiUrl";
export const ALERT_TOPIC_ARN_OUTPUT = "AlertTopicArn";
/** The ECS cluster the container jobs' services run in (only with container jobs). */
export const CONTAINER_CLUSTER_NAME_OUTPUT = "ContainerClusterName";

/**
 * What each job publishes as an output; `SchedulerRoleArn` is the role EventBridge Scheduler
 * sends the job to its queue with (its recurring schedules, and its sends delayed beyond 900 s).
 */
export type JobOutput =
  | "QueueUrl"
  | "QueueName"
  | "DlqName"
  | "DlqUrl"
  | "ServiceName"
  | "SchedulerRoleArn";

/** `send-welcome-email` → `SendWelcomeEmail` (output keys are alphanumeric). */
export function pascalCase(jobName: string): string {
  return jobName
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

/** The output key of one of a job's values: `JobSendWelcomeEmailQueueUrl`. */
export function jobOutputKey(jobName: string, output: JobOutput): string {
  return `Job${pascalCase(jobName)}${output}`;
}

/**
 * Job names whose output keys would collide (`a-b` and `a_b` both give `AB`):
 * a stack cannot hold both. Returns each clashing group, empty when none.
 */
export function outputKeyClashes(jobNames: readonly string[]): string[][] {
  const byKey = new Map<string, string[]>();
  for (const name of jobNames) {
    const key = pascalCase(name);
    byKey.set(key, [...(byKey.get(key) ?? []), name]);
  }
  return [...byKey.values()].filter((names) => names.length > 1);
}

/**
 * Scheduling's outputs: the stack's EventBridge Scheduler group and the queue holding the sends
 * that failed all their retries (each job's scheduler role is a job output, `SchedulerRoleArn`).
 */
export const SCHEDULE_GROUP_NAME_OUTPUT = "ScheduleGroupName";
export const SCHEDULER_DLQ_ARN_OUTPUT = "SchedulerDlqArn";
export const SCHEDULER_DLQ_URL_OUTPUT = "SchedulerDlqUrl";
