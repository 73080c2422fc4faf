import { ApiError } from "./errors.js";

/**
 * How deep a request body may nest arrays and objects. Far beyond any real
 * payload, and far below where JSON.parse (and every recursive walk of the
 * value after it: schema validation, JSON.stringify) would overflow the stack.
 */
export const MAX_JSON_DEPTH = 100;

/** Strict UTF-8, the BOM kept so it can be refused; one decoder for all requests (no stream state). */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;

/**
 * Decodes and parses a JSON request body. Strict UTF-8 (a bad byte is an
 * error, never U+FFFD); a byte order mark is refused (RFC 8259 §8.1 forbids
 * sending one); nesting deeper than {@link MAX_JSON_DEPTH} is refused before
 * parsing. JSON.parse defines every key as an own property, so a
 * `"__proto__"` key stays data and never changes a prototype. A number
 * beyond what a double holds (`1e400`) is refused: JSON.parse makes it
 * Infinity, which would be stored as `null`.
 *
 * @throws ApiError MalformedJson, InvalidEncoding, TooDeep or NumberOutOfRange, naming the problem.
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new ApiError(
      "InvalidEncoding",
      `The request body is not valid UTF-8${firstInvalidByte(bytes)}; JSON must be sent as UTF-8`,
    );
  }
  if (text.startsWith("\uFEFF")) {
    throw new ApiError(
      "MalformedJson",
      "The request body starts with a byte order mark (U+FEFF); send JSON without one (RFC 8259 §8.1)",
      { details: { position: 0 } },
    );
  }
  if (/^[ \t\r\n]*$/.test(text)) {
    throw new ApiError("MalformedJson", "The request body is empty; expected JSON");
  }
  const deep = firstTooDeep(text, MAX_JSON_DEPTH);
  if (deep !== undefined) throw tooDeep(deep);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(undefined);
    const reason = e instanceof SyntaxError ? e.message : "it cannot be parsed";
    const position = /at position (\d+)/.exec(reason)?.[1];
    throw new ApiError("MalformedJson", `The request body is not valid JSON: ${reason}`, {
      ...(position === undefined ? {} : { details: { position: Number(position) } }),
    });
  }
  // Only a text with a long exponent or a long run of digits can hold such a number.
  if (MAYBE_HUGE.test(text)) {
    const path = pathOfNonFinite(value, []);
    if (path !== undefined) {
      const at = path.length === 0 ? "the body itself" : path.join(".");
      throw new ApiError(
        "NumberOutOfRange",
        `The request body has a number too large to keep at ${at}: JSON numbers here must be within ±${Number.MAX_VALUE}`,
        { details: { path: path.join(".") } },
      );
    }
  }
  return value;
}

const MAYBE_HUGE = /[eE][+-]?\d{3}|\d{309}/;

/** The path (keys and indexes) to the first number that is not finite; undefined when there is none. */
function pathOfNonFinite(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (typeof value !== "object" || value === null) return undefined;
  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, item] of entries) {
    const found = pathOfNonFinite(item, [...path, String(key)]);
    if (found) return found;
  }
  return undefined;
}

/**
 * Where a JSON text first breaks a limit, brackets and commas inside strings not counted, or
 * undefined: nesting deeper than `maxDepth`, or more than `maxMembers` values (object members
 * and array elements at any depth, each container counted too). A linear scan before
 * JSON.parse: it cannot overflow the stack, and a body is refused before anything walks it.
 */
export function firstOverLimit(
  text: string,
  limits: { maxDepth: number; maxMembers?: number },
): { limit: "depth" | "members"; position: number } | undefined {
  const maxMembers = limits.maxMembers ?? Number.POSITIVE_INFINITY;
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) return { limit: "depth", position: i };
      if (++members > maxMembers) return { limit: "members", position: i };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COMMA) {
      if (++members > maxMembers) return { limit: "members", position: i };
    }
  }
  return undefined;
}

/** The position where nesting first goes deeper than `maxDepth`; see firstOverLimit. */
export function firstTooDeep(text: string, maxDepth: number): number | undefined {
  return firstOverLimit(text, { maxDepth })?.position;
}

function tooDeep(position: number | undefined): ApiError {
  return new ApiError(
    "TooDeep",
    `The request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep${position === undefined ? "" : ` (at position ${position})`}; the limit is ${MAX_JSON_DEPTH}`,
    { details: { maxDepth: MAX_JSON_DEPTH, ...(position === undefined ? {} : { position }) } },
  );
}

/** ` (byte 0xff at offset 12)`: where decoding first fails; binary search, as a prefix that fails makes every longer one fail. */
/** Where a body that is not UTF-8 first goes wrong, as text to append to an error message. */
export function firstInvalidByte(bytes: Uint8Array): string {
  const validPrefix = (length: number) => {
    try {
      // stream: an unfinished character at the end of the prefix is not an error yet.
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (validPrefix(bytes.length)) return " (it ends inside a multi-byte character)";
  let low = 1; // the shortest failing prefix is in [low, high]
  let high = bytes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (validPrefix(mid)) low = mid + 1;
    else high = mid;
  }
  const offset = low - 1;
  return ` (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")} at offset ${offset})`;
}
