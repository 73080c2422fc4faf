import { describe, expect, it } from "vitest";
import { OffloadError } from "../../src/core/errors.js";
import { type CronSchedule, nextRun, parseSchedule } from "../../src/core/schedule.js";

function errorOf(expression: string): string {
  try {
    parseSchedule(expression);
  } catch (e) {
    if (e instanceof OffloadError && e.code === "InvalidSchedule") return e.message;
    throw e;
  }
  throw new Error(`expected ${expression} to be invalid`);
}

function cron(expression: string): CronSchedule {
  const schedule = parseSchedule(expression);
  if (schedule.kind !== "cron") throw new Error("not a cron schedule");
  return schedule;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const utc = (iso: string) => Date.parse(`${iso}Z`);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseSchedule: rate", () => {
  it.each([
    ["rate(1 minute)", 1, "minute", 60_000],
    ["rate(5 minutes)", 5, "minute", 300_000],
    ["rate(1 hour)", 1, "hour", 3_600_000],
    ["rate(12 hours)", 12, "hour", 43_200_000],
    ["rate(1 day)", 1, "day", 86_400_000],
    ["rate(7 days)", 7, "day", 604_800_000],
  ])("%s", (expression, value, unit, intervalMs) => {
    expect(parseSchedule(expression)).toEqual({
      kind: "rate",
      expression,
      value,
      unit,
      intervalMs,
    });
  });

  it("requires a singular unit for 1 and a plural one otherwise, as AWS does", () => {
    expect(errorOf("rate(1 minutes)")).toBe(
      'schedule "rate(1 minutes)": the unit must be singular when the value is 1: write "rate(1 minute)"',
    );
    expect(errorOf("rate(2 hour)")).toBe(
      'schedule "rate(2 hour)": the unit must be plural when the value is not 1: write "rate(2 hours)"',
    );
  });

  it("takes rates up to 100 years, whose due times stay valid dates", () => {
    expect(parseSchedule("rate(36500 days)")).toMatchObject({ intervalMs: 36_500 * 86_400_000 });
    expect(parseSchedule("rate(52560000 minutes)")).toMatchObject({ value: 52_560_000 });
  });

  it.each([
    ["rate(0 minutes)", 'the rate value "0" is not a whole number of at least 1'],
    ["rate(-1 minutes)", 'the rate value "-1" is not a whole number of at least 1'],
    ["rate(1.5 hours)", 'the rate value "1.5" is not a whole number of at least 1'],
    ["rate(2 weeks)", 'the rate unit "weeks" is not minute(s), hour(s) or day(s)'],
    ["rate(5 Minutes)", 'the rate unit "Minutes" is not minute(s), hour(s) or day(s)'],
    ["rate(5)", 'write rate(value unit), e.g. "rate(5 minutes)"'],
    ["rate(5  minutes)", 'write rate(value unit), e.g. "rate(5 minutes)"'],
    [
      "rate(36501 days)",
      'the rate "36501 days" is longer than 100 years (36500 days), the longest a rate schedule may wait',
    ],
    [
      "rate(99999999999 days)",
      'the rate "99999999999 days" is longer than 100 years (36500 days), the longest a rate schedule may wait',
    ],
  ])("rejects %s", (expression, detail) => {
    expect(errorOf(expression)).toBe(`schedule ${JSON.stringify(expression)}: ${detail}`);
  });
});

