/** A thrown error as it is logged and kept: name, message and code, the stack on request. */
export interface ErrorInfo {
  name: string;
  message: string;
  code: string | undefined;
  /** Kept for the job's record (capped), not logged. */
  stack?: string;
}

/** The longest stack kept with a failed attempt's record. */
export const MAX_ERROR_STACK_CHARS = 4096;

/** The longest error message kept and logged; the rest is cut, saying how long it was. */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

export function errorInfo(error: Error, options: { stack?: boolean } = {}): ErrorInfo {
  const code = (error as { code?: unknown }).code;
  const message = String(error.message);
  const info: ErrorInfo = {
    name: error.name,
    // Logged at every attempt and kept with the message for the DLQ listing: a handler that
    // throws megabytes (a whole response body, say) must not write them each time.
    message:
      message.length > MAX_ERROR_MESSAGE_CHARS
        ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (${message.length} characters in all)`
        : message,
    code: typeof code === "string" ? code : undefined,
  };
  if (options.stack && typeof error.stack === "string") {
    info.stack =
      error.stack.length > MAX_ERROR_STACK_CHARS
        ? `${error.stack.slice(0, MAX_ERROR_STACK_CHARS)}…`
        : error.stack;
  }
  return info;
}
