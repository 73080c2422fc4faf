import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { AwsSolutionsChecks } from "cdk-nag";
import type { AwsConfig } from "../core/config.js";
import type { ResolvedJobOptions } from "../core/job-types.js";
import { stackName as layoutStackName } from "../core/stack-layout.js";
import { bundleFunctions } from "./bundle.js";
import { writeContainerContexts } from "./container-image.js";
import { jobQueueNames } from "./names.js";
import { OffloadStack } from "./offload-stack.js";
import { recurringScheduleName, scheduleGroupName } from "./schedules.js";
import { assertValidStack } from "./validate.js";

/** A job as the CLI loads it: `loadJobs()` gives `name`, `file` and `definition.options`. */
export interface SynthJob {
  readonly name: string;
  /** The job file, bundled into the job's function. */
  readonly file: string;
  readonly options: ResolvedJobOptions;
}

/** What {@link synthesize} takes. */
export interface SynthOptions {
  /** The app's jobs, in the jobs folder's order. */
  readonly jobs: ReadonlyArray<SynthJob>;
  /** The app's name: the stack is `<app>-<stage>`. */
  readonly app: string;
  /** @defaultValue "dev" */
  readonly stage?: string;
  /** A pull request number: the stack is then `Stack-PR<n>`. @defaultValue the CDK context value `pr`, else none */
  readonly pr?: number | string;
  /** The config file's `aws` section. @defaultValue `{}` */
  readonly aws?: AwsConfig;
  /** The cloud assembly directory (`cdk deploy --app <outdir>` deploys it). @defaultValue "cdk.out" */
  readonly outdir?: string;
  /** CDK context values (as `cdk -c key=value` gives them). @defaultValue none */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The module exporting `createJobFunction`. @defaultValue offload's `src/aws/job-function.ts` */
  readonly jobFunctionModule?: string;
  /** The module exporting `createApiFunction`. @defaultValue offload's `src/aws/api-function.ts` */
  readonly apiFunctionModule?: string;
}

/** One job's row in the CLI's summary. */
export interface SynthesizedJob {
  readonly name: string;
  readonly runtime: "lambda" | "container";
  /** The queue's name. */
  readonly queue: string;
  /** The DLQ's name. */
  readonly dlq: string;
  readonly timeoutSeconds: number;
  readonly retryDelaySeconds: number;
  readonly maxAttempts: number;
  /** The minified bundle's size; for a container job, its image's two bundles together. */
  readonly bundleBytes: number | undefined;
  /** A container job's Fargate service; undefined for a Lambda job. */
  readonly container?: {
    /** The service's construct path in the stack (its name is set at deploy: output `Job<Name>ServiceName`). */
    readonly service: string;
    /** The image's Docker build context, absolute. */
    readonly context: string;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly targetBacklogPerTask: number;
  };
}

/** One recurring schedule's row in the CLI's summary. */
export interface SynthesizedSchedule {
  readonly jobName: string;
  /** The schedule's name within its job. */
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  /** Its EventBridge Scheduler schedule, in the group `scheduleGroup`: `<job>.<schedule>`. */
  readonly awsName: string;
}

export interface SynthResult {
  readonly stackName: string;
  /** The cloud assembly directory, absolute. */
  readonly outdir: string;
  /** The stack's CloudFormation template (JSON), absolute. */
  readonly templateFile: string;
  /** Advice: the stack's own (e.g. retryDelay below 6 × timeout), CDK's and cdk-nag's warnings. */
  readonly warnings: ReadonlyArray<string>;
  /** cdk-nag AwsSolutions errors and CDK error annotations: deploying should wait until there are none. */
  readonly errors: ReadonlyArray<string>;
  readonly jobs: ReadonlyArray<SynthesizedJob>;
  /** The stack's EventBridge Scheduler group (long delays and recurring schedules). */
  readonly scheduleGroup: string;
  /** The jobs' recurring schedules, by job then schedule. */
  readonly schedules: ReadonlyArray<SynthesizedSchedule>;
  /** The API function's minified bundle size. */
  readonly apiBundleBytes: number;
}

/** Report violations instead of throwing: synthesize returns them as `errors`. */
const FAIL_SYNTH_ON_VALIDATION_ERRORS = "@aws-cdk/core:failSynthOnValidationErrors";
/** Where CDK writes the validation plugins' findings in the cloud assembly. */
const VALIDATION_REPORT_FILE = "validation-report.json";
const DEFAULT_MEMORY_MB = 1024;
/** The stack's own warnings are annotated with ids `offload:stack-warning-<n>`; they are returned as they are. */
const OWN_WARNING = "[ack: offload:stack-warning-";

