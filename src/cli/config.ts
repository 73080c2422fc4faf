import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { OffloadConfig } from "../core/config.js";
import { describeImportError, OffloadError } from "../core/errors.js";
import { CORS_ORIGIN_RULE, isCorsOrigin } from "../http/options.js";
import { importUserModule } from "../runtime/user-module.js";
import { isDirectory, isHttpUrl } from "../server/options.js";
import { type ResolvedAwsConfig, resolveAppName, resolveAwsConfig } from "./config-aws.js";
import { UsageError } from "./usage-error.js";

export interface ResolvedConfig {
  /** Where relative paths start: the config file's folder, or the working directory. */
  root: string;
  configFile: string | undefined;
  jobsDir: string;
  database: string;
  port: number;
  /** Where the port came from, for messages: "--port", "environment variable PORT", "<file>: port", "the default". */
  portFrom: string;
  host: string;
  durability: "full" | "relaxed";
  /** Whether the local engine records each job's status and history. */
  jobHistory: boolean;
  alertWebhook: string | undefined;
  apiKey: string | undefined;
  corsOrigins: string[];
  bodyLimit: number;
  pagesDir: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** The app's name (the AWS stack is `<app>-<stage>`). */
  app: string;
  stage: string;
  aws: ResolvedAwsConfig;
}

/** The environment variables that override the config file (documented by `offload --help`). */
export const environment = {
  OFFLOAD_JOBS: "jobs folder",
  OFFLOAD_DB: "database file",
  OFFLOAD_PORT: "port (PORT works too)",
  OFFLOAD_HOST: "host to listen on",
  OFFLOAD_DURABILITY: "full | relaxed",
  OFFLOAD_JOB_HISTORY: "on | off: record each job's status and history",
  OFFLOAD_ALERT_WEBHOOK: "URL that receives DLQ alarm changes",
  OFFLOAD_API_KEY: "the key for /jobs, /api/* and the SQS/SNS endpoint (required beyond loopback)",
  OFFLOAD_CORS_ORIGINS: "comma-separated origins allowed by CORS",
  OFFLOAD_BODY_LIMIT: "largest request body in bytes",
  OFFLOAD_PAGES: "folder of static pages served at /",
  OFFLOAD_LOG_LEVEL: "debug | info | warn | error",
  OFFLOAD_APP: "the app's name (the AWS stack is <app>-<stage>)",
  OFFLOAD_STAGE: "the deployment stage (default dev)",
  OFFLOAD_AWS_OUTPUTS: "the stack outputs file --aws commands read",
  AWS_REGION: "the AWS region",
  AWS_ENDPOINT_URL: "an SQS/SNS endpoint instead of AWS (moto, a local offload)",
} as const;

const CONFIG_NAMES = [
  "offload.config.ts",
  "offload.config.mts",
  "offload.config.js",
  "offload.config.mjs",
];
const KEYS = new Set<keyof OffloadConfig>([
  "jobs",
  "database",
  "port",
  "host",
  "durability",
  "jobHistory",
  "alertWebhook",
  "apiKey",
  "corsOrigins",
  "bodyLimit",
  "pages",
  "logLevel",
  "app",
  "stage",
  "aws",
]);

