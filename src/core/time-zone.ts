/**
 * IANA time zones through `Intl` (no dependency): a zone's UTC offset at an
 * instant, and the instant of a wall-clock time, which may not exist (skipped
 * when clocks move forward) or may exist twice (when they move back).
 */

import { OffloadError } from "./errors.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `timeZone` is a time zone `Intl` knows (IANA names such as `"Europe/Paris"`, and `"UTC"`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The time zone, checked, by its canonical name (`"europe/paris"` gives `"Europe/Paris"`, as
 * EventBridge Scheduler wants it).
 *
 * @throws OffloadError `InvalidSchedule` naming the option and what came.
 */
export function checkTimeZone(timeZone: unknown, option: string): string {
  if (typeof timeZone === "string" && timeZone !== "" && isTimeZone(timeZone)) {
    return formatterOf(timeZone).resolvedOptions().timeZone;
  }
  throw new OffloadError(
    "InvalidSchedule",
    `${option} ${JSON.stringify(timeZone) ?? String(timeZone)} is not an IANA time zone: write e.g. "UTC", "Europe/Paris" or "America/New_York"`,
  );
}

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws a RangeError for an unknown zone.
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The wall-clock time in `timeZone` at `epochMs`, as epoch ms of the same fields read in UTC
 * (so `new Date(wall).getUTCHours()` is the local hour).
 */
export function wallClockOf(epochMs: number, timeZone: string): number {
  if (timeZone === "UTC") return epochMs;
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(epochMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const ms = ((epochMs % 1000) + 1000) % 1000;
  return (
    Date.UTC(
      fields.year ?? 1970,
      (fields.month ?? 1) - 1,
      fields.day ?? 1,
      fields.hour ?? 0,
      fields.minute ?? 0,
      fields.second ?? 0,
    ) + ms
  );
}

/** The zone's offset from UTC at `epochMs`, in ms (Paris in summer: +7,200,000). */
export function offsetAt(epochMs: number, timeZone: string): number {
  return wallClockOf(epochMs, timeZone) - epochMs;
}

const DAY_MS = 86_400_000;

/**
 * The first instant whose wall clock in `timeZone` reads `wallMs` (see {@link wallClockOf}):
 * the earlier of two in the hour repeated when clocks move back, `undefined` for a time
 * skipped when they move forward.
 */
export function firstInstantOf(wallMs: number, timeZone: string): number | undefined {
  if (timeZone === "UTC") return wallMs;
  // The offsets in force a day either side cover every transition but the rare zone that
  // changed twice within two days; each candidate is kept only if it reads back as `wallMs`.
  const offsets = new Set([
    offsetAt(wallMs - DAY_MS, timeZone),
    offsetAt(wallMs, timeZone),
    offsetAt(wallMs + DAY_MS, timeZone),
  ]);
  let first: number | undefined;
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (wallClockOf(instant, timeZone) === wallMs && (first === undefined || instant < first)) {
      first = instant;
    }
  }
  return first;
}