describe("parseSchedule: cron", () => {
  it("parses every field", () => {
    expect(parseSchedule("cron(0 12 * * ? *)")).toEqual({
      kind: "cron",
      expression: "cron(0 12 * * ? *)",
      minutes: [0],
      hours: [12],
      dayOfMonth: { kind: "days", days: range(1, 31) },
      months: range(1, 12),
      dayOfWeek: { kind: "unspecified" },
      years: range(1970, 2199),
    });
  });

  it("parses steps, ranges, lists and names", () => {
    const weekdays = cron("cron(0/15 8-17 ? * MON-FRI *)");
    expect(weekdays.minutes).toEqual([0, 15, 30, 45]);
    expect(weekdays.hours).toEqual(range(8, 17));
    expect(weekdays.dayOfMonth).toEqual({ kind: "unspecified" });
    expect(weekdays.dayOfWeek).toEqual({ kind: "days", days: [2, 3, 4, 5, 6] });

    const listed = cron("cron(35,5,5 14 * JAN,jul,3 ? 2026-2028)");
    expect(listed.minutes).toEqual([5, 35]);
    expect(listed.months).toEqual([1, 3, 7]);
    expect(listed.years).toEqual([2026, 2027, 2028]);

    expect(cron("cron(10-50/20 */6 1/10 * ? 2030/50)")).toMatchObject({
      minutes: [10, 30, 50],
      hours: [0, 6, 12, 18],
      dayOfMonth: { kind: "days", days: [1, 11, 21, 31] },
      years: [2030, 2080, 2130, 2180],
    });
    expect(cron("cron(0 0 ? * SUN,SAT *)").dayOfWeek).toEqual({ kind: "days", days: [1, 7] });
  });

  it("parses L, W and #", () => {
    expect(cron("cron(0 0 L * ? *)").dayOfMonth).toEqual({ kind: "last" });
    expect(cron("cron(0 9 15W * ? *)").dayOfMonth).toEqual({ kind: "nearestWeekday", day: 15 });
    expect(cron("cron(0 9 ? * L *)").dayOfWeek).toEqual({ kind: "days", days: [7] });
    expect(cron("cron(0 9 ? * 6L *)").dayOfWeek).toEqual({ kind: "lastOfMonth", day: 6 });
    expect(cron("cron(0 9 ? * FRIL *)").dayOfWeek).toEqual({ kind: "lastOfMonth", day: 6 });
    expect(cron("cron(0 9 ? * 3#2 *)").dayOfWeek).toEqual({ kind: "nth", day: 3, nth: 2 });
    expect(cron("cron(0 9 ? * TUE#2 *)").dayOfWeek).toEqual({ kind: "nth", day: 3, nth: 2 });
  });

  it("is frozen", () => {
    expect(Object.isFrozen(parseSchedule("cron(0 12 * * ? *)"))).toBe(true);
    expect(Object.isFrozen(parseSchedule("rate(1 day)"))).toBe(true);
  });

  it.each([
    [
      "cron(0 12 * *)",
      "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); this one has 4",
    ],
    [
      "cron(0 0 12 * * ? *)",
      "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); this one has 7",
    ],
    [
      "cron()",
      "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year); this one has 0",
    ],
    ["cron(60 12 * * ? *)", 'minutes field "60": 60 is outside 0-59'],
    ["cron(0 24 * * ? *)", 'hours field "24": 24 is outside 0-23'],
    ["cron(0 12 0 * ? *)", 'day-of-month field "0": 0 is outside 1-31'],
    ["cron(0 12 1-32 * ? *)", 'day-of-month field "1-32": 32 is outside 1-31'],
    ["cron(0 12 * 13 ? *)", 'month field "13": 13 is outside 1-12'],
    ["cron(0 12 * FOO ? *)", 'month field "FOO": "FOO" is not a number or a name JAN-DEC'],
    ["cron(0 12 ? * 8 *)", 'day-of-week field "8": 8 is outside 1-7'],
    [
      "cron(0 12 ? * MONDAY *)",
      'day-of-week field "MONDAY": "MONDAY" is not a number or a name SUN-SAT',
    ],
    ["cron(0 12 ? * */2 *)", 'day-of-week field "*/2": steps ("/") are not allowed in day-of-week'],
    [
      "cron(0 12 ? * 2#6 *)",
      'day-of-week field "2#6": "#6" is not an instance of the weekday from 1 to 5',
    ],
    ["cron(0 12 ? * 9#1 *)", 'day-of-week field "9#1": 9 is outside 1-7'],
    [
      "cron(0 12 ? * 2,L *)",
      'day-of-week field "2,L": L and # stand alone in day-of-week: "L" (Saturday), "nL" (the last weekday n of the month) or "n#k" (the k-th weekday n of the month)',
    ],
    ["cron(0 12 * * ? 1969)", 'year field "1969": 1969 is outside 1970-2199'],
    ["cron(0 12 * * ? 2200)", 'year field "2200": 2200 is outside 1970-2199'],
    [
      "cron(? 12 * * ? *)",
      'minutes field "?": "?" is only allowed in day-of-month and day-of-week',
    ],
    ["cron(L 12 * * ? *)", 'minutes field "L": "L" is not a number'],
    [
      "cron(5-2 12 * * ? *)",
      'minutes field "5-2": the range "5-2" goes backwards: write the lower bound first',
    ],
    [
      "cron(*/0 12 * * ? *)",
      'minutes field "*/0": the step "0" in "*/0" is not a whole number of at least 1',
    ],
    ["cron(1/2/3 12 * * ? *)", 'minutes field "1/2/3": "1/2/3" has more than one "/"'],
    ["cron(1,,2 12 * * ? *)", 'minutes field "1,,2": a list has an empty item'],
    ["cron(1-2-3 12 * * ? *)", 'minutes field "1-2-3": "1-2-3" is not a value or a range a-b'],
    ["cron(0 -1 * * ? *)", 'hours field "-1": "-1" is not a value or a range a-b'],
    ["cron(0 1- * * ? *)", 'hours field "1-": "1-" is not a value or a range a-b'],
    [
      "cron(0 12 LW * ? *)",
      'day-of-month field "LW": L and W stand alone in day-of-month: "L" (the last day of the month) or "nW" (the weekday nearest day n)',
    ],
    ["cron(0 12 32W * ? *)", 'day-of-month field "32W": 32 is outside 1-31'],
    [
      "cron(0 12 ? * ? *)",
      'day-of-month and day-of-week are both "?": one of them must give the days',
    ],
    [
      "cron(0 12 * * MON *)",
      'day-of-month "*" and day-of-week "MON" are both given: one of them must be "?"',
    ],
  ])("rejects %s", (expression, detail) => {
    expect(errorOf(expression)).toBe(`schedule ${JSON.stringify(expression)}: ${detail}`);
  });

  it("rejects what is neither rate nor cron", () => {
    for (const expression of [
      "every 5 minutes",
      "at(2026-01-01T00:00:00)",
      "0 12 * * ? *",
      "cron(0 12 * * ? *",
    ]) {
      expect(errorOf(expression)).toBe(
        `schedule ${JSON.stringify(expression)}: is neither rate(value unit), e.g. "rate(5 minutes)", nor cron(minutes hours day-of-month month day-of-week year), e.g. "cron(0 12 * * ? *)"`,
      );
    }
  });
});

