/**
 * Numbers in filter policies. AWS documents the numeric range as -10^9 to 10^9 "with five
 * digits of accuracy after the decimal point" (Filter policy constraints in Amazon SNS).
 * AWS's Event Ruler, whose validation messages SNS returns, compares numbers as
 * `floor((n + 10^9) * 10^6)`: six decimals, truncated, which keeps the documented five.
 * Both the policy and the message side go through the same function, so equal numbers
 * written differently (`301.5`, `3.015e2`) compare equal.
 */

/** The documented bound of a numeric policy value, in either direction. */
export const NUMERIC_LIMIT = 1e9;

/** Event Ruler's range error (its ComparableNumber, with SNS's documented bound of 10^9). */
export const NUMERIC_RANGE_MESSAGE = "Value must be between -1.0E9 and 1.0E9, inclusive";

/** True when `n` can take part in numeric matching (inside ±10^9). */
export function isComparable(n: number): boolean {
  return Number.isFinite(n) && n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT;
}

/** The integer both sides are compared by; only call it on comparable numbers. */
export function comparableKey(n: number): number {
  return Math.floor((n + NUMERIC_LIMIT) * 1e6);
}

/**
 * Equality of a policy number and a message number. Numbers outside ±10^9 (an account id,
 * say) cannot be compared numerically; Event Ruler then falls back to the literal, which for
 * JSON numbers means plain equality.
 */
export function numbersEqual(a: number, b: number): boolean {
  if (isComparable(a) && isComparable(b)) return comparableKey(a) === comparableKey(b);
  return a === b;
}

const NUMBER_LITERAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The value of a `Number` message attribute, or `undefined` when the text is not a number
 * (Publish validates it; the filter only refuses to guess).
 */
export function parseNumberAttribute(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMBER_LITERAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
