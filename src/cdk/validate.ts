import { awsSettingsProblems } from "../core/aws-settings.js";
import { formatDuration } from "../core/duration.js";
import { OffloadError } from "../core/errors.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import { AWS_LIMITS } from "../core/limits.js";
import { outputKeyClashes } from "../core/stack-layout.js";

/** What {@link validateStack} checks: the stack's input as plain data. */
export interface StackInput {
  readonly jobs: ReadonlyArray<{
    readonly name: string;
    readonly options: ResolvedJobOptions;
    /** Whether the job's function code was given (a Lambda job needs it). */
    readonly hasCode: boolean;
  }>;
  readonly memorySize: number;
  readonly alertEmail: string | undefined;
  readonly auth: "iam" | "none" | { jwt: { issuer: string; audience: readonly string[] } };
  readonly corsOrigins: readonly string[];
  /** The stack keeps the job table (aws.jobHistory), where idempotent jobs keep their keys. @defaultValue true */
  readonly jobHistory?: boolean;
}

/** Problems refuse the stack; warnings are advice (AWS guidance) that synthesis reports. */
export interface StackValidation {
  readonly problems: string[];
  readonly warnings: string[];
}

/** The job-name rule of the jobs folder: it becomes part of queue names and output keys. */
const JOB_NAME = /^[a-z0-9][a-z0-9-_]{0,62}$/;
/** AWS: "set the source queue's visibility timeout to at least six times the timeout of your function". */
const ADVISED_RETRY_DELAY_FACTOR = 6;
/** The queues keep a message 14 days (SQS's maximum retention). */
export const QUEUE_RETENTION_DAYS = AWS_LIMITS.sqs.maxRetentionSeconds / 86_400;
const QUEUE_RETENTION_MS = QUEUE_RETENTION_DAYS * 24 * 3_600_000;

/**
 * Checks what the stack is built from, in one pure function. Each message
 * names the job or option, the value given and why it cannot work.
 *
 * @example
 * const { problems, warnings } = validateStack({ jobs, memorySize: 1024, alertEmail: undefined, auth: "iam", corsOrigins: [] });
 */
export function validateStack(input: StackInput): StackValidation {
  const problems: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const job of input.jobs) {
    const label = `job ${JSON.stringify(job.name)}`;
    if (!JOB_NAME.test(job.name)) {
      problems.push(
        `${label}: the name must be 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit (it names the job's queues and outputs)`,
      );
    }
    if (seen.has(job.name)) problems.push(`${label} is given twice: job names are unique`);
    seen.add(job.name);
    if (job.options.runtime === "lambda" && !job.hasCode) {
      problems.push(`${label} runs on Lambda but no function code was given for it`);
    } else if (job.options.runtime === "container" && !job.hasCode) {
      problems.push(`${label} runs in a container but no image was given for it`);
    }
    checkRetryDelay(label, job.options, problems, warnings);
    if (job.options.idempotency && input.jobHistory === false) {
      problems.push(
        `${label} has the idempotency option, which keeps its keys in the stack's job table, but aws.jobHistory is false: the stack has no table. Set aws.jobHistory to true, or remove the option`,
      );
    }
  }
  for (const group of outputKeyClashes([...seen])) {
    problems.push(
      `jobs ${group.map((n) => JSON.stringify(n)).join(" and ")} would share output keys (names differing only in '-' or '_' give the same key): rename one`,
    );
  }
  problems.push(...awsSettingsProblems(input));
  return { problems, warnings };
}

/**
 * {@link validateStack}, throwing when there are problems.
 *
 * @returns the warnings.
 * @throws OffloadError `InvalidStack` listing every problem, one per line.
 */
export function assertValidStack(stackName: string, input: StackInput): string[] {
  const { problems, warnings } = validateStack(input);
  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new OffloadError(
      "InvalidStack",
      `Cannot build the stack ${stackName} (${count}):\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
  }
  return warnings;
}

function checkRetryDelay(
  label: string,
  options: ResolvedJobOptions,
  problems: string[],
  warnings: string[],
): void {
  const { retryDelayMs, timeoutMs, maxAttempts } = options;
  const retryDelay = formatDuration(retryDelayMs);
  const timeout = formatDuration(timeoutMs);
  // A container job's worker renews its messages' visibility while they run (job options
  // check its retryDelay then); the rules below are a Lambda function's.
  const renewed = options.runtime === "container" && options.container?.heartbeat !== false;
  if (!renewed && retryDelayMs < timeoutMs) {
    problems.push(
      `${label}: retryDelay ${retryDelay} is shorter than timeout ${timeout}: a message would become visible while still running (the queue's visibility timeout must be at least the function's timeout)`,
    );
  } else if (!renewed && retryDelayMs < ADVISED_RETRY_DELAY_FACTOR * timeoutMs) {
    warnings.push(
      `${label}: retryDelay ${retryDelay} is below 6 × timeout ${timeout} (${formatDuration(ADVISED_RETRY_DELAY_FACTOR * timeoutMs)}): AWS advises a visibility timeout of at least six times the function timeout, so Lambda can retry a throttled batch before its messages become visible again`,
    );
  }
  // Without backoff every attempt waits retryDelay; past the retention the
  // message expires from the queue before it can reach the DLQ.
  const worstMs = maxAttempts * retryDelayMs + options.delayMs;
  if (options.backoff === undefined && worstMs > QUEUE_RETENTION_MS) {
    warnings.push(
      `${label}: maxAttempts ${maxAttempts} × retryDelay ${retryDelay} (${formatDuration(worstMs)} with the delay) is longer than the queue's retention of ${QUEUE_RETENTION_DAYS} days: a failing message would expire before it reaches the DLQ`,
    );
  }
}
