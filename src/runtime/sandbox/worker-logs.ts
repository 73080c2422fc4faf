import type { Logger } from "../../core/logger.js";
import { errorInfo } from "../../lambda/error-info.js";
import { cutLine, LogAllowance, type LogLimits } from "./log-limits.js";
import type { FromWorker } from "./protocol.js";

type Level = "debug" | "info" | "warn" | "error";

/**
 * A job worker's logging, bounded by `limits` (see LogLimits): `logger` (the handler's
 * `ctx.logger`) posts records to the runtime, and writes to `process.stdout` and
 * `process.stderr` (`console.*`) go on as before; both count against one allowance, and lines
 * over it are dropped and counted. `renew` starts a new window (the runtime says when),
 * logging a note of what the last one dropped.
 */
export function boundedWorkerLogs(
  post: (message: FromWorker) => void,
  jobName: string,
  limits: LogLimits,
): { logger: Logger; renew: () => void } {
  const allowance = new LogAllowance(limits, () => post({ type: "log-exhausted" }));
  const forward =
    (level: Level) =>
    (a: Record<string, unknown> | string, message?: string): void => {
      // A worker past its allowance spends nothing on the lines it drops.
      if (allowance.closed) {
        allowance.take(1, 0);
        return;
      }
      const max = limits.maxLineChars;
      const text = typeof a === "string" ? a : message;
      const kept = text === undefined ? undefined : cutLine(text, max, max);
      const fields =
        typeof a === "string"
          ? { values: {}, chars: 0 }
          : boundedFields(a, max - (kept?.length ?? 0), max);
      if (allowance.take(1, (kept?.length ?? 0) + fields.chars)) {
        post({ type: "log", level, fields: fields.values, message: kept });
      }
    };
  gate(process.stdout, allowance, limits.maxLineChars);
  gate(process.stderr, allowance, limits.maxLineChars);
  // Past the allowance, console calls are dropped before their arguments are formatted.
  // The job's own console, wrapped: offload logs nothing through it.
  const userConsole = globalThis.console;
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const original = userConsole[method].bind(userConsole);
    userConsole[method] = (...args: unknown[]) => {
      if (allowance.closed) allowance.take(1, 0);
      else original(...args);
    };
  }
  return {
    logger: {
      debug: forward("debug"),
      info: forward("info"),
      warn: forward("warn"),
      error: forward("error"),
    },
    renew() {
      const note = allowance.renew(jobName);
      if (note !== undefined) post({ type: "log", level: "warn", fields: {}, message: note });
    },
  };
}

/**
 * Log fields as they can cross to the runtime (errors and values postMessage cannot clone
 * become their description), each cut to what is left of the line, and their length.
 */
function boundedFields(
  fields: Record<string, unknown>,
  room: number,
  max: number,
): { values: Record<string, unknown>; chars: number } {
  const values: Record<string, unknown> = {};
  let left = room;
  for (const [key, value] of Object.entries(fields)) {
    let field: unknown = value;
    let size: number;
    if (value instanceof Error) field = errorInfo(value);
    else if (typeof value === "function" || typeof value === "symbol") field = textOf(value);
    else if (typeof value === "object" && value !== null) {
      try {
        structuredClone(value);
      } catch {
        field = textOf(value);
      }
    }
    if (typeof field === "string") size = field.length;
    else if (typeof field !== "object" || field === null) size = 8;
    else size = jsonOf(field).length;
    size += key.length;
    if (size > left) {
      field = cutLine(typeof field === "string" ? field : jsonOf(field), left - key.length, max);
      size = key.length + (field as string).length;
    }
    values[key] = field;
    left -= size;
  }
  return { values, chars: room - left };
}

function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? textOf(value);
  } catch {
    return textOf(value);
  }
}

function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Counts every write to `stream` against the allowance: one that does not fit is dropped (its
 * callback still runs), one longer than `max` characters is cut.
 */
function gate(stream: NodeJS.WriteStream, allowance: LogAllowance, max: number): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const decoder = new TextDecoder();
  const gated = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const done = [encoding, callback].find((f) => typeof f === "function") as
      | ((error?: Error | null) => void)
      | undefined;
    const rest = [encoding, callback].filter((x) => x !== undefined);
    if (allowance.closed) {
      allowance.take(1, 0);
      if (done) queueMicrotask(() => done(null));
      return true;
    }
    let out = chunk;
    let size = typeof chunk === "string" ? chunk.length : ((chunk as Uint8Array).byteLength ?? 0);
    if (size > max) {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array);
      out = `${cutLine(text, max, max)}\n`;
      size = (out as string).length;
      // The encoding was that of the chunk; the cut line is a string.
      rest.splice(0, rest.length, ...(done ? [done] : []));
    }
    if (!allowance.take(linesIn(out), size)) {
      if (done) queueMicrotask(() => done(null));
      return true;
    }
    return write(out, ...rest);
  };
  (stream as { write: unknown }).write = gated;
}

/** The lines a write holds: its line breaks, at least one. */
function linesIn(chunk: unknown): number {
  let lines = 0;
  if (typeof chunk === "string") {
    for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) lines++;
  } else if (chunk instanceof Uint8Array) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return Math.max(1, lines);
}
