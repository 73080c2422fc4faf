/**
 * Parsing and validation of the values of one filter-policy key: the array of exact values
 * and match expressions (`prefix`, `anything-but`, `numeric`, ...).
 *
 * SNS's validation messages are those of AWS's open-source Event Ruler (`JsonRuleCompiler`),
 * as recorded against real AWS by LocalStack's snapshot tests
 * (tests/aws/services/sns/test_sns_filter_policy.snapshot.json), so the checks run in Event
 * Ruler's order and use its wording. AWS also appends Jackson's
 * `\n at [Source: ...; line: 1, column: N]`; we leave the location out.
 */
import type { AwsApiError } from "../errors.js";
import { snsInvalidParameter } from "../errors.js";
import { type IpRange, parseCidr } from "./filter-policy-ip.js";
import { comparableKey, isComparable, NUMERIC_RANGE_MESSAGE } from "./filter-policy-numeric.js";

/** A JSON leaf value as it appears in a policy or a message. */
export type Scalar = string | number | boolean | null;

/** One end of a numeric range, as an Event Ruler comparable key. */
export interface Bound {
  readonly key: number;
  readonly inclusive: boolean;
}

/** One parsed entry of a key's value array; the key matches when any entry matches. */
export type Condition =
  | { readonly kind: "exact"; readonly value: Scalar }
  | { readonly kind: "prefix" | "suffix" | "equals-ignore-case"; readonly value: string }
  | { readonly kind: "anything-but"; readonly values: readonly (string | number)[] }
  | { readonly kind: "anything-but-prefix" | "anything-but-suffix"; readonly value: string }
  | { readonly kind: "numeric"; readonly lower?: Bound; readonly upper?: Bound }
  | { readonly kind: "exists"; readonly value: boolean }
  | { readonly kind: "cidr"; readonly range: IpRange };

/** `Invalid parameter: FilterPolicy: <reason>`, the form SetSubscriptionAttributes returns. */
export function policyError(reason: string): AwsApiError {
  return snsInvalidParameter(`Invalid parameter: FilterPolicy: ${reason}`);
}

