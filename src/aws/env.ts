import { OffloadError } from "../core/errors.js";
import type { AwsJobQueues } from "./options.js";
import type { AwsScheduling } from "./scheduled-sends.js";

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The job's name, in the job function's environment. */
export const JOB_NAME_ENV = "OFFLOAD_JOB_NAME";
/** The job's queue URL, in the job function's environment. */
export const QUEUE_URL_ENV = "OFFLOAD_QUEUE_URL";
/** The job's DLQ URL, in the job function's environment. */
export const DLQ_URL_ENV = "OFFLOAD_DLQ_URL";
/** The jobs topic's ARN, in the API function's environment. */
export const TOPIC_ARN_ENV = "OFFLOAD_TOPIC_ARN";
/**
 * Each job's queue, in the API function's environment: JSON
 * `{ "<job>": "<queueUrl>" }` or `{ "<job>": { "queueUrl": "...", "dlqUrl": "..." } }`.
 */
export const QUEUES_ENV = "OFFLOAD_QUEUES";

/**
 * The stack's job table (each job's status and history), in the job functions' and the API
 * function's environment; unset when the stack keeps no job history (`aws.jobHistory: false`).
 */
export const JOB_TABLE_ENV = "OFFLOAD_JOB_TABLE";

/** The stack's schedule group, in the API function's environment (long delays are scheduled there). */
export const SCHEDULE_GROUP_ENV = "OFFLOAD_SCHEDULE_GROUP";
/**
 * Each job's scheduler role (the role its schedules send it to its queue with), in the API
 * function's environment: JSON `{ "<job>": "<role ARN>" }`.
 */
export const SCHEDULER_ROLE_ARNS_ENV = "OFFLOAD_SCHEDULER_ROLE_ARNS";
/** The stack's scheduler DLQ, in the API function's environment. */
export const SCHEDULER_DLQ_ARN_ENV = "OFFLOAD_SCHEDULER_DLQ_ARN";

/**
 * The stack's scheduling from OFFLOAD_SCHEDULE_GROUP, OFFLOAD_SCHEDULER_ROLE_ARNS and
 * OFFLOAD_SCHEDULER_DLQ_ARN; undefined when the group or the roles are unset.
 *
 * @throws OffloadError InvalidEnvironment when OFFLOAD_SCHEDULER_ROLE_ARNS is not JSON
 *   `{ "<job>": "<role ARN>" }`.
 */
export function schedulingFromEnv(env: Environment): AwsScheduling | undefined {
  const groupName = env[SCHEDULE_GROUP_ENV]?.trim();
  const roles = env[SCHEDULER_ROLE_ARNS_ENV]?.trim();
  const dlqArn = env[SCHEDULER_DLQ_ARN_ENV]?.trim();
  if (!groupName || !roles) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(roles);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((arn) => typeof arn !== "string")
  ) {
    throw new OffloadError(
      "InvalidEnvironment",
      `${SCHEDULER_ROLE_ARNS_ENV} must be JSON {"<job>": "<role ARN>"}; got ${JSON.stringify(roles.slice(0, 100))}`,
    );
  }
  const roleArns = parsed as Record<string, string>;
  return { groupName, roleArns, ...(dlqArn ? { dlqArn } : {}) };
}

/** The API function's CORS origins, comma-separated (empty: CORS off). */
export const CORS_ORIGINS_ENV = "OFFLOAD_CORS_ORIGINS";

/** The comma-separated origins of OFFLOAD_CORS_ORIGINS; none when it is unset or empty. */
export function corsOriginsFromEnv(env: Environment): string[] {
  return (env[CORS_ORIGINS_ENV] ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
}

/** The process environment where there is one (Lambda), else nothing. */
export function processEnv(): Environment {
  return globalThis.process?.env ?? {};
}

/**
 * A variable's value, or a clear error naming it and what it should hold.
 *
 * @throws OffloadError InvalidEnvironment when it is unset or empty.
 */
export function requireEnv(env: Environment, name: string, holds: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new OffloadError(
      "InvalidEnvironment",
      `${name} is not set: it holds ${holds}. The offload stack sets it on the deployed function; pass the option instead when you build the handler yourself`,
    );
  }
  return value.trim();
}

/**
 * Parses OFFLOAD_QUEUES and checks that every job has a queue.
 *
 * @throws OffloadError InvalidEnvironment naming the variable and what is wrong.
 */
export function parseQueuesEnv(
  env: Environment,
  jobNames: readonly string[],
): Record<string, AwsJobQueues> {
  const text = requireEnv(
    env,
    QUEUES_ENV,
    'each job\'s queue URL as JSON, {"<job>": "<queueUrl>"}',
  );
  const invalid = (why: string) =>
    new OffloadError(
      "InvalidEnvironment",
      `${QUEUES_ENV} must be JSON {"<job>": "<queueUrl>"} (or {"<job>": {"queueUrl", "dlqUrl"}}); ${why}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`it is not JSON: ${JSON.stringify(text.slice(0, 100))}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid(`got ${JSON.stringify(parsed)}`);
  }
  const queues: Record<string, AwsJobQueues> = {};
  for (const [jobName, value] of Object.entries(parsed)) {
    if (typeof value === "string") {
      queues[jobName] = { queueUrl: value };
    } else if (
      typeof value === "object" &&
      value !== null &&
      typeof value.queueUrl === "string" &&
      (value.dlqUrl === undefined || typeof value.dlqUrl === "string")
    ) {
      queues[jobName] = {
        queueUrl: value.queueUrl,
        ...(value.dlqUrl === undefined ? {} : { dlqUrl: value.dlqUrl }),
      };
    } else {
      throw invalid(`the value of ${JSON.stringify(jobName)} is ${JSON.stringify(value)}`);
    }
  }
  const missing = jobNames.filter((name) => !Object.hasOwn(queues, name));
  if (missing.length > 0) throw invalid(`it has no queue for ${missing.join(", ")}`);
  return queues;
}
