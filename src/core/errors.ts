/** Options every offload error accepts. */
export interface OffloadErrorOptions {
  cause?: unknown;
  jobName?: string;
  messageId?: string;
  queue?: string;
}

/**
 * The base of every error offload throws. `code` is stable and crosses process
 * boundaries unchanged (HTTP error bodies, CLI messages, DLQ metadata).
 */
export class OffloadError extends Error {
  override name = "OffloadError";
  readonly code: string;
  readonly jobName?: string;
  readonly messageId?: string;
  readonly queue?: string;

  constructor(code: string, message: string, options: OffloadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
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
