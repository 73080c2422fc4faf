import { describe, expect, it } from "vitest";
import { nextRun, parseSchedule } from "../../src/core/schedule.js";
import { firstInstantOf, offsetAt, wallClockOf } from "../../src/core/time-zone.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const utc = (text: string) => Date.parse(`${text}Z`);

/** The runs of `expression` in `zone` from `from` (exclusive) while before `until`. */
function runs(expression: string, zone: string, from: string, until: string): string[] {
  const schedule = parseSchedule(expression);
  const out: string[] = [];
  let t = utc(from);
  for (;;) {
    const next = nextRun(schedule, t, zone);
    if (next === undefined || next >= utc(until)) return out;
    out.push(iso(next)!);
    t = next;
  }
}

// Europe/Paris in 2026: clocks go forward at 02:00 CET (01:00 UTC) on Sunday 29 March
// and back at 03:00 CEST (01:00 UTC) on Sunday 25 October.
describe("time zones", () => {
  it("reads the wall clock and offset of a zone", () => {
    expect(iso(wallClockOf(utc("2026-07-01T07:00:00"), "Europe/Paris"))).toBe(
      "2026-07-01T09:00:00.000Z",
    );
    expect(offsetAt(utc("2026-01-15T12:00:00"), "Europe/Paris")).toBe(3_600_000);
    expect(offsetAt(utc("2026-07-15T12:00:00"), "America/New_York")).toBe(-4 * 3_600_000);
  });

  it("has no instant for a wall time skipped by spring-forward, and the first of a repeated one", () => {
    expect(firstInstantOf(utc("2026-03-29T02:30:00"), "Europe/Paris")).toBeUndefined();
    expect(iso(firstInstantOf(utc("2026-10-25T02:30:00"), "Europe/Paris"))).toBe(
      "2026-10-25T00:30:00.000Z",
    );
  });

  it("runs a cron schedule at the zone's wall-clock time, summer and winter", () => {
    expect(runs("cron(0 9 * * ? *)", "Europe/Paris", "2026-01-14T12:00:00", "2026-01-16")).toEqual([
      "2026-01-15T08:00:00.000Z",
    ]);
    expect(runs("cron(0 9 * * ? *)", "Europe/Paris", "2026-07-14T12:00:00", "2026-07-16")).toEqual([
      "2026-07-15T07:00:00.000Z",
    ]);
    // A day-of-week is the zone's: 00:30 Monday in Tokyo is 15:30 Sunday in UTC.
    expect(runs("cron(30 0 ? * MON *)", "Asia/Tokyo", "2026-01-01T00:00:00", "2026-01-12")).toEqual(
      ["2026-01-04T15:30:00.000Z", "2026-01-11T15:30:00.000Z"],
    );
  });

  it("skips a daily 02:30 in Paris on the day clocks go forward, as EventBridge Scheduler does", () => {
    expect(runs("cron(30 2 * * ? *)", "Europe/Paris", "2026-03-27T12:00:00", "2026-03-31")).toEqual(
      [
        "2026-03-28T01:30:00.000Z", // 02:30 CET
        // 29 March: 02:30 does not exist; no run.
        "2026-03-30T00:30:00.000Z", // 02:30 CEST
      ],
    );
  });

  it("runs a daily 02:30 in Paris once on the day clocks go back, at its first occurrence", () => {
    expect(runs("cron(30 2 * * ? *)", "Europe/Paris", "2026-10-23T12:00:00", "2026-10-27")).toEqual(
      [
        "2026-10-24T00:30:00.000Z", // 02:30 CEST
        "2026-10-25T00:30:00.000Z", // 02:30 CEST, the first of two 02:30s; not again at 01:30Z
        "2026-10-26T01:30:00.000Z", // 02:30 CET
      ],
    );
  });

  it("runs every five minutes in Paris across both changes, each wall-clock time once", () => {
    const spring = runs(
      "cron(0/5 * * * ? *)",
      "Europe/Paris",
      "2026-03-29T00:50:00",
      "2026-03-29T01:10:00",
    );
    // 01:55 CET (00:55Z) is followed by 03:00 CEST (01:00Z): five minutes of real time.
    expect(spring).toEqual([
      "2026-03-29T00:55:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:05:00.000Z",
    ]);
    const autumn = runs(
      "cron(0/5 * * * ? *)",
      "Europe/Paris",
      "2026-10-25T00:50:00",
      "2026-10-25T02:10:00",
    );
    // 02:00–02:55 come twice (00:00–00:55Z in CEST, 01:00–01:55Z in CET); each runs once, the
    // first time, so nothing runs from 00:55Z until 03:00 CET (02:00Z).
    expect(autumn).toEqual([
      "2026-10-25T00:55:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T02:05:00.000Z",
    ]);
    // From inside the repeated hour's second pass, the next run is after it.
    expect(
      iso(
        nextRun(parseSchedule("cron(0/5 * * * ? *)"), utc("2026-10-25T01:12:00"), "Europe/Paris"),
      ),
    ).toBe("2026-10-25T02:00:00.000Z");
  });

  it("leaves rate schedules to elapsed time, whatever the zone", () => {
    const day = parseSchedule("rate(1 day)");
    // From 12:00 CET on Saturday to 13:00 CEST on Sunday: 24 hours.
    expect(iso(nextRun(day, utc("2026-03-28T11:00:00"), "Europe/Paris"))).toBe(
      "2026-03-29T11:00:00.000Z",
    );
  });

  it("ends when a zoned cron schedule's years are past", () => {
    expect(
      nextRun(parseSchedule("cron(0 9 * * ? 2026)"), utc("2026-12-31T09:00:00"), "Europe/Paris"),
    ).toBeUndefined();
  });
});
