/**
 * SNS subscription filter policies: parse and validate a `FilterPolicy` attribute, then decide
 * whether a published message reaches the subscription.
 *
 * Behaviour follows "Amazon SNS message filtering" in the SNS Developer Guide (filter policy
 * syntax, string and numeric value matching, key matching, AND/OR logic, filter policy
 * constraints). SNS's validation messages are those of AWS's open-source Event Ruler, so where
 * the docs are silent the module follows Event Ruler, or LocalStack where LocalStack recorded
 * AWS's answer; each such place says so.
 */
import { isJsonObject, policyError } from "./filter-policy-conditions.js";
import { attributeRows, bodyRows, branchesMatch } from "./filter-policy-match.js";
import { type Branch, compilePolicy } from "./filter-policy-structure.js";

/** Where a subscription's filter policy looks: the message attributes or the JSON body. */
export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

/** An SNS message attribute as Publish receives it. DataType: "String" | "String.Array" | "Number" | "Binary", or one of them with a custom label ("Number.java.lang.Long"), which filters as its base type. */
export interface SnsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** What a filter policy is evaluated against. */
export interface FilterInput {
  attributes: Record<string, SnsMessageAttribute>;
  body: string;
}

/** A validated filter policy. */
export interface FilterPolicy {
  readonly scope: FilterPolicyScope;
  /**
   * Whether the message matches. What is derived from an input's attributes is kept per input
   * object (a publish evaluates every subscription against one input), so a changed message
   * is a new input object.
   */
  matches(input: FilterInput): boolean;
}

/**
 * The attribute rows of an input, derived once per input object: a publish
 * evaluates every subscription's policy against the same input.
 */
const attributeRowsCache = new WeakMap<FilterInput, ReturnType<typeof attributeRows>>();
function attributeRowsOf(input: FilterInput): ReturnType<typeof attributeRows> {
  let rows = attributeRowsCache.get(input);
  if (rows === undefined) {
    rows = attributeRows(input.attributes);
    attributeRowsCache.set(input, rows);
  }
  return rows;
}

/** "The maximum size of a filter policy is 256 KB." */
const MAX_POLICY_BYTES = 256 * 1024;

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Every dotted prefix of every key path: the body paths worth flattening. */
function relevantPaths(branches: readonly Branch[]): Set<string> {
  const paths = new Set<string>();
  for (const branch of branches) {
    for (const path of branch.keys()) {
      let end = path.indexOf(".");
      while (end !== -1) {
        paths.add(path.slice(0, end));
        end = path.indexOf(".", end + 1);
      }
      paths.add(path);
    }
  }
  return paths;
}

/**
 * Parses and validates a filter policy. Throws an `AwsApiError` with code `InvalidParameter`
 * and AWS's message (`Invalid parameter: FilterPolicy: ...`, the SetSubscriptionAttributes
 * form; Subscribe says `Invalid parameter: Attributes Reason: FilterPolicy: ...`).
 *
 * @param json - the `FilterPolicy` attribute string
 * @param scope - the `FilterPolicyScope` attribute
 * @defaultValue scope `"MessageAttributes"`
 * @example
 * ```ts
 * const policy = parseFilterPolicy('{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}');
 * policy.matches({
 *   attributes: {
 *     store: { DataType: "String", StringValue: "example_corp" },
 *     price_usd: { DataType: "Number", StringValue: "210.75" },
 *   },
 *   body: "order placed",
 * }); // true
 * ```
 */
export function parseFilterPolicy(
  json: string,
  scope: FilterPolicyScope = "MessageAttributes",
): FilterPolicy {
  const size = utf8Length(json);
  if (size > MAX_POLICY_BYTES) {
    throw policyError(
      `Filter policy is ${size} bytes, larger than the maximum of ${MAX_POLICY_BYTES} bytes (256 KB)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw policyError("failed to parse JSON: the filter policy must be a JSON object");
  }
  // Event Ruler's wording for a policy that is valid JSON but not an object.
  if (!isJsonObject(parsed)) throw policyError("Filter is not an object");

  let branches: readonly Branch[];
  try {
    branches = compilePolicy(parsed, scope);
  } catch (e) {
    // The walk recurses once per level: a 256 KB policy can nest ~40,000 deep and overflow
    // the stack (answered 500 InternalFailure before); it is the client's policy at fault.
    if (e instanceof RangeError) throw policyError("Filter policy is nested too deeply");
    throw e;
  }
  const matchesAll = branches.length === 1 && branches[0]?.size === 0;
  const relevant = relevantPaths(branches);
  return Object.freeze({
    scope,
    matches(input: FilterInput): boolean {
      if (matchesAll) return true;
      const rows =
        scope === "MessageAttributes" ? attributeRowsOf(input) : bodyRows(input.body, relevant);
      return branchesMatch(branches, rows);
    },
  });
}
