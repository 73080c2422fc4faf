import { OffloadError } from "./errors.js";
import { firstInstantOf, wallClockOf } from "./time-zone.js";

/**
 * Recurring schedules in EventBridge Scheduler's syntax, the one syntax offload
 * uses everywhere (locally and on AWS):
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export type Schedule = RateSchedule | CronSchedule;

/** `rate(value unit)`: every `value` minutes, hours or days. */
export interface RateSchedule {
  readonly kind: "rate";
  readonly expression: string;
  readonly value: number;
  readonly unit: "minute" | "hour" | "day";
  readonly intervalMs: number;
}

/** `cron(minutes hours day-of-month month day-of-week year)`, read in the schedule's time zone. Values are sorted. */
export interface CronSchedule {
  readonly kind: "cron";
  readonly expression: string;
  readonly minutes: ReadonlyArray<number>;
  readonly hours: ReadonlyArray<number>;
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlyArray<number>;
  readonly dayOfWeek: DayOfWeek;
  readonly years: ReadonlyArray<number>;
}

/** `?` is `unspecified`: the other day field decides. */
export type DayOfMonth =
  | { readonly kind: "unspecified" }
  | { readonly kind: "days"; readonly days: ReadonlyArray<number> }
  /** `L`: the last day of the month. */
  | { readonly kind: "last" }
  /** `nW`: the weekday (Monday–Friday) nearest day n, within the same month. */
  | { readonly kind: "nearestWeekday"; readonly day: number };

/** Days of the week are 1 (SUN) to 7 (SAT), as in EventBridge. */
export type DayOfWeek =
  | { readonly kind: "unspecified" }
  | { readonly kind: "days"; readonly days: ReadonlyArray<number> }
  /** `nL`: the last such weekday of the month. */
  | { readonly kind: "lastOfMonth"; readonly day: number }
  /** `n#k`: the k-th such weekday of the month. */
  | { readonly kind: "nth"; readonly day: number; readonly nth: number };

/** The longest rate interval: 100 years, so every due time stays a valid date. */
const MAX_RATE_INTERVAL_MS = 36_500 * 86_400_000;

const RATE_UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for the values from `min` on (JAN = 1, SUN = 1). */
  readonly names?: ReadonlyArray<string>;
  /** Whether `/` steps are allowed (not in day-of-week, per the EventBridge field table). */
  readonly steps: boolean;
}

const MINUTES: FieldSpec = { name: "minutes", min: 0, max: 59, steps: true };
const HOURS: FieldSpec = { name: "hours", min: 0, max: 23, steps: true };
const DAY_OF_MONTH: FieldSpec = { name: "day-of-month", min: 1, max: 31, steps: true };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12, names: MONTHS, steps: true };
const DAY_OF_WEEK: FieldSpec = { name: "day-of-week", min: 1, max: 7, names: DAYS, steps: false };
const YEAR: FieldSpec = { name: "year", min: 1970, max: 2199, steps: true };

const CRON_FIELDS = "minutes hours day-of-month month day-of-week year";

/** A field problem, turned into an OffloadError naming the expression by {@link parseSchedule}. */
class FieldError extends Error {}

/**
 * Parses and validates a recurring schedule in EventBridge Scheduler syntax.
 *
 * @throws OffloadError `InvalidSchedule`, quoting the expression and naming the wrong field.
 * @example
 * parseSchedule("rate(5 minutes)");
 * parseSchedule("cron(0 12 ? * MON-FRI *)"); // noon UTC on weekdays
 */
export function parseSchedule(expression: string): Schedule {
  const quoted = JSON.stringify(expression);
  const fail = (detail: string): never => {
    throw new OffloadError("InvalidSchedule", `schedule ${quoted}: ${detail}`);
  };
  if (typeof expression !== "string") {
    throw new OffloadError("InvalidSchedule", `schedule ${String(expression)} is not a string`);
  }
  if (expression.startsWith("rate(") && expression.endsWith(")")) {
    return parseRate(expression, expression.slice(5, -1), fail);
  }
  if (expression.startsWith("cron(") && expression.endsWith(")")) {
    return parseCron(expression, expression.slice(5, -1), fail);
  }
  return fail(
    `is neither rate(value unit), e.g. "rate(5 minutes)", nor cron(${CRON_FIELDS}), e.g. "cron(0 12 * * ? *)"`,
  );
}

