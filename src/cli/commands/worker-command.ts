import { unknownJob } from "../../core/error-codes.js";
import type { Logger } from "../../core/logger.js";
import { startWorker, type Worker } from "../../runtime/container/worker.js";
import { type AwsTargetOptions, connectToStack } from "../aws.js";
import type { ResolvedConfig } from "../config.js";

/**
 * `offload worker [jobs...]`: the local runtime against the deployed stack's SQS queues (long
 * polling), for the jobs named or all of them; on ECS (`ECS_AGENT_URI` set) with task scale-in
 * protection while it has work. Its `shutdown` is what SIGTERM runs.
 */
export async function workerCommand(
  config: ResolvedConfig,
  logger: Logger,
  names: string[],
  target: AwsTargetOptions,
): Promise<Worker> {
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
  const worker = await startWorker({
    jobs: selected,
    transport,
    logger,
    ...(config.alertWebhook ? { runtime: { alertWebhook: config.alertWebhook } } : {}),
  });
  logger.info(
    {
      stack: stackName,
      jobs: selected.map((j) => j.name),
      taskProtection: worker.protection !== undefined,
    },
    `offload worker is polling ${selected.length} job queue(s) of ${stackName}`,
  );
  return worker;
}
