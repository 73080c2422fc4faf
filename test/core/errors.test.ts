import { describe, expect, it } from "vitest";
import { describeImportError } from "../../src/core/errors.js";

describe("describeImportError", () => {
  it("says where the TypeScript loader found a syntax error, columns counted from 1", () => {
    const thrown = new Error(
      'Transform failed with 2 errors:\n/app/jobs/bad.ts:2:55: ERROR: Unexpected "}"\n/app/jobs/bad.ts:3:0: ERROR: Expected ")" but found end of file',
    );
    expect(describeImportError(thrown)).toBe(
      'line 2, column 56: Unexpected "}"; line 3, column 1: Expected ")" but found end of file',
    );
  });

  it("keeps any other message as it is", () => {
    expect(describeImportError(new Error("Invalid job options (1 problem):\n- timeout"))).toBe(
      "Invalid job options (1 problem):\n- timeout",
    );
    expect(describeImportError("kaboom")).toBe("kaboom");
  });
});
