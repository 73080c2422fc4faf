import { unknownJob } from "../../core/error-codes.js";
import type { Logger } from "../../core/logger.js";
import { type Runtime, startRuntime } from "../../runtime/index.js";
import { type AwsTargetOptions, connectToStack } from "../aws.js";
import type { ResolvedConfig } from "../config.js";

/**
 * `offload worker [jobs...]`: the local runtime against the deployed
 * stack's SQS queues (long polling), for the jobs named or all of them.
 */
export async function workerCommand(
  config: ResolvedConfig,
  logger: Logger,
  names: string[],
  target: AwsTargetOptions,
): Promise<Runtime> {
  const { jobs, transport, stackName } = await connectToStack(config, target);
  const unknown = names.find((n) => !jobs.some((j) => j.name === n));
  if (unknown !== undefined) {
    throw unknownJob(
      unknown,
      jobs.map((j) => j.name),
      config.jobsDir,
    );
  }
  const selected = names.length > 0 ? jobs.filter((j) => names.includes(j.name)) : jobs;
  const runtime = await startRuntime({
    jobs: selected,
    transport,
    logger,
    ...(config.alertWebhook ? { alertWebhook: config.alertWebhook } : {}),
  });
  logger.info(
    { stack: stackName, jobs: selected.map((j) => j.name) },
    `offload worker is polling ${selected.length} job queue(s) of ${stackName}`,
  );
  return runtime;
}
