import { AWS_LIMITS } from "./limits.js";

/**
 * The rules for the app-wide AWS settings (`aws` of the config file), in one
 * pure module: the config loader reports them against the file, and the CDK
 * stack against its props. Each message starts with the field's path.
 */

/** The settings these rules check. */
export interface AwsSettings {
  readonly memorySize: number;
  readonly alertEmail: string | undefined;
  readonly auth: "iam" | "none" | { jwt: { issuer: string; audience: readonly string[] } };
  readonly corsOrigins: readonly string[];
}

/** Lambda memory: 128 MB to 10,240 MB. */
export const MIN_MEMORY_MB = AWS_LIMITS.lambda.minMemoryMb;
export const MAX_MEMORY_MB = AWS_LIMITS.lambda.maxMemoryMb;

/** Every problem of `settings`, empty when they are valid. */
export function awsSettingsProblems(settings: AwsSettings): string[] {
  const problems: string[] = [];
  const { memorySize, alertEmail, auth, corsOrigins } = settings;
  if (!Number.isInteger(memorySize) || memorySize < MIN_MEMORY_MB || memorySize > MAX_MEMORY_MB) {
    problems.push(
      `memorySize ${JSON.stringify(memorySize)} is not a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} (Lambda's range)`,
    );
  }
  if (
    alertEmail !== undefined &&
    (typeof alertEmail !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail))
  ) {
    problems.push(
      `alertEmail ${JSON.stringify(alertEmail)} is not an email address: the alert topic sends the DLQ alarms to it`,
    );
  }
  if (typeof auth === "object" && auth !== null) {
    const jwt = (auth as { jwt?: { issuer?: unknown; audience?: unknown } }).jwt;
    const issuer = jwt?.issuer;
    if (typeof issuer !== "string" || !/^https:\/\/[^\s]+$/.test(issuer)) {
      problems.push(
        `api.auth.jwt.issuer ${JSON.stringify(issuer)} is not an https URL: API Gateway fetches the issuer's keys from it`,
      );
    }
    const audience = jwt?.audience;
    if (
      !Array.isArray(audience) ||
      audience.length === 0 ||
      audience.some((a) => typeof a !== "string" || a.trim() === "")
    ) {
      problems.push(
        `api.auth.jwt.audience ${JSON.stringify(audience)} must list at least one non-empty audience (API Gateway requires one)`,
      );
    }
  } else if (auth !== "iam" && auth !== "none") {
    problems.push(
      `api.auth ${JSON.stringify(auth)} is not "iam", "none" or { jwt: { issuer, audience } }`,
    );
  }
  if (!Array.isArray(corsOrigins)) {
    problems.push(`api.corsOrigins ${JSON.stringify(corsOrigins)} is not a list of origins`);
  } else {
    for (const origin of corsOrigins) {
      if (origin !== "*" && (typeof origin !== "string" || !/^https?:\/\/[^/\s]+$/.test(origin))) {
        problems.push(
          `api.corsOrigins entries must be "*" or an origin like "https://app.example.com" (scheme and host, no path); got ${JSON.stringify(origin)}`,
        );
      }
    }
  }
  return problems;
}
