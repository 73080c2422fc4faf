import type { LogFn, Logger } from "../../src/core/logger.js";

export interface LogRecord {
  level: string;
  fields: unknown;
  message: string;
}

/** A logger that keeps what it is given, and tells when a record matches. */
export function recordingLogger() {
  const records: LogRecord[] = [];
  const waiters: Array<() => void> = [];
  const at =
    (level: string): LogFn =>
    (fields: unknown, message?: string) => {
      records.push(
        typeof fields === "string"
          ? { level, fields: undefined, message: fields }
          : { level, fields, message: message ?? "" },
      );
      for (const wake of waiters.splice(0)) wake();
    };
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return {
    logger,
    records,
    /** Resolves with the first record that matches, once there is one. */
    async waitFor(match: (r: LogRecord) => boolean): Promise<LogRecord> {
      while (!records.some(match)) await new Promise<void>((wake) => waiters.push(wake));
      return records.find(match)!;
    },
  };
}
