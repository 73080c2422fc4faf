import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import { awsSettingsProblems } from "../core/aws-settings.js";
import type { AwsConfig, AwsContainerConfig } from "../core/config.js";
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
  /** The container jobs' existing cluster and own Dockerfile (absolute); undefined: the stack's own. */
  container: AwsContainerConfig | undefined;
}

const AWS_KEYS = new Set<keyof AwsConfig>([
  "region",
  "alertEmail",
  "memorySize",
  "api",
  "outputsFile",
  "endpointUrl",
  "jobHistory",
  "container",
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
  const container = resolveContainerConfig(aws.container, root, where);
  const outputs = env.OFFLOAD_AWS_OUTPUTS || aws.outputsFile || ".offload/cdk-outputs.json";
  return {
    region: env.AWS_REGION || aws.region,
    alertEmail: aws.alertEmail,
    memorySize,
    api: { auth, corsOrigins },
    outputsFile: isAbsolute(outputs) ? outputs : resolve(root, outputs),
    endpointUrl: env.AWS_ENDPOINT_URL || aws.endpointUrl,
    jobHistory,
    container,
  };
}

const CONTAINER_KEYS = [
  "clusterName",
  "vpcId",
  "subnetIds",
  "securityGroupIds",
  "assignPublicIp",
  "dockerfile",
];

/** Checks aws.container: an existing cluster comes with its VPC and subnets; the Dockerfile exists. */
function resolveContainerConfig(
  value: AwsContainerConfig | undefined,
  root: string,
  where: string,
): AwsContainerConfig | undefined {
  if (value === undefined) return undefined;
  const refuse = (what: string) =>
    new OffloadError("InvalidConfig", `${where}: aws.container${what}`);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw refuse(` must be an object; got ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (!CONTAINER_KEYS.includes(key))
      throw refuse(`.${key} is unknown; the options are ${CONTAINER_KEYS.join(", ")}`);
  }
  const { clusterName, vpcId, subnetIds, securityGroupIds, assignPublicIp, dockerfile } = value;
  const isIds = (ids: unknown) =>
    Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === "string" && id !== "");
  if (clusterName !== undefined) {
    if (typeof clusterName !== "string" || clusterName === "")
      throw refuse(`.clusterName must be a cluster's name; got ${JSON.stringify(clusterName)}`);
    if (typeof vpcId !== "string" || !isIds(subnetIds))
      throw refuse(
        `.clusterName ${clusterName} needs vpcId and subnetIds (the cluster's VPC and the subnets its tasks run in); got vpcId ${JSON.stringify(vpcId)}, subnetIds ${JSON.stringify(subnetIds)}`,
      );
  } else if (vpcId !== undefined || subnetIds !== undefined || securityGroupIds !== undefined) {
    throw refuse(
      ": vpcId, subnetIds and securityGroupIds go with clusterName (an existing cluster); without it the stack creates its own cluster and VPC",
    );
  }
  if (securityGroupIds !== undefined && !isIds(securityGroupIds))
    throw refuse(
      `.securityGroupIds must be a list of ids; got ${JSON.stringify(securityGroupIds)}`,
    );
  if (assignPublicIp !== undefined && typeof assignPublicIp !== "boolean")
    throw refuse(`.assignPublicIp must be true or false; got ${JSON.stringify(assignPublicIp)}`);
  let file: string | undefined;
  if (dockerfile !== undefined) {
    if (typeof dockerfile !== "string" || dockerfile === "")
      throw refuse(`.dockerfile must be a path; got ${JSON.stringify(dockerfile)}`);
    file = isAbsolute(dockerfile) ? dockerfile : resolve(root, dockerfile);
    if (!existsSync(file)) throw refuse(`.dockerfile ${file} does not exist`);
  }
  return { ...value, ...(file === undefined ? {} : { dockerfile: file }) };
}