function parseRate(
  expression: string,
  body: string,
  fail: (detail: string) => never,
): RateSchedule {
  const match = /^(\S+) (\S+)$/.exec(body);
  if (!match) return fail('write rate(value unit), e.g. "rate(5 minutes)"');
  const [, valueText = "", unitText = ""] = match;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) {
    return fail(`the rate value "${valueText}" is not a whole number of at least 1`);
  }
  const value = Number(valueText);
  const singular = unitText.endsWith("s") ? unitText.slice(0, -1) : unitText;
  if (singular !== "minute" && singular !== "hour" && singular !== "day") {
    return fail(`the rate unit "${unitText}" is not minute(s), hour(s) or day(s)`);
  }
  // EventBridge: "If the value is equal to 1, then the unit must be singular. Similarly,
  // for values greater than 1, the unit must be plural."
  if (value === 1 && unitText !== singular) {
    return fail(`the unit must be singular when the value is 1: write "rate(1 ${singular})"`);
  }
  if (value !== 1 && unitText === singular) {
    return fail(
      `the unit must be plural when the value is not 1: write "rate(${value} ${singular}s)"`,
    );
  }
  if (value * RATE_UNIT_MS[singular] > MAX_RATE_INTERVAL_MS) {
    return fail(
      `the rate "${value} ${unitText}" is longer than 100 years (36500 days), the longest a rate schedule may wait`,
    );
  }
  return Object.freeze({
    kind: "rate",
    expression,
    value,
    unit: singular,
    intervalMs: value * RATE_UNIT_MS[singular],
  });
}

function parseCron(
  expression: string,
  body: string,
  fail: (detail: string) => never,
): CronSchedule {
  const fields = body.trim() === "" ? [] : body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return fail(`a cron expression has 6 fields (${CRON_FIELDS}); this one has ${fields.length}`);
  }
  const [minutesText, hoursText, domText, monthText, dowText, yearText] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const field = <T>(spec: FieldSpec, text: string, parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      if (e instanceof FieldError) return fail(`${spec.name} field "${text}": ${e.message}`);
      throw e;
    }
  };
  const minutes = field(MINUTES, minutesText, () => parseList(minutesText, MINUTES));
  const hours = field(HOURS, hoursText, () => parseList(hoursText, HOURS));
  const dayOfMonth = field(DAY_OF_MONTH, domText, () => parseDayOfMonth(domText));
  const months = field(MONTH, monthText, () => parseList(monthText, MONTH));
  const dayOfWeek = field(DAY_OF_WEEK, dowText, () => parseDayOfWeek(dowText));
  const years = field(YEAR, yearText, () => parseList(yearText, YEAR));
  // EventBridge: "You can't specify the Day-of-month and Day-of-week fields in the same
  // cron expression. If you specify a value or a * in one of the fields, you must use a ?
  // in the other."
  if (dayOfMonth.kind === "unspecified" && dayOfWeek.kind === "unspecified") {
    return fail('day-of-month and day-of-week are both "?": one of them must give the days');
  }
  if (dayOfMonth.kind !== "unspecified" && dayOfWeek.kind !== "unspecified") {
    return fail(
      `day-of-month "${domText}" and day-of-week "${dowText}" are both given: one of them must be "?"`,
    );
  }
  return Object.freeze({
    kind: "cron",
    expression,
    minutes,
    hours,
    dayOfMonth,
    months,
    dayOfWeek,
    years,
  });
}

function parseDayOfMonth(text: string): DayOfMonth {
  if (text === "?") return { kind: "unspecified" };
  if (text === "L") return { kind: "last" };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) {
    return { kind: "nearestWeekday", day: parseValue(weekday[1] ?? "", DAY_OF_MONTH) };
  }
  if (/[LW]/i.test(text)) {
    throw new FieldError(
      'L and W stand alone in day-of-month: "L" (the last day of the month) or "nW" (the weekday nearest day n)',
    );
  }
  return { kind: "days", days: parseList(text, DAY_OF_MONTH) };
}

