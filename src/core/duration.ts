import { OffloadError } from "./errors.js";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** From the longest unit to the shortest, for {@link formatDuration}. */
const UNITS_DESCENDING: ReadonlyArray<Unit> = ["d", "h", "m", "s", "ms"];

// Digits, an optional fraction, a unit. No sign, no exponent, no spaces: what the
// `Duration` type spells. The sign is matched separately to say "negative".
const PATTERN = /^(-?)(\d+)(?:\.(\d+))?(ms|s|m|h|d)$/;

const HINT = 'write a number and a unit, e.g. "15s" (units: ms, s, m, h, d)';

/**
 * Parses a duration string (`"500ms"`, `"15s"`, `"1.5m"`, `"2h"`, `"1d"`) into
 * milliseconds. `option` names the option in the error message.
 *
 * @throws OffloadError `InvalidDuration` when the value is not a duration string,
 *   is negative, or is not a whole number of milliseconds.
 * @example
 * parseDuration("10m", "timeout"); // 600000
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === "number") {
    throw invalid(`${option} ${value} is a number, not a duration: ${HINT}`);
  }
  if (typeof value !== "string") {
    throw invalid(`${option} ${describeValue(value)} is not a duration: ${HINT}`);
  }
  const match = PATTERN.exec(value);
  if (!match) {
    throw invalid(`${option} ${JSON.stringify(value)} is not a duration: ${HINT}`);
  }
  const [, sign, whole = "", fraction = "", unit = "ms"] = match;
  if (sign === "-") {
    throw invalid(`${option} ${JSON.stringify(value)} is negative: a duration is 0 or more`);
  }
  // Exact arithmetic on the digits: 1.1 * 1000 is 1100.0000000000002 in floating point.
  const scale = 10 ** fraction.length;
  const scaled = Number(whole + fraction) * UNIT_MS[unit as Unit];
  if (!Number.isSafeInteger(scaled)) {
    throw invalid(`${option} ${JSON.stringify(value)} is too long to be a duration`);
  }
  if (scaled % scale !== 0) {
    throw invalid(
      `${option} ${JSON.stringify(value)} is not a whole number of milliseconds: write e.g. "1500ms" or "1.5s"`,
    );
  }
  return scaled / scale;
}

/**
 * Formats milliseconds in the longest unit that holds it exactly:
 * `90000` → `"90s"`, `900000` → `"15m"`, `1500` → `"1500ms"`, `0` → `"0s"`.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (!Number.isInteger(ms)) return `${ms}ms`;
  for (const unit of UNITS_DESCENDING) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

function invalid(message: string): OffloadError {
  return new OffloadError("InvalidDuration", message);
}

/** A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