function fail(reason: string): never {
  throw policyError(reason);
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What Jackson's `getText()` shows for a token, used in "Invalid member" style messages. */
function tokenText(value: unknown): string {
  if (value === undefined) return "]";
  if (Array.isArray(value)) return "[";
  if (isJsonObject(value)) return "{";
  return String(value);
}

function checkRange(n: number): number {
  if (!isComparable(n)) fail(NUMERIC_RANGE_MESSAGE);
  return comparableKey(n);
}

/** `{"numeric": [...]}`: `=`, `<`, `<=`, `>`, `>=`, or a `>`/`>=` bottom with a `<`/`<=` top. */
function parseNumeric(terms: readonly unknown[]): Condition {
  const [operator, value] = terms;
  if (typeof operator !== "string") fail(`Invalid member in numeric match: ${tokenText(operator)}`);
  switch (operator) {
    case "=": {
      if (typeof value !== "number") fail("Value of equals must be numeric");
      if (terms.length > 2) fail("Too many elements in numeric expression");
      const key = checkRange(value);
      return { kind: "numeric", lower: { key, inclusive: true }, upper: { key, inclusive: true } };
    }
    case "<":
    case "<=": {
      if (typeof value !== "number") fail(`Value of ${operator} must be numeric`);
      if (terms.length > 2) fail("Too many elements in numeric expression");
      return { kind: "numeric", upper: { key: checkRange(value), inclusive: operator === "<=" } };
    }
    case ">":
    case ">=": {
      if (typeof value !== "number") fail(`Value of ${operator} must be numeric`);
      const lower = { inclusive: operator === ">=" };
      if (terms.length === 2)
        return { kind: "numeric", lower: { ...lower, key: checkRange(value) } };
      const topOperator = terms[2];
      if (typeof topOperator !== "string") {
        fail(`Bad value in numeric range: ${tokenText(topOperator)}`);
      }
      if (topOperator !== "<" && topOperator !== "<=") {
        fail(`Bad numeric range operator: ${topOperator}`);
      }
      const top = terms[3];
      if (typeof top !== "number") fail(`Value of ${topOperator} must be numeric`);
      if (terms.length > 4) fail("Too many terms in numeric range expression");
      const bottomKey = checkRange(value);
      const topKey = checkRange(top);
      if (bottomKey >= topKey) fail("Bottom must be less than top");
      return {
        kind: "numeric",
        lower: { ...lower, key: bottomKey },
        upper: { key: topKey, inclusive: topOperator === "<=" },
      };
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

/**
 * `{"anything-but": ...}`: one string or number, a list of strings or of numbers, or an
 * object with `prefix` or `suffix`. AWS documents the `prefix` form for SNS; the `suffix` form
 * is Event Ruler's (SNS rejected it with "Unsupported anything-but pattern: suffix" when
 * LocalStack recorded it in May 2024) and is accepted here as the brief asks.
 */
function parseAnythingBut(operand: unknown, extraKeys: boolean): Condition {
  if (isJsonObject(operand)) {
    const entries = Object.entries(operand);
    const first = entries[0];
    if (first === undefined) fail("Anything-But expression name not found");
    const [inner, pattern] = first;
    if (inner !== "prefix" && inner !== "suffix") {
      fail(`Unsupported anything-but pattern: ${inner}`);
    }
    if (typeof pattern !== "string") fail(`${inner} match pattern must be a string`);
    if (pattern === "") fail("Null prefix/suffix not allowed");
    if (entries.length > 1 || extraKeys) fail("Only one key allowed in match expression");
    return {
      kind: inner === "prefix" ? "anything-but-prefix" : "anything-but-suffix",
      value: pattern,
    };
  }
  let values: (string | number)[];
  if (Array.isArray(operand)) {
    values = [];
    for (const item of operand) {
      if (typeof item === "number") checkRange(item);
      else if (typeof item !== "string") {
        fail("Inside anything but list, start|null|boolean is not supported.");
      }
      values.push(item);
    }
    const numbers = values.filter((v) => typeof v === "number").length;
    if (numbers === 0 ? values.length === 0 : numbers !== values.length) {
      fail(
        "Inside anything but list, either all values are number or string, mixed type is not supported",
      );
    }
  } else if (typeof operand === "string" || typeof operand === "number") {
    if (typeof operand === "number") checkRange(operand);
    values = [operand];
  } else {
    return fail("Value of anything-but must be an array or single string/number value.");
  }
  // Event Ruler reports any key after a list or scalar anything-but with its numeric wording.
  if (extraKeys) fail("Too many elements in numeric expression");
  return { kind: "anything-but", values };
}

/** One `{ operator: operand }` object of a value array. */
function parseMatchExpression(expression: Record<string, unknown>): Condition {
  const entries = Object.entries(expression);
  const first = entries[0];
  if (first === undefined) fail("Match expression name not found");
  const [operator, operand] = first;
  const extraKeys = entries.length > 1;
  const onlyOneKey = () => {
    if (extraKeys) fail("Only one key allowed in match expression");
  };
  switch (operator) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case": {
      if (typeof operand !== "string") fail(`${operator} match pattern must be a string`);
      onlyOneKey();
      return { kind: operator, value: operand };
    }
    case "numeric": {
      if (!Array.isArray(operand)) fail("Value of numeric must be an array.");
      const condition = parseNumeric(operand);
      if (extraKeys) fail("Too many elements in numeric expression");
      return condition;
    }
    case "anything-but":
      return parseAnythingBut(operand, extraKeys);
    case "exists": {
      if (typeof operand !== "boolean") fail("exists match pattern must be either true or false.");
      onlyOneKey();
      return { kind: "exists", value: operand };
    }
    case "cidr": {
      // Event Ruler reuses the prefix wording for a non-string CIDR.
      if (typeof operand !== "string") fail("prefix match pattern must be a string");
      const range = parseCidr(operand);
      if (typeof range === "string") fail(range);
      onlyOneKey();
      return { kind: "cidr", range };
    }
    default:
      return fail(`Unrecognized match type ${operator}`);
  }
}

/** The value array of one key: exact values (string, number, true, false, null) and match expressions. */
export function parseConditions(values: readonly unknown[]): Condition[] {
  const conditions: Condition[] = [];
  for (const value of values) {
    if (isJsonObject(value)) conditions.push(parseMatchExpression(value));
    else if (Array.isArray(value)) fail("Match value must be String, number, true, false, or null");
    else conditions.push({ kind: "exact", value: value as Scalar });
  }
  if (conditions.length === 0) fail("Empty arrays are not allowed");
  return conditions;
}

/** The operator names AWS reserves; an object using one is not an `$or` branch. */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  "anything-but",
  "cidr",
  "equals-ignore-case",
  "exists",
  "numeric",
  "prefix",
  "suffix",
  "wildcard",
]);
