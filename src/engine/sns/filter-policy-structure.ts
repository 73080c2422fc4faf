/**
 * The shape of a filter policy: keys, nesting, `$or`, and the documented limits on keys and
 * combinations ("Filter policy constraints in Amazon SNS").
 *
 * A policy compiles, as in AWS's Event Ruler, into branches: each branch is a conjunction of
 * dotted key paths (`a.b.c`) with their conditions, and the policy matches when any branch
 * does. `$or` forks the branches built so far, once per alternative.
 */
import type { AwsApiError } from "../errors.js";
import { snsInvalidParameter } from "../errors.js";
import type { FilterPolicyScope } from "./filter-policy.js";
import {
  type Condition,
  isJsonObject,
  parseConditions,
  policyError,
  RESERVED_KEYWORDS,
} from "./filter-policy-conditions.js";

/** A key's conditions and its nesting depth (1 for a top-level key). */
export interface Leaf {
  readonly conditions: readonly Condition[];
  readonly depth: number;
}

/** A conjunction: every key path must match. */
export type Branch = ReadonlyMap<string, Leaf>;

/** "A filter policy can have a maximum of five keys." */
export const MAX_KEYS = 5;
/** "The total combination of values in a filter policy must not exceed 150." */
export const MAX_COMBINATIONS = 150;

function tooComplex(): AwsApiError {
  return policyError("Filter policy is too complex");
}

/**
 * AWS's AND/OR logic page: `$or` is an operator only when its value is an array of at least
 * two objects and none of those objects uses a reserved keyword as a field name; otherwise
 * `"$or"` is an ordinary key.
 */
function isOrOperator(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (item) => isJsonObject(item) && Object.keys(item).every((k) => !RESERVED_KEYWORDS.has(k)),
    )
  );
}

interface WalkState {
  nested: boolean;
}

function walkObject(
  object: Record<string, unknown>,
  path: string | undefined,
  depth: number,
  start: Branch[],
  state: WalkState,
): Branch[] {
  const entries = Object.entries(object);
  if (entries.length === 0) throw policyError("Empty objects are not allowed");
  let branches = start;
  for (const [key, value] of entries) {
    if (key === "$or" && isOrOperator(value)) {
      branches = value.flatMap((alternative) =>
        walkObject(alternative, path, depth, branches, state),
      );
      // Every branch adds at least 1 to the combination count, so more than 150 branches is
      // already too complex; stopping here also bounds the work on nested `$or`s.
      if (branches.length > MAX_COMBINATIONS) throw tooComplex();
      continue;
    }
    const keyPath = path === undefined ? key : `${path}.${key}`;
    if (isJsonObject(value)) {
      state.nested = true;
      branches = walkObject(value, keyPath, depth + 1, branches, state);
    } else if (Array.isArray(value)) {
      const leaf: Leaf = { conditions: parseConditions(value), depth };
      branches = branches.map((branch) => new Map(branch).set(keyPath, leaf));
    } else {
      throw policyError(`"${key}" must be an object or an array`);
    }
  }
  return branches;
}

/**
 * The combination count. AWS: multiply the number of values of each key; a nested key also
 * multiplies by its depth ("The first array has four values in a three-level nested key, and
 * the second has three values in a two-level nested key ... 3 x 4 x 2 x 3 = 72"); `$or` adds up
 * its alternatives. LocalStack's AWS-validated test_policy_complexity_with_or confirms the sum
 * (150 accepted, 152 and a nested 160 rejected).
 */
function combinations(branches: readonly Branch[]): number {
  let total = 0;
  for (const branch of branches) {
    let product = 1;
    for (const leaf of branch.values()) product *= leaf.conditions.length * leaf.depth;
    total += product;
  }
  return total;
}

/**
 * Validates the policy object and compiles it into branches. An empty object compiles to a
 * single empty branch, which matches every message.
 */
export function compilePolicy(
  policy: Record<string, unknown>,
  scope: FilterPolicyScope,
): readonly Branch[] {
  // Event Ruler rejects `{}`, but SNS (as LocalStack and moto emulate it) treats an empty
  // policy as "no filtering"; the docs are silent.
  if (Object.keys(policy).length === 0) return [new Map()];
  const state: WalkState = { nested: false };
  const branches = walkObject(policy, undefined, 1, [new Map()], state);
  if (scope === "MessageAttributes" && state.nested) {
    // AWS returns this one without the "FilterPolicy:" part (LocalStack snapshot
    // test_sub_filter_policy_nested_property).
    throw snsInvalidParameter(
      "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy",
    );
  }
  // Only keys whose value is an array count, nested ones included (the docs' "finding" example
  // counts state, severity, message, standard_control, region and account). With `$or` the docs
  // are silent; we count per alternative, which agrees with LocalStack for flat policies.
  if (branches.some((branch) => branch.size > MAX_KEYS)) {
    throw policyError(`Filter policy can not have more than ${MAX_KEYS} keys`);
  }
  if (combinations(branches) > MAX_COMBINATIONS) throw tooComplex();
  return branches;
}