/**
 * Builds the app's stack: validates it, bundles every function with esbuild,
 * builds an {@link OffloadStack} checked by cdk-nag's AwsSolutions rules and
 * writes the cloud assembly. Offline: no AWS credentials, no lookups (the
 * stack is environment-agnostic unless `aws.region` is set).
 *
 * @throws OffloadError `InvalidStack` (before bundling) listing every problem,
 *   each naming its job, e.g. a retryDelay shorter than the timeout;
 *   `BundleFailed` when esbuild cannot bundle a function.
 * @example
 * const jobs = await loadJobs("jobs");
 * const result = await synthesize({
 *   jobs: jobs.map((j) => ({ name: j.name, file: j.file, options: j.definition.options })),
 *   app: "shop",
 *   stage: "prod",
 *   aws: config.aws,
 * });
 * // then: cdk deploy --app cdk.out
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const outdir = resolve(options.outdir ?? "cdk.out");
  const aws = options.aws ?? {};
  const app = new App({
    outdir,
    context: { ...options.context, [FAIL_SYNTH_ON_VALIDATION_ERRORS]: false },
  });
  const pr = options.pr ?? contextPr(app.node.tryGetContext("pr"));
  const name = layoutStackName({ app: options.app, stage: options.stage, pr });
  const api = { auth: aws.api?.auth ?? "iam", corsOrigins: aws.api?.corsOrigins ?? [] } as const;

  // Refuse before spending time on bundles.
  assertValidStack(name, {
    jobs: options.jobs.map((j) => ({ name: j.name, options: j.options, hasCode: true })),
    memorySize: aws.memorySize ?? DEFAULT_MEMORY_MB,
    alertEmail: aws.alertEmail,
    ...api,
  });

  const bundles = await bundleFunctions({
    jobs: options.jobs.map((j) => ({ name: j.name, file: j.file, runtime: j.options.runtime })),
    outdir: join(outdir, "bundles"),
    ...(options.jobFunctionModule ? { jobFunctionModule: options.jobFunctionModule } : {}),
    ...(options.apiFunctionModule ? { apiFunctionModule: options.apiFunctionModule } : {}),
  });

  const contexts = await writeContainerContexts({
    jobs: options.jobs.filter((j) => j.options.runtime === "container"),
    outdir: join(outdir, "containers"),
    ...(aws.container?.dockerfile ? { dockerfile: aws.container.dockerfile } : {}),
  });

  const stack = new OffloadStack(app, name, {
    stackName: name,
    description: `offload app ${options.app}: jobs on SNS, SQS, Lambda and Fargate`,
    ...(aws.region ? { env: { region: aws.region } } : {}),
    jobs: options.jobs.map((j) => ({
      name: j.name,
      options: j.options,
      code: bundles.jobs.get(j.name)?.directory,
      image: contexts.get(j.name)?.directory,
    })),
    apiCode: bundles.api.directory,
    ...(aws.alertEmail ? { alertEmail: aws.alertEmail } : {}),
    ...(aws.memorySize ? { memorySize: aws.memorySize } : {}),
    api,
    ...(aws.jobHistory === false ? { jobHistory: false } : {}),
    ...(aws.container ? { container: aws.container } : {}),
  });
  // writeSuppressionsToCloudFormation: every acknowledged finding and its reason stays visible in the template.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  const assembly = app.synth();
  const findings = readFindings(assembly, stack.artifactId);
  const warnings = [
    ...stack.warnings,
    ...findings.warnings.filter((w) => !w.includes(OWN_WARNING)),
  ];

  return {
    stackName: name,
    outdir,
    templateFile: assembly.getStackArtifact(stack.artifactId).templateFullPath,
    warnings,
    errors: findings.errors,
    jobs: options.jobs.map((j) => {
      const names = jobQueueNames(name, j.name);
      return {
        name: j.name,
        runtime: j.options.runtime,
        queue: names.queue,
        dlq: names.dlq,
        timeoutSeconds: j.options.timeoutMs / 1000,
        retryDelaySeconds: j.options.retryDelayMs / 1000,
        maxAttempts: j.options.maxAttempts,
        bundleBytes: bundles.jobs.get(j.name)?.bytes ?? contexts.get(j.name)?.bytes,
        ...containerSummary(stack, j, contexts.get(j.name)?.directory),
      };
    }),
    scheduleGroup: scheduleGroupName(name),
    schedules: options.jobs.flatMap((j) =>
      j.options.schedules.map((s) => ({
        jobName: j.name,
        name: s.name,
        expression: s.expression,
        timezone: s.timezone,
        awsName: recurringScheduleName(j.name, s.name),
      })),
    ),
    apiBundleBytes: bundles.api.bytes,
  };
}

/** A container job's row: its service, image context, size and scaling. */
function containerSummary(
  stack: OffloadStack,
  job: SynthJob,
  context: string | undefined,
): Pick<SynthesizedJob, "container"> {
  const service = stack.containerServices.get(job.name);
  const c = job.options.container;
  if (!service || !c || !context) return {};
  return {
    container: {
      service: service.service.node.path,
      context,
      cpu: c.cpu,
      memoryMiB: c.memoryMiB,
      minTasks: c.minTasks,
      maxTasks: c.maxTasks,
      targetBacklogPerTask: c.targetBacklogPerTask,
    },
  };
}

/** `cdk -c pr=12` gives a string; an empty value means none. */
function contextPr(value: unknown): string | number | undefined {
  return typeof value === "string" || typeof value === "number" ? value : undefined;
}

interface ValidationReport {
  pluginReports?: Array<{
    pluginName: string;
    violations?: Array<{
      ruleName: string;
      description: string;
      severity?: string;
      violatingConstructs?: Array<{ constructPath?: string }>;
    }>;
  }>;
}

/** The stack's annotations and the validation plugins' (cdk-nag's) violations, as messages. */
export function readFindings(
  assembly: CloudAssembly,
  artifactId: string,
): { warnings: string[]; errors: string[] } {
  const warnings = new Set<string>();
  const errors = new Set<string>();
  for (const message of assembly.getStackArtifact(artifactId).messages) {
    const text = `${String(message.entry.data)} [${message.id}]`;
    if (message.level === "error") errors.add(text);
    else if (message.level === "warning") warnings.add(text);
  }
  const reportFile = join(assembly.directory, VALIDATION_REPORT_FILE);
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as ValidationReport;
    for (const plugin of report.pluginReports ?? []) {
      for (const v of plugin.violations ?? []) {
        const where = (v.violatingConstructs ?? []).map((c) => c.constructPath).join(", ");
        const text = `${v.ruleName}: ${v.description} [${where}]`;
        if (v.severity === "warning" || v.severity === "info") warnings.add(text);
        else errors.add(text);
      }
    }
  }
  return { warnings: [...warnings], errors: [...errors] };
}