/** Loads `configPath` (or the first offload.config.* in `cwd`), applies the environment, validates. */
export async function loadConfig(options: {
  cwd: string;
  configPath?: string | undefined;
  env: NodeJS.ProcessEnv;
  mode: "dev" | "start" | "client";
  overrides?: Partial<Pick<ResolvedConfig, "port" | "host" | "database" | "jobsDir">>;
}): Promise<ResolvedConfig> {
  const { cwd, env } = options;
  let configFile: string | undefined;
  if (options.configPath) {
    configFile = resolve(cwd, options.configPath);
    if (!existsSync(configFile))
      throw new OffloadError("ConfigMissing", `Config file ${configFile} does not exist`);
  } else {
    configFile = CONFIG_NAMES.map((n) => resolve(cwd, n)).find((f) => existsSync(f));
  }
  let file: OffloadConfig = {};
  if (configFile) {
    try {
      const mod = await importUserModule(configFile);
      if (typeof mod.default !== "object" || mod.default === null) {
        throw new Error("it must `export default defineConfig({...})`");
      }
      file = mod.default as OffloadConfig;
    } catch (e) {
      throw new OffloadError("InvalidConfig", `${configFile}: ${describeImportError(e)}`, {
        cause: e,
      });
    }
    for (const key of Object.keys(file)) {
      if (!KEYS.has(key as keyof OffloadConfig)) {
        throw new OffloadError(
          "InvalidConfig",
          `${configFile}: unknown option ${JSON.stringify(key)}; the options are ${[...KEYS].join(", ")}`,
        );
      }
    }
    checkFileValues(file, configFile);
  }
  const root = configFile ? dirname(configFile) : cwd;
  const where = (name: string) =>
    name.startsWith("OFFLOAD_") || name === "PORT"
      ? `environment variable ${name}`
      : `${configFile}: ${name}`;
  const path = (value: string) => (isAbsolute(value) ? value : resolve(root, value));
  const pick = <T>(
    envName: string,
    fileValue: T | undefined,
    parse: (raw: string) => T,
  ): [T | undefined, string] => {
    const raw = env[envName];
    if (raw !== undefined && raw !== "") return [parse(raw), envName];
    return [fileValue, fileKeyOf(envName)];
  };
  const int = (name: string, min: number, max: number) => (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new OffloadError(
        "InvalidConfig",
        `${where(name)} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };

  const portEnv = env.OFFLOAD_PORT ? "OFFLOAD_PORT" : env.PORT ? "PORT" : undefined;
  const port =
    options.overrides?.port ??
    // The file's port was checked with the file's other values.
    (portEnv ? int(portEnv, 0, 65535)(env[portEnv]!) : (file.port ?? 3000));
  const portFrom =
    options.overrides?.port !== undefined
      ? "--port"
      : portEnv
        ? where(portEnv)
        : file.port !== undefined
          ? where("port")
          : "the default";
  const [durability, durabilityFrom] = pick(
    "OFFLOAD_DURABILITY",
    file.durability,
    (raw) => raw as "full" | "relaxed",
  );
  const resolvedDurability = durability ?? (options.mode === "dev" ? "relaxed" : "full");
  if (resolvedDurability !== "full" && resolvedDurability !== "relaxed") {
    throw new OffloadError(
      "InvalidConfig",
      `${where(durabilityFrom)} must be "full" or "relaxed"; got ${JSON.stringify(resolvedDurability)}`,
    );
  }
  const [jobHistory] = pick("OFFLOAD_JOB_HISTORY", file.jobHistory, (raw) => {
    const value = JOB_HISTORY_VALUES[raw.trim().toLowerCase()];
    if (value === undefined) {
      throw new OffloadError(
        "InvalidConfig",
        `${where("OFFLOAD_JOB_HISTORY")} must be on or off (or true, false, 1, 0); got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  });
  const [bodyLimit] = pick(
    "OFFLOAD_BODY_LIMIT",
    file.bodyLimit,
    int("OFFLOAD_BODY_LIMIT", 1024, MAX_BODY_LIMIT),
  );
  const [logLevel, logLevelFrom] = pick(
    "OFFLOAD_LOG_LEVEL",
    file.logLevel,
    (raw) => raw as ResolvedConfig["logLevel"],
  );
  if (logLevel !== undefined && !["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new OffloadError(
      "InvalidConfig",
      `${where(logLevelFrom)} must be debug, info, warn or error; got ${JSON.stringify(logLevel)}`,
    );
  }
  const [corsOrigins, corsOriginsFrom] = pick("OFFLOAD_CORS_ORIGINS", file.corsOrigins, (raw) =>
    raw
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  );
  const badOrigin = corsOrigins?.find((origin) => !isCorsOrigin(origin));
  if (badOrigin !== undefined) {
    throw new OffloadError(
      "InvalidConfig",
      `${where(corsOriginsFrom)} entries must be ${CORS_ORIGIN_RULE}; got ${JSON.stringify(badOrigin)}`,
    );
  }
  const [pages, pagesFrom] = pick("OFFLOAD_PAGES", file.pages, (raw) => raw);
  // A server is told to serve these pages: a folder that is not there is a mistake to say at
  // start, not a 404 at every page. Client commands serve nothing.
  if (pages !== undefined && options.mode !== "client" && !isDirectory(path(pages))) {
    throw new OffloadError(
      "InvalidConfig",
      `${where(pagesFrom)} must be a folder of pages; ${path(pages)} is not one`,
    );
  }
  const [alertWebhook, alertWebhookFrom] = pick(
    "OFFLOAD_ALERT_WEBHOOK",
    file.alertWebhook,
    (raw) => raw,
  );
  if (alertWebhook !== undefined && !isHttpUrl(alertWebhook)) {
    throw new OffloadError(
      "InvalidConfig",
      `${where(alertWebhookFrom)} must be an http:// or https:// URL; got ${JSON.stringify(alertWebhook)}`,
    );
  }
  const app = resolveAppName(root, pick("OFFLOAD_APP", file.app, (raw) => raw)[0]);
  const [stageValue, stageFrom] = pick("OFFLOAD_STAGE", file.stage, (raw) => raw);
  const stage = stageValue ?? "dev";
  if (!/^[A-Za-z0-9-]{1,40}$/.test(stage)) {
    throw new OffloadError(
      "InvalidConfig",
      `${where(stageFrom)} must be 1-40 letters, digits or hyphens; got ${JSON.stringify(stage)}`,
    );
  }
  return {
    root,
    configFile,
    jobsDir:
      options.overrides?.jobsDir ??
      path(pick("OFFLOAD_JOBS", file.jobs, (raw) => raw)[0] ?? "jobs"),
    database:
      options.overrides?.database ??
      path(pick("OFFLOAD_DB", file.database, (raw) => raw)[0] ?? ".offload/offload.db"),
    port,
    portFrom,
    host:
      options.overrides?.host ?? pick("OFFLOAD_HOST", file.host, (raw) => raw)[0] ?? "127.0.0.1",
    durability: resolvedDurability,
    jobHistory: jobHistory ?? true,
    alertWebhook,
    apiKey: pick("OFFLOAD_API_KEY", file.apiKey, (raw) => raw)[0],
    corsOrigins: corsOrigins ?? [],
    bodyLimit: bodyLimit ?? 1_048_576,
    pagesDir: pages === undefined ? undefined : path(pages),
    logLevel: logLevel ?? "info",
    app,
    stage,
    aws: resolveAwsConfig(file.aws, { root, env, where: configFile ?? "config" }),
  };
}

