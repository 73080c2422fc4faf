import type { LogFn, Logger } from "../core/logger.js";
import type { Environment } from "./env.js";

const LEVELS = ["debug", "info", "warn", "error"] as const;
type Level = (typeof LEVELS)[number];

/** The log level of the deployed functions. */
export const LOG_LEVEL_ENV = "OFFLOAD_LOG_LEVEL";

/**
 * The default logger of the deployed functions: one JSON object per line on
 * stdout (which Lambda sends to CloudWatch Logs), with `level`, `time`, the
 * fields and `msg`, at or above OFFLOAD_LOG_LEVEL (default info). Small on
 * purpose: it is bundled into every job's function.
 *
 * @example
 * const logger = createLambdaLogger(process.env);
 * logger.info({ jobName: "greeting" }, "started"); // {"level":"info","time":…,"jobName":"greeting","msg":"started"}
 */
export function createLambdaLogger(
  env: Environment,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const wanted = env[LOG_LEVEL_ENV]?.trim().toLowerCase();
  const threshold = LEVELS.indexOf((wanted ?? "info") as Level);
  const at = (level: Level): LogFn => {
    if (LEVELS.indexOf(level) < (threshold < 0 ? 1 : threshold)) return () => {};
    return ((a: Record<string, unknown> | string, message?: string) => {
      const fields = typeof a === "string" ? {} : a;
      const msg = typeof a === "string" ? a : message;
      write(
        `${serialize({ level, time: Date.now(), ...fields, ...(msg === undefined ? {} : { msg }) })}\n`,
      );
    }) as LogFn;
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** JSON with errors as { name, message } (JSON.stringify gives `{}` for them), never throwing. */
function serialize(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) =>
      value instanceof Error
        ? { name: value.name, message: value.message }
        : typeof value === "bigint"
          ? String(value)
          : value,
    );
  } catch {
    return JSON.stringify({ level: entry.level, time: entry.time, msg: String(entry.msg) });
  }
}
