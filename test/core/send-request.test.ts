import { describe, expect, it } from "vitest";
import {
  delaySecondsOf,
  MAX_SCHEDULED_DELAY_SECONDS,
  parseSendAt,
  sendDelaySeconds,
} from "../../src/core/send-request.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("a send's delay", () => {
  it("takes delays beyond SQS's 15 minutes, up to 365 days", () => {
    expect(delaySecondsOf("2h", "greeting")).toBe(7200);
    expect(delaySecondsOf("30d", "greeting")).toBe(2_592_000);
    expect(delaySecondsOf("365d", "greeting")).toBe(MAX_SCHEDULED_DELAY_SECONDS);
  });

  it("refuses a delay beyond 365 days, saying how far and the limit", () => {
    expect(() => delaySecondsOf("366d", "greeting")).toThrow(
      expect.objectContaining({
        code: "DelayTooLong",
        jobName: "greeting",
        message:
          "delay 366d is 366 days away, beyond the longest a send waits: 365 days (31536000 seconds)",
      }),
    );
  });

  it("counts an at from the clock, rounded up to whole seconds, a past one as 0", () => {
    expect(sendDelaySeconds({ at: "2026-01-01T02:00:00Z" }, "g", NOW)).toBe(7200);
    expect(sendDelaySeconds({ at: "2026-01-01T03:00:00+01:00" }, "g", NOW)).toBe(7200);
    expect(sendDelaySeconds({ at: new Date(NOW + 1_001) }, "g", NOW)).toBe(2);
    expect(sendDelaySeconds({ at: "2026-01-01T00:00:00.001Z" }, "g", NOW)).toBe(1);
    expect(sendDelaySeconds({ at: "2025-12-31T00:00:00Z" }, "g", NOW)).toBe(0);
    expect(sendDelaySeconds({ delay: "90s" }, "g", NOW)).toBe(90);
    expect(sendDelaySeconds({}, "g", NOW)).toBeUndefined();
  });

  it("refuses an at more than 365 days ahead", () => {
    expect(() => sendDelaySeconds({ at: "2027-01-02T00:00:00Z" }, "g", NOW)).toThrow(
      expect.objectContaining({
        code: "DelayTooLong",
        message:
          "at 2027-01-02T00:00:00.000Z is 366 days away, beyond the longest a send waits: 365 days (31536000 seconds)",
      }),
    );
    expect(sendDelaySeconds({ at: "2027-01-01T00:00:00Z" }, "g", NOW)).toBe(
      MAX_SCHEDULED_DELAY_SECONDS,
    );
  });

  it("refuses both delay and at, naming both", () => {
    expect(() =>
      sendDelaySeconds({ delay: "2h", at: "2026-01-01T02:00:00Z" }, "greeting", NOW),
    ).toThrow(
      expect.objectContaining({
        code: "InvalidSendOptions",
        message: 'A send takes delay or at, not both; got delay "2h" and at "2026-01-01T02:00:00Z"',
      }),
    );
  });

  it.each([
    ["2026-02-30T00:00:00Z", '"2026-02-30T00:00:00Z"'],
    ["2026-03-01T09:00:00", '"2026-03-01T09:00:00"'],
    ["2026-03-01", '"2026-03-01"'],
    ["tomorrow", '"tomorrow"'],
    ["2026-03-01T24:00:00Z", '"2026-03-01T24:00:00Z"'],
    [1772355600000, "1772355600000"],
    [new Date(Number.NaN), "an Invalid Date"],
  ])("refuses at %s: the field, what it takes, what came", (value, got) => {
    expect(() => parseSendAt(value, "at", "greeting")).toThrow(
      expect.objectContaining({
        code: "InvalidSendOptions",
        jobName: "greeting",
        message: `at must be a Date or an ISO 8601 date-time with its offset, e.g. "2026-03-01T09:00:00Z" or "2026-03-01T10:00:00+01:00"; got ${got}`,
      }),
    );
  });

  it("reads ISO 8601 date-times with an offset, to the millisecond", () => {
    expect(parseSendAt("2026-03-01T09:00:00Z", "at", "g")).toBe(Date.UTC(2026, 2, 1, 9));
    expect(parseSendAt("2026-03-01T10:00+01:00", "at", "g")).toBe(Date.UTC(2026, 2, 1, 9));
    expect(parseSendAt("2026-03-01T09:00:00.250Z", "at", "g")).toBe(Date.UTC(2026, 2, 1, 9) + 250);
  });
});
