/** What the filter-policy error tables share: a row's shape, AWS's message prefix, the check. */
import { expect } from "vitest";
import { AwsApiError } from "../../src/engine/errors.js";
import { type FilterPolicyScope, parseFilterPolicy } from "../../src/engine/sns/filter-policy.js";

export interface ErrorRow {
  doc: string;
  policy: string;
  scope?: FilterPolicyScope;
  message: string;
}

/** The start of every FilterPolicy InvalidParameter message. */
export const P = "Invalid parameter: FilterPolicy: ";

/** `count` distinct strings, for policies with many values. */
export const values = (count: number, prefix = "value") =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** The policy is refused as SNS refuses it: a sender's InvalidParameter (400) with this message. */
export function expectRefused({ policy, scope, message }: ErrorRow): void {
  const error = errorOf(() => parseFilterPolicy(policy, scope));
  expect(error.code).toBe("InvalidParameter");
  expect(error.status).toBe(400);
  expect(error.sender).toBe(true);
  expect(error.message).toBe(message);
}

function errorOf(run: () => unknown): AwsApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsApiError) return error;
    throw error;
  }
  throw new Error("expected parseFilterPolicy to throw");
}
