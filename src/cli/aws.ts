import {
  awsTransportTargetFromOutputs,
  createAwsTransport,
  readStackOutputs,
} from "../aws/index.js";
import type { Transport } from "../core/transport.js";
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
  /** SQS/SNS endpoint (moto, a local offload server). @defaultValue the config's, else AWS */
  endpointUrl?: string | undefined;
}

/** The app's jobs and the AWS transport to the stack its outputs file describes. */
export async function connectToStack(
  config: ResolvedConfig,
  options: AwsTargetOptions,
): Promise<{ jobs: LoadedJob[]; transport: Transport; stackName: string }> {
  const jobs = await loadJobs(config.jobsDir);
  const file = options.outputs ?? config.aws.outputsFile;
  const { stackName, outputs } = readStackOutputs(file, options.stack);
  const target = awsTransportTargetFromOutputs(
    outputs,
    jobs.map((j) => j.name),
  );
  const endpoint = options.endpointUrl ?? config.aws.endpointUrl;
  const transport = createAwsTransport({
    ...target,
    ...(config.aws.region ? { region: config.aws.region } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
  return { jobs, transport, stackName };
}

/** The client commands' view of a deployed stack: the API's backend over the AWS transport. */
export async function awsJobsClient(
  config: ResolvedConfig,
  options: AwsTargetOptions,
): Promise<JobsClient> {
  const { jobs, transport, stackName } = await connectToStack(config, options);
  const backend = createTransportBackend({
    jobs: Object.fromEntries(jobs.map((j) => [j.name, j.definition])),
    transport,
  });
  return backendJobsClient(backend, `AWS (stack ${stackName})`);
}
