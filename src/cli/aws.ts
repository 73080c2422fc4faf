// Not offload/aws's index: `offload worker` loads this module too, and needs neither the API's
// code nor the DynamoDB client, which only the --aws commands load (when the stack has a table).
import type { DynamoJobRecords } from "../aws/job-records.js";
import {
  awsTransportTargetFromOutputs,
  jobTableNameFromOutputs,
  readStackOutputs,
} from "../aws/stack-outputs.js";
import { type AwsTransport, createAwsTransport } from "../aws/transport.js";
import { silentLogger } from "../core/logger.js";
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
}

/** The deployed stack as the commands see it. */
export interface ConnectedStack {
  jobs: LoadedJob[];
  transport: AwsTransport;
  stackName: string;
  /** The stack's job table, when asked for and the stack has one (output JobTableName). */
  records: DynamoJobRecords | undefined;
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
  let records: DynamoJobRecords | undefined;
  if (tableName !== undefined) {
    const [{ DynamoDBClient }, { createDynamoJobRecords }] = await Promise.all([
      import("@aws-sdk/client-dynamodb"),
      import("../aws/job-records.js"),
    ]);
    const region = config.aws.region ?? target.topicArn.split(":")[3];
    const dynamodb = new DynamoDBClient({
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    records = createDynamoJobRecords({ tableName, dynamodb, jobNames });
    if (target.scheduling !== undefined) {
      // A cancelled job delayed beyond 900 s loses its one-time schedule too.
      const { cancellingSchedules, createScheduledSends } = await import(
        "../aws/scheduled-sends.js"
      );
      const sends = createScheduledSends({
        scheduling: target.scheduling,
        partition: target.topicArn.split(":")[1] ?? "aws",
        clientConfig: { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) },
      });
      records = cancellingSchedules(records, sends, silentLogger);
    }
  }
  const transport = createAwsTransport({
    ...target,
    ...(config.aws.region ? { region: config.aws.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(records === undefined ? {} : { records }),
  });
  return { jobs, transport, stackName, records };
}

/**
 * The client commands' view of a deployed stack: the API's backend over the AWS transport,
 * reading jobs by id from the stack's job table.
 */
export async function awsJobsClient(
  config: ResolvedConfig,
  options: AwsTargetOptions,
): Promise<JobsClient> {
  const { jobs, transport, stackName, records } = await connectToStack(config, options, {
    records: true,
  });
  const backend = createTransportBackend({
    jobs: Object.fromEntries(jobs.map((j) => [j.name, j.definition])),
    transport,
    ...(records === undefined ? {} : { records }),
  });
  return backendJobsClient(backend, `AWS (stack ${stackName})`);
}