/** What OFFLOAD_JOB_HISTORY takes. */
const JOB_HISTORY_VALUES: Record<string, boolean> = {
  on: true,
  off: false,
  true: true,
  false: false,
  "1": true,
  "0": false,
};

/** The largest request body a config may allow: 16 MiB. */
const MAX_BODY_LIMIT = 16 * 1_048_576;

/**
 * Checks the types and ranges of the file's own values, as the environment's
 * are checked when parsed, so a mistake in the file is refused by its name
 * instead of surfacing later as someone else's error.
 */
function checkFileValues(file: OffloadConfig, configFile: string): void {
  const refuse = (key: string, expected: string, value: unknown) => {
    throw new OffloadError(
      "InvalidConfig",
      `${configFile}: ${key} must be ${expected}; got ${describeValue(value)}`,
    );
  };
  for (const key of [
    "jobs",
    "database",
    "host",
    "alertWebhook",
    "apiKey",
    "pages",
    "app",
    "stage",
  ] as const) {
    const value = file[key];
    if (value !== undefined && (typeof value !== "string" || value.trim() === ""))
      refuse(key, "a non-empty string", value);
  }
  const { port, bodyLimit, corsOrigins, jobHistory } = file;
  if (jobHistory !== undefined && typeof jobHistory !== "boolean")
    refuse("jobHistory", "true or false", jobHistory);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    refuse("port", "an integer from 0 to 65535", port);
  if (
    bodyLimit !== undefined &&
    !(Number.isInteger(bodyLimit) && bodyLimit >= 1024 && bodyLimit <= MAX_BODY_LIMIT)
  )
    refuse("bodyLimit", `an integer from 1024 to ${MAX_BODY_LIMIT} (bytes)`, bodyLimit);
  if (
    corsOrigins !== undefined &&
    !(Array.isArray(corsOrigins) && corsOrigins.every((o) => typeof o === "string"))
  )
    refuse("corsOrigins", 'an array of origins, like ["https://app.example.com"]', corsOrigins);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array (${JSON.stringify(value)})`;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return `${typeof value} ${JSON.stringify(value)}`;
  return typeof value;
}

function fileKeyOf(envName: string): string {
  const map: Record<string, string> = {
    OFFLOAD_JOBS: "jobs",
    OFFLOAD_DB: "database",
    OFFLOAD_PORT: "port",
    OFFLOAD_HOST: "host",
    OFFLOAD_DURABILITY: "durability",
    OFFLOAD_JOB_HISTORY: "jobHistory",
    OFFLOAD_ALERT_WEBHOOK: "alertWebhook",
    OFFLOAD_API_KEY: "apiKey",
    OFFLOAD_CORS_ORIGINS: "corsOrigins",
    OFFLOAD_BODY_LIMIT: "bodyLimit",
    OFFLOAD_PAGES: "pages",
    OFFLOAD_LOG_LEVEL: "logLevel",
    OFFLOAD_APP: "app",
    OFFLOAD_STAGE: "stage",
  };
  return map[envName] ?? envName;
}

/**
 * The address a client command finds the app at when no --url is given: where the config
 * (file, environment) makes `offload start` listen. An app listening on every address is
 * reached here through localhost, as is the default 127.0.0.1.
 */
export function appAddress(config: Pick<ResolvedConfig, "host" | "port" | "portFrom">): string {
  if (config.port === 0) {
    throw new UsageError(
      "AppAddressUnknown",
      `The app's port is 0 (${config.portFrom}): it listens on any free port, so give its address with --url`,
    );
  }
  const host = config.host;
  const name = ["0.0.0.0", "::", "127.0.0.1"].includes(host)
    ? "localhost"
    : host.includes(":")
      ? `[${host}]`
      : host;
  return `http://${name}:${config.port}`;
}
