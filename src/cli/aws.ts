// Not offload/aws's index: `offload worker` loads this module too, and needs neither the API's
// code nor the DynamoDB client, which only the --aws commands load (when the stack has a table).
import type { DynamoJobRecords } from "../aws/job-records.js";
import type { StackScheduleList } from "../aws/schedule-list.js";
import {
  awsTransportTargetFromOutputs,
  jobTableNameFromOutputs,
  readStackOutputs,
} from "../aws/stack-outputs.js";
import { type AwsTransport, createAwsTransport } from "../aws/transport.js";
import { OffloadError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { SCHEDULE_GROUP_NAME_OUTPUT } from "../core/stack-layout.js";
import { createTransportBackend } from "../http/transport-backend.js";
import { type LoadedJob, loadJobs } from "../runtime/index.js";
import type { ResolvedConfig } from "./config.js";
import { backendJobsClient, type JobsClient } from "./jobs-client.js";

/** How `--aws` commands find the deployed stack. */
export interface AwsTargetOptions {
  /** The stack outputs file. @defaultValue the config's aws.outputsFile */
  outputs?: string | undefined;
  /** The stack in that file, when it holds several. @defaultValue the file's only stack */
  stack?: string | undefined;
  /** SQS/SNS (and DynamoDB) endpoint (moto, a local offload server). @defaultValue the config's, else AWS */
  endpointUrl?: string | undefined;
  /**
   * Where a warning goes, one line each (a cancelled job whose schedule could not be deleted).
   * @defaultValue nowhere
   */
  warn?: ((line: string) => void) | undefined;
}

/** The deployed stack as the commands see it. */
export interface ConnectedStack {
  jobs: LoadedJob[];
  transport: AwsTransport;
  stackName: string;
  /** The stack's job table, when asked for and the stack has one (output JobTableName). */
  records: DynamoJobRecords | undefined;
  /** The stack's schedule group (output ScheduleGroupName); undefined for a stack without one. */
  scheduleGroup: string | undefined;
  /** The Scheduler client's region and endpoint. */
  clientConfig: { region?: string; endpoint?: string };
}

/**
 * The app's jobs and the AWS transport to the stack its outputs file describes. With
 * `records`, the transport records each send and redrive in the stack's job table, if it has one.
 */
export async function connectToStack(
  config: ResolvedConfig,
  options: AwsTargetOptions,
  { records: withRecords = false }: { records?: boolean } = {},
): Promise<ConnectedStack> {
  const jobs = await loadJobs(config.jobsDir);
  const file = options.outputs ?? config.aws.outputsFile;
  const { stackName, outputs } = readStackOutputs(file, options.stack);
  const jobNames = jobs.map((j) => j.name);
  const target = awsTransportTargetFromOutputs(outputs, jobNames);
  const endpoint = options.endpointUrl ?? config.aws.endpointUrl;
  const tableName = withRecords ? jobTableNameFromOutputs(outputs) : undefined;
  const region = config.aws.region ?? target.topicArn.split(":")[3];
  const clientConfig = { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
  let records: DynamoJobRecords | undefined;
  if (tableName !== undefined) {
    const [{ DynamoDBClient }, { createDynamoJobRecords }] = await Promise.all([
      import("@aws-sdk/client-dynamodb"),
      import("../aws/job-records.js"),
    ]);
    const dynamodb = new DynamoDBClient(clientConfig);
    records = createDynamoJobRecords({ tableName, dynamodb, jobNames });
    if (target.scheduling !== undefined) {
      // A cancelled job delayed beyond 900 s loses its one-time schedule too.
      const { cancellingSchedules, createScheduledSends } = await import(
        "../aws/scheduled-sends.js"
      );
      const sends = createScheduledSends({
        scheduling: target.scheduling,
        partition: target.topicArn.split(":")[1] ?? "aws",
        clientConfig,
      });
      records = cancellingSchedules(records, sends, warningLines(options.warn));
    }
  }
  const transport = createAwsTransport({
    ...target,
    ...(config.aws.region ? { region: config.aws.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(records === undefined ? {} : { records }),
  });
  const scheduleGroup = outputs[SCHEDULE_GROUP_NAME_OUTPUT] || undefined;
  return { jobs, transport, stackName, records, scheduleGroup, clientConfig };
}

/** A logger whose warnings are lines for the user (`warning: …: <error>`); the rest is dropped. */
function warningLines(write: ((line: string) => void) | undefined): Logger {
  if (write === undefined) return silentLogger;
  return {
    ...silentLogger,
    warn(fields: Record<string, unknown> | string, message?: string) {
      if (typeof fields === "string") return write(`warning: ${fields}`);
      const about = fields.jobId === undefined ? "" : `job ${String(fields.jobId)}: `;
      const error = fields.error === undefined ? "" : `: ${String(fields.error)}`;
      write(`warning: ${about}${message ?? ""}${error}`);
    },
  };
}

/**
 * The client commands' view of a deployed stack: the API's backend over the AWS transport,
 * reading jobs by id from the stack's job table.
 */
export async function awsJobsClient(
  config: ResolvedConfig,
  options: AwsTargetOptions,
): Promise<JobsClient> {
  const { jobs, transport, stackName, records, scheduleGroup, clientConfig } = await connectToStack(
    config,
    options,
    { records: true },
  );
  const backend = createTransportBackend({
    jobs: Object.fromEntries(jobs.map((j) => [j.name, j.definition])),
    transport,
    ...(records === undefined ? {} : { records }),
  });
  if (scheduleGroup === undefined) return backendJobsClient(backend, `AWS (stack ${stackName})`);
  // Read once per command: `offload schedules --aws` shows both.
  let listing: Promise<StackScheduleList> | undefined;
  const list = () => {
    listing ??= (async () => {
      const [{ SchedulerClient }, { listStackSchedules }] = await Promise.all([
        import("@aws-sdk/client-scheduler"),
        import("../aws/schedule-list.js"),
      ]).catch((e: unknown) => {
        throw new OffloadError(
          "MissingPackages",
          "offload schedules --aws reads EventBridge Scheduler: install @aws-sdk/client-scheduler (npm install @aws-sdk/client-scheduler)",
          { cause: e },
        );
      });
      const scheduler = new SchedulerClient(clientConfig);
      try {
        return await listStackSchedules({
          scheduler,
          groupName: scheduleGroup,
          ...(records === undefined ? {} : { records }),
          now: Date.now(),
        });
      } finally {
        scheduler.destroy();
      }
    })();
    return listing;
  };
  const client = backendJobsClient(
    { ...backend, schedules: async () => (await list()).schedules },
    `AWS (stack ${stackName})`,
  );
  return { ...client, delayedSends: async () => (await list()).delayedSends };
}
