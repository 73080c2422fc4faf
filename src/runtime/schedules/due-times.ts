import type { JobSchedule } from "../../core/job-types.js";
import { nextRun } from "../../core/schedule.js";

/** What a schedule's due times follow: a change of any of these recomputes its next due time. */
export function definitionOf(s: JobSchedule): string {
  return JSON.stringify({
    expression: s.expression,
    timezone: s.timezone,
    start: s.start ?? null,
    end: s.end ?? null,
  });
}

/** `due`, or null when it is past the schedule's end (or there is none). */
function withinEnd(s: JobSchedule, due: number | undefined): number | null {
  if (due === undefined) return null;
  return s.end !== undefined && due > s.end ? null : due;
}

/**
 * The first due time of a schedule seen at `now` (new, or changed). A cron schedule: its first
 * match from `start` (or after now). A rate schedule: from `start` every interval, the first at
 * or after now; without a start, now (to the second), as EventBridge Scheduler starts a rate
 * schedule created without a StartDate at once.
 */
export function firstDue(s: JobSchedule, now: number): number | null {
  const { schedule } = s;
  if (schedule.kind === "rate") {
    if (s.start === undefined) return withinEnd(s, Math.ceil(now / 1000) * 1000);
    if (s.start >= now) return withinEnd(s, s.start);
    const steps = Math.ceil((now - s.start) / schedule.intervalMs);
    return withinEnd(s, s.start + steps * schedule.intervalMs);
  }
  const after = s.start !== undefined && s.start > now ? s.start - 1 : now;
  return withinEnd(s, nextRun(schedule, after, s.timezone));
}

/**
 * The due time after a run due at `due`, sent at `now` (later than `due` when caught up): the
 * first after both, so runs missed meanwhile are not sent one by one. A rate schedule keeps
 * its grid (due + k × interval).
 */
export function nextDue(s: JobSchedule, due: number, now: number): number | null {
  const { schedule } = s;
  if (schedule.kind === "rate") {
    const steps = Math.max(1, Math.floor((now - due) / schedule.intervalMs) + 1);
    return withinEnd(s, due + steps * schedule.intervalMs);
  }
  return withinEnd(s, nextRun(schedule, Math.max(due, now), s.timezone));
}

/** Up to `count` due times from `from` on (inclusive), for `offload schedules`. */
export function upcoming(s: JobSchedule, from: number | null, count: number): number[] {
  const out: number[] = [];
  let due = from;
  while (due !== null && out.length < count) {
    out.push(due);
    due = nextDue(s, due, due);
  }
  return out;
}
