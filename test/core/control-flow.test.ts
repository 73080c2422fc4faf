import { describe, expect, it } from "vitest";
import {
  isRetryLater,
  isUnrecoverable,
  RetryLater,
  Unrecoverable,
} from "../../src/core/control-flow.js";
import { OffloadError } from "../../src/core/errors.js";
import type { Duration } from "../../src/core/job-types.js";

describe("RetryLater", () => {
  it("is an OffloadError with code, name and message", () => {
    const e = new RetryLater("rate limited");
    expect(e).toBeInstanceOf(OffloadError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe("RetryLater");
    expect(e.name).toBe("RetryLater");
    expect(e.message).toBe("rate limited");
    expect(String(e)).toBe("RetryLater: rate limited");
    expect(e.delaySeconds).toBeUndefined();
  });

  it("resolves its delay to whole seconds, rounding fractions up", () => {
    expect(new RetryLater("x", { delay: "2m" }).delaySeconds).toBe(120);
    expect(new RetryLater("x", { delay: "0s" }).delaySeconds).toBe(0);
    expect(new RetryLater("x", { delay: "1500ms" }).delaySeconds).toBe(2);
    expect(new RetryLater("x", { delay: "12h" }).delaySeconds).toBe(43_200);
  });

  it("forwards its cause", () => {
    const cause = new Error("HTTP 429");
    expect(new RetryLater("x", { cause }).cause).toBe(cause);
    expect("cause" in new RetryLater("x")).toBe(false);
  });

  it("rejects a delay above 12 hours", () => {
    expect(() => new RetryLater("x", { delay: "43201s" })).toThrow(
      new OffloadError(
        "InvalidDuration",
        "RetryLater delay 43201s is above 12h: SQS's maximum visibility timeout is 12 hours",
      ),
    );
  });

  it("rejects a delay that is not a duration", () => {
    let error: unknown;
    try {
      new RetryLater("x", { delay: 30 as unknown as Duration });
    } catch (e) {
      error = e;
    }
    expect((error as OffloadError).code).toBe("InvalidDuration");
    expect((error as OffloadError).message).toMatch(
      /^RetryLater delay 30 is a number, not a duration/,
    );
  });
});

describe("Unrecoverable", () => {
  it("is an OffloadError with code, name, message and cause", () => {
    const cause = new Error("404");
    const e = new Unrecoverable("user 7 does not exist", { cause });
    expect(e).toBeInstanceOf(OffloadError);
    expect(e.code).toBe("Unrecoverable");
    expect(e.name).toBe("Unrecoverable");
    expect(e.message).toBe("user 7 does not exist");
    expect(e.cause).toBe(cause);
  });
});

describe("isRetryLater / isUnrecoverable", () => {
  it("recognize their own errors and nothing else", () => {
    const retry = new RetryLater("x");
    const fatal = new Unrecoverable("x");
    expect(isRetryLater(retry)).toBe(true);
    expect(isRetryLater(fatal)).toBe(false);
    expect(isUnrecoverable(fatal)).toBe(true);
    expect(isUnrecoverable(retry)).toBe(false);
    for (const other of [
      new Error("x"),
      new OffloadError<string>("Other", "x"),
      null,
      undefined,
      "RetryLater",
      5,
    ]) {
      expect(isRetryLater(other)).toBe(false);
      expect(isUnrecoverable(other)).toBe(false);
    }
  });

  it("recognize errors from another copy of offload by their registered brand", () => {
    // Another copy: not these classes, but the same Symbol.for brands (and no code).
    const otherRetryLater = Object.assign(new Error("x"), {
      [Symbol.for("offload.RetryLater")]: true,
    });
    const otherUnrecoverable = Object.assign(new Error("x"), {
      [Symbol.for("offload.Unrecoverable")]: true,
    });
    expect(otherRetryLater).not.toBeInstanceOf(RetryLater);
    expect(isRetryLater(otherRetryLater)).toBe(true);
    expect(isUnrecoverable(otherUnrecoverable)).toBe(true);
    expect(isRetryLater(otherUnrecoverable)).toBe(false);
    expect(isUnrecoverable(otherRetryLater)).toBe(false);
  });

  it("recognize a rebuilt error by its code", () => {
    const rebuilt = Object.assign(new Error("x"), { code: "Unrecoverable" });
    expect(isUnrecoverable(rebuilt)).toBe(true);
    expect(isRetryLater(Object.assign(new Error("x"), { code: "RetryLater" }))).toBe(true);
    // a plain object is not an error
    expect(isUnrecoverable({ code: "Unrecoverable" })).toBe(false);
  });
});