describe("nextRun", () => {
  it("runs a rate every interval after the previous run", () => {
    const start = utc("2026-01-01T10:00:07");
    expect(nextRun(parseSchedule("rate(5 minutes)"), start)).toBe(start + 300_000);
    expect(nextRun(parseSchedule("rate(1 day)"), start)).toBe(start + 86_400_000);
  });

  const cases: Array<[string, string, string | undefined]> = [
    // [expression, after, next]
    ["cron(0 12 * * ? *)", "2026-01-01T13:00:00", "2026-01-02T12:00:00.000Z"],
    ["cron(0 12 * * ? *)", "2026-01-01T11:59:30", "2026-01-01T12:00:00.000Z"],
    // strictly after: a run at exactly `after` is not the next one
    ["cron(0 12 * * ? *)", "2026-01-01T12:00:00", "2026-01-02T12:00:00.000Z"],
    ["cron(0 12 * * ? *)", "2026-12-31T12:30:00", "2027-01-01T12:00:00.000Z"],
    ["cron(*/20 * * * ? *)", "2026-01-01T10:41:00", "2026-01-01T11:00:00.000Z"],
    ["cron(*/20 * * * ? *)", "2026-01-01T23:59:59", "2026-01-02T00:00:00.000Z"],
    ["cron(5,35 14 * * ? *)", "2026-01-01T14:05:00", "2026-01-01T14:35:00.000Z"],
    // 2026-01-02 is a Friday: after its last run comes Monday the 5th
    ["cron(0/15 8-17 ? * MON-FRI *)", "2026-01-02T17:50:00", "2026-01-05T08:00:00.000Z"],
    ["cron(0/15 8-17 ? * MON-FRI *)", "2026-01-02T09:20:00", "2026-01-02T09:30:00.000Z"],
    ["cron(0 0 L * ? *)", "2026-02-01T00:00:00", "2026-02-28T00:00:00.000Z"],
    ["cron(0 0 L * ? *)", "2028-02-01T00:00:00", "2028-02-29T00:00:00.000Z"],
    ["cron(0 0 L * ? *)", "2026-04-30T00:00:00", "2026-05-31T00:00:00.000Z"],
    // 15 February 2026 is a Sunday: the nearest weekday is Monday the 16th
    ["cron(0 9 15W * ? *)", "2026-02-01T00:00:00", "2026-02-16T09:00:00.000Z"],
    // 1 August 2026 is a Saturday: W does not leave the month, so Monday the 3rd
    ["cron(0 9 1W * ? *)", "2026-07-31T00:00:00", "2026-08-03T09:00:00.000Z"],
    // 31 May 2026 is a Sunday and the last day: Friday the 29th
    ["cron(0 9 31W * ? *)", "2026-05-01T00:00:00", "2026-05-29T09:00:00.000Z"],
    // April has no 31st
    ["cron(0 9 31W * ? *)", "2026-04-01T00:00:00", "2026-05-29T09:00:00.000Z"],
    // 31 October 2026 is a Saturday: Friday the 30th
    ["cron(0 9 31W * ? *)", "2026-10-01T00:00:00", "2026-10-30T09:00:00.000Z"],
    ["cron(0 9 ? * 6L *)", "2026-01-01T00:00:00", "2026-01-30T09:00:00.000Z"],
    // 24 and 31 January 2026 are Saturdays: the last one is the 31st
    ["cron(0 9 ? * SATL *)", "2026-01-01T00:00:00", "2026-01-31T09:00:00.000Z"],
    ["cron(0 9 ? * TUE#2 *)", "2026-01-01T00:00:00", "2026-01-13T09:00:00.000Z"],
    ["cron(0 9 ? * TUE#2 *)", "2026-01-13T09:00:00", "2026-02-10T09:00:00.000Z"],
    ["cron(0 0 ? * L *)", "2026-01-01T00:00:00", "2026-01-03T00:00:00.000Z"],
    ["cron(30 6 1 JAN,JUL ? *)", "2026-01-01T06:30:00", "2026-07-01T06:30:00.000Z"],
    ["cron(0 0 1 1 ? 2030)", "2026-01-01T00:00:00", "2030-01-01T00:00:00.000Z"],
    // never again
    ["cron(0 0 1 1 ? 2025)", "2026-01-01T00:00:00", undefined],
    ["cron(0 0 30 2 ? *)", "2026-01-01T00:00:00", undefined],
    ["cron(0 0 ? 2 1#5 2026)", "2026-01-01T00:00:00", undefined],
  ];
  it.each(cases)("%s after %s is %s", (expression, after, next) => {
    expect(iso(nextRun(parseSchedule(expression), utc(after)))).toBe(next);
  });

  it("agrees with a minute-by-minute scan", () => {
    // A brute-force check of the jumping search on a schedule that touches every field.
    const schedule = cron("cron(7,50 */5 ? 2-3 MON,THU 2026)");
    const fits = (t: number) => {
      const d = new Date(t);
      return (
        [7, 50].includes(d.getUTCMinutes()) &&
        d.getUTCHours() % 5 === 0 &&
        [2, 3].includes(d.getUTCMonth() + 1) &&
        [1, 4].includes(d.getUTCDay()) &&
        d.getUTCFullYear() === 2026
      );
    };
    let after = utc("2026-01-31T20:00:00");
    for (let i = 0; i < 20; i++) {
      let expected = after + 60_000 - (after % 60_000);
      while (!fits(expected)) expected += 60_000;
      const next = nextRun(schedule, after);
      expect(iso(next)).toBe(iso(expected));
      after = next! + 1_000;
    }
  });
});
