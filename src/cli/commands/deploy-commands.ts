import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { type SynthResult, synthesize } from "../../cdk/index.js";
import { OffloadError, toError } from "../../core/errors.js";
import { loadJobs } from "../../runtime/index.js";
import type { ResolvedConfig } from "../config.js";
import { table } from "../format.js";
import type { Output } from "./client-commands.js";

export interface SynthCommandOptions {
  /** A pull request number: synthesizes the `Stack-PR<n>` preview stack. @defaultValue none: `<app>-<stage>` */
  pr?: string | undefined;
  /** CDK context values (`--context key=value`); `pr` names the preview stack as `pr` does. @defaultValue none */
  context?: Readonly<Record<string, string>> | undefined;
  /** The cloud assembly folder. @defaultValue cdk.out next to the config */
  outdir?: string | undefined;
}

/** Bundles every job and synthesizes the stack, offline; refuses on errors. */
async function synthApp(
  config: ResolvedConfig,
  options: SynthCommandOptions,
): Promise<SynthResult> {
  const jobs = await loadJobs(config.jobsDir);
  if (jobs.length === 0)
    throw new OffloadError(
      "NoJobs",
      `The jobs folder ${config.jobsDir} has no job files: nothing to deploy`,
    );
  const result = await synthesize({
    jobs: jobs.map((j) => ({ name: j.name, file: j.file, options: j.definition.options })),
    app: config.app,
    stage: config.stage,
    ...(options.pr === undefined ? {} : { pr: options.pr }),
    ...(options.context === undefined ? {} : { context: options.context }),
    aws: config.aws,
    outdir: options.outdir ? resolve(options.outdir) : resolve(config.root, "cdk.out"),
  });
  if (result.errors.length > 0) {
    throw new OffloadError(
      "SynthFailed",
      `The stack ${result.stackName} did not pass its checks:\n  ${result.errors.join("\n  ")}`,
    );
  }
  return result;
}

/** `offload synth`: the summary table (or JSON), warnings on stderr. */
export async function synthCommand(
  config: ResolvedConfig,
  o: Output,
  options: SynthCommandOptions,
): Promise<SynthResult> {
  const result = await synthApp(config, options);
  for (const warning of result.warnings) o.err(`warning: ${warning}`);
  if (o.json) {
    o.out(JSON.stringify(result));
    return result;
  }
  o.out(
    `stack ${result.stackName}: ${relative(config.root, result.templateFile) || result.templateFile}`,
  );
  o.out(
    table(
      ["job", "queue", "dlq", "timeout", "retry delay", "attempts", "bundle"],
      result.jobs.map((j) => [
        j.name,
        j.queue,
        j.dlq,
        `${j.timeoutSeconds}s`,
        `${j.retryDelaySeconds}s`,
        j.maxAttempts,
        j.bundleBytes === undefined ? "-" : kib(j.bundleBytes),
      ]),
    ),
  );
  const containers = result.jobs.filter((j) => j.container !== undefined);
  if (containers.length > 0) {
    o.out("container services (images are built at deploy: Docker or a compatible builder)");
    o.out(
      table(
        ["job", "service", "cpu", "memory", "tasks", "backlog/task", "build context"],
        containers.map((j) => {
          const c = j.container!;
          return [
            j.name,
            c.service,
            c.cpu,
            `${c.memoryMiB} MiB`,
            `${c.minTasks}-${c.maxTasks}`,
            c.targetBacklogPerTask,
            relative(config.root, c.context) || c.context,
          ];
        }),
      ),
    );
  }
  if (result.schedules.length > 0) {
    o.out(`schedules in EventBridge Scheduler group ${result.scheduleGroup}:`);
    o.out(
      table(
        ["job", "schedule", "expression", "timezone", "aws name"],
        result.schedules.map((s) => [s.jobName, s.name, s.expression, s.timezone, s.awsName]),
      ),
    );
  }
  return result;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * `offload deploy`: synthesizes, then runs the AWS CDK toolkit on the cloud
 * assembly, writing the stack's outputs where `--aws` commands read them.
 */
export async function deployCommand(
  config: ResolvedConfig,
  o: Output,
  options: SynthCommandOptions & { env: NodeJS.ProcessEnv },
): Promise<void> {
  await requireCredentials(config, options.env);
  const result = await synthApp(config, options);
  for (const warning of result.warnings) o.err(`warning: ${warning}`);
  mkdirSync(dirname(config.aws.outputsFile), { recursive: true });
  const cdk = cdkBin();
  const code = await run(
    process.execPath,
    [
      cdk,
      "deploy",
      result.stackName,
      "--app",
      result.outdir,
      "--outputs-file",
      config.aws.outputsFile,
      "--require-approval",
      "never",
    ],
    options.env,
  );
  if (code !== 0)
    throw new OffloadError("DeployFailed", `cdk deploy of ${result.stackName} exited with ${code}`);
  o.out(
    o.json
      ? JSON.stringify({ stackName: result.stackName, outputsFile: config.aws.outputsFile })
      : `deployed ${result.stackName}; outputs in ${config.aws.outputsFile}`,
  );
}

/** Fails with one line when the SDK's default credential chain finds no credentials. */
async function requireCredentials(config: ResolvedConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  const client = new SQSClient({ region: config.aws.region ?? env.AWS_REGION ?? "us-east-1" });
  try {
    await client.config.credentials();
  } catch (e) {
    throw new OffloadError(
      "NoCredentials",
      `No AWS credentials: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run offload deploy again (${toError(e).message.split("\n")[0]})`,
    );
  } finally {
    client.destroy();
  }
}

function cdkBin(): string {
  try {
    return createRequire(import.meta.url).resolve("aws-cdk/bin/cdk");
  } catch {
    throw new OffloadError(
      "CdkMissing",
      "offload deploy needs the AWS CDK toolkit: npm install --save-dev aws-cdk aws-cdk-lib constructs",
    );
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}
