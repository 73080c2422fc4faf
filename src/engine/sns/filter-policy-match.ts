/**
 * Matching compiled filter-policy branches against a message.
 *
 * A message becomes one or more rows: maps from key path to the leaf values found there.
 * Message attributes give one row. A JSON body is flattened into dotted paths (so a policy key
 * `a.b` matches both `{"a": {"b": ...}}` and `{"a.b": ...}`, as LocalStack recorded against
 * AWS); an array of objects forks the rows, one per element, so the keys of one branch must
 * match inside the same element (Event Ruler's array consistency), while an array of scalars
 * gives the key several values, any of which may match.
 */
import type { FilterInput, SnsMessageAttribute } from "./filter-policy.js";
import type { Condition, Scalar } from "./filter-policy-conditions.js";
import { isJsonObject } from "./filter-policy-conditions.js";
import { ipInRange } from "./filter-policy-ip.js";
import {
  comparableKey,
  isComparable,
  numbersEqual,
  parseNumberAttribute,
} from "./filter-policy-numeric.js";
import type { Branch } from "./filter-policy-structure.js";

/** Key path to the values present there; a path that is present may hold no values. */
type Row = ReadonlyMap<string, readonly Scalar[]>;

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function scalarsOf(array: readonly unknown[]): Scalar[] {
  return array.filter(isScalar);
}

/**
 * The values of one message attribute, or `undefined` when SNS ignores it. Per the docs, SNS
 * compares String, String.Array and Number attributes and ignores Binary ones; a Number is a
 * number (so string operators never match it and numeric ones only match it), and a
 * String.Array is its parsed JSON array, whose elements may be strings, numbers, booleans or
 * null.
 */
function attributeValues(attribute: SnsMessageAttribute): Scalar[] | undefined {
  const text = attribute.StringValue;
  // A custom label (`Number.java.lang.Long`, `String.x`) keeps its base type's meaning.
  const type =
    attribute.DataType === "String.Array" ? "String.Array" : baseType(attribute.DataType);
  switch (type) {
    case "String":
      return text === undefined ? [] : [text];
    case "Number": {
      const value = text === undefined ? undefined : parseNumberAttribute(text);
      return value === undefined ? [] : [value];
    }
    case "String.Array": {
      if (text === undefined) return [];
      try {
        const parsed: unknown = JSON.parse(text);
        return Array.isArray(parsed) ? scalarsOf(parsed) : [];
      } catch {
        // Publish rejects a String.Array that is not JSON; here it simply has no values.
        return [];
      }
    }
    case "Binary":
      return undefined;
    default:
      return [];
  }
}

function baseType(dataType: string): string {
  const dot = dataType.indexOf(".");
  return dot < 0 ? dataType : dataType.slice(0, dot);
}

/** The single row of a message's attributes (top-level names only; no dotted paths). */
export function attributeRows(attributes: FilterInput["attributes"]): Row[] {
  const row = new Map<string, readonly Scalar[]>();
  for (const [name, attribute] of Object.entries(attributes)) {
    const values = attributeValues(attribute);
    if (values !== undefined) row.set(name, values);
  }
  return [row];
}

function withValue(row: Row, path: string, value: Scalar): Row {
  return new Map(row).set(path, [...(row.get(path) ?? []), value]);
}

/**
 * The rows of a JSON body, or none when the body is not a JSON object ("Filter policies for
 * the message body assume that the message payload is a well-formed JSON object").
 * `relevant` holds every dotted prefix of the policy's keys; other paths are skipped, which
 * keeps the forking of arrays to the parts of the body the policy reads.
 */
export function bodyRows(body: string, relevant: ReadonlySet<string>): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!isJsonObject(parsed)) return [];

  const visit = (value: unknown, path: string, rows: Row[]): Row[] => {
    if (isScalar(value)) return rows.map((row) => withValue(row, path, value));
    if (Array.isArray(value)) {
      const composites = value.filter((item) => !isScalar(item));
      let out =
        composites.length === 0 ? rows : composites.flatMap((item) => visit(item, path, rows));
      for (const item of scalarsOf(value)) out = out.map((row) => withValue(row, path, item));
      return out;
    }
    if (isJsonObject(value)) return visitObject(value, path, rows);
    return rows;
  };
  const visitObject = (object: Record<string, unknown>, path: string | undefined, rows: Row[]) => {
    let out = rows;
    for (const [key, child] of Object.entries(object)) {
      const childPath = path === undefined ? key : `${path}.${key}`;
      if (relevant.has(childPath)) out = visit(child, childPath, out);
    }
    return out;
  };
  return visitObject(parsed, undefined, [new Map()]);
}

function inNumericRange(
  condition: Extract<Condition, { kind: "numeric" }>,
  value: number,
): boolean {
  if (!isComparable(value)) return false;
  const key = comparableKey(value);
  const { lower, upper } = condition;
  if (lower !== undefined && (lower.inclusive ? key < lower.key : key <= lower.key)) return false;
  if (upper !== undefined && (upper.inclusive ? key > upper.key : key >= upper.key)) return false;
  return true;
}

function scalarsEqual(a: Scalar, b: Scalar): boolean {
  if (typeof a === "number" && typeof b === "number") return numbersEqual(a, b);
  return a === b;
}

/** Whether one message value satisfies one condition (never called for `exists`). */
function valueMatches(condition: Condition, value: Scalar): boolean {
  switch (condition.kind) {
    case "exact":
      return scalarsEqual(condition.value, value);
    case "prefix":
      return typeof value === "string" && value.startsWith(condition.value);
    case "suffix":
      return typeof value === "string" && value.endsWith(condition.value);
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === condition.value.toLowerCase();
    // anything-but matches a value that is not one of the listed ones; a value of another
    // type (a number against a list of strings) is not one of them.
    case "anything-but":
      return !condition.values.some((excluded) => scalarsEqual(excluded, value));
    case "anything-but-prefix":
      return typeof value !== "string" || !value.startsWith(condition.value);
    case "anything-but-suffix":
      return typeof value !== "string" || !value.endsWith(condition.value);
    case "numeric":
      return typeof value === "number" && inNumericRange(condition, value);
    case "cidr":
      return typeof value === "string" && ipInRange(condition.range, value);
    case "exists":
      return false;
  }
}

/**
 * Whether a key's conditions accept what the row holds at its path: `exists` looks at
 * presence, every other condition needs one value that satisfies it (for a String.Array or a
 * body array, any element will do, anything-but included, as the docs' `["rugby", "baseball"]`
 * example shows).
 */
function keyMatches(conditions: readonly Condition[], values: readonly Scalar[] | undefined) {
  return conditions.some((condition) => {
    if (condition.kind === "exists") return (values !== undefined) === condition.value;
    return values?.some((value) => valueMatches(condition, value)) ?? false;
  });
}

/** True when some branch has all its keys matched within one row. */
export function branchesMatch(branches: readonly Branch[], rows: readonly Row[]): boolean {
  for (const branch of branches) {
    for (const row of rows) if (rowMatches(branch, row)) return true;
  }
  return false;
}

function rowMatches(branch: Branch, row: Row): boolean {
  for (const [path, leaf] of branch) {
    if (!keyMatches(leaf.conditions, row.get(path))) return false;
  }
  return true;
}
