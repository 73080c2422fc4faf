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

/**
 * The longest description of a thrown value that is not an Error (a string, an object): the
 * rest is cut, saying how long it was. A handler may throw a whole response body.
 */
export const MAX_THROWN_DESCRIPTION_CHARS = 4096;

/**
 * Normalizes any thrown value into an Error, once, so nobody reads `.message` of an `unknown`.
 * Whatever was thrown (a Symbol, null, a Proxy whose traps throw, an object whose `toJSON` or
 * `toString` throws, a string of megabytes) gives an Error whose message says what it was, in
 * at most {@link MAX_THROWN_DESCRIPTION_CHARS} characters; this function itself never throws.
 */
export function toError(value: unknown): Error {
  if (isUsableError(value)) return value;
  if (typeof value === "string") return new Error(cut(value));
  return new Error(`Non-error thrown: ${describeThrown(value)}`);
}

/** An Error whose name and message can be read as strings (a Proxy's traps may throw). */
function isUsableError(value: unknown): value is Error {
  try {
    return (
      value instanceof Error && typeof value.message === "string" && typeof value.name === "string"
    );
  } catch {
    return false;
  }
}

/** What a thrown value that is not an Error was, bounded; never throws. */
function describeThrown(value: unknown): string {
  switch (typeof value) {
    case "symbol":
      // String() of a symbol reads its description, with no user code run (template literals throw).
      return String(value);
    case "bigint":
      return `${String(value)}n`;
    case "function":
      return `a function ${describeOr(() => cut(String((value as { name?: unknown }).name)), "")}`.trimEnd();
    case "object":
      return value === null ? "null" : describeObject(value);
    default:
      return String(value);
  }
}

/** An object as JSON, if it has a JSON form short enough; else its tag (`[object Foo]`). */
function describeObject(value: object): string {
  const tooLong = Symbol("too long");
  let budget = MAX_THROWN_DESCRIPTION_CHARS;
  try {
    const json = JSON.stringify(value, (key, field: unknown) => {
      // Stop at the limit while walking, so a huge object costs no more than its first part.
      budget -= key.length + (typeof field === "string" ? field.length : 4);
      if (budget < 0) throw tooLong;
      return field;
    });
    if (json !== undefined) return json;
  } catch {
    // A toJSON or getter that throws, a cycle, a BigInt, a Proxy's trap, or past the limit.
  }
  return describeOr(
    () => cut(Object.prototype.toString.call(value)),
    "an object that cannot be described",
  );
}

function describeOr(describe: () => string, fallback: string): string {
  try {
    return describe();
  } catch {
    return fallback;
  }
}

function cut(text: string): string {
  return text.length > MAX_THROWN_DESCRIPTION_CHARS
    ? `${text.slice(0, MAX_THROWN_DESCRIPTION_CHARS)}… (${text.length} characters in all)`
    : text;
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
