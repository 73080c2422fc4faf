import { readFileSync } from "node:fs";
import { OffloadError } from "../core/errors.js";
import { JOB_TABLE_NAME_OUTPUT } from "../core/job-table.js";
import {
  type JobOutput,
  jobOutputKey,
  SCHEDULE_GROUP_NAME_OUTPUT,
  SCHEDULER_DLQ_ARN_OUTPUT,
  TOPIC_ARN_OUTPUT,
} from "../core/stack-layout.js";
import type { AwsJobQueues } from "./options.js";
import type { AwsScheduling } from "./scheduled-sends.js";

/** One stack's outputs, by output key. */
export type StackOutputs = Readonly<Record<string, string>>;

/** What {@link readStackOutputs} found. */
export interface StackOutputsFile {
  /** The stack the outputs are of. */
  stackName: string;
  outputs: StackOutputs;
}

/** The part of the AWS transport's options a deployed stack determines. */
export interface AwsTransportTarget {
  topicArn: string;
  queues: Record<string, Required<AwsJobQueues>>;
  /** The stack's schedule group and the jobs' scheduler roles; absent for a stack deployed before them. */
  scheduling?: AwsScheduling;
}

/**
 * Reads a stack's outputs from the file `cdk deploy --outputs-file` writes
 * (`{ "<StackName>": { "<OutputKey>": "<value>" } }`). With no `stackName`,
 * the file must hold exactly one stack.
 *
 * @throws OffloadError StackOutputsNotFound when the file is missing;
 * InvalidStackOutputs when it is not that shape, holds no such stack, or
 * holds several and none was named.
 * @example
 * const { stackName, outputs } = readStackOutputs(".offload/cdk-outputs.json");
 * const transport = createAwsTransport(awsTransportTargetFromOutputs(outputs, ["greeting"]));
 */
export function readStackOutputs(file: string, stackName?: string): StackOutputsFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new OffloadError(
        "StackOutputsNotFound",
        `There are no stack outputs at ${file}: run \`offload deploy\` (it writes them there), or pass --outputs <file> with the outputs of \`cdk deploy --outputs-file\``,
        { cause: e },
      );
    }
    throw new OffloadError("StackOutputsNotFound", `Cannot read the stack outputs at ${file}`, {
      cause: e,
    });
  }
  const invalid = (why: string) =>
    new OffloadError(
      "InvalidStackOutputs",
      `${file} is not a \`cdk deploy --outputs-file\` file ({ "<StackName>": { "<OutputKey>": "<value>" } }): ${why}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  if (!isRecord(parsed)) throw invalid(`its top level is ${describe(parsed)}, not an object`);
  const stacks = Object.keys(parsed).sort();
  let name = stackName;
  if (name === undefined) {
    if (stacks.length === 0) throw invalid("it holds no stack");
    if (stacks.length > 1) {
      throw new OffloadError(
        "InvalidStackOutputs",
        `${file} holds the outputs of several stacks (${stacks.join(", ")}): name one (--stack <name>)`,
      );
    }
    name = stacks[0]!;
  } else if (!Object.hasOwn(parsed, name)) {
    throw new OffloadError(
      "InvalidStackOutputs",
      `${file} has no outputs of stack ${name}; it holds ${stacks.join(", ") || "none"}`,
    );
  }
  const outputs = parsed[name];
  if (!isRecord(outputs)) throw invalid(`the outputs of ${name} are ${describe(outputs)}`);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) {
    if (typeof value !== "string") throw invalid(`output ${name}.${key} is ${describe(value)}`);
    values[key] = value;
  }
  return { stackName: name, outputs: Object.freeze(values) };
}

/**
 * The topic ARN and each job's queue and DLQ URLs from a stack's outputs,
 * by the keys of `core/stack-layout` (`TopicArn`, `Job<Name>QueueUrl`,
 * `Job<Name>DlqUrl`).
 *
 * @throws OffloadError MissingStackOutput naming every missing key and its job.
 * @example
 * const { outputs } = readStackOutputs(".offload/cdk-outputs.json");
 * const transport = createAwsTransport({
 *   ...awsTransportTargetFromOutputs(outputs, jobs.map((j) => j.name)),
 *   region: "eu-west-1",
 * });
 */
export function awsTransportTargetFromOutputs(
  outputs: StackOutputs,
  jobNames: readonly string[],
): AwsTransportTarget {
  const missing: string[] = [];
  const get = (key: string, what: string): string => {
    const value = outputs[key];
    if (typeof value === "string" && value !== "") return value;
    missing.push(`${key} (${what})`);
    return "";
  };
  const topicArn = get(TOPIC_ARN_OUTPUT, "the jobs topic's ARN");
  const queues: Record<string, Required<AwsJobQueues>> = {};
  const jobValue = (jobName: string, output: JobOutput, what: string) =>
    get(jobOutputKey(jobName, output), `${what} of job ${jobName}`);
  for (const jobName of jobNames) {
    queues[jobName] = {
      queueUrl: jobValue(jobName, "QueueUrl", "the queue URL"),
      dlqUrl: jobValue(jobName, "DlqUrl", "the DLQ URL"),
    };
  }
  if (missing.length > 0) {
    throw new OffloadError(
      "MissingStackOutput",
      `The stack outputs lack ${missing.join(", ")}: deploy the app again (\`offload deploy\`) so the stack has every job of the jobs folder`,
    );
  }
  const scheduling = schedulingFromOutputs(outputs, jobNames);
  return { topicArn, queues, ...(scheduling === undefined ? {} : { scheduling }) };
}

/**
 * The stack's schedule group, each job's scheduler role and the scheduler DLQ (outputs
 * `ScheduleGroupName`, `Job<Name>SchedulerRoleArn`, `SchedulerDlqArn`); undefined for a stack
 * deployed before they existed (a group without every job's role included).
 */
export function schedulingFromOutputs(
  outputs: StackOutputs,
  jobNames: readonly string[],
): AwsScheduling | undefined {
  const groupName = outputs[SCHEDULE_GROUP_NAME_OUTPUT];
  const dlqArn = outputs[SCHEDULER_DLQ_ARN_OUTPUT];
  if (!groupName) return undefined;
  const roleArns: Record<string, string> = {};
  for (const jobName of jobNames) {
    const roleArn = outputs[jobOutputKey(jobName, "SchedulerRoleArn")];
    if (!roleArn) return undefined;
    roleArns[jobName] = roleArn;
  }
  return { groupName, roleArns, ...(dlqArn ? { dlqArn } : {}) };
}

/**
 * The stack's job table (output `JobTableName`), where each job's status and history are kept;
 * undefined for a stack that keeps none (`aws.jobHistory: false`).
 */
export function jobTableNameFromOutputs(outputs: StackOutputs): string | undefined {
  const value = outputs[JOB_TABLE_NAME_OUTPUT];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
