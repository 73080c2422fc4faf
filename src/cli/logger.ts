import pino from "pino";
import type { Logger } from "../core/logger.js";

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname"]);

/**
 * A field's value in a readable line, as logfmt writes it: a plain word as it
 * is, anything else (spaces, quotes, `=`, line breaks, objects) as JSON, so
 * one record stays on one line and every field can be told from the next.
 */
function fieldText(value: unknown): string {
  if (typeof value === "string" && /^[^\s"=\\]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * pino, writing JSON lines (`offload start`, for log collectors) or one
 * readable line per record (`offload dev`): time, level, message, fields.
 */
export function createCliLogger(
  level: "debug" | "info" | "warn" | "error",
  format: "json" | "pretty",
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  if (format === "json") return pino({ level, base: undefined }, { write }) as unknown as Logger;
  const stream = {
    write(json: string) {
      const record = JSON.parse(json) as Record<string, unknown>;
      const time = new Date(Number(record.time)).toISOString().slice(11, 19);
      const fields = Object.entries(record)
        .filter(([key]) => !HIDDEN.has(key))
        .map(([key, value]) => `${key}=${fieldText(value)}`)
        .join(" ");
      const label = (LEVELS[Number(record.level)] ?? "LOG").padEnd(5);
      write(`${time} ${label} ${String(record.msg ?? "")}${fields ? `  ${fields}` : ""}\n`);
    },
  };
  return pino({ level, base: undefined }, stream) as unknown as Logger;
}
