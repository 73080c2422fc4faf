import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import { awsSettingsProblems } from "../core/aws-settings.js";
import type { AwsConfig } from "../core/config.js";
import { OffloadError } from "../core/errors.js";

/** `aws` of the config file, with defaults applied and every value checked. */
export interface ResolvedAwsConfig {
  region: string | undefined;
  alertEmail: string | undefined;
  memorySize: number;
  api: {
    auth: "iam" | "none" | { jwt: { issuer: string; audience: string[] } };
    corsOrigins: string[];
  };
  /** Absolute path of the stack outputs file. */
  outputsFile: string;
  endpointUrl: string | undefined;
  /** Whether the stack keeps each job's status and history (its DynamoDB table). */
  jobHistory: boolean;
}

const AWS_KEYS = new Set<keyof AwsConfig>([
  "region",
  "alertEmail",
  "memorySize",
  "api",
  "outputsFile",
  "endpointUrl",
  "jobHistory",
]);

/** The app's name: the config's `app`, else the package.json name (scope dropped), else the folder's. */
export function resolveAppName(root: string, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const manifest = resolve(root, "package.json");
  if (existsSync(manifest)) {
    try {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
      if (typeof name === "string" && name) return sanitize(name.replace(/^@[^/]+\//, ""));
    } catch {
      // An unreadable package.json names nothing; fall back to the folder.
    }
  }
  return sanitize(basename(root));
}

/** Stack names hold letters, digits and hyphens and start with a letter. */
function sanitize(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^[^A-Za-z]+/, "");
  return cleaned || "offload";
}

/** Applies defaults and the environment (AWS_REGION, AWS_ENDPOINT_URL, OFFLOAD_AWS_OUTPUTS) to `aws`. */
export function resolveAwsConfig(
  file: AwsConfig | undefined,
  options: { root: string; env: NodeJS.ProcessEnv; where: string },
): ResolvedAwsConfig {
  const { root, env, where } = options;
  const aws = file ?? {};
  if (typeof aws !== "object" || aws === null || Array.isArray(aws))
    throw new OffloadError(
      "InvalidConfig",
      `${where}: aws must be an object; got ${JSON.stringify(aws)}`,
    );
  for (const key of Object.keys(aws)) {
    if (!AWS_KEYS.has(key as keyof AwsConfig))
      throw new OffloadError(
        "InvalidConfig",
        `${where}: unknown option aws.${key}; the options are ${[...AWS_KEYS].join(", ")}`,
      );
  }
  const memorySize = aws.memorySize ?? 1024;
  const auth = aws.api?.auth ?? "iam";
  const corsOrigins = aws.api?.corsOrigins ?? [];
  const problem = awsSettingsProblems({
    memorySize,
    alertEmail: aws.alertEmail,
    auth,
    corsOrigins,
  })[0];
  if (problem) throw new OffloadError("InvalidConfig", `${where}: aws.${problem}`);
  const jobHistory = aws.jobHistory ?? true;
  if (typeof jobHistory !== "boolean") {
    throw new OffloadError(
      "InvalidConfig",
      `${where}: aws.jobHistory must be true or false (false deploys no job table); got ${JSON.stringify(jobHistory)}`,
    );
  }
  const outputs = env.OFFLOAD_AWS_OUTPUTS || aws.outputsFile || ".offload/cdk-outputs.json";
  return {
    region: env.AWS_REGION || aws.region,
    alertEmail: aws.alertEmail,
    memorySize,
    api: { auth, corsOrigins },
    outputsFile: isAbsolute(outputs) ? outputs : resolve(root, outputs),
    endpointUrl: env.AWS_ENDPOINT_URL || aws.endpointUrl,
    jobHistory,
  };
}
