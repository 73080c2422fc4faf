import { expect } from "vitest";

/**
 * The AWS error code of anything a target threw: the engine's `code`, or the
 * query-compatible code an AWS SDK error carries (`Code`, else its `name`).
 */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; Code?: unknown; name?: unknown };
  if (typeof e.code === "string") return e.code;
  if (typeof e.Code === "string") return e.Code;
  return typeof e.name === "string" ? e.name : undefined;
}

/** Awaits `promise`, expects it to reject with AWS error `code`, returns the error for more checks. */
export async function expectAwsError(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}, but the call succeeded`).toBeDefined();
  expect(awsErrorCode(caught)).toBe(code);
  return caught as Error;
}
