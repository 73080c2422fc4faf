import type { CheckedCode, OffloadErrorCode } from "./error-codes.js";

/** Options every offload error accepts. */
export interface OffloadErrorOptions {
  cause?: unknown;
  jobName?: string;
  messageId?: string;
  queue?: string;
}

/**
 * The base of every error offload throws. `code` is stable and crosses process
 * boundaries unchanged (HTTP error bodies, CLI messages, DLQ metadata). A literal code
 * must be one of the catalogue's ({@link OffloadErrorCode}); `OffloadError<string>` holds
 * a code relayed from elsewhere (another process's, AWS's).
 */
export class OffloadError<Code extends string = OffloadErrorCode> extends Error {
  override name = "OffloadError";
  readonly code: Code;
  readonly jobName?: string;
  readonly messageId?: string;
  readonly queue?: string;

  constructor(code: CheckedCode<Code>, message: string, options: OffloadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code as Code;
    if (options.jobName !== undefined) this.jobName = options.jobName;
    if (options.messageId !== undefined) this.messageId = options.messageId;
    if (options.queue !== undefined) this.queue = options.queue;
  }
}

/** Normalizes any thrown value into an Error, once, so nobody reads `.message` of an `unknown`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(`Non-error thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error(`Non-error thrown: ${String(value)}`);
  }
}

/**
 * Why a module failed to import. A syntax error the TypeScript loader reports
 * (esbuild: "Transform failed with 1 error:\n<file>:2:55: ERROR: …", its column counted
 * from 0) becomes `line 2, column 56: …`, several of them joined with "; ".
 */
export function describeImportError(thrown: unknown): string {
  const message = toError(thrown).message;
  const transform = /^Transform failed with \d+ errors?:\n/.exec(message);
  if (transform) {
    const errors = message
      .slice(transform[0].length)
      .split("\n")
      .flatMap((line) => {
        const found = /^.*?:(\d+):(\d+): ERROR: (.*)$/.exec(line);
        return found ? [`line ${found[1]}, column ${Number(found[2]) + 1}: ${found[3]}`] : [];
      });
    if (errors.length > 0) return errors.join("; ");
  }
  return message;
}
