import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
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
}

const AWS_KEYS = new Set<keyof AwsConfig>([
  "region",
  "alertEmail",
  "memorySize",
  "api",
  "outputsFile",
  "endpointUrl",
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
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new OffloadError(
      "InvalidConfig",
      `${where}: aws.${field} must be ${expected}; got ${JSON.stringify(got)}`,
    );
  };
  const aws = file ?? {};
  if (typeof aws !== "object" || aws === null || Array.isArray(aws)) bad("", "an object", aws);
  for (const key of Object.keys(aws)) {
    if (!AWS_KEYS.has(key as keyof AwsConfig))
      throw new OffloadError(
        "InvalidConfig",
        `${where}: unknown option aws.${key}; the options are ${[...AWS_KEYS].join(", ")}`,
      );
  }
  const memorySize = aws.memorySize ?? 1024;
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240)
    bad("memorySize", "an integer from 128 to 10240 (MB)", memorySize);
  if (aws.alertEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(aws.alertEmail))
    bad("alertEmail", "an email address", aws.alertEmail);
  const auth = aws.api?.auth ?? "iam";
  if (typeof auth === "string") {
    if (auth !== "iam" && auth !== "none") bad("api.auth", '"iam", "none" or { jwt }', auth);
  } else {
    const jwt = (auth as { jwt?: { issuer?: unknown; audience?: unknown } }).jwt;
    if (typeof jwt?.issuer !== "string" || !/^https:\/\//.test(jwt.issuer))
      bad("api.auth.jwt.issuer", "an https:// URL", jwt?.issuer);
    if (
      !Array.isArray(jwt?.audience) ||
      jwt.audience.length === 0 ||
      !jwt.audience.every((a) => typeof a === "string" && a)
    )
      bad("api.auth.jwt.audience", "a non-empty list of strings", jwt?.audience);
  }
  const corsOrigins = aws.api?.corsOrigins ?? [];
  if (!Array.isArray(corsOrigins) || !corsOrigins.every((o) => typeof o === "string"))
    bad("api.corsOrigins", "a list of origins", corsOrigins);
  const outputs = env.OFFLOAD_AWS_OUTPUTS || aws.outputsFile || ".offload/cdk-outputs.json";
  return {
    region: env.AWS_REGION || aws.region,
    alertEmail: aws.alertEmail,
    memorySize,
    api: { auth, corsOrigins },
    outputsFile: isAbsolute(outputs) ? outputs : resolve(root, outputs),
    endpointUrl: env.AWS_ENDPOINT_URL || aws.endpointUrl,
  };
}