function parseDayOfWeek(text: string): DayOfWeek {
  if (text === "?") return { kind: "unspecified" };
  // EventBridge: "The L wildcard in the Day-of-month or Day-of-week fields specifies the
  // last day of the month or week": alone in day-of-week, L is Saturday (7).
  if (text.toUpperCase() === "L") return { kind: "days", days: [7] };
  const last = /^(\w+)L$/i.exec(text);
  if (last) return { kind: "lastOfMonth", day: parseValue(last[1] ?? "", DAY_OF_WEEK) };
  const nth = /^(\w+)#(\w+)$/.exec(text);
  if (nth) {
    const day = parseValue(nth[1] ?? "", DAY_OF_WEEK);
    const n = nth[2] ?? "";
    if (!/^[1-5]$/.test(n)) {
      throw new FieldError(`"#${n}" is not an instance of the weekday from 1 to 5`);
    }
    return { kind: "nth", day, nth: Number(n) };
  }
  if (/[L#]/i.test(text)) {
    throw new FieldError(
      'L and # stand alone in day-of-week: "L" (Saturday), "nL" (the last weekday n of the month) or "n#k" (the k-th weekday n of the month)',
    );
  }
  return { kind: "days", days: parseList(text, DAY_OF_WEEK) };
}

/** A list of `*`, values, ranges `a-b` and steps `x/n`, as sorted unique values. */
function parseList(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw new FieldError("a list has an empty item");
    if (item === "?") {
      throw new FieldError('"?" is only allowed in day-of-month and day-of-week');
    }
    const [rangeText = "", stepText, extra] = item.split("/");
    if (extra !== undefined) throw new FieldError(`"${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.steps) throw new FieldError(`steps ("/") are not allowed in ${spec.name}`);
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw new FieldError(
          `the step "${stepText}" in "${item}" is not a whole number of at least 1`,
        );
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = spec.min;
      to = spec.max;
    } else {
      const bounds = rangeText.split("-");
      if (bounds.length > 2 || bounds.includes("")) {
        throw new FieldError(`"${item}" is not a value or a range a-b`);
      }
      from = parseValue(bounds[0] ?? "", spec);
      // "a/n" runs from a to the end of the field's range.
      to = bounds[1] !== undefined ? parseValue(bounds[1], spec) : stepText ? spec.max : from;
      if (to < from) {
        throw new FieldError(
          `the range "${rangeText}" goes backwards: write the lower bound first`,
        );
      }
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(text: string, spec: FieldSpec): number {
  let value: number;
  if (/^\d+$/.test(text)) {
    value = Number(text);
  } else {
    const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) {
      const names = spec.names ? ` or a name ${spec.names[0]}-${spec.names.at(-1)}` : "";
      throw new FieldError(`"${text}" is not a number${names}`);
    }
    value = spec.min + index;
  }
  if (value < spec.min || value > spec.max) {
    throw new FieldError(`${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

/**
 * The first run strictly after `afterEpochMs`, in epoch milliseconds, or `undefined` when a
 * cron schedule never runs again (its years are past, or it names a day that does not
 * exist, such as February 30).
 *
 * A cron schedule reads its fields as wall-clock time in `timeZone` (IANA, default UTC), and
 * handles daylight saving time as EventBridge Scheduler does: a time skipped when clocks move
 * forward does not run that day (`cron(30 2 * * ? *)` in Europe/Paris has no run on the last
 * Sunday of March), and a time repeated when they move back runs once, at its first
 * occurrence (02:30 on the last Sunday of October runs at 00:30 UTC, not again at 01:30 UTC).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time
 *
 * A rate schedule ignores time zones (a day is 24 hours, as on EventBridge) and runs every
 * interval from when it starts, so pass the previous run, or the start, as `afterEpochMs`.
 *
 * @example
 * nextRun(parseSchedule("cron(0 12 * * ? *)"), Date.UTC(2026, 0, 1, 13)); // 2026-01-02T12:00Z
 * nextRun(parseSchedule("cron(0 9 * * ? *)"), Date.UTC(2026, 6, 1), "Europe/Paris"); // 07:00Z
 */
export function nextRun(
  schedule: Schedule,
  afterEpochMs: number,
  timeZone = "UTC",
): number | undefined {
  if (schedule.kind === "rate") return afterEpochMs + schedule.intervalMs;
  if (timeZone === "UTC") return nextWallRun(schedule, afterEpochMs);
  // Walk the matching wall-clock times after the wall clock of `afterEpochMs`; in the hour
  // repeated when clocks move back that wall clock is behind the first pass, so a match whose
  // first instant is not after `afterEpochMs` has run already and is passed over.
  let wall: number | undefined = wallClockOf(afterEpochMs, timeZone);
  for (;;) {
    wall = nextWallRun(schedule, wall);
    if (wall === undefined) return undefined;
    const instant = firstInstantOf(wall, timeZone);
    if (instant !== undefined && instant > afterEpochMs) return instant;
  }
}

/** The next matching time after `afterWallMs`, both read as UTC fields. */
function nextWallRun(schedule: CronSchedule, afterWallMs: number): number | undefined {
  const minutes = new Set(schedule.minutes);
  const hours = new Set(schedule.hours);
  const months = new Set(schedule.months);
  const years = new Set(schedule.years);
  // Cron runs on whole minutes: start at the first whole minute after `afterWallMs`.
  let t = Math.floor(afterWallMs / 60_000) * 60_000 + 60_000;
  // Each step moves to the start of the next candidate year, month, day, hour or
  // minute, so this ends: at worst a day at a time until the last year (2199).
  for (;;) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth(); // 0-based
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    if (!years.has(year)) {
      const nextYear = schedule.years.find((y) => y > year);
      if (nextYear === undefined) return undefined;
      t = Date.UTC(nextYear, 0, 1);
    } else if (!months.has(month + 1)) {
      t = Date.UTC(year, month + 1, 1);
    } else if (!dayMatches(schedule, year, month, day)) {
      t = Date.UTC(year, month, day + 1);
    } else if (!hours.has(hour)) {
      t = Date.UTC(year, month, day, hour + 1);
    } else if (!minutes.has(d.getUTCMinutes())) {
      t += 60_000;
    } else {
      return t;
    }
  }
}

function dayMatches(schedule: CronSchedule, year: number, month: number, day: number): boolean {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const weekday = new Date(Date.UTC(year, month, day)).getUTCDay() + 1; // 1 = SUN
  const dom = schedule.dayOfMonth;
  switch (dom.kind) {
    case "days":
      return dom.days.includes(day);
    case "last":
      return day === daysInMonth;
    case "nearestWeekday":
      return day === nearestWeekday(year, month, dom.day, daysInMonth);
    case "unspecified":
      break;
  }
  const dow = schedule.dayOfWeek;
  switch (dow.kind) {
    case "days":
      return dow.days.includes(weekday);
    case "lastOfMonth":
      return weekday === dow.day && day + 7 > daysInMonth;
    case "nth":
      return weekday === dow.day && Math.ceil(day / 7) === dow.nth;
    case "unspecified":
      return false;
  }
}

/**
 * The Monday–Friday day nearest `target` without leaving the month (Quartz's `W`,
 * which EventBridge follows): a Saturday moves to Friday (or to Monday the 3rd when
 * the target is the 1st); a Sunday moves to Monday (or to Friday when it is the last day).
 * `undefined` when the month has no such day (31W in April).
 */
function nearestWeekday(
  year: number,
  month: number,
  target: number,
  daysInMonth: number,
): number | undefined {
  if (target > daysInMonth) return undefined;
  const weekday = new Date(Date.UTC(year, month, target)).getUTCDay(); // 0 = SUN
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === daysInMonth ? target - 2 : target + 1;
  return target;
}
