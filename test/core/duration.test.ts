import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/core/duration.js";
import { OffloadError } from "../../src/core/errors.js";

function errorOf(fn: () => unknown): OffloadError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OffloadError) return e;
    throw e;
  }
  throw new Error("expected an OffloadError");
}

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["0ms", 0],
    ["0s", 0],
    ["15s", 15_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1.5s", 1_500],
    ["1.1s", 1_100],
    ["0.25m", 15_000],
    ["2.5h", 9_000_000],
    ["007s", 7_000],
  ])("parses %s as %d ms", (text, ms) => {
    expect(parseDuration(text, "timeout")).toBe(ms);
  });

  it("rejects a bare number, telling to write a unit", () => {
    const e = errorOf(() => parseDuration(15, "timeout"));
    expect(e.code).toBe("InvalidDuration");
    expect(e.message).toBe(
      'timeout 15 is a number, not a duration: write a number and a unit, e.g. "15s" (units: ms, s, m, h, d)',
    );
  });

  it("rejects a negative duration", () => {
    expect(errorOf(() => parseDuration("-5s", "delay")).message).toBe(
      'delay "-5s" is negative: a duration is 0 or more',
    );
  });

  it.each(["15", "15 s", "15sec", "s", "1e3s", ".5s", "5.s", "+5s", "15S", "", " 15s"])(
    "rejects %j",
    (text) => {
      expect(errorOf(() => parseDuration(text, "retryDelay")).message).toBe(
        `retryDelay ${JSON.stringify(text)} is not a duration: write a number and a unit, e.g. "15s" (units: ms, s, m, h, d)`,
      );
    },
  );

  it("rejects values that are not strings", () => {
    expect(errorOf(() => parseDuration(null, "delay")).message).toBe(
      'delay null is not a duration: write a number and a unit, e.g. "15s" (units: ms, s, m, h, d)',
    );
    expect(errorOf(() => parseDuration(undefined, "delay")).message).toMatch(
      /^delay undefined is not a duration/,
    );
  });

  it("rejects fractions of a millisecond", () => {
    expect(errorOf(() => parseDuration("0.5ms", "delay")).message).toBe(
      'delay "0.5ms" is not a whole number of milliseconds: write e.g. "1500ms" or "1.5s"',
    );
    expect(errorOf(() => parseDuration("1.0001s", "delay")).code).toBe("InvalidDuration");
  });

  it("rejects durations too long to count exactly", () => {
    expect(errorOf(() => parseDuration("99999999999999999d", "delay")).message).toBe(
      'delay "99999999999999999d" is too long to be a duration',
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1_500, "1500ms"],
    [15_000, "15s"],
    [90_000, "90s"],
    [900_000, "15m"],
    [5_400_000, "90m"],
    [7_200_000, "2h"],
    [129_600_000, "36h"],
    [86_400_000, "1d"],
    [0.5, "0.5ms"],
  ])("formats %d as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips through parseDuration", () => {
    for (const ms of [1, 999, 1_000, 61_000, 3_600_000, 172_800_000]) {
      expect(parseDuration(formatDuration(ms), "x")).toBe(ms);
    }
  });
});
