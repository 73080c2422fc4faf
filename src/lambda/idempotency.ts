import { describeValue } from "../core/duration.js";
import { toError } from "../core/errors.js";
import { MAX_IDEMPOTENCY_KEY_CHARS, MAX_RESULT_JSON_CHARS } from "../core/idempotency.js";
import type { ResolvedJobOptions } from "../core/job-types.js";

/**
 * A job's idempotency key for a payload: the `idempotency.key` function's, or the job's id.
 * `{ problem }` when the function throws or gives no usable key: the payload can never run.
 */
export function idempotencyKeyOf(
  idempotency: NonNullable<ResolvedJobOptions["idempotency"]>,
  payload: unknown,
  jobId: string,
): { key: string } | { problem: string } {
  if (idempotency.key === undefined) return { key: jobId };
  let key: unknown;
  try {
    key = idempotency.key(payload);
  } catch (e) {
    const error = toError(e);
    return { problem: `idempotency.key threw ${error.name}: ${error.message}` };
  }
  if (typeof key !== "string" || key === "" || key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
    return {
      problem: `idempotency.key returned ${describeValue(key)}: a key is a non-empty string of at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`,
    };
  }
  return { key };
}

/** A handler's result as kept: JSON text within the cap, and its value as read back. */
export interface KeptResult {
  json: string;
  value: unknown;
}

/**
 * The handler's resolved value as it is kept: undefined for none (undefined, or nothing JSON
 * can write, a function say); `{ tooLarge }` when its JSON is over MAX_RESULT_JSON_CHARS.
 * The value is read back from the JSON, so what the record, a duplicate and a worker's answer
 * carry is the same plain data.
 */
export function keptResult(value: unknown): KeptResult | { tooLarge: number } | undefined {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined; // a cycle or a BigInt: not JSON
  }
  if (json === undefined) return undefined;
  if (json.length > MAX_RESULT_JSON_CHARS) return { tooLarge: json.length };
  return { json, value: JSON.parse(json) };
}
